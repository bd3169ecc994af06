package dev.sendq.bench;

import dev.sendq.core.CachedClock;
import dev.sendq.core.Lease;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.SenderQueue;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A message's whole life: enqueue, take, delivered (and a variant that defers once to a retry
 * due at once, takes it again, then delivers), in sendq and in {@link BaselineQueue}, the
 * {@code LinkedBlockingQueue} + {@code DelayQueue} + {@code ConcurrentHashMap} + {@code LongAdder}
 * bookkeeping a user would otherwise write. Messages spread over 100 cells.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar LifecycleBenchmark -prof gc
 * </pre>
 *
 * {@code lifecycle} and {@code lifecycleWithRetry} run on one thread (ns per message);
 * {@code producersAndWorkers} runs one producer against one worker ({@code completed} = messages
 * delivered per second).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LifecycleBenchmark {
    static final int CELLS = 100;
    static final String[] ISPS = {"Gmail", "Yahoo", "Microsoft", "Apple", "Other"};
    static final int BACKLOG = 10_000;

    /**
     * The implementations compared: sendq on the system clock, sendq on a {@link CachedClock}
     * refreshed every millisecond (a clock read is one volatile read), and the baseline.
     */
    public enum Impl { SENDQ, SENDQ_CACHED_CLOCK, BASELINE }

    /** One queue, shared by all threads. */
    @State(Scope.Benchmark)
    public static class Queues {
        @Param
        Impl impl;

        QueueEngine engine;
        SenderQueue sendq;
        CachedClock clock;
        BaselineQueue baseline;
        /** The producers' backlog bound; only {@code producersAndWorkers} uses it. */
        final Backlog backlog = new Backlog(BACKLOG);

        @Setup(Level.Trial)
        public void setUp() {
            QueueEngine.Builder b = QueueEngine.builder().leaseDuration(Duration.ofHours(1));
            if (impl == Impl.SENDQ_CACHED_CLOCK) {
                clock = CachedClock.start(Duration.ofMillis(1));
                b.clock(clock);
            }
            engine = b.build();
            sendq = engine.addSender(1);
            baseline = new BaselineQueue();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (clock != null) {
                clock.close();
            }
        }

        void enqueue(long id) {
            int cell = (int) (id % CELLS);
            if (impl != Impl.BASELINE) {
                LifecycleBenchmark.enqueue(sendq, id, cell);
            } else {
                LifecycleBenchmark.enqueue(baseline, id, cell);
            }
        }
    }

    /** Enqueues message {@code id} into cell {@code cell} of the benchmarks' layout (10 accounts, 5 ISPs). */
    static void enqueue(SenderQueue q, long id, int cell) {
        q.enqueue(id, 1 + cell % 10, cell, ISPS[cell % ISPS.length], null);
    }

    /** The same message into the baseline. */
    static void enqueue(BaselineQueue q, long id, int cell) {
        q.enqueue(id, 1 + cell % 10, cell, ISPS[cell % ISPS.length]);
    }

    /**
     * A worker's reusable lease, and its side of the backlog; in the single-thread benchmarks,
     * which are producer and worker at once, also the ids it enqueues.
     */
    @State(Scope.Thread)
    public static class Worker {
        final Lease lease = new Lease();
        long lastId;
        /** Made by the first call, in the worker's own thread. */
        Backlog.Worker backlog;
    }

    /**
     * A producer's ids and its side of the backlog: fields of its own thread, so that counting
     * writes no line the worker reads (see {@link Backlog}).
     */
    @State(Scope.Thread)
    public static class Producer {
        long lastId;
        /** Made by the first call, in the producer's own thread. */
        Backlog.Producer backlog;
    }

    /**
     * The round trip of a cache line between two threads, measured right after each iteration
     * (when both benchmark threads have stopped) and reported beside the rate as the secondary
     * result {@code roundTripNs}: on a VM it decides the iteration's rate (docs/performance.md,
     * "Why the forks split"). Set in the iteration's teardown, since JMH zeroes the field after
     * the iteration's setup.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Placement {
        public long roundTripNs;

        @TearDown(Level.Iteration)
        public void probe() throws InterruptedException {
            roundTripNs = RoundTrip.measure(20_000);
        }
    }

    /** Messages a worker completed, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Completed {
        public long completed;
    }

    /** enqueue, take, delivered: one message, start to end. */
    @Benchmark
    public long lifecycle(Queues q, Worker w) {
        q.enqueue(++w.lastId);
        if (q.impl != Impl.BASELINE) {
            q.sendq.take(w.lease);
            q.engine.delivered(w.lease);
            return w.lease.messageId();
        }
        long id = q.baseline.take();
        q.baseline.delivered(id);
        return id;
    }

    /** enqueue, take, defer (due at once), take the retry, delivered. */
    @Benchmark
    public long lifecycleWithRetry(Queues q, Worker w) {
        q.enqueue(++w.lastId);
        if (q.impl != Impl.BASELINE) {
            q.sendq.take(w.lease);
            q.engine.defer(w.lease, Duration.ZERO);
            q.sendq.take(w.lease);
            q.engine.delivered(w.lease);
            return w.lease.messageId();
        }
        long id = q.baseline.take();
        q.baseline.deferNow(id);
        id = q.baseline.take();
        q.baseline.delivered(id);
        return id;
    }

    /** The producer: enqueues while the backlog is under 10,000 messages. */
    @Benchmark
    @Group("producersAndWorkers")
    @GroupThreads(1)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void producer(Queues q, Producer p) {
        Backlog.Producer b = p.backlog;
        if (b == null) {
            b = p.backlog = q.backlog.producer();
        }
        if (!b.full()) {
            q.enqueue(++p.lastId);
            b.enqueued();
        } else {
            Thread.onSpinWait();
        }
    }

    /** The worker: takes and delivers whatever is ready. */
    @Benchmark
    @Group("producersAndWorkers")
    @GroupThreads(1)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void worker(Queues q, Worker w, Completed done, Placement p) {
        Backlog.Worker b = w.backlog;
        if (b == null) {
            b = w.backlog = q.backlog.worker();
        }
        if (q.impl != Impl.BASELINE) {
            if (q.sendq.take(w.lease)) {
                q.engine.delivered(w.lease);
                b.delivered();
                done.completed++;
            }
        } else {
            long id = q.baseline.take();
            if (id >= 0) {
                q.baseline.delivered(id);
                b.delivered();
                done.completed++;
            }
        }
    }
}
