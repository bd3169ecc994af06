package dev.sendq.bench;

import dev.sendq.core.Grouping;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import java.text.DecimalFormat;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns the JMH JSON files of {@code benchmarks/run.sh} into {@code docs/benchmarks.md}: tables
 * of every figure with its error, ratios against each peer, and PNG charts drawn with
 * JFreeChart.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.sendq.bench.Report docs/benchmarks docs/benchmarks.md
 * </pre>
 */
public final class Report {
    /** One JMH result. */
    record Result(String benchmark, int threads, Map<String, String> params, double score, double error,
                  String unit, Map<String, Double> secondary, Map<String, List<Double>> forkMeans,
                  Map<String, List<Double>> iterations) {
        String param(String name) {
            return params.getOrDefault(name, "");
        }

        /** Every measured iteration's value of a secondary metric, fork after fork; empty if unknown. */
        List<Double> iterations(String metric) {
            return iterations.getOrDefault(metric, List.of());
        }

        /**
         * The mean of each fork's iterations of a secondary metric (or of the score, for
         * {@link #PRIMARY}), in fork order; empty if unknown.
         */
        List<Double> forkMeans(String metric) {
            return forkMeans.getOrDefault(metric, List.of());
        }

        /**
         * The median of the forks' means of {@code metric} (the score for {@link #PRIMARY}): with
         * one fork, its mean. On this VM some benchmarks settle, fork by fork, in one of a few
         * modes (how two threads land on the cores); the median fork is the figure such a
         * bimodal result is judged by, the same way for every implementation.
         */
        double medianFork(String metric) {
            List<Double> m = new ArrayList<>(forkMeans(metric));
            if (m.isEmpty()) {
                return PRIMARY.equals(metric) ? score : secondary.getOrDefault(metric, Double.NaN);
            }
            return medianOf(m);
        }

        double alloc() {
            return secondary.getOrDefault("gc.alloc.rate.norm", Double.NaN);
        }
    }

    /** The key of the score's own fork means in {@link Result#forkMeans}. */
    static final String PRIMARY = "";

    final Path dir;
    final StringBuilder md = new StringBuilder();
    private String jvm = "";

    private Report(Path dir) {
        this.dir = dir;
    }

    /**
     * Writes the report.
     *
     * @param args the folder of JMH JSON files and memory.json, and the Markdown file to write
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Report <results folder> <markdown file>");
            System.exit(2);
        }
        Report r = new Report(Path.of(args[0]));
        r.write(Path.of(args[1]));
    }

    List<Result> load(String file) throws IOException {
        Path p = dir.resolve(file);
        List<Result> out = new ArrayList<>();
        if (!Files.exists(p)) {
            return out;
        }
        JsonNode root = JsonMapper.builder().build().readTree(Files.readString(p));
        for (JsonNode n : root) {
            Map<String, String> params = new LinkedHashMap<>();
            if (n.has("params")) {
                for (Map.Entry<String, JsonNode> e : n.get("params").properties()) {
                    params.put(e.getKey(), e.getValue().asString());
                }
            }
            Map<String, Double> sec = new LinkedHashMap<>();
            Map<String, List<Double>> forks = new LinkedHashMap<>();
            Map<String, List<Double>> iterations = new LinkedHashMap<>();
            if (n.has("secondaryMetrics")) {
                for (Map.Entry<String, JsonNode> e : n.get("secondaryMetrics").properties()) {
                    sec.put(e.getKey(), number(e.getValue().get("score")));
                    forks.put(e.getKey(), forkMeans(e.getValue().get("rawData")));
                    iterations.put(e.getKey(), flatten(e.getValue().get("rawData")));
                }
            }
            JsonNode pm = n.get("primaryMetric");
            forks.put(PRIMARY, forkMeans(pm.get("rawData")));
            iterations.put(PRIMARY, flatten(pm.get("rawData")));
            String name = n.get("benchmark").asString();
            out.add(new Result(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1),
                    n.get("threads").asInt(), params, number(pm.get("score")),
                    number(pm.get("scoreError")), pm.get("scoreUnit").asString(), sec, forks, iterations));
            jvm = n.get("vmName").asString() + " " + n.get("jdkVersion").asString();
        }
        return out;
    }

    /** Every iteration's value, fork after fork, from JMH's {@code rawData} (one array per fork). */
    private static List<Double> flatten(JsonNode rawData) {
        List<Double> all = new ArrayList<>();
        if (rawData != null) {
            for (JsonNode fork : rawData) {
                for (JsonNode v : fork) {
                    all.add(number(v));
                }
            }
        }
        return all;
    }

    /** The mean of each fork's iterations, from JMH's {@code rawData} (one array per fork). */
    private static List<Double> forkMeans(JsonNode rawData) {
        List<Double> out = new ArrayList<>();
        if (rawData != null) {
            for (JsonNode fork : rawData) {
                double sum = 0;
                int k = 0;
                for (JsonNode v : fork) {
                    sum += number(v);
                    k++;
                }
                if (k > 0) {
                    out.add(sum / k);
                }
            }
        }
        return out;
    }

    /** A JMH number, which is "NaN" (a string) when there was one iteration. */
    private static double number(JsonNode n) {
        return n == null || !n.isNumber() ? Double.NaN : n.asDouble();
    }

    private void write(Path markdown) throws IOException {
        List<Result> t1 = load("transition-1t.json");
        List<Result> t2 = load("transition-2t.json");
        List<Result> life = load("lifecycle.json");
        life.addAll(load("lifecycle-pw.json"));
        life.addAll(load("lifecycle-sides.json"));
        List<Result> stats = load("stats.json");
        List<Result> floor = load("stats-floor.json");
        List<Result> adapter = load("adapter.json");
        List<Result> metrics = load("metrics.json");
        md.append("# Benchmarks\n\n");
        md.append("Generated by `benchmarks/run.sh` (JMH 1.37, `").append(RunConfig.COMMON).append("`) on ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, ").append(jvm)
                .append(". Every figure is the mean with its 99.9% error as JMH reports it; ratios come from the same run. ")
                .append("This machine is a small, noisy VM: read ratios, not absolute numbers, and expect spread figures to move by up to 2x between runs.\n\n");
        List<Result> cycle = load("transition-cycle.json");
        ControlsReport controls = new ControlsReport(this, load("rate-limit.json"), load("hold.json"), load("ages.json"),
                load("age-span.json"));
        BeforeAfterReport beforeAfter = BeforeAfterReport.load(this);
        targets(t1, t2, life, cycle, stats, floor, adapter, metrics);
        controls.targets();
        beforeAfter.targets();
        md.append("\n");
        transition(t1, t2);
        lifecycle(life);
        cycle(cycle);
        beforeAfter.write();
        stats(stats, floor);
        controls.write();
        adapter(adapter);
        metrics(metrics);
        memory();
        Files.writeString(markdown, md.toString(), StandardCharsets.UTF_8);
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static String pm(Result r) {
        return r == null ? "–" : fmt(r.score()) + " ± " + fmt(r.error());
    }

    /**
     * The ratio {@code after / before} with both figures and the range of ratios their 99.9%
     * errors allow, for targets on a ratio of two means: "2.3 ± 8.5 against 1.5 ± 6.7 µs; within
     * the errors, the ratio is 0.00 to any", so that a reader sees whether a verdict is the design's or the
     * noise's. NaN-safe: a JMH error is NaN when there was one iteration.
     */
    static String ratioWithErrors(Result before, Result after, String unit) {
        if (before == null || after == null) {
            return "";
        }
        double eb = Double.isNaN(before.error()) ? 0 : before.error();
        double ea = Double.isNaN(after.error()) ? 0 : after.error();
        double lo = Math.max(0, after.score() - ea) / (before.score() + eb);
        double den = before.score() - eb;
        return String.format(Locale.ROOT, "%s against %s %s; within the errors, the ratio is %.2f to %s", pm(after), pm(before),
                unit, lo,
                den <= 0 ? "any" : String.format(Locale.ROOT, "%.2f", (after.score() + ea) / den));
    }

    static Result find(List<Result> rs, String bench, String... kv) {
        outer:
        for (Result r : rs) {
            if (!r.benchmark().equals(bench)) {
                continue;
            }
            for (int i = 0; i < kv.length; i += 2) {
                if (!r.param(kv[i]).equals(kv[i + 1])) {
                    continue outer;
                }
            }
            return r;
        }
        return null;
    }

    private static final String T = "CounterTransitionBenchmark.transition";

    static double score(Result r) {
        return r == null ? Double.NaN : r.score();
    }

    void target(String what, boolean met, String figures) {
        md.append("| ").append(what).append(" | ").append(met ? "met" : "**missed**").append(" | ").append(figures).append(" |\n");
    }

    /** The targets of the benchmark issue, judged from this run. */
    private void targets(List<Result> t1, List<Result> t2, List<Result> life, List<Result> cycle, List<Result> stats,
                         List<Result> floor, List<Result> adapter, List<Result> metrics) throws IOException {
        md.append("## Targets\n\n| target | this run | figures |\n|---|---|---|\n");
        String[] cols = {"hot 1 thr", "hot 2 thr", "spread 1 thr", "spread 2 thr"};
        List<List<Result>> runs = List.of(t1, t2, t1, t2);
        String[] cells = {"1", "1", "10000", "10000"};
        if (!t1.isEmpty() && !t2.isEmpty()) {
            for (int i = 0; i < 4; i++) {
                List<Result> run = runs.get(i);
                String n = cells[i];
                Result sr = find(run, T, "cells", n, "impl", "SENDQ");
                double s = median(sr);
                double la = median(find(run, T, "cells", n, "impl", "LONG_ADDERS"));
                double ala = median(find(run, T, "cells", n, "impl", "ATOMIC_LONG_ARRAY"));
                double chm = Math.min(median(find(run, T, "cells", n, "impl", "CHM_ATOMIC_LONG_ARRAY")),
                        median(find(run, T, "cells", n, "impl", "CHM_LONG_ADDERS")));
                double lib = Math.min(median(find(run, T, "cells", n, "impl", "MICROMETER")),
                        median(find(run, T, "cells", n, "impl", "PROMETHEUS")));
                int forks = sr == null ? 0 : sr.forkMeans(PRIMARY).size();
                String how = forks > 1 ? String.format(Locale.ROOT, " (median of %d forks; sendq's forks: %s)", forks,
                        forks(sr, PRIMARY)) : "";
                target("transition, " + cols[i] + ": no slower than the faster JDK primitive", s <= Math.min(la, ala),
                        String.format(Locale.ROOT, "sendq %.1f ns, LongAdders %.1f, AtomicLongArray %.1f", s, la, ala) + how);
                if (run == t2) {
                    transitionSamePlacement(cols[i], sr, find(run, T, "cells", n, "impl", "LONG_ADDERS"),
                            find(run, T, "cells", n, "impl", "ATOMIC_LONG_ARRAY"));
                }
                String medians = forks > 1 ? " (median forks)" : "";
                target("transition, " + cols[i] + ": 3x faster than the map peers", chm / s >= 3,
                        String.format(Locale.ROOT, "%.1fx", chm / s) + medians);
                target("transition, " + cols[i] + ": 10x faster than Micrometer and Prometheus", lib / s >= 10,
                        String.format(Locale.ROOT, "%.0fx", lib / s) + medians);
            }
            double h1 = median(find(t1, T, "cells", "1", "impl", "SENDQ"));
            double h2 = median(find(t2, T, "cells", "1", "impl", "SENDQ"));
            target("hot cell at 2 threads: per-thread throughput at least half of 1 thread's", h1 / h2 >= 0.5,
                    String.format(Locale.ROOT, "%.2f (%.1f ns at 1 thread, %.1f ns per thread at 2)", h1 / h2, h1, h2));
        }
        Result c = find(cycle, "TransitionCycleBenchmark.cycle");
        Result l = find(life, "LifecycleBenchmark.lifecycle", "impl", "SENDQ");
        if (c != null) {
            target("0 B/op for take, defer, hold and release", c.alloc() < 1,
                    String.format(Locale.ROOT, "%.2f B/op over the take-defer-take-hold-release cycle", c.alloc()));
        }
        if (l != null) {
            long msg = messageObjectBytes();
            target("0 B/op for take and delivered", l.alloc() <= msg + 0.5, String.format(Locale.ROOT,
                    "%.1f B/op for enqueue + take + delivered, which is the one %d-byte message object enqueue makes",
                    l.alloc(), msg));
        }
        for (String b : new String[] {"LifecycleBenchmark.lifecycle", "LifecycleBenchmark.lifecycleWithRetry"}) {
            double s = score(find(life, b, "impl", "SENDQ"));
            double x = score(find(life, b, "impl", "BASELINE"));
            if (!Double.isNaN(s)) {
                target(b.substring(b.indexOf('.') + 1) + ": 2x the LinkedBlockingQueue baseline", x / s >= 2,
                        String.format(Locale.ROOT, "%.2fx (sendq %.0f ns, baseline %.0f ns)", x / s, s, x));
            }
        }
        Result pwB = pw(life, "BASELINE");
        for (String impl : new String[] {"SENDQ", "SENDQ_CACHED_CLOCK"}) {
            Result pwS = pw(life, impl);
            if (pwS == null || pwB == null) {
                continue;
            }
            double s = pwS.medianFork(COMPLETED);
            double x = pwB.medianFork(COMPLETED);
            double best = pwS.forkMeans(COMPLETED).isEmpty() || pwB.forkMeans(COMPLETED).isEmpty() ? Double.NaN
                    : Collections.max(pwS.forkMeans(COMPLETED)) / Collections.max(pwB.forkMeans(COMPLETED));
            // Forks at different round trips compare the machine, not the queues: such a pair of
            // median forks is reported, but cannot meet the target.
            int placeS = medianForkPlacement(pwS);
            boolean comparable = placeS >= 0 && placeS == medianForkPlacement(pwB);
            target("producersAndWorkers" + (impl.equals("SENDQ") ? "" : ", on a `CachedClock`")
                    + ": 2x the LinkedBlockingQueue baseline", comparable && s / x >= 2, String.format(Locale.ROOT,
                    "%s%.2fx, median fork against median fork (delivered/s: sendq %s, baseline %s); fastest fork against "
                    + "fastest: %.2fx; each fork (with the mean round trip between the cores measured after its iterations): sendq %s, "
                    + "baseline %s%s", comparable ? "" : "not comparable, the two median forks ran at different round trips "
                    + "between the cores (see the row below): ", s / x, fmt(s), fmt(x), best, placedForks(pwS),
                    placedForks(pwB), workerBudget(life, impl, x)));
            samePlacement(impl, pwS, pwB);
        }
        double worst = 0;
        double worstSameRows = 0;
        String worstSameRowsAt = "";
        String worstSameRowsErrors = "";
        List<String> differing = new ArrayList<>();
        double slowest = Double.MAX_VALUE;
        String slowestAt = "";
        for (String cellsN : new String[] {"100", "10000", "100000"}) {
            for (String g : new String[] {"TOTAL", "ACCOUNT", "ACCOUNT_CAMPAIGN", "ISP"}) {
                Result ra = find(stats, "StatsQueryBenchmark.query", "cells", cellsN, "messages", "10000", "grouping", g, "impl", "SENDQ");
                Result rb = find(stats, "StatsQueryBenchmark.query", "cells", cellsN, "messages", "1000000", "grouping", g, "impl", "SENDQ");
                double a = score(ra);
                double b = score(rb);
                double list = score(find(stats, "StatsQueryBenchmark.query", "cells", cellsN, "messages", "1000000", "grouping", g,
                        "impl", "GROUP_MESSAGE_LIST"));
                if (!Double.isNaN(a) && !Double.isNaN(b)) {
                    worst = Math.max(worst, b / a);
                    int cellCount = Integer.parseInt(cellsN);
                    int fewRows = StatsQueryBenchmark.rows(cellCount, 10_000, Grouping.valueOf(g));
                    int manyRows = StatsQueryBenchmark.rows(cellCount, 1_000_000, Grouping.valueOf(g));
                    String at = String.format(Locale.ROOT, "%,d cells, %s", cellCount, g.toLowerCase(Locale.ROOT));
                    if (fewRows == manyRows) {
                        if (b / a > worstSameRows) {
                            worstSameRows = b / a;
                            worstSameRowsAt = at;
                            worstSameRowsErrors = ratioWithErrors(ra, rb, "µs");
                        }
                    } else {
                        differing.add(String.format(Locale.ROOT, "%s: %,d rows against %,d, %.2f", at, fewRows, manyRows, b / a));
                    }
                }
                if (!Double.isNaN(b) && !Double.isNaN(list) && list / b < slowest) {
                    slowest = list / b;
                    slowestAt = cellsN + " cells, " + g.toLowerCase(Locale.ROOT);
                }
            }
        }
        if (worst > 0) {
            target("stats: 1,000,000 messages within 1.2x of 10,000 (same cells)", worst <= 1.2,
                    String.format(Locale.ROOT, "worst ratio %.2f over all cells and groupings; where the two answers have the "
                            + "same rows, worst %.2f (%s: %s); where they differ (fewer messages than cells leave groups empty): %s",
                            worst, worstSameRows, worstSameRowsAt, worstSameRowsErrors,
                            differing.isEmpty() ? "none" : String.join("; ", differing)));
        }
        if (slowest < Double.MAX_VALUE) {
            StringBuilder fig = new StringBuilder(String.format(Locale.ROOT,
                    "smallest speed-up %,.0fx (%s)", slowest, slowestAt));
            for (String cellsN : new String[] {"10000", "100000"}) {
                double least = Double.MAX_VALUE;
                for (String g : new String[] {"TOTAL", "ACCOUNT", "ACCOUNT_CAMPAIGN", "ISP"}) {
                    least = Math.min(least, list(stats, cellsN, g) / score(find(stats, "StatsQueryBenchmark.query",
                            "cells", cellsN, "messages", "1000000", "grouping", g, "impl", "SENDQ")));
                }
                double f = score(find(floor, "StatsFloorBenchmark.sumLiveCounts", "cells", cellsN, "longsPerCell", "4"));
                double total = list(stats, cellsN, "TOTAL");
                fig.append(String.format(Locale.ROOT, "; at %,d cells at least %,.0fx", Integer.parseInt(cellsN), least));
                if (!Double.isNaN(f) && !Double.isNaN(total)) {
                    fig.append(String.format(Locale.ROOT, " (the floor, summing 32 bytes per cell and nothing else, "
                            + "is %,.0f µs: %,.0fx under the list's total)", f, total / f));
                }
            }
            target("stats at 1,000,000 messages: 100x faster than grouping the list", slowest >= 100, fig.toString());
        }
        Result a = find(adapter, "AdapterBenchmark.handle", "rows", "1000", "format", "JSON");
        if (a != null) {
            target("adapter: a 1,000-row JSON answer in under 1 ms", a.score() < 1000,
                    String.format(Locale.ROOT, "%.0f µs", a.score()));
        }
        Result m = find(metrics, SCRAPE, "cells", "10000", "export", "TOP_100", "format", "TEXT");
        if (m != null) {
            target("metrics: a Prometheus scrape of 10,000 cells, three top-100 breakdowns, in under 10 ms",
                    m.score() < 10_000, String.format(Locale.ROOT, "%,.0f µs", m.score()));
        }
    }

    /** Grouping the list of 1,000,000 messages over {@code cells} cells, µs. */
    private static double list(List<Result> stats, String cells, String grouping) {
        return score(find(stats, "StatsQueryBenchmark.query", "cells", cells, "messages", "1000000", "grouping", grouping,
                "impl", "GROUP_MESSAGE_LIST"));
    }

    /**
     * What 2x the baseline's rate {@code baselineRate} leaves the worker per message, against what
     * the worker's own work costs with no other thread (PipelineSidesBenchmark.workerSide), or "".
     */
    private static String workerBudget(List<Result> life, String impl, double baselineRate) {
        double own = score(find(life, WORKER_SIDE, "impl", impl));
        double ownBaseline = score(find(life, WORKER_SIDE, "impl", "BASELINE"));
        if (Double.isNaN(own) || Double.isNaN(ownBaseline)) {
            return "";
        }
        return String.format(Locale.ROOT, "; 2x the baseline's median fork leaves the worker %.0f ns per message, crossing "
                + "of the message from the producer's core included, and sendq's take + delivered alone, with no other "
                + "thread, costs %.0f ns (the baseline's %.0f ns; `workerSide` below)", 1e9 / (2 * baselineRate), own,
                ownBaseline);
    }

    private static final String WORKER_SIDE = "PipelineSidesBenchmark.workerSide";

    /** The producersAndWorkers result of {@code impl}, with its delivered rate, or {@code null}. */
    private static Result pw(List<Result> life, String impl) {
        Result r = find(life, "LifecycleBenchmark.producersAndWorkers", "impl", impl);
        return r != null && r.secondary().containsKey("completed") ? r : null;
    }

    private static final String COMPLETED = "completed";
    /** The round trip of a cache line between two threads after each iteration (LifecycleBenchmark.Placement). */
    private static final String ROUND_TRIP = "roundTripNs";
    /**
     * The placements of the two cores seen on this VM, by round trip (ns): lower and upper bound
     * of each (about 35 ns, two threads of one core; about 60 to 70, one shared cache; about
     * 330, apart); a round trip between them is none.
     */
    private static final double[][] PLACEMENTS = {{0, 45}, {45, 150}, {250, Double.MAX_VALUE}};

    /** A placement's bounds in words. */
    private static String where(double[] bounds) {
        return bounds[1] == Double.MAX_VALUE ? "round trip over " + (int) bounds[0] + " ns"
                : "round trip " + (int) bounds[0] + " to " + (int) bounds[1] + " ns";
    }

    /**
     * A 2-thread transition target judged only between iterations at the same round trip
     * between the cores: in each placement where sendq and a JDK primitive both have iterations,
     * sendq's median iteration against the faster primitive's. Nothing if the run has no round
     * trips (an older JSON).
     */
    private void transitionSamePlacement(String col, Result s, Result la, Result ala) {
        if (s == null || s.iterations(ROUND_TRIP).isEmpty()) {
            return;
        }
        List<String> figures = new ArrayList<>();
        boolean any = false;
        boolean met = true;
        for (double[] bounds : PLACEMENTS) {
            double[] sq = placedMedian(s, PRIMARY, bounds);
            double[] a = placedMedian(la, PRIMARY, bounds);
            double[] b = placedMedian(ala, PRIMARY, bounds);
            double best = Math.min(Double.isNaN(a[0]) ? Double.MAX_VALUE : a[0], Double.isNaN(b[0]) ? Double.MAX_VALUE : b[0]);
            if (Double.isNaN(sq[0]) || best == Double.MAX_VALUE) {
                continue;
            }
            any = true;
            met &= sq[0] <= best;
            figures.add(String.format(Locale.ROOT, "%s: sendq %.1f ns (%d iterations), LongAdders %s (%d), "
                    + "AtomicLongArray %s (%d)", where(bounds), sq[0], (int) sq[1], fmt(a[0]), (int) a[1], fmt(b[0]), (int) b[1]));
        }
        target("transition, " + col + ": no slower than the faster JDK primitive, iterations at the same round trip "
                + "between the cores", any && met, any ? String.join("; ", figures) : "no placement with iterations of both");
    }

    /** Whether a round trip falls within a placement's bounds (lower included, upper not). */
    private static boolean within(double roundTripNs, double[] bounds) {
        return roundTripNs >= bounds[0] && roundTripNs < bounds[1];
    }

    /** The index in {@link #PLACEMENTS} of a round trip, or -1 if it falls between them. */
    private static int placement(double roundTripNs) {
        for (int i = 0; i < PLACEMENTS.length; i++) {
            if (within(roundTripNs, PLACEMENTS[i])) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The placement of the fork that is the median of {@code r}'s delivered rates (with an even
     * count, of the two middle forks, if they share one), by the mean round trip measured after
     * its iterations; -1 if there is none.
     */
    private static int medianForkPlacement(Result r) {
        List<Double> rate = r.forkMeans(COMPLETED);
        List<Double> rt = r.forkMeans(ROUND_TRIP);
        int n = rate.size();
        if (n == 0 || rt.size() != n) {
            return -1;
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble(rate::get));
        int low = placement(rt.get(order.get((n - 1) / 2)));
        return low == placement(rt.get(order.get(n / 2))) ? low : -1;
    }

    /** Each fork's delivered rate with its mean round trip, as "a (70 ns) / b (340 ns)". */
    private static String placedForks(Result r) {
        List<Double> rate = r.forkMeans(COMPLETED);
        List<Double> rt = r.forkMeans(ROUND_TRIP);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < rate.size(); i++) {
            out.add(fmt(rate.get(i)) + (i < rt.size() ? " (" + fmt(rt.get(i)) + " ns)" : ""));
        }
        return out.isEmpty() ? "–" : String.join(" / ", out);
    }

    /**
     * The median of {@code metric} over the iterations after which the round trip was within
     * {@code bounds}, and how many there were; NaN and 0 if none (or if {@code r} is null).
     */
    private static double[] placedMedian(Result r, String metric, double[] bounds) {
        if (r == null) {
            return new double[] {Double.NaN, 0};
        }
        List<Double> rate = r.iterations(metric);
        List<Double> rt = r.iterations(ROUND_TRIP);
        List<Double> in = new ArrayList<>();
        for (int i = 0; i < Math.min(rate.size(), rt.size()); i++) {
            if (within(rt.get(i), bounds)) {
                in.add(rate.get(i));
            }
        }
        if (in.isEmpty()) {
            return new double[] {Double.NaN, 0};
        }
        return new double[] {medianOf(in), in.size()};
    }

    /** The median of a non-empty list (the mean of the middle two for an even count); sorts it. */
    static double medianOf(List<Double> values) {
        values.sort(null);
        int k = values.size();
        return k % 2 == 1 ? values.get(k / 2) : (values.get(k / 2 - 1) + values.get(k / 2)) / 2;
    }

    /**
     * The producers-against-workers target judged only between iterations that ran with the two
     * cores at the same distance (one of {@link #PLACEMENTS}): met if sendq's median is 2x the
     * baseline's in every placement where both have iterations.
     */
    private void samePlacement(String impl, Result pwS, Result pwB) {
        List<String> figures = new ArrayList<>();
        boolean any = false;
        boolean met = true;
        for (double[] bounds : PLACEMENTS) {
            double[] s = placedMedian(pwS, COMPLETED, bounds);
            double[] x = placedMedian(pwB, COMPLETED, bounds);
            String where = where(bounds);
            if (Double.isNaN(s[0]) || Double.isNaN(x[0])) {
                figures.add(where + ": no iterations of both");
                continue;
            }
            any = true;
            met &= s[0] / x[0] >= 2;
            figures.add(String.format(Locale.ROOT, "%s: %.2fx (median iteration, sendq %s of %d, baseline %s of %d)",
                    where, s[0] / x[0], fmt(s[0]), (int) s[1], fmt(x[0]), (int) x[1]));
        }
        target("producersAndWorkers" + (impl.equals("SENDQ") ? "" : ", on a `CachedClock`")
                + ", iterations at the same round trip between the cores: 2x the baseline", any && met,
                String.join("; ", figures) + (any ? "" : "; not judged"));
    }

    /** The median fork's score (see {@link Result#medianFork}), or NaN. */
    static double median(Result r) {
        return r == null ? Double.NaN : r.medianFork(PRIMARY);
    }

    /** Each fork's mean of {@code metric}, as "a / b / c". */
    private static String forks(Result r, String metric) {
        List<String> out = new ArrayList<>();
        for (double v : r.forkMeans(metric)) {
            out.add(fmt(v));
        }
        return out.isEmpty() ? "–" : String.join(" / ", out);
    }

    private void cycle(List<Result> cycle) {
        Result c = find(cycle, "TransitionCycleBenchmark.cycle");
        if (c == null) {
            return;
        }
        md.append("## Transitions of queued messages\n\n`TransitionCycleBenchmark`: take, defer (due now), take, worker hold, "
                + "release by id, in a cycle; per transition.\n\n| ns/op | B/op |\n|---|---|\n| ").append(pm(c)).append(" | ")
                .append(String.format(Locale.ROOT, "%.2f", c.alloc())).append(" |\n\n");
    }

    private void transition(List<Result> t1, List<Result> t2) throws IOException {
        if (t1.isEmpty() && t2.isEmpty()) {
            return;
        }
        md.append("## One counter transition\n\n`CounterTransitionBenchmark`: one state's count down and another's up on a cell "
                + "(`hot` = one cell, `spread` = random cells out of 10,000; with 2 threads both threads share the cells). "
                + "ns/op per thread; B/op = `gc.alloc.rate.norm`; the last columns divide each peer's time by sendq's. "
                + "The 2-thread figures are the mean over all their forks; since each fork settles in one of a few modes "
                + "on this VM, the Targets table judges them by the median fork instead, and lists sendq's forks.\n\n");
        md.append("| implementation | hot, 1 thr | hot, 2 thr | spread, 1 thr | spread, 2 thr | B/op | x sendq (hot 1 / hot 2 / spread 1 / spread 2) |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        String[] impls = {"SENDQ", "LONG_ADDERS", "ATOMIC_LONG_ARRAY", "CHM_ATOMIC_LONG_ARRAY", "CHM_LONG_ADDERS",
            "MICROMETER", "PROMETHEUS"};
        Result[] base = {find(t1, "CounterTransitionBenchmark.transition", "cells", "1", "impl", "SENDQ"),
            find(t2, "CounterTransitionBenchmark.transition", "cells", "1", "impl", "SENDQ"),
            find(t1, "CounterTransitionBenchmark.transition", "cells", "10000", "impl", "SENDQ"),
            find(t2, "CounterTransitionBenchmark.transition", "cells", "10000", "impl", "SENDQ")};
        String[] cols = {"hot, 1 thr", "hot, 2 thr", "spread, 1 thr", "spread, 2 thr"};
        for (String impl : impls) {
            Result[] r = {find(t1, "CounterTransitionBenchmark.transition", "cells", "1", "impl", impl),
                find(t2, "CounterTransitionBenchmark.transition", "cells", "1", "impl", impl),
                find(t1, "CounterTransitionBenchmark.transition", "cells", "10000", "impl", impl),
                find(t2, "CounterTransitionBenchmark.transition", "cells", "10000", "impl", impl)};
            md.append("| ").append(impl.toLowerCase(Locale.ROOT));
            for (Result x : r) {
                md.append(" | ").append(pm(x));
            }
            md.append(" | ").append(r[0] == null ? "–" : fmt(r[0].alloc())).append(" | ");
            for (int i = 0; i < 4; i++) {
                md.append(i > 0 ? " / " : "").append(r[i] == null || base[i] == null ? "–"
                        : String.format(Locale.ROOT, "%.1f", r[i].score() / base[i].score()));
                if (r[i] != null) {
                    ds.addValue(r[i].score(), impl.toLowerCase(Locale.ROOT), cols[i]);
                }
            }
            md.append(" |\n");
        }
        chart(ds, "transition.png", "One counter transition (ns/op per thread, log scale; lower is better)", "ns/op", true);
        md.append("\n![transition](benchmarks/transition.png)\n\n");
    }

    private void lifecycle(List<Result> life) throws IOException {
        if (life.isEmpty()) {
            return;
        }
        md.append("## A message's life\n\n`LifecycleBenchmark`: enqueue, take, delivered (and with one deferral to a retry due at once), one thread, "
                + "against `BaselineQueue` (`LinkedBlockingQueue` + `DelayQueue` + `ConcurrentHashMap` of states + `LongAdder`s). "
                + "sendq runs on the system clock, and on a `CachedClock` refreshed every millisecond (a clock read is one volatile read). "
                + "`PipelineSidesBenchmark` times each side of one producer against one worker alone, on one thread, at that "
                + "benchmark's backlog: `producerSide` enqueues 10,000 messages, `workerSide` takes and delivers 10,000 "
                + "(ns per message; their B/op counts the untimed other half too, since JMH's gc profiler counts the whole "
                + "iteration).\n\n");
        md.append("| benchmark | sendq | sendq, cached clock | baseline | baseline / sendq | baseline / sendq, cached clock "
                + "| sendq B/op | baseline B/op |\n|---|---|---|---|---|---|---|---|\n");
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (String b : new String[] {"LifecycleBenchmark.lifecycle", "LifecycleBenchmark.lifecycleWithRetry",
                "PipelineSidesBenchmark.producerSide", WORKER_SIDE}) {
            Result s = find(life, b, "impl", "SENDQ");
            Result c = find(life, b, "impl", "SENDQ_CACHED_CLOCK");
            Result x = find(life, b, "impl", "BASELINE");
            String name = b.substring(b.indexOf('.') + 1);
            md.append("| ").append(name).append(" (ns/op) | ").append(pm(s)).append(" | ").append(pm(c)).append(" | ").append(pm(x))
                    .append(" | ").append(ratio(x, s)).append(" | ").append(ratio(x, c))
                    .append(" | ").append(s == null ? "–" : fmt(s.alloc())).append(" | ").append(x == null ? "–" : fmt(x.alloc()))
                    .append(" |\n");
            for (Result r : new Result[] {s, c, x}) {
                if (r != null) {
                    ds.addValue(r.score(), r.param("impl").toLowerCase(Locale.ROOT), name);
                }
            }
        }
        for (String impl : new String[] {"SENDQ", "SENDQ_CACHED_CLOCK", "BASELINE"}) {
            Result r = pw(life, impl);
            if (r != null) {
                md.append("| producersAndWorkers, ").append(impl.toLowerCase(Locale.ROOT))
                        .append(" (messages delivered/s, 1 producer + 1 worker; each fork's mean: ").append(forks(r, COMPLETED))
                        .append(") | ").append(fmt(r.secondary().get("completed"))).append(" | | | | | | |\n");
            }
        }
        chart(ds, "lifecycle.png", "A message's life (ns per message; lower is better)", "ns/op", false);
        md.append("\n![lifecycle](benchmarks/lifecycle.png)\n\n");
    }

    /** {@code a / b} with two decimals, or a dash. */
    static String ratio(Result a, Result b) {
        return a == null || b == null ? "–" : String.format(Locale.ROOT, "%.2f", a.score() / b.score());
    }

    private void stats(List<Result> stats, List<Result> floor) throws IOException {
        if (stats.isEmpty()) {
            return;
        }
        md.append("## Stats query\n\n`StatsQueryBenchmark`: one query of the whole sender per grouping, µs/op. "
                + "sendq reads counters (O(cells)); the peer groups a list of the messages per query (O(messages)).\n\n");
        md.append("| cells | messages | grouping | sendq | grouping the list | list / sendq |\n|---|---|---|---|---|---|\n");
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (String cells : new String[] {"100", "10000", "100000"}) {
            for (String msgs : new String[] {"10000", "1000000"}) {
                for (String g : new String[] {"TOTAL", "ACCOUNT", "ACCOUNT_CAMPAIGN", "ISP"}) {
                    Result s = find(stats, "StatsQueryBenchmark.query", "cells", cells, "messages", msgs, "grouping", g,
                            "impl", "SENDQ");
                    Result l = find(stats, "StatsQueryBenchmark.query", "cells", cells, "messages", msgs, "grouping", g,
                            "impl", "GROUP_MESSAGE_LIST");
                    if (s == null && l == null) {
                        continue;
                    }
                    md.append("| ").append(cells).append(" | ").append(msgs).append(" | ").append(g.toLowerCase(Locale.ROOT))
                            .append(" | ").append(pm(s)).append(" | ").append(pm(l)).append(" | ")
                            .append(s == null || l == null ? "–" : String.format(Locale.ROOT, "%,.0f", l.score() / s.score()))
                            .append(" |\n");
                    if (g.equals("ACCOUNT_CAMPAIGN")) {
                        String cat = cells + " cells, " + msgs + " msgs";
                        if (s != null) {
                            ds.addValue(s.score(), "sendq", cat);
                        }
                        if (l != null) {
                            ds.addValue(l.score(), "grouping the list", cat);
                        }
                    }
                }
            }
        }
        md.append("\nGrowth with the number of messages at fixed cells (sendq, 1,000,000 / 10,000 messages):\n\n| cells | grouping | ratio |\n|---|---|---|\n");
        for (String cells : new String[] {"100", "10000", "100000"}) {
            for (String g : new String[] {"TOTAL", "ACCOUNT", "ACCOUNT_CAMPAIGN", "ISP"}) {
                Result a = find(stats, "StatsQueryBenchmark.query", "cells", cells, "messages", "10000", "grouping", g, "impl", "SENDQ");
                Result b = find(stats, "StatsQueryBenchmark.query", "cells", cells, "messages", "1000000", "grouping", g, "impl", "SENDQ");
                if (a != null && b != null) {
                    md.append("| ").append(cells).append(" | ").append(g.toLowerCase(Locale.ROOT)).append(" | ")
                            .append(String.format(Locale.ROOT, "%.2f", b.score() / a.score())).append(" |\n");
                }
            }
        }
        if (!floor.isEmpty()) {
            md.append("\nThe floor (`StatsFloorBenchmark`): summing the four live counts of every cell from one flat `long[]`, "
                    + "nothing else, at 4 longs per cell (the fewest 64-bit counts can take) and at 8 (sendq's layout), µs/op. "
                    + "No O(cells) query can cost less, so grouping the list can be at most (list / floor) times slower.\n\n"
                    + "| cells | 4 longs per cell | 8 longs per cell | sendq, total, 1,000,000 msgs | list, total | list / floor |\n"
                    + "|---|---|---|---|---|---|\n");
            for (String cells : new String[] {"100", "10000", "100000"}) {
                Result f4 = find(floor, "StatsFloorBenchmark.sumLiveCounts", "cells", cells, "longsPerCell", "4");
                Result f8 = find(floor, "StatsFloorBenchmark.sumLiveCounts", "cells", cells, "longsPerCell", "8");
                Result s = find(stats, "StatsQueryBenchmark.query", "cells", cells, "messages", "1000000", "grouping", "TOTAL",
                        "impl", "SENDQ");
                double l = list(stats, cells, "TOTAL");
                md.append("| ").append(cells).append(" | ").append(pm(f4)).append(" | ").append(pm(f8)).append(" | ")
                        .append(pm(s)).append(" | ").append(fmt(l)).append(" | ")
                        .append(f4 == null || Double.isNaN(l) ? "–" : String.format(Locale.ROOT, "%,.0f", l / f4.score()))
                        .append(" |\n");
            }
        }
        chart(ds, "stats.png", "Stats query, group=account_campaign (µs/op, log scale)", "µs/op", true);
        md.append("\n![stats](benchmarks/stats.png)\n\n");
    }

    private void adapter(List<Result> adapter) throws IOException {
        if (adapter.isEmpty()) {
            return;
        }
        md.append("## The endpoint, bytes to bytes\n\n`AdapterBenchmark`: parse the request, check the token, query, write the envelope "
                + "(`group=account_campaign`), µs/op.\n\n| rows | JSON | XML | JSON B/op | XML B/op |\n|---|---|---|---|---|\n");
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (String rows : new String[] {"1", "100", "1000"}) {
            Result j = find(adapter, "AdapterBenchmark.handle", "rows", rows, "format", "JSON");
            Result x = find(adapter, "AdapterBenchmark.handle", "rows", rows, "format", "XML");
            md.append("| ").append(rows).append(" | ").append(pm(j)).append(" | ").append(pm(x)).append(" | ")
                    .append(j == null ? "–" : fmt(j.alloc())).append(" | ").append(x == null ? "–" : fmt(x.alloc())).append(" |\n");
            if (j != null) {
                ds.addValue(j.score(), "JSON", rows + " rows");
            }
            if (x != null) {
                ds.addValue(x.score(), "XML", rows + " rows");
            }
        }
        chart(ds, "adapter.png", "Request bytes to response bytes (µs/op, log scale)", "µs/op", true);
        md.append("\n![adapter](benchmarks/adapter.png)\n\n");
    }

    private static final String SCRAPE = "MetricsScrapeBenchmark.scrape";

    private void metrics(List<Result> metrics) throws IOException {
        Result first = find(metrics, SCRAPE);
        if (first == null) {
            return;
        }
        String cells = first.param("cells");
        md.append("## Prometheus scrape\n\n`MetricsScrapeBenchmark`: one scrape through `PrometheusRoute` (the collector reads the "
                + "engine, the client's writer writes the bytes) of a sender with ").append(cells).append(" cells and ")
                .append(first.param("messages")).append(" messages, µs/op. `PER_SENDER`: the defaults (9 samples); "
                + "`TOP_100`: ISP, account and campaign breakdowns capped at the top 100 + other (1,033 samples at 10,000 "
                + "cells); `ALL_CAMPAIGNS`: the peer without caps, the client's callback metrics over every campaign "
                + "(16,000 samples at 10,000 cells).\n\n| export | text | OpenMetrics | text B/op | OpenMetrics B/op |\n"
                + "|---|---|---|---|---|\n");
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (String export : new String[] {"PER_SENDER", "TOP_100", "ALL_CAMPAIGNS"}) {
            Result t = find(metrics, SCRAPE, "export", export, "format", "TEXT");
            Result o = find(metrics, SCRAPE, "export", export, "format", "OPENMETRICS");
            md.append("| ").append(export.toLowerCase(Locale.ROOT)).append(" | ").append(pm(t)).append(" | ").append(pm(o))
                    .append(" | ").append(t == null ? "–" : fmt(t.alloc())).append(" | ")
                    .append(o == null ? "–" : fmt(o.alloc())).append(" |\n");
            if (t != null) {
                ds.addValue(t.score(), "text", export.toLowerCase(Locale.ROOT));
            }
            if (o != null) {
                ds.addValue(o.score(), "OpenMetrics", export.toLowerCase(Locale.ROOT));
            }
        }
        chart(ds, "metrics.png", "One Prometheus scrape, " + cells + " cells (µs/op, log scale)", "µs/op", true);
        md.append("\n![metrics](benchmarks/metrics.png)\n\n");
    }

    /** The size of sendq's message object as MemoryFootprint measured it, or 72 (its size before issue 5) without memory.json. */
    private long messageObjectBytes() throws IOException {
        Path p = dir.resolve("memory.json");
        if (!Files.exists(p)) {
            return 72;
        }
        JsonNode m = JsonMapper.builder().build().readTree(Files.readString(p));
        return m.has("messageObjectBytes") ? m.get("messageObjectBytes").asLong() : 72;
    }

    private void memory() throws IOException {
        Path p = dir.resolve("memory.json");
        if (!Files.exists(p)) {
            return;
        }
        JsonNode m = JsonMapper.builder().build().readTree(Files.readString(p));
        md.append("## Memory\n\n`MemoryFootprint`: ").append(m.get("method").asString())
                .append(" between engines that differ only in messages or cells.\n\n| | bytes |\n|---|---|\n")
                .append("| per queued message, sendq | ").append(fmt(m.get("bytesPerQueuedMessage").asDouble())).append(" |\n")
                .append("| per queued message, baseline | ").append(fmt(m.get("baselineBytesPerQueuedMessage").asDouble())).append(" |\n")
                .append("| per cell, sendq | ").append(fmt(m.get("bytesPerCell").asDouble())).append(" |\n");
        if (m.has("messageObjectBytes")) {
            md.append("| one message object, sendq | ").append(m.get("messageObjectBytes").asLong()).append(" |\n");
        }
        md.append("\n");
    }

    void chart(DefaultCategoryDataset ds, String file, String title, String unit, boolean log) throws IOException {
        JFreeChart c = ChartFactory.createBarChart(title, null, unit, ds, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = c.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setMaximumCategoryLabelLines(2); // "10000 cells, 1000000 msgs" wraps instead of being cut
        if (log) {
            LogAxis axis = new LogAxis(unit + " (log scale)");
            double min = Double.MAX_VALUE;
            for (int row = 0; row < ds.getRowCount(); row++) {
                for (int col = 0; col < ds.getColumnCount(); col++) {
                    Number v = ds.getValue(row, col);
                    if (v != null && v.doubleValue() > 0) {
                        min = Math.min(min, v.doubleValue());
                    }
                }
            }
            axis.setSmallestValue(min == Double.MAX_VALUE ? 0.1 : min / 2);
            axis.setTickUnit(new NumberTickUnit(1)); // one tick per decade
            axis.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
            plot.setRangeAxis(axis);
        }
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        Color[] palette = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2)};
        for (int i = 0; i < palette.length; i++) {
            r.setSeriesPaint(i, palette[i]);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(file))) {
            ChartUtils.writeChartAsPNG(out, c, 1000, 500);
        }
    }

    /** The configuration run.sh uses, quoted in the report. */
    static final class RunConfig {
        static final String COMMON = "-f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc";

        private RunConfig() {
        }
    }
}
