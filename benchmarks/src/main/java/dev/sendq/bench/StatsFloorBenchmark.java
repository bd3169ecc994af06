package dev.sendq.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A control for {@link StatsQueryBenchmark}: the least any pass over per-cell counters costs on
 * this machine. It sums the four live counts of every cell from one flat {@code long[]}, with
 * nothing else (no filter, no groups, no rows, no concurrency), in two layouts: 4 longs per cell
 * (32 bytes, the fewest a design with 64-bit counts can read) and 8 (64 bytes, sendq's: the
 * live counts and the outcomes of a cell share one line). A stats query of any O(cells) design
 * costs at least this, so grouping a list of N messages can be at most (list time / this time)
 * times slower, whatever the design.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar StatsFloorBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class StatsFloorBenchmark {
    @Param({"100", "10000", "100000"})
    int cells;

    /** Longs per cell: 4 (live counts only) or 8 (sendq's layout). */
    @Param({"4", "8"})
    int longsPerCell;

    long[] counts;

    @Setup
    public void setUp() {
        counts = new long[cells * longsPerCell];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < counts.length; i++) {
            counts[i] = r.nextInt(100);
        }
    }

    /** The four live counts of every cell, summed. */
    @Benchmark
    public long[] sumLiveCounts() {
        long[] a = counts;
        int stride = longsPerCell;
        long n = 0;
        long p = 0;
        long r = 0;
        long h = 0;
        for (int o = 0; o + 3 < a.length; o += stride) {
            n += a[o];
            p += a[o + 1];
            r += a[o + 2];
            h += a[o + 3];
        }
        return new long[] {n, p, r, h};
    }
}
