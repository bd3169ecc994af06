package dev.sendq.core;

import it.unimi.dsi.fastutil.objects.Object2ObjectOpenHashMap;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Folds a sender's cells into stats rows: filter, group, drop empty groups, sort. Reads only
 * counters, so it costs O(cells of the sender) (plus sorting the rows), whatever the number of
 * queued messages. Stateless.
 */
final class StatsAggregator {
    private static final Comparator<Group> ORDER = Comparator.<Group>comparingInt(g -> g.accountId)
            .thenComparingInt(g -> g.campaignId)
            .thenComparing(g -> g.isp, String.CASE_INSENSITIVE_ORDER.thenComparing(Comparator.naturalOrder()));

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
        String ispEcho = filter.isp();
        Object2ObjectOpenHashMap<Object, Group> groups = new Object2ObjectOpenHashMap<>();
        Group total = null;
        long[] buf = new long[CellCounters.SLOTS];
        for (int i = 0; i < n; i++) {
            Cell c = cells[i];
            if (!ispEcho.isEmpty() && ispEcho != c.isp && ispEcho.equalsIgnoreCase(c.isp)) {
                ispEcho = c.isp; // a filter value is echoed canonically
            }
            if (!filter.matches(c.accountId, c.campaignId, c.isp)) {
                continue;
            }
            if (live) {
                c.readLive(buf);
            } else {
                c.readOutcomes(buf);
            }
            Group g;
            switch (grouping) {
                case TOTAL -> {
                    if (total == null) {
                        total = new Group(filter.accountId(), filter.campaignId(), "");
                    }
                    g = total;
                }
                case ACCOUNT -> g = groups.computeIfAbsent(c.accountId,
                        k -> new Group(c.accountId, filter.campaignId(), ""));
                case ACCOUNT_CAMPAIGN -> g = groups.computeIfAbsent(((long) c.accountId << 32) | c.campaignId,
                        k -> new Group(c.accountId, c.campaignId, ""));
                case ISP -> g = groups.computeIfAbsent(c.isp,
                        k -> new Group(filter.accountId(), filter.campaignId(), c.isp));
                default -> throw new AssertionError(grouping);
            }
            for (int s = 0; s < CellCounters.SLOTS; s++) {
                g.sums[s] += buf[s];
            }
        }
        List<Group> out = new ArrayList<>();
        if (grouping == Grouping.TOTAL) {
            Group t = total != null ? total : new Group(filter.accountId(), filter.campaignId(), "");
            out.add(new Group(t.accountId, t.campaignId, ispEcho));
            System.arraycopy(t.sums, 0, out.get(0).sums, 0, CellCounters.SLOTS);
            return out;
        }
        for (Group g : groups.values()) {
            if (live ? g.live() > 0 : g.outcomes() > 0) {
                out.add(grouping == Grouping.ISP ? g : withIsp(g, ispEcho));
            }
        }
        out.sort(ORDER);
        return out;
    }

    private static Group withIsp(Group g, String isp) {
        if (isp.isEmpty()) {
            return g;
        }
        Group r = new Group(g.accountId, g.campaignId, isp);
        System.arraycopy(g.sums, 0, r.sums, 0, CellCounters.SLOTS);
        return r;
    }
}
