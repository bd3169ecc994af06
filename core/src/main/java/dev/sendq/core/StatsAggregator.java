package dev.sendq.core;

import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import it.unimi.dsi.fastutil.objects.Object2ObjectOpenHashMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Folds a sender's cells into stats rows: filter, group, drop empty groups, sort. Reads only
 * counters, so it costs O(cells of the sender) (plus sorting the groups), whatever the number
 * of queued messages. Numeric groups are keyed by primitive longs (no boxing) and sorted as
 * such; ISP groups by their canonical name. Stateless.
 */
final class StatsAggregator {
    private static final Comparator<String> ISP_ORDER =
            String.CASE_INSENSITIVE_ORDER.thenComparing(Comparator.naturalOrder());

    /** A group's key and its summed slots (all eight, indexed as in {@link CellCounters}). */
    static final class Group {
        final int accountId;
        final int campaignId;
        final String isp;
        final long[] sums = new long[CellCounters.SLOTS];

        Group(int accountId, int campaignId, String isp) {
            this.accountId = accountId;
            this.campaignId = campaignId;
            this.isp = isp;
        }

        long live() {
            return sums[CellCounters.NEW] + sums[CellCounters.PROC] + sums[CellCounters.RETRY]
                    + sums[CellCounters.HOLD];
        }

        long outcomes() {
            return sums[CellCounters.DELIVERED] + sums[CellCounters.FAILED] + sums[CellCounters.EXPIRED]
                    + sums[CellCounters.CANCELLED];
        }

        void add(long[] buf) {
            for (int s = 0; s < CellCounters.SLOTS; s++) {
                sums[s] += buf[s];
            }
        }
    }

    private StatsAggregator() {
    }

    /**
     * Groups the first {@code n} cells that {@code filter} selects.
     *
     * @param live read the live counts (else the outcomes)
     * @return the groups with something to show (the single TOTAL group always), sorted
     */
    static List<Group> aggregate(Cell[] cells, int n, Selector filter, Grouping grouping, boolean live) {
        String ispEcho = echo(cells, n, filter.isp());
        Group total = new Group(filter.accountId(), filter.campaignId(), ispEcho);
        Long2ObjectOpenHashMap<Group> numeric = new Long2ObjectOpenHashMap<>();
        Object2ObjectOpenHashMap<String, Group> byIsp = new Object2ObjectOpenHashMap<>();
        long[] buf = new long[CellCounters.SLOTS];
        for (int i = 0; i < n; i++) {
            Cell c = cells[i];
            if (!filter.matches(c.accountId, c.campaignId, c.isp)) {
                continue;
            }
            if (live) {
                c.readLive(buf);
            } else {
                c.readOutcomes(buf);
            }
            switch (grouping) {
                case TOTAL -> total.add(buf);
                case ACCOUNT -> {
                    Group g = numeric.get(c.accountId);
                    if (g == null) {
                        g = new Group(c.accountId, filter.campaignId(), ispEcho);
                        numeric.put(c.accountId, g);
                    }
                    g.add(buf);
                }
                case ACCOUNT_CAMPAIGN -> {
                    long key = ((long) c.accountId << 32) | c.campaignId;
                    Group g = numeric.get(key);
                    if (g == null) {
                        g = new Group(c.accountId, c.campaignId, ispEcho);
                        numeric.put(key, g);
                    }
                    g.add(buf);
                }
                case ISP -> {
                    Group g = byIsp.get(c.isp);
                    if (g == null) {
                        g = new Group(filter.accountId(), filter.campaignId(), c.isp);
                        byIsp.put(c.isp, g);
                    }
                    g.add(buf);
                }
                default -> throw new AssertionError(grouping);
            }
        }
        List<Group> out = new ArrayList<>();
        if (grouping == Grouping.TOTAL) {
            out.add(total);
        } else if (grouping == Grouping.ISP) {
            String[] names = byIsp.keySet().toArray(new String[0]);
            Arrays.sort(names, ISP_ORDER);
            for (String isp : names) {
                keep(byIsp.get(isp), live, out);
            }
        } else {
            long[] keys = numeric.keySet().toLongArray();
            Arrays.sort(keys); // account, then campaign: both non-negative
            for (long k : keys) {
                keep(numeric.get(k), live, out);
            }
        }
        return out;
    }

    private static void keep(Group g, boolean live, List<Group> out) {
        if (live ? g.live() > 0 : g.outcomes() > 0) {
            out.add(g);
        }
    }

    /** A filter's ISP as rows echo it: canonical if the sender has a cell with it, else as given. */
    private static String echo(Cell[] cells, int n, String isp) {
        if (isp.isEmpty()) {
            return isp;
        }
        for (int i = 0; i < n; i++) {
            String c = cells[i].isp;
            if (c == isp || c.equalsIgnoreCase(isp)) {
                return c;
            }
        }
        return isp;
    }
}
