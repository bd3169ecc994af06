package dev.sendq.bench;

import dev.sendq.bench.LifecycleBenchmark.Impl;
import dev.sendq.core.Lease;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Each side of {@link LifecycleBenchmark#producersAndWorkers} alone, on one thread, at its
 * backlog: {@code producerSide} enqueues 10,000 messages into an empty queue (100 cells), and
 * {@code workerSide} takes and delivers 10,000 messages that were enqueued before the
 * invocation (the first take finds them all on the sender's inbox, as a worker does behind a
 * producer). ns per message, in sendq and in {@link BaselineQueue}.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar PipelineSidesBenchmark -prof gc
 * </pre>
 *
 * What a side costs here is its own work, with no other thread touching its lines. With two
 * threads, the slower side sets the rate, and each message must also cross from the producer's
 * core to the worker's: the difference between {@code workerSide} and the time per message of
 * {@code producersAndWorkers} is what that crossing costs (docs/performance.md, "One producer
 * against one worker").
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PipelineSidesBenchmark {
    /** Messages per invocation: the producers-against-workers backlog. */
    static final int BATCH = LifecycleBenchmark.BACKLOG;

    /**
     * One queue of {@link LifecycleBenchmark}'s making (its {@code impl} parameter, clock and
     * trial setup), this time one per thread, with that thread's ids and lease.
     */
    @State(Scope.Thread)
    public abstract static class Side extends LifecycleBenchmark.Queues {
        final Lease lease = new Lease();
        long lastId;

        /** Enqueues the next {@link #BATCH} messages, over the 100 cells in turn. */
        final void enqueueBatch() {
            for (int i = 0; i < BATCH; i++) {
                enqueue(++lastId);
            }
        }

        /** Takes and delivers {@link #BATCH} messages; the sum of their ids. */
        final long deliverBatch() {
            long sum = 0;
            for (int i = 0; i < BATCH; i++) {
                long id;
                if (impl != Impl.BASELINE) {
                    if (!sendq.take(lease)) {
                        throw new IllegalStateException("nothing ready after " + i + " takes");
                    }
                    id = lease.messageId();
                    engine.delivered(lease);
                } else {
                    id = baseline.take();
                    if (id < 0) {
                        throw new IllegalStateException("nothing ready after " + i + " takes");
                    }
                    baseline.delivered(id);
                }
                sum += id;
            }
            return sum;
        }
    }

    /** A queue that each invocation finds empty: its teardown delivers what the invocation enqueued, untimed. */
    @State(Scope.Thread)
    public static class Emptied extends Side {
        @TearDown(Level.Invocation)
        public void empty() {
            deliverBatch();
        }
    }

    /** A queue that each invocation finds holding {@link #BATCH} messages, enqueued untimed. */
    @State(Scope.Thread)
    public static class Filled extends Side {
        @Setup(Level.Invocation)
        public void fill() {
            enqueueBatch();
        }
    }

    /** The producer's side: 10,000 enqueues. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long producerSide(Emptied s) {
        s.enqueueBatch();
        return s.lastId;
    }

    /** The worker's side: 10,000 takes and delivered reports. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long workerSide(Filled s) {
        return s.deliverBatch();
    }
}
