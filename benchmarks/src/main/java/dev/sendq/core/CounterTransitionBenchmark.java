package dev.sendq.core;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import dev.sendq.bench.RoundTrip;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One counter transition (one state's count down, another's up) on a cell, side by side with
 * the JDK primitives a user would otherwise hold per cell, the per-call map lookups a user would
 * otherwise write, and Micrometer and Prometheus metrics resolved per call. {@code cells=1} is the hot cell; {@code cells=10000} spreads
 * operations over random cells; run with {@code -t 1} and {@code -t 2} (threads share cells).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar CounterTransitionBenchmark -t 1 -prof gc
 * java -jar benchmarks/target/benchmarks.jar CounterTransitionBenchmark -t 2 -prof gc
 * </pre>
 *
 * <p>It lives in package {@code dev.sendq.core} to reach the package-private
 * {@link CellCounters}, the counters a message's transition touches through the cell it
 * already holds.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CounterTransitionBenchmark {

    /** The implementations compared. */
    public enum Impl {
        /** sendq's cell counters, the cell held by the message. */
        SENDQ,
        /** Four {@code LongAdder}s per cell, the cell held by the caller. */
        LONG_ADDERS,
        /** An {@code AtomicLongArray(4)} per cell, the cell held by the caller. */
        ATOMIC_LONG_ARRAY,
        /** {@code ConcurrentHashMap<record key, AtomicLongArray>} looked up per call. */
        CHM_ATOMIC_LONG_ARRAY,
        /** {@code ConcurrentHashMap<record key, LongAdder[]>} looked up per call. */
        CHM_LONG_ADDERS,
        /** Micrometer {@code registry.counter(name, tags...)} per call: one counter out of the old state, one into the new. */
        MICROMETER,
        /** Prometheus client {@code gauge.labelValues(...)} per call: dec the old state, inc the new. */
        PROMETHEUS
    }

    static final String[] STATES = {"new", "proc", "retry", "hold"};

    /** A cell key as a user would write one. */
    record Key(int account, int campaign, String isp) { }

    /** The cells, shared by all threads. */
    @State(Scope.Benchmark)
    public static class Cells {
        @Param({"1", "10000"})
        int cells;

        @Param
        Impl impl;

        CellCounters[] sendq;
        LongAdder[][] adders;
        AtomicLongArray[] arrays;
        ConcurrentHashMap<Key, AtomicLongArray> chmArrays;
        ConcurrentHashMap<Key, LongAdder[]> chmAdders;
        int[] accounts;
        int[] campaigns;
        String[] isps;
        String[] accountTags;
        String[] campaignTags;
        MeterRegistry micrometer;
        Gauge prometheus;

        @Setup(Level.Trial)
        public void setUp() {
            sendq = CellCounters.dense(cells); // side by side in blocks, as a sender's cells are
            adders = new LongAdder[cells][];
            arrays = new AtomicLongArray[cells];
            chmArrays = new ConcurrentHashMap<>();
            chmAdders = new ConcurrentHashMap<>();
            accounts = new int[cells];
            campaigns = new int[cells];
            isps = new String[cells];
            accountTags = new String[cells];
            campaignTags = new String[cells];
            micrometer = new SimpleMeterRegistry();
            prometheus = Gauge.builder().name("sendq_messages").help("messages per state")
                    .labelNames("account", "campaign", "isp", "state").register(new PrometheusRegistry());
            String[] names = {"Gmail", "Yahoo", "Microsoft", "Apple", "Other"};
            for (int i = 0; i < cells; i++) {
                adders[i] = new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
                arrays[i] = new AtomicLongArray(4);
                accounts[i] = 1 + i / 100;
                campaigns[i] = i;
                isps[i] = names[i % names.length];
                accountTags[i] = Integer.toString(accounts[i]);
                campaignTags[i] = Integer.toString(campaigns[i]);
                Key k = new Key(accounts[i], campaigns[i], isps[i]);
                chmArrays.put(k, new AtomicLongArray(4));
                chmAdders.put(k, new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()});
            }
        }
    }

    /** Each thread's precomputed sequence of cells and transitions. */
    @State(Scope.Thread)
    public static class Walk {
        int[] cell = new int[1 << 16];
        int i;

        @Setup(Level.Trial)
        public void setUp(Cells c) {
            SplittableRandom r = new SplittableRandom(Thread.currentThread().getId());
            for (int k = 0; k < cell.length; k++) {
                cell[k] = r.nextInt(c.cells);
            }
        }
    }

    /**
     * The round trip of a cache line between two threads, measured by the first benchmark thread
     * right after each iteration (the others have stopped by then) and reported as the secondary
     * result {@code roundTripNs}: at 2 threads it decides a fork's figures on a VM
     * (docs/performance.md, "Why the forks split"). Set in the iteration's teardown, since JMH
     * zeroes the field after the iteration's setup; the other threads report 0, so the sum JMH
     * reports is the one probe.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Placement {
        public long roundTripNs;
        private boolean first;

        @Setup(Level.Trial)
        public void which(ThreadParams t) {
            first = t.getThreadIndex() == 0;
        }

        @TearDown(Level.Iteration)
        public void probe() throws InterruptedException {
            roundTripNs = first ? RoundTrip.measure(20_000) : 0;
        }
    }

    /** One transition from state {@code i % 4} to {@code (i + 1) % 4} on the next cell of the walk. */
    @Benchmark
    public void transition(Cells c, Walk w, Placement p) {
        int i = w.i++;
        int idx = w.cell[i & (w.cell.length - 1)];
        int from = i & 3;
        int to = (i + 1) & 3;
        switch (c.impl) {
            case SENDQ -> c.sendq[idx].move(from, to);
            case LONG_ADDERS -> {
                LongAdder[] a = c.adders[idx];
                a[from].decrement();
                a[to].increment();
            }
            case ATOMIC_LONG_ARRAY -> {
                AtomicLongArray a = c.arrays[idx];
                a.getAndDecrement(from);
                a.getAndIncrement(to);
            }
            case CHM_ATOMIC_LONG_ARRAY -> {
                AtomicLongArray a = c.chmArrays.get(new Key(c.accounts[idx], c.campaigns[idx], c.isps[idx]));
                a.getAndDecrement(from);
                a.getAndIncrement(to);
            }
            case CHM_LONG_ADDERS -> {
                LongAdder[] a = c.chmAdders.get(new Key(c.accounts[idx], c.campaigns[idx], c.isps[idx]));
                a[from].decrement();
                a[to].increment();
            }
            case MICROMETER -> {
                c.micrometer.counter("sendq.transitions.out", "account", c.accountTags[idx], "campaign",
                        c.campaignTags[idx], "isp", c.isps[idx], "state", STATES[from]).increment();
                c.micrometer.counter("sendq.transitions.in", "account", c.accountTags[idx], "campaign",
                        c.campaignTags[idx], "isp", c.isps[idx], "state", STATES[to]).increment();
            }
            case PROMETHEUS -> {
                c.prometheus.labelValues(c.accountTags[idx], c.campaignTags[idx], c.isps[idx], STATES[from]).dec();
                c.prometheus.labelValues(c.accountTags[idx], c.campaignTags[idx], c.isps[idx], STATES[to]).inc();
            }
            default -> throw new AssertionError(c.impl);
        }
    }
}
