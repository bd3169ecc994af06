package dev.sendq.bench;

import dev.sendq.core.CachedClock;
import dev.sendq.core.Lease;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.SenderQueue;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One producer against one worker, outside JMH, printing each second's rates: what
 * {@code LifecycleBenchmark.producersAndWorkers} measures, seen over time instead of as one
 * figure per fork. The producer enqueues while the backlog is under 10,000 messages and spins
 * otherwise; the worker takes and delivers. Each line gives the messages delivered, the takes
 * that found nothing ready, and the producer's spins on a full backlog, per second, and the
 * backlog at that moment. On this project's 2-core VM the delivered rate switches between two
 * levels (see docs/performance.md, "One producer against one worker"); this is the tool that
 * showed it.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.sendq.bench.PipelineRates [seconds] [cells] [cached|system] [poll|block]
 * </pre>
 *
 * Defaults: 10 seconds, 100 cells, a {@link CachedClock} refreshed every millisecond, and a
 * worker that polls ({@code take(lease)}); {@code block} makes it wait up to 1 ms
 * ({@code take(lease, 1, MILLISECONDS)}).
 */
public final class PipelineRates {
    /** The backlog the producer keeps, as in {@link LifecycleBenchmark}. */
    static final int BACKLOG = LifecycleBenchmark.BACKLOG;
    /** Each thread publishes its count every this many events (a power of two). */
    static final int PUBLISH_EVERY = 1024;
    /**
     * Set once the seconds are up. A static field, away from the counters: both threads read it
     * on every iteration, so it must not share a line with anything they write.
     */
    private static volatile boolean stopped;
    private static final String USAGE =
            "usage: PipelineRates [seconds >= 1] [cells >= 1] [cached|system] [poll|block]";

    private PipelineRates() {
    }

    /** Runs the two threads and prints one line a second; exits with status 2 on bad arguments. */
    public static void main(String[] args) throws InterruptedException {
        int seconds;
        int cells;
        boolean cached;
        boolean block;
        try {
            seconds = args.length > 0 ? positive(args[0], "seconds") : 10;
            cells = args.length > 1 ? positive(args[1], "cells") : 100;
            cached = args.length <= 2 || choice(args[2], "cached", "system");
            block = args.length > 3 && !choice(args[3], "poll", "block");
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        run(seconds, cells, cached, block);
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

    private static void run(int seconds, int cells, boolean cached, boolean block) throws InterruptedException {
        stopped = false;
        CachedClock clock = cached ? CachedClock.start(Duration.ofMillis(1)) : null;
        QueueEngine.Builder b = QueueEngine.builder().leaseDuration(Duration.ofHours(1));
        if (clock != null) {
            b.clock(clock);
        }
        QueueEngine engine = b.build();
        SenderQueue q = engine.addSender(1);
        AtomicLong backlog = new AtomicLong();
        // Each counter has one writer, which publishes it every PUBLISH_EVERY events: counting
        // must not add a shared line per message to what it measures.
        AtomicLong delivered = new AtomicLong();
        AtomicLong emptyTakes = new AtomicLong();
        AtomicLong spins = new AtomicLong();

        Thread producer = new Thread(() -> {
            long id = 0;
            long n = 0;
            int cell = 0; // id % cells, without a division per message
            while (!stopped) {
                if (backlog.get() < BACKLOG) {
                    id++;
                    cell = cell + 1 == cells ? 0 : cell + 1;
                    LifecycleBenchmark.enqueue(q, id, cell);
                    backlog.incrementAndGet();
                } else {
                    if ((++n & PUBLISH_EVERY - 1) == 0) {
                        spins.lazySet(n);
                    }
                    Thread.onSpinWait();
                }
            }
        }, "producer");
        Thread worker = new Thread(() -> {
            Lease lease = new Lease();
            long done = 0;
            long empty = 0;
            try {
                while (!stopped) {
                    boolean took = block ? q.take(lease, 1, TimeUnit.MILLISECONDS) : q.take(lease);
                    if (took) {
                        engine.delivered(lease);
                        backlog.decrementAndGet();
                        if ((++done & PUBLISH_EVERY - 1) == 0) {
                            delivered.lazySet(done);
                        }
                    } else {
                        if ((++empty & PUBLISH_EVERY - 1) == 0) {
                            emptyTakes.lazySet(empty);
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "worker");
        producer.setDaemon(true);
        worker.setDaemon(true);
        System.out.printf(Locale.ROOT, "%d cells, %s clock, a worker that %s; backlog %,d%n",
                cells, cached ? "cached" : "system", block ? "blocks up to 1 ms" : "polls", BACKLOG);
        producer.start();
        worker.start();
        long[] last = new long[3];
        long t0 = System.nanoTime();
        for (int s = 1; s <= seconds; s++) {
            Thread.sleep(Math.max(1, (t0 + s * 1_000_000_000L - System.nanoTime()) / 1_000_000));
            long[] now = {delivered.get(), emptyTakes.get(), spins.get()};
            System.out.printf(Locale.ROOT,
                    "%3d s: delivered %5.2f M/s, empty takes %5.2f M/s, producer spins %5.2f M/s, backlog %,d%n",
                    s, (now[0] - last[0]) / 1e6, (now[1] - last[1]) / 1e6, (now[2] - last[2]) / 1e6, backlog.get());
            last = now;
        }
        stopped = true;
        producer.join(5_000);
        worker.join(5_000);
        if (clock != null) {
            clock.close();
        }
    }
}
