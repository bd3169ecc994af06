package dev.sendq.bench;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a user would otherwise build for the same bookkeeping: a {@link LinkedBlockingQueue} of
 * ready ids, a {@link DelayQueue} of retries, a {@link ConcurrentHashMap} of message states and
 * a {@code ConcurrentHashMap} of {@link LongAdder} counters per (account, campaign, ISP). Used as
 * the baseline of {@link LifecycleBenchmark}. Thread-safe in the same sense as the JDK classes.
 */
public final class BaselineQueue {
    static final int NEW = 0;
    static final int PROC = 1;
    static final int RETRY = 2;

    record Key(int account, int campaign, String isp) { }

    static final class Rec {
        final long id;
        final Key key;
        volatile int state;

        Rec(long id, Key key) {
            this.id = id;
            this.key = key;
        }
    }

    record Due(long id, long dueNanos) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(dueNanos, ((Due) o).dueNanos);
        }
    }

    private final LinkedBlockingQueue<Long> ready = new LinkedBlockingQueue<>();
    private final DelayQueue<Due> retries = new DelayQueue<>();
    private final ConcurrentHashMap<Long, Rec> messages = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, LongAdder[]> counters = new ConcurrentHashMap<>();

    public void enqueue(long id, int account, int campaign, String isp) {
        Key k = new Key(account, campaign, isp);
        Rec r = new Rec(id, k);
        if (messages.putIfAbsent(id, r) != null) {
            throw new IllegalArgumentException("duplicate " + id);
        }
        counters(k)[NEW].increment();
        ready.offer(id);
    }

    /** The next ready id (a due retry first), or -1. */
    public long take() {
        Due d = retries.poll();
        Long id;
        if (d != null) {
            id = d.id();
        } else {
            id = ready.poll();
            if (id == null) {
                return -1;
            }
        }
        Rec r = messages.get(id);
        int from = r.state;
        r.state = PROC;
        LongAdder[] c = counters(r.key);
        c[from].decrement();
        c[PROC].increment();
        return id;
    }

    public void delivered(long id) {
        Rec r = messages.remove(id);
        counters(r.key)[PROC].decrement();
    }

    public void deferNow(long id) {
        Rec r = messages.get(id);
        r.state = RETRY;
        LongAdder[] c = counters(r.key);
        c[PROC].decrement();
        c[RETRY].increment();
        retries.offer(new Due(id, System.nanoTime()));
    }

    private LongAdder[] counters(Key k) {
        return counters.computeIfAbsent(k, x -> new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()});
    }
}
