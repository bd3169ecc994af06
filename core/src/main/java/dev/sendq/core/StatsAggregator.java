package dev.sendq.core;

import it.unimi.dsi.fastutil.ints.IntArrays;
import it.unimi.dsi.fastutil.ints.IntComparator;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Folds a sender's cells into rows of N {@code long} columns: filter, group (see
 * {@link Grouping}), combine each column over the group's cells ({@link Combine#SUM} or
 * {@link Combine#MIN}), drop the empty groups, sort by account, campaign and ISP name. What a
 * column holds is up to a {@link Columns}: the live counts per state for stats, the outcomes,
 * or anything else a cell can report as longs. Reads only what that reader takes from each
 * cell, so a query costs O(cells of the sender) plus sorting the groups, whatever the number of
 * queued messages.
 *
 * <p>Thread-safe: any number of threads may aggregate at once, and the cells may change while
 * they do (the reader decides what a cell's values are; the aggregator only combines them).
 * Groups are slots of flat primitive arrays, found through a primitive-keyed open-addressing
 * map, and those arrays are kept for the next query: once warm, a query allocates a constant
 * number of objects besides the rows it returns, whatever the number of cells and groups.
 */
final class StatsAggregator {
    /*
     * Concurrency: the working arrays (a Scratch) belong to one query at a time. A query takes
     * the spare one with getAndSet(null) and gives it back with setRelease; a query that finds
     * none (another query has it) makes its own, and whichever is given back last is kept.
     * Nothing else is shared: the cells are read through the reader only.
     */
    private static final Comparator<String> ISP_ORDER =
            String.CASE_INSENSITIVE_ORDER.thenComparing(Comparator.naturalOrder());
    /**
     * A spare scratch with more values than this (8 MiB) is dropped rather than kept: a query
     * that big reads so many cells that allocating its arrays afresh is a small part of its cost,
     * and a sender does not keep that much memory for a query it may never run again.
     */
    private static final int MAX_KEPT_VALUES = 1 << 20;
    private static final VarHandle SPARE;

    static {
        try {
            SPARE = MethodHandles.lookup().findVarHandle(StatsAggregator.class, "spare", Scratch.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** How a column combines over the cells of a group. */
    enum Combine {
        /** The sum; 0 for no cell. */
        SUM,
        /** The smallest value (an oldest timestamp, say); {@link Long#MAX_VALUE} for no cell. */
        MIN
    }

    /** Reads one cell's columns. */
    @FunctionalInterface
    interface CellReader {
        /**
         * Writes the cell's value of each column into {@code out[0 .. width)}: counts clamped at
         * zero, {@link Long#MAX_VALUE} for a MIN column the cell has nothing for.
         */
        void read(Cell cell, long[] out);
    }

    /** Makes a result row of a group. */
    @FunctionalInterface
    interface RowFactory<R> {
        /**
         * @param values the group's columns, {@code width} of them; the array is reused for the
         *               next row, so copy it to keep it
         */
        R row(int accountId, int campaignId, String isp, long[] values);
    }

    /** What a query reads from each cell: a reader and a combine mode per column. Immutable. */
    static final class Columns {
        final CellReader reader;
        final int width;
        private final long[] identity;
        private final boolean[] min;
        private final boolean allSum;

        /**
         * @param combine one mode per column; at least one column must be a SUM, which is what
         *                makes a group non-empty
         */
        Columns(CellReader reader, Combine... combine) {
            this.reader = Objects.requireNonNull(reader, "reader");
            width = combine.length;
            identity = new long[width];
            min = new boolean[width];
            boolean sums = false;
            for (int c = 0; c < width; c++) {
                min[c] = Objects.requireNonNull(combine[c], "combine") == Combine.MIN;
                identity[c] = min[c] ? Long.MAX_VALUE : 0;
                sums |= !min[c];
            }
            if (!sums) {
                throw new IllegalArgumentException("at least one column must be a SUM");
            }
            allSum = !Arrays.asList(combine).contains(Combine.MIN);
        }

        /** Combines one cell's values into the group at {@code values[base .. base + width)}. */
        void combine(long[] cell, long[] values, int base) {
            if (allSum) {
                for (int c = 0; c < width; c++) {
                    values[base + c] += cell[c];
                }
            } else {
                for (int c = 0; c < width; c++) {
                    long v = values[base + c];
                    values[base + c] = min[c] ? Math.min(v, cell[c]) : v + cell[c];
                }
            }
        }

        /** Whether the group at {@code base} is empty: every SUM column is 0. */
        boolean isEmpty(long[] values, int base) {
            for (int c = 0; c < width; c++) {
                if (!min[c] && values[base + c] != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    @SuppressWarnings("unused") // written through SPARE
    private volatile Scratch spare;

    /**
     * Groups the first {@code n} cells that {@code filter} selects, and makes one row per group
     * with something to show, in order of account id, campaign id, then ISP name: a group is
     * shown when one of its SUM columns is not 0, and the single {@link Grouping#TOTAL} group
     * always. Fields that the grouping does not group by carry the filter's value (its ISP
     * canonical when a cell has it), else 0 or {@code ""}.
     */
    <R> List<R> aggregate(Cell[] cells, int n, Selector filter, Grouping grouping, Columns columns,
                          RowFactory<R> rows) {
        Scratch s = (Scratch) SPARE.getAndSet(this, null);
        if (s == null) {
            s = new Scratch();
        }
        try {
            int groups = s.group(cells, n, filter, grouping, columns);
            return s.rows(groups, grouping == Grouping.TOTAL, columns, rows);
        } finally {
            s.release();
            if (s.values.length <= MAX_KEPT_VALUES) {
                SPARE.setRelease(this, s);
            }
        }
    }

    /** One query's working arrays, indexed by group slot. */
    private static final class Scratch {
        final Long2IntOpenHashMap byKey = new Long2IntOpenHashMap();
        final Object2IntOpenHashMap<String> byIsp = new Object2IntOpenHashMap<>();
        /** The groups' columns: slot * width + column. */
        long[] values = new long[64];
        int[] accounts = new int[16];
        int[] campaigns = new int[16];
        String[] isps = new String[16];
        int[] order = new int[16];
        long[] cell = new long[8];
        final IntComparator byRowOrder = this::compare;

        Scratch() {
            byKey.defaultReturnValue(-1);
            byIsp.defaultReturnValue(-1);
        }

        /** Fills the slots; returns how many groups there are. */
        int group(Cell[] cells, int n, Selector filter, Grouping grouping, Columns columns) {
            int w = columns.width;
            if (cell.length < w) {
                cell = new long[w];
            }
            String ispEcho = echo(cells, n, filter.isp());
            int groups = 0;
            if (grouping == Grouping.TOTAL) {
                groups = open(0, filter.accountId(), filter.campaignId(), ispEcho, columns);
            }
            for (int i = 0; i < n; i++) {
                Cell c = cells[i];
                if (!filter.matches(c.accountId, c.campaignId, c.isp)) {
                    continue;
                }
                int slot = switch (grouping) {
                    case TOTAL -> 0;
                    case ACCOUNT -> byKey.putIfAbsent(c.accountId, groups);
                    case ACCOUNT_CAMPAIGN -> byKey.putIfAbsent(((long) c.accountId << 32) | c.campaignId, groups);
                    case ISP -> byIsp.putIfAbsent(c.isp, groups);
                };
                if (slot < 0) {
                    slot = groups;
                    groups = switch (grouping) {
                        case ACCOUNT -> open(slot, c.accountId, filter.campaignId(), ispEcho, columns);
                        case ACCOUNT_CAMPAIGN -> open(slot, c.accountId, c.campaignId, ispEcho, columns);
                        case ISP -> open(slot, filter.accountId(), filter.campaignId(), c.isp, columns);
                        case TOTAL -> throw new AssertionError(grouping);
                    };
                }
                columns.reader.read(c, cell);
                columns.combine(cell, values, slot * w);
            }
            return groups;
        }

        /** Opens group {@code slot} with its row key and every column at its identity; returns slot + 1. */
        private int open(int slot, int accountId, int campaignId, String isp, Columns columns) {
            int w = columns.width;
            if (slot == accounts.length) {
                int cap = slot * 2;
                accounts = Arrays.copyOf(accounts, cap);
                campaigns = Arrays.copyOf(campaigns, cap);
                isps = Arrays.copyOf(isps, cap);
                order = new int[cap];
            }
            if ((slot + 1) * w > values.length) {
                values = Arrays.copyOf(values, Math.max(values.length * 2, (slot + 1) * w));
            }
            accounts[slot] = accountId;
            campaigns[slot] = campaignId;
            isps[slot] = isp;
            System.arraycopy(columns.identity, 0, values, slot * w, w);
            return slot + 1;
        }

        /** The rows of the groups in row order, empty ones left out unless {@code keepEmpty}. */
        <R> List<R> rows(int groups, boolean keepEmpty, Columns columns, RowFactory<R> factory) {
            for (int i = 0; i < groups; i++) {
                order[i] = i;
            }
            if (!sorted(groups)) {
                IntArrays.quickSort(order, 0, groups, byRowOrder);
            }
            int w = columns.width;
            long[] row = new long[w];
            List<R> out = new ArrayList<>(groups);
            for (int i = 0; i < groups; i++) {
                int slot = order[i];
                if (keepEmpty || !columns.isEmpty(values, slot * w)) {
                    System.arraycopy(values, slot * w, row, 0, w);
                    out.add(factory.row(accounts[slot], campaigns[slot], isps[slot], row));
                }
            }
            return out;
        }

        /** Whether the slots, in the order they were opened, are already in row order (often so). */
        private boolean sorted(int groups) {
            for (int i = 1; i < groups; i++) {
                if (compare(i - 1, i) > 0) {
                    return false;
                }
            }
            return true;
        }

        private int compare(int a, int b) {
            int c = Integer.compare(accounts[a], accounts[b]);
            if (c == 0) {
                c = Integer.compare(campaigns[a], campaigns[b]);
            }
            return c != 0 || isps[a] == isps[b] ? c : ISP_ORDER.compare(isps[a], isps[b]);
        }

        /** Forgets the query: empties the maps (keeping their tables) and drops the names. */
        void release() {
            byKey.clear();
            byIsp.clear();
            Arrays.fill(isps, null);
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
