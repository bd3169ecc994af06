package dev.sendq.bench;

import dev.sendq.core.Lease;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.RetryPolicy;
import dev.sendq.core.SenderQueue;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's transitions on messages already queued, in a cycle that leaves the queue as it
 * found it: take (NEW to PROC), defer due now (PROC to RETRY), take (RETRY to PROC), worker hold
 * (PROC to HOLD), release by id (HOLD to NEW). Run with {@code -prof gc}: the allocation per
 * operation of take, defer, hold and release is the point (0 B/op expected).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar TransitionCycleBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TransitionCycleBenchmark {

    /** A sender with 1,000 NEW messages over 10 cells. */
    @State(Scope.Thread)
    public static class Queue {
        QueueEngine engine;
        SenderQueue sender;
        final Lease lease = new Lease();

        @Setup(Level.Trial)
        public void setUp() {
            engine = QueueEngine.builder().leaseDuration(Duration.ofHours(1))
                    .retryPolicy(RetryPolicy.DEFAULT.withLimits(Integer.MAX_VALUE, Duration.ofDays(36_500)))
                    .build();
            sender = engine.addSender(1);
            for (int i = 1; i <= 1_000; i++) {
                sender.enqueue(i, 1 + i % 10, 7, "Gmail", null);
            }
        }
    }

    /** Five transitions of one message; the score is per transition. */
    @Benchmark
    @OperationsPerInvocation(5)
    public long cycle(Queue q) {
        q.sender.take(q.lease);
        q.engine.defer(q.lease, Duration.ZERO);
        q.sender.take(q.lease);
        q.engine.hold(q.lease);
        long id = q.lease.messageId();
        q.engine.release(id);
        return id;
    }
}
