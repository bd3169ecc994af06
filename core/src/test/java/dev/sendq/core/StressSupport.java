package dev.sendq.core;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;

/** What the stress tests share: their threads, and the checks a reader makes on every stats read. */
final class StressSupport {
    private StressSupport() {
    }

    /** What a thread does, with its random stream. */
    interface Body {
        void run(SplittableRandom rnd) throws Exception;
    }

    /**
     * A daemon thread (not started) running {@code body}; anything it throws is added to
     * {@code failures} with the thread's name and stack, and {@code stop} is run.
     */
    static Thread daemon(String name, SplittableRandom rnd, Body body, Queue<String> failures, Runnable stop) {
        Thread t = new Thread(() -> {
            try {
                body.run(rnd);
            } catch (Throwable e) {
                failures.add(Thread.currentThread().getName() + ": " + e + " at " + List.of(e.getStackTrace()));
                stop.run();
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Adds a hold rule; {@code null} if it was refused because the clock (moved by a ticker) had
     * reached {@code until} before the call, as documented. Any other refusal is thrown.
     */
    static HoldRule holdUnlessPassed(SenderQueue q, Selector selector, Instant until, InstantSource clock) {
        return holdUnlessPassed(q, selector, HoldReason.OPERATOR, null, until, clock);
    }

    /** {@link #holdUnlessPassed(SenderQueue, Selector, Instant, InstantSource)} with a reason and a label. */
    static HoldRule holdUnlessPassed(SenderQueue q, Selector selector, HoldReason reason, String label, Instant until,
                                     InstantSource clock) {
        try {
            return q.hold(selector, reason, label, until);
        } catch (IllegalArgumentException e) {
            if (until == null || clock.instant().isBefore(until)) {
                throw e;
            }
            return null;
        }
    }

    /**
     * Reads every grouping of stats and outcomes of sender {@code s} for each filter, and adds to
     * {@code failures}: a TOTAL answer that is not one row, a row with a negative count or a total
     * that is not the sum of its counts, an empty row listed, an outcome count that went down
     * since the previous read ({@code lastOutcomes}, kept by the caller across reads).
     */
    static void readAll(SenderQueue q, int s, Selector[] filters, Map<String, long[]> lastOutcomes,
                        Queue<String> failures) {
        for (int f = 0; f < filters.length; f++) {
            for (Grouping g : Grouping.values()) {
                List<StatsRow> rows = q.stats(filters[f], g);
                if (g == Grouping.TOTAL && rows.size() != 1) {
                    failures.add("TOTAL answered " + rows.size() + " rows");
                }
                for (StatsRow row : rows) {
                    if (row.hold() < 0 || row.newCount() < 0 || row.proc() < 0 || row.retry() < 0
                            || row.total() != row.hold() + row.newCount() + row.proc() + row.retry()) {
                        failures.add("bad stats row " + row);
                    }
                    if (g != Grouping.TOTAL && row.total() == 0) {
                        failures.add("empty row listed: " + row);
                    }
                }
                for (OutcomeRow row : q.outcomes(filters[f], g)) {
                    long[] now = {row.delivered(), row.failed(), row.expired(), row.cancelled()};
                    String key = s + "/" + f + "/" + g + "/" + row.accountId() + "/" + row.campaignId() + "/" + row.isp();
                    long[] before = lastOutcomes.put(key, now);
                    for (int i = 0; i < 4; i++) {
                        if (now[i] < 0 || (before != null && now[i] < before[i])) {
                            failures.add("outcome " + Outcome.of(i) + " of " + key + " went from "
                                    + (before == null ? "-" : before[i]) + " to " + now[i]);
                        }
                    }
                }
            }
        }
    }
}
