package dev.sendq.bench;

import dev.sendq.core.Grouping;
import dev.sendq.core.Lease;
import dev.sendq.core.OutcomeRow;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.RateLimit;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * {@code take} under rate limits: one operation takes a message, reports it delivered and
 * enqueues a new one into the same cell (so the queue keeps its shape), on one thread. The
 * sender has {@code cells} Gmail cells and 100 cells of four other ISPs, two messages each.
 * {@code limit} compares:
 * <ul>
 * <li>{@code NONE}: no rate limit;</li>
 * <li>{@code LOOSE}: each of the five ISPs limited to 10^9 messages a second, which never binds:
 *     against {@code NONE}, the cost of checking a limit on every take;</li>
 * <li>{@code BINDING}: the four other ISPs as in {@code LOOSE}, Gmail limited to 1,000 a second
 *     while the clock (a {@link ManualClock}) moves 1 ms every 4 operations, so Gmail may have a
 *     quarter of the takes: most Gmail cells wait parked on its limiter while the other ISPs'
 *     cells are served. The cost per take must not grow with the Gmail cells
 *     ({@code cells=1000} against {@code cells=10000}): a permit wakes one parked cell, it does
 *     not poll them all.</li>
 * </ul>
 * Every variant runs on the same manual clock. The trial ends by checking, from the outcome
 * counters, that Gmail got no more than its permits and (when binding) most of them.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar RateLimitBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RateLimitBenchmark {
    static final String LIMITED = "Gmail";
    static final String[] OTHER_ISPS = {"Yahoo", "Microsoft", "Apple", "Other"};
    static final int OTHER_CELLS = 100;
    static final int PER_CELL = 2;
    /** Operations per millisecond of the manual clock. */
    static final int OPS_PER_MS = 4;
    /** Gmail's binding limit: one message per millisecond of the manual clock. */
    static final long LIMITED_PER_SECOND = 1_000;

    /** The limits compared. */
    public enum Limit { NONE, LOOSE, BINDING }

    /** A sender with its cells, limits and manual clock. */
    @State(Scope.Thread)
    public static class Queue {
        /** The cells of the limited ISP. */
        @Param({"1000", "10000"})
        int cells;

        @Param
        Limit limit;

        ManualClock clock;
        long startMillis;
        QueueEngine engine;
        SenderQueue sender;
        final Lease lease = new Lease();
        long nextId;
        int tick;

        @Setup(Level.Trial)
        public void setUp() {
            startMillis = System.currentTimeMillis();
            clock = new ManualClock(startMillis);
            engine = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofDays(1)).build();
            sender = engine.addSender(1);
            for (int i = 0; i < cells; i++) {
                for (int k = 0; k < PER_CELL; k++) {
                    sender.enqueue(++nextId, 1 + i / 100, i, LIMITED, null);
                }
            }
            for (int i = 0; i < OTHER_CELLS; i++) {
                for (int k = 0; k < PER_CELL; k++) {
                    sender.enqueue(++nextId, 1_000_000 + i / 100, i, OTHER_ISPS[i % OTHER_ISPS.length], null);
                }
            }
            if (limit != Limit.NONE) {
                RateLimit loose = RateLimit.perSecond(1_000_000_000L).withBurst(1_000_000);
                for (String isp : OTHER_ISPS) {
                    sender.setRateLimit(Selector.isp(isp), loose);
                }
                sender.setRateLimit(Selector.isp(LIMITED),
                        limit == Limit.LOOSE ? loose : RateLimit.perSecond(LIMITED_PER_SECOND));
            }
        }

        /** Gmail got no more than its permits and, when binding, most of them. */
        @TearDown(Level.Trial)
        public void check() {
            long elapsedMs = clock.millis() - startMillis;
            long total = sender.outcomes(Selector.ALL, Grouping.TOTAL).get(0).delivered();
            long limited = sender.outcomes(Selector.isp(LIMITED), Grouping.TOTAL).stream()
                    .mapToLong(OutcomeRow::delivered).sum();
            System.out.printf("%n%s, %d cells: %,d takes, %,d of them %s (%.1f%%), over %,d ms of the manual clock%n",
                    limit, cells, total, limited, LIMITED, 100.0 * limited / Math.max(1, total), elapsedMs);
            if (limit == Limit.BINDING && (limited > elapsedMs + 1 || limited < elapsedMs / 2)) {
                throw new IllegalStateException("the limit did not bind as planned: " + limited + " " + LIMITED
                        + " takes in " + elapsedMs + " ms at " + LIMITED_PER_SECOND + "/s");
            }
        }
    }

    /** Take, delivered, and a new message into the same cell; the clock moves 1 ms every 4 calls. */
    @Benchmark
    public long takeAndDeliver(Queue q) {
        if (++q.tick == OPS_PER_MS) {
            q.tick = 0;
            q.clock.advance(1);
        }
        Lease l = q.lease;
        if (!q.sender.take(l)) {
            throw new IllegalStateException("nothing to take");
        }
        q.engine.delivered(l);
        long id = ++q.nextId;
        q.sender.enqueue(id, l.accountId(), l.campaignId(), l.isp(), null);
        return id;
    }
}
