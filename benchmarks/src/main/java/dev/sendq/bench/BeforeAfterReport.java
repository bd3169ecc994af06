package dev.sendq.bench;

import static dev.sendq.bench.Report.find;
import static dev.sendq.bench.Report.fmt;

import dev.sendq.bench.Report.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The section of {@code docs/benchmarks.md} that compares this tree with an earlier revision,
 * from the alternating rounds of {@code benchmarks/compare.sh} ({@code compare/} in the results
 * folder), and its target: transition cost within 10% of the earlier revision's.
 */
final class BeforeAfterReport {
    private static final String CPU = "cpu.time.norm";
    /** The largest slowdown the target allows. */
    private static final double WITHIN = 1.10;

    /** One compared figure: which file, which benchmark and parameters, and whether the target covers it. */
    private record Row(String label, String file, String benchmark, String[] params, boolean transition) { }

    private static final List<Row> ROWS = List.of(
            new Row("counter transition, hot, 1 thr", "transition-1t", "CounterTransitionBenchmark.transition",
                    new String[] {"cells", "1"}, true),
            new Row("counter transition, spread, 1 thr", "transition-1t", "CounterTransitionBenchmark.transition",
                    new String[] {"cells", "10000"}, true),
            new Row("counter transition, hot, 2 thr", "transition-2t", "CounterTransitionBenchmark.transition",
                    new String[] {"cells", "1"}, true),
            new Row("counter transition, spread, 2 thr", "transition-2t", "CounterTransitionBenchmark.transition",
                    new String[] {"cells", "10000"}, true),
            new Row("transition cycle (per transition)", "lifecycle", "TransitionCycleBenchmark.cycle", new String[0], true),
            new Row("lifecycle, sendq", "lifecycle", "LifecycleBenchmark.lifecycle", new String[] {"impl", "SENDQ"}, false),
            new Row("lifecycle, baseline (control)", "lifecycle", "LifecycleBenchmark.lifecycle",
                    new String[] {"impl", "BASELINE"}, false),
            new Row("lifecycleWithRetry, sendq", "lifecycle", "LifecycleBenchmark.lifecycleWithRetry",
                    new String[] {"impl", "SENDQ"}, false),
            new Row("lifecycleWithRetry, baseline (control)", "lifecycle", "LifecycleBenchmark.lifecycleWithRetry",
                    new String[] {"impl", "BASELINE"}, false));

    private final Report report;
    private final String revision;
    /** Per row: the scores of each round, before and after, in wall time and (CpuTimeProfiler) CPU time. */
    private final List<double[]> before = new ArrayList<>();
    private final List<double[]> after = new ArrayList<>();
    private final List<double[]> beforeCpu = new ArrayList<>();
    private final List<double[]> afterCpu = new ArrayList<>();

    private BeforeAfterReport(Report report, String revision) {
        this.report = report;
        this.revision = revision;
    }

    /** Reads {@code compare/} of the results folder; with no such folder, the report writes nothing. */
    static BeforeAfterReport load(Report report) throws IOException {
        Path rev = report.dir.resolve("compare/revision");
        BeforeAfterReport r = new BeforeAfterReport(report, Files.exists(rev) ? Files.readString(rev).strip() : null);
        int rounds = 0;
        while (Files.exists(report.dir.resolve("compare/after-" + (rounds + 1) + "-lifecycle.json"))) {
            rounds++;
        }
        for (Row row : ROWS) {
            for (List<double[]> l : List.of(r.before, r.after, r.beforeCpu, r.afterCpu)) {
                l.add(new double[rounds]);
            }
        }
        for (int round = 1; round <= rounds; round++) {
            for (String side : new String[] {"before", "after"}) {
                List<double[]> scores = side.equals("before") ? r.before : r.after;
                List<double[]> cpu = side.equals("before") ? r.beforeCpu : r.afterCpu;
                for (String file : new String[] {"transition-1t", "transition-2t", "lifecycle"}) {
                    List<Result> results = report.load("compare/" + side + "-" + round + "-" + file + ".json");
                    for (int i = 0; i < ROWS.size(); i++) {
                        Row row = ROWS.get(i);
                        if (row.file().equals(file)) {
                            Result x = find(results, row.benchmark(), row.params());
                            scores.get(i)[round - 1] = Report.score(x);
                            cpu.get(i)[round - 1] = x == null ? Double.NaN
                                    : x.secondary().getOrDefault(CPU, Double.NaN);
                        }
                    }
                }
            }
        }
        return r;
    }

    private boolean present() {
        return revision != null && before.get(0).length > 0;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** The fastest round (NaN if none): noise on this VM only ever adds time, and 2-thread rounds are bimodal. */
    private static double best(double[] v) {
        double b = Double.NaN;
        for (double x : v) {
            if (!Double.isNaN(x) && (Double.isNaN(b) || x < b)) {
                b = x;
            }
        }
        return b;
    }

    /**
     * The target row: the worst after / before ratio over the transition figures, fastest round
     * against fastest round, in wall time (CPU time beside it).
     */
    void targets() {
        if (!present()) {
            return;
        }
        int w = worst(before, after);
        int c = worst(beforeCpu, afterCpu);
        report.target("transition cost within 10% of " + revision + " (side by side)", ratio(before, after, w) <= WITHIN,
                String.format(Locale.ROOT, "worst after / before, fastest round against fastest round, %.2f (%s); "
                        + "in CPU time %.2f (%s)", ratio(before, after, w),
                        ROWS.get(w).label(), ratio(beforeCpu, afterCpu, c), ROWS.get(c).label()));
    }

    private static double ratio(List<double[]> b, List<double[]> a, int row) {
        return best(a.get(row)) / best(b.get(row));
    }

    /** The transition row with the largest after / before ratio (NaN ratios never win). */
    private static int worst(List<double[]> b, List<double[]> a) {
        int worst = 0;
        for (int i = 1; i < ROWS.size(); i++) {
            if (ROWS.get(i).transition() && ratio(b, a, i) > ratio(b, a, worst)) {
                worst = i;
            }
        }
        return worst;
    }

    /** The table. */
    void write() {
        if (!present()) {
            return;
        }
        int rounds = before.get(0).length;
        StringBuilder md = report.md;
        md.append("## Against ").append(revision).append("\n\n`benchmarks/compare.sh ").append(revision).append(' ').append(rounds)
                .append("`: the same benchmarks built from ").append(revision).append(" (before) and from this tree (after), run in ")
                .append(rounds).append(" alternating rounds (before, after, before, ...), ns/op; each cell gives the mean and the ")
                .append("rounds, and the ratios compare each side's fastest round (noise here only adds time, and a 2-thread ")
                .append("round lands in one of two modes). The counter transition runs sendq's cell counters alone; the cycle and the lifecycle run the engine. ")
                .append("The baseline does not change between the two: its ratio shows the machine's drift. CPU time is the ")
                .append("benchmark JVM's CPU time per operation (`CpuTimeProfiler`), which waiting for a core does not inflate.\n\n")
                .append("| figure | before | after | after / before | CPU before | CPU after | CPU after / before |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < ROWS.size(); i++) {
            md.append("| ").append(ROWS.get(i).label()).append(" | ").append(rounds(before.get(i))).append(" | ")
                    .append(rounds(after.get(i))).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", ratio(before, after, i))).append(" | ")
                    .append(rounds(beforeCpu.get(i))).append(" | ").append(rounds(afterCpu.get(i))).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", ratio(beforeCpu, afterCpu, i))).append(" |\n");
        }
        md.append("\n");
    }

    private static String rounds(double[] v) {
        StringBuilder s = new StringBuilder(fmt(mean(v))).append(" (");
        for (int i = 0; i < v.length; i++) {
            s.append(i > 0 ? ", " : "").append(fmt(v[i]));
        }
        return s.append(')').toString();
    }
}
