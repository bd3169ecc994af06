package dev.sendq.bench;

import dev.sendq.core.CachedClock;
import dev.sendq.core.Lease;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.SenderQueue;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One producer against one worker, outside JMH, printing each second's rates: what
 * {@code LifecycleBenchmark.producersAndWorkers} measures, seen over time instead of as one
 * figure per fork. The producer enqueues while the backlog is under 10,000 messages and spins
 * otherwise (a {@link Backlog}: the two threads share no line per message beyond the queue's own);
 * the worker takes and delivers. Each line gives the messages delivered, the takes
 * that found nothing ready, and the producer's spins on a full backlog, per second, the backlog
 * at that moment, and the round trip of one cache line between the two threads.
 *
 * <p>That round trip is why the delivered rate switches between two levels on this project's
 * 2-core VM (see docs/performance.md, "One producer against one worker"): once a second both
 * threads pause for a few milliseconds and bounce one value between them 20,000 times, with no
 * queue involved. Where the two virtual CPUs run on the host decides what that costs (about
 * 70 ns, or about 330 ns), it changes at moments no program controls, and the rate follows it.
 * So sendq and the {@link BaselineQueue} ({@code baseline}) compare fairly only at the same round
 * trip, second by second.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.sendq.bench.PipelineRates [seconds] [cells] [cached|system] [poll|block] [sendq|baseline]
 * </pre>
 *
 * Defaults: 10 seconds, 100 cells, a {@link CachedClock} refreshed every millisecond, a worker
 * that polls ({@code take(lease)}; {@code block} makes it wait up to 1 ms,
 * {@code take(lease, 1, MILLISECONDS)}), and sendq. The clock and the worker's mode apply to
 * sendq only; the baseline's worker polls, as in {@code LifecycleBenchmark}.
 */
public final class PipelineRates {
    /** The backlog the producer keeps, as in {@link LifecycleBenchmark}. */
    static final int BACKLOG = LifecycleBenchmark.BACKLOG;
    /** Each thread publishes its count every this many events (a power of two). */
    static final int PUBLISH_EVERY = 1024;
    /** Round trips per probe. */
    static final int ROUND_TRIPS = 20_000;
    /** Which queue runs. */
    enum Impl { SENDQ, BASELINE }
    /**
     * Set once the seconds are up. A static field, away from the counters: both threads read it
     * on every iteration, so it must not share a line with anything they write.
     */
    private static volatile boolean stopped;
    /** Set by the main thread for the probe; read by both threads on every iteration, like {@link #stopped}. */
    private static final AtomicBoolean PAUSING = new AtomicBoolean();
    private static final String USAGE = "usage: PipelineRates [seconds >= 1] [cells >= 1] [cached|system] "
            + "[poll|block] [sendq|baseline]";

    private PipelineRates() {
    }

    /** Runs the two threads and prints one line a second; exits with status 2 on bad arguments. */
    public static void main(String[] args) throws InterruptedException {
        int seconds;
        int cells;
        boolean cached;
        boolean block;
        Impl impl;
        try {
            seconds = args.length > 0 ? positive(args[0], "seconds") : 10;
            cells = args.length > 1 ? positive(args[1], "cells") : 100;
            cached = args.length <= 2 || choice(args[2], "cached", "system");
            block = args.length > 3 && !choice(args[3], "poll", "block");
            impl = args.length > 4 ? impl(args[4]) : Impl.SENDQ;
            if (args.length > 5) {
                throw new IllegalArgumentException("too many arguments: " + args.length);
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        run(seconds, cells, cached, block, impl);
    }

    private static int positive(String s, String what) {
        try {
            int v = Integer.parseInt(s);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + " must be a whole number >= 1, got \"" + s + "\"");
    }

    /** True for {@code first}, false for {@code second}, else an error. */
    private static boolean choice(String s, String first, String second) {
        if (s.equals(first)) {
            return true;
        }
        if (s.equals(second)) {
            return false;
        }
        throw new IllegalArgumentException("expected " + first + " or " + second + ", got \"" + s + "\"");
    }

    private static Impl impl(String s) {
        for (Impl i : Impl.values()) {
            if (i.name().toLowerCase(Locale.ROOT).equals(s)) {
                return i;
            }
        }
        throw new IllegalArgumentException("expected sendq or baseline, got \"" + s + "\"");
    }

    /** What both threads share: the queues, the per-queue backlogs, the counts and the probe's handshake. */
    private static final class Shared {
        final SenderQueue sendq;
        final QueueEngine engine;
        final BaselineQueue baseline = new BaselineQueue();
        /** Keeps the producer ahead of the worker by {@link #BACKLOG}; its count of deliveries is the rate's. */
        final Backlog backlog = new Backlog(BACKLOG);
        // Each counter has one writer, which publishes it every PUBLISH_EVERY events: counting
        // must not add a shared line per message to what it measures.
        final AtomicLong emptyTakes = new AtomicLong();
        /** The producer's count of messages enqueued, set when it stops for the probe. */
        final AtomicLong enqueued = new AtomicLong();
        final AtomicLong spins = new AtomicLong();
        /** Threads that have stopped for the probe. */
        final AtomicInteger paused = new AtomicInteger();
        /** The probe's time for all its round trips, or -1 while it runs. */
        final AtomicLong probeNanos = new AtomicLong(-1);
        final RoundTrip roundTrip = new RoundTrip();
        /** Whether the threads run sendq rather than the baseline. */
        final boolean onSendq;

        Shared(QueueEngine engine, boolean onSendq) {
            this.engine = engine;
            this.sendq = engine.addSender(1);
            this.onSendq = onSendq;
        }
    }

    private static void run(int seconds, int cells, boolean cached, boolean block, Impl impl)
            throws InterruptedException {
        stopped = false;
        PAUSING.set(false);
        CachedClock clock = cached ? CachedClock.start(Duration.ofMillis(1)) : null;
        QueueEngine.Builder b = QueueEngine.builder().leaseDuration(Duration.ofHours(1));
        if (clock != null) {
            b.clock(clock);
        }
        Shared sh = new Shared(b.build(), impl == Impl.SENDQ);

        Thread producer = new Thread(() -> produce(sh, cells), "producer");
        Thread worker = new Thread(() -> work(sh, block), "worker");
        producer.setDaemon(true);
        worker.setDaemon(true);
        System.out.printf(Locale.ROOT, "%d cells, %s, %s clock, a worker that %s; backlog %,d%n", cells,
                impl.name().toLowerCase(Locale.ROOT),
                cached ? "cached" : "system", block ? "blocks up to 1 ms" : "polls", BACKLOG);
        RoundTrip.measure(5 * ROUND_TRIPS); // compiles both ends of the probe before it is timed
        producer.start();
        worker.start();
        long[] last = new long[3];
        long t0 = System.nanoTime();
        for (int s = 1; s <= seconds; s++) {
            Thread.sleep(Math.max(1, (t0 + s * 1_000_000_000L - System.nanoTime()) / 1_000_000));
            long roundTrip = probe(sh);
            long[] now = {sh.backlog.delivered(), sh.emptyTakes.get(), sh.spins.get()};
            System.out.printf(Locale.ROOT,
                    "%3d s: delivered %5.2f M/s, empty takes %5.2f M/s, producer spins %5.2f M/s, "
                            + "backlog %,6d, round trip %4d ns%n",
                    s, (now[0] - last[0]) / 1e6, (now[1] - last[1]) / 1e6, (now[2] - last[2]) / 1e6,
                    sh.enqueued.get() - now[0], roundTrip);
            last = now;
        }
        stopped = true;
        producer.join(5_000);
        worker.join(5_000);
        if (clock != null) {
            clock.close();
        }
    }

    /**
     * Pauses both threads, has them bounce a value {@link #ROUND_TRIPS} times and lets them
     * go on; returns the mean round trip in nanoseconds.
     */
    private static long probe(Shared sh) throws InterruptedException {
        sh.probeNanos.set(-1);
        sh.paused.set(0);
        PAUSING.set(true);
        long nanos;
        while ((nanos = sh.probeNanos.get()) < 0) {
            Thread.sleep(1);
        }
        PAUSING.set(false);
        return nanos / ROUND_TRIPS;
    }

    private static void produce(Shared sh, int cells) {
        long id = 0;
        long n = 0;
        int cell = 0; // id % cells, without a division per message
        boolean onSendq = sh.onSendq;
        Backlog.Producer backlog = sh.backlog.producer();
        while (!stopped) {
            if (PAUSING.get()) {
                sh.enqueued.set(backlog.count()); // for the line the main thread prints
                sh.paused.incrementAndGet();
                sh.roundTrip.answer(PAUSING); // the probe's far end
            } else if (!backlog.full()) {
                id++;
                cell = cell + 1 == cells ? 0 : cell + 1;
                if (onSendq) {
                    LifecycleBenchmark.enqueue(sh.sendq, id, cell);
                } else {
                    LifecycleBenchmark.enqueue(sh.baseline, id, cell);
                }
                backlog.enqueued();
            } else {
                if ((++n & PUBLISH_EVERY - 1) == 0) {
                    sh.spins.lazySet(n);
                }
                Thread.onSpinWait();
            }
        }
    }

    private static void work(Shared sh, boolean block) {
        Lease lease = new Lease();
        Backlog.Worker backlog = sh.backlog.worker();
        long empty = 0;
        boolean onSendq = sh.onSendq;
        try {
            while (!stopped) {
                boolean took;
                if (PAUSING.get()) {
                    sh.paused.incrementAndGet();
                    while (sh.paused.get() < 2) {
                        Thread.onSpinWait();
                    }
                    sh.probeNanos.set(sh.roundTrip.serve(ROUND_TRIPS)); // the probe's near end
                    while (PAUSING.get()) {
                        Thread.onSpinWait();
                    }
                    continue;
                } else if (onSendq) {
                    took = block ? sh.sendq.take(lease, 1, TimeUnit.MILLISECONDS) : sh.sendq.take(lease);
                    if (took) {
                        sh.engine.delivered(lease);
                        backlog.delivered();
                    }
                } else {
                    long id = sh.baseline.take();
                    took = id >= 0;
                    if (took) {
                        sh.baseline.delivered(id);
                        backlog.delivered();
                    }
                }
                if (!took && (++empty & PUBLISH_EVERY - 1) == 0) {
                    sh.emptyTakes.lazySet(empty);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
