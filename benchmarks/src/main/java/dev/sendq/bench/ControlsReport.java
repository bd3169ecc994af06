package dev.sendq.bench;

import static dev.sendq.bench.Report.find;
import static dev.sendq.bench.Report.fmt;
import static dev.sendq.bench.Report.pm;
import static dev.sendq.bench.Report.ratio;
import static dev.sendq.bench.Report.score;

import dev.sendq.bench.Report.Result;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The sections of {@code docs/benchmarks.md} on the operator's controls: rate limits
 * ({@link RateLimitBenchmark}), hold rules ({@link HoldReleaseBenchmark}) and the age and
 * retry-reason queries ({@link AgeQueryBenchmark}), with their targets.
 */
final class ControlsReport {
    private static final String TAKE = "RateLimitBenchmark.takeAndDeliver";
    private static final String[] LIMITS = {"NONE", "LOOSE", "BINDING"};
    private static final String[] HOLD_CELLS = {"100", "10000", "100000"};
    private static final String[] HOLD_METHODS = {"holdAndLift", "holdAndRelease", "previewHold"};
    private static final String[] GROUPINGS = {"TOTAL", "ACCOUNT", "ACCOUNT_CAMPAIGN", "ISP"};
    /** The largest growth with 100x the messages that still counts as "does not grow". */
    private static final double FLAT = 1.2;

    private final Report report;
    private final StringBuilder md;
    private final List<Result> rate;
    private final List<Result> hold;
    private final List<Result> ages;
    private final List<Result> span;

    ControlsReport(Report report, List<Result> rate, List<Result> hold, List<Result> ages, List<Result> span) {
        this.report = report;
        this.md = report.md;
        this.rate = rate;
        this.hold = hold;
        this.ages = ages;
        this.span = span;
    }

    /** The rate-limit and hold targets, as rows of the targets table. */
    void targets() {
        double bindingGrowth = score(find(rate, TAKE, "cells", "10000", "limit", "BINDING"))
                / score(find(rate, TAKE, "cells", "1000", "limit", "BINDING"));
        double noneGrowth = score(find(rate, TAKE, "cells", "10000", "limit", "NONE"))
                / score(find(rate, TAKE, "cells", "1000", "limit", "NONE"));
        if (!Double.isNaN(bindingGrowth) && !Double.isNaN(noneGrowth)) {
            // More cells cost more anyway (cache misses on the cells served); a limiter doing O(parked cells)
            // work per permit would make the binding case grow far more than the unlimited one.
            report.target("take under a binding rate limit: from 1,000 to 10,000 limited cells, grows no more than with no limit "
                    + "(no O(cells) work per permit)", bindingGrowth <= noneGrowth,
                    String.format(Locale.ROOT, "binding x%.2f (%s), no limit x%.2f (%s)", bindingGrowth,
                            Report.ratioWithErrors(find(rate, TAKE, "cells", "1000", "limit", "BINDING"),
                                    find(rate, TAKE, "cells", "10000", "limit", "BINDING"), "ns"),
                            noneGrowth, Report.ratioWithErrors(find(rate, TAKE, "cells", "1000", "limit", "NONE"),
                                    find(rate, TAKE, "cells", "10000", "limit", "NONE"), "ns")));
        }
        double worst = 0;
        String where = "";
        for (String cells : HOLD_CELLS) {
            for (String m : new String[] {"holdAndLift", "holdAndRelease"}) {
                double g = growth(m, cells);
                if (g > worst) {
                    worst = g;
                    where = m + " at " + cells + " cells: " + Report.ratioWithErrors(holdResult(m, cells, "10000"),
                            holdResult(m, cells, "1000000"), "µs");
                }
            }
        }
        if (worst > 0) {
            report.target("hold and lift of a campaign: 1,000,000 messages within " + FLAT + "x of 10,000 (same cells)",
                    worst <= FLAT, String.format(Locale.ROOT, "worst ratio %.2f (%s)", worst, where));
        }
    }

    /** The sections. */
    void write() throws IOException {
        rateLimits();
        holds();
        ageQueries();
        ageSpan();
    }

    private double growth(String method, String cells) {
        return score(holdResult(method, cells, "1000000")) / score(holdResult(method, cells, "10000"));
    }

    private Result holdResult(String method, String cells, String messages) {
        return find(hold, "HoldReleaseBenchmark." + method, "cells", cells, "messages", messages);
    }

    private void rateLimits() throws IOException {
        if (find(rate, TAKE) == null) {
            return;
        }
        md.append("## Rate limits\n\n`RateLimitBenchmark`: take, delivered and a new message into the same cell, one thread, "
                + "on a manual clock that moves 1 ms every 4 operations; the limited ISP has the given number of cells, four others "
                + "100 cells between them. `loose`: every ISP limited to 10^9/s (never binds); `binding`: the limited ISP at "
                + "1,000/s (a quarter of the takes), most of its cells parked on its limiter. ns/op; B/op includes the message object "
                + "each operation enqueues.\n\n");
        md.append("| limited cells | no limit | loose | binding | loose / none | binding / none | B/op (none / loose / binding) |\n"
                + "|---|---|---|---|---|---|---|\n");
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (String cells : new String[] {"100", "1000", "10000"}) {
            Result[] r = new Result[LIMITS.length];
            for (int i = 0; i < LIMITS.length; i++) {
                r[i] = find(rate, TAKE, "cells", cells, "limit", LIMITS[i]);
                if (r[i] != null) {
                    ds.addValue(r[i].score(), LIMITS[i].toLowerCase(Locale.ROOT), cells + " limited cells");
                }
            }
            if (r[0] == null && r[1] == null && r[2] == null) {
                continue;
            }
            md.append("| ").append(cells).append(" | ").append(pm(r[0])).append(" | ").append(pm(r[1])).append(" | ")
                    .append(pm(r[2])).append(" | ").append(ratio(r[1], r[0])).append(" | ").append(ratio(r[2], r[0]))
                    .append(" | ").append(alloc(r[0])).append(" / ").append(alloc(r[1])).append(" / ").append(alloc(r[2]))
                    .append(" |\n");
        }
        md.append("\nGrowth from 1,000 to 10,000 limited cells:");
        for (String l : LIMITS) {
            md.append(' ').append(l.toLowerCase(Locale.ROOT)).append(' ').append(ratio(find(rate, TAKE, "cells", "10000", "limit", l),
                    find(rate, TAKE, "cells", "1000", "limit", l))).append(l.equals("BINDING") ? "." : ",");
        }
        md.append("\n");
        report.chart(ds, "rate-limit.png", "take + delivered + enqueue under rate limits (ns/op; lower is better)", "ns/op", false);
        md.append("\n![rate limits](benchmarks/rate-limit.png)\n\n");
    }

    private static String alloc(Result r) {
        return r == null ? "–" : fmt(r.alloc());
    }

    private void holds() throws IOException {
        if (find(hold, "HoldReleaseBenchmark.holdAndLift") == null) {
            return;
        }
        md.append("## Holding a campaign\n\n`HoldReleaseBenchmark`: a campaign of 5 cells holding all of `messages`, among "
                + "`cells` cells of the sender (one message in each other cell). Hold then lift by id, hold then release by "
                + "selector, and the dry run (`previewHold`); the peer walks the campaign's own message list and moves each "
                + "message to HOLD and back. µs/op.\n\n");
        md.append("| cells | messages | hold + lift | hold + release | preview | per-message peer | peer / hold + lift |\n"
                + "|---|---|---|---|---|---|---|\n");
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (String cells : HOLD_CELLS) {
            for (String msgs : new String[] {"10000", "1000000"}) {
                Result[] r = new Result[HOLD_METHODS.length];
                for (int i = 0; i < r.length; i++) {
                    r[i] = find(hold, "HoldReleaseBenchmark." + HOLD_METHODS[i], "cells", cells, "messages", msgs);
                }
                Result peer = find(hold, "HoldReleaseBenchmark.perMessageHoldAndLift", "messages", msgs);
                if (r[0] == null && r[1] == null && r[2] == null) {
                    continue;
                }
                md.append("| ").append(cells).append(" | ").append(msgs).append(" | ").append(pm(r[0])).append(" | ").append(pm(r[1]))
                        .append(" | ").append(pm(r[2])).append(" | ").append(pm(peer)).append(" | ")
                        .append(times(peer, r[0]))
                        .append(" |\n");
                String cat = cells + " cells, " + msgs + " msgs";
                if (r[0] != null) {
                    ds.addValue(r[0].score(), "hold + lift", cat);
                }
                if (r[1] != null) {
                    ds.addValue(r[1].score(), "hold + release", cat);
                }
                if (peer != null) {
                    ds.addValue(peer.score(), "per-message peer", cat);
                }
            }
        }
        md.append("\nGrowth with the number of messages at fixed cells (1,000,000 / 10,000 messages):\n\n"
                + "| cells | hold + lift | hold + release | preview |\n|---|---|---|---|\n");
        for (String cells : HOLD_CELLS) {
            if (Double.isNaN(growth(HOLD_METHODS[0], cells))) {
                continue;
            }
            md.append("| ").append(cells);
            for (String m : HOLD_METHODS) {
                md.append(" | ").append(String.format(Locale.ROOT, "%.2f", growth(m, cells)));
            }
            md.append(" |\n");
        }
        report.chart(ds, "hold.png", "Hold and let go of a campaign (µs/op, log scale)", "µs/op", true);
        md.append("\n![hold](benchmarks/hold.png)\n\n");
    }

    private void ageQueries() throws IOException {
        Result first = find(ages, "AgeQueryBenchmark.ages");
        if (first == null) {
            return;
        }
        md.append("## Age and retry-reason queries\n\n`AgeQueryBenchmark`: one query of the whole sender per grouping, µs/op, with ")
                .append(String.format(Locale.ROOT, "%,d", Long.parseLong(first.param("messages"))))
                .append(" queued messages enqueued over the 6 hours before the query (a cell keeps one age entry per distinct "
                        + "enqueue minute). sendq reads per-cell histograms and counters; the peer groups a list of the "
                        + "messages per query.\n\n");
        md.append("| cells | grouping | ages | ages, list | list / sendq | retry reasons | retry reasons, list | list / sendq "
                + "| B/op (ages / retry reasons) |\n|---|---|---|---|---|---|---|---|---|\n");
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (String cells : HOLD_CELLS) {
            for (String g : GROUPINGS) {
                Result a = find(ages, "AgeQueryBenchmark.ages", "cells", cells, "grouping", g, "impl", "SENDQ");
                Result al = find(ages, "AgeQueryBenchmark.ages", "cells", cells, "grouping", g, "impl", "GROUP_MESSAGE_LIST");
                Result r = find(ages, "AgeQueryBenchmark.retryReasons", "cells", cells, "grouping", g, "impl", "SENDQ");
                Result rl = find(ages, "AgeQueryBenchmark.retryReasons", "cells", cells, "grouping", g, "impl", "GROUP_MESSAGE_LIST");
                if (a == null && r == null) {
                    continue;
                }
                md.append("| ").append(cells).append(" | ").append(g.toLowerCase(Locale.ROOT)).append(" | ").append(pm(a)).append(" | ")
                        .append(pm(al)).append(" | ").append(times(al, a)).append(" | ").append(pm(r)).append(" | ").append(pm(rl))
                        .append(" | ").append(times(rl, r)).append(" | ").append(alloc(a)).append(" / ").append(alloc(r))
                        .append(" |\n");
                if (g.equals("ACCOUNT_CAMPAIGN")) {
                    String cat = cells + " cells";
                    Result[] series = {a, al, r, rl};
                    String[] names = {"ages", "ages, list", "retry reasons", "retry reasons, list"};
                    for (int i = 0; i < series.length; i++) {
                        if (series[i] != null) {
                            ds.addValue(series[i].score(), names[i], cat);
                        }
                    }
                }
            }
        }
        report.chart(ds, "ages.png", "Age and retry-reason queries, group=account_campaign (µs/op, log scale)", "µs/op", true);
        md.append("\n![ages](benchmarks/ages.png)\n\n");
    }

    private void ageSpan() {
        String b = "AgeSpanBenchmark.takeDeliverEnqueue";
        Result first = find(span, b, "minutes", "10");
        if (find(span, b) == null) {
            return;
        }
        md.append("## Age entries and a message's life\n\n`AgeSpanBenchmark`: take, delivered and enqueue on one cell whose "
                + "backlog spans `minutes` distinct enqueue minutes (one message each), so that each delivery empties the cell's "
                + "oldest age entry. ns/op.\n\n| minutes | ns/op | x the 10-minute span | B/op |\n|---|---|---|---|\n");
        for (String m : new String[] {"10", "1000", "10000"}) {
            Result r = find(span, b, "minutes", m);
            if (r != null) {
                md.append("| ").append(m).append(" | ").append(pm(r)).append(" | ").append(ratio(r, first)).append(" | ")
                        .append(alloc(r)).append(" |\n");
            }
        }
        md.append("\n");
    }

    /** How many times {@code peer} takes sendq's time: one decimal under 10, else rounded. */
    private static String times(Result peer, Result sendq) {
        if (peer == null || sendq == null) {
            return "–";
        }
        double x = peer.score() / sendq.score();
        return String.format(Locale.ROOT, x < 10 ? "%.1f" : "%,.0f", x);
    }
}
