package dev.sendq.bench;

import dev.sendq.core.Lease;
import dev.sendq.core.QueueEngine;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the age histograms cost a message's life when a cell's backlog spans many enqueue
 * minutes: one cell holds {@code minutes} messages enqueued one minute apart (a backlog of
 * that many minutes, e.g. 10,000 minutes is about a week of a slow trickle of retries); one
 * operation takes the oldest, reports it delivered and enqueues a new one a minute later, so
 * that the backlog keeps its span and each delivery empties the cell's oldest age entry. With
 * the histogram's cost independent of the span, the time would not grow with {@code minutes}.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar AgeSpanBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AgeSpanBenchmark {

    /** One cell with a backlog of one message per minute. */
    @State(Scope.Thread)
    public static class Queue {
        /** Distinct enqueue minutes of the cell's backlog (one message each). */
        @Param({"10", "1000", "10000"})
        int minutes;

        ManualClock clock;
        QueueEngine engine;
        SenderQueue sender;
        final Lease lease = new Lease();
        long nextId;

        @Setup(Level.Trial)
        public void setUp() {
            clock = new ManualClock(System.currentTimeMillis());
            engine = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofDays(365_000)).build();
            sender = engine.addSender(1);
            for (int i = 0; i < minutes; i++) {
                sender.enqueue(++nextId, 1, 1, "Gmail", null);
                clock.advance(60_000);
            }
        }
    }

    /** Take the oldest message, delivered, and a new message one minute later. */
    @Benchmark
    public long takeDeliverEnqueue(Queue q) {
        if (!q.sender.take(q.lease)) {
            throw new IllegalStateException("nothing to take");
        }
        q.engine.delivered(q.lease);
        long id = ++q.nextId;
        q.sender.enqueue(id, 1, 1, "Gmail", null);
        q.clock.advance(60_000);
        return id;
    }
}
