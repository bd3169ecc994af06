package dev.sendq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Folds a sender's cells into rows of N {@code long} columns: filter, group (see
 * {@link Grouping}), combine each column over the group's cells ({@link Combine#SUM} or
 * {@link Combine#MIN}), drop the empty groups, sort by account, campaign and ISP name. What a
 * column holds is up to a {@link Columns}: the live counts per state for stats, the outcomes,
 * or anything else a cell can report as longs. Reads only what that reader takes from each
 * cell, so a query costs O(cells of the sender) plus O(groups), whatever the number of queued
 * messages.
 *
 * <p>The pass walks the sender's {@link CellIndex} block by block: the filter reads the dense
 * id columns, the group is the cell's ordinal under the grouping (an index into flat arrays, no
 * hashing), and an adder of counters ({@link Cell#addLive}) adds the dense counts straight into
 * the group's without touching the cell object. Rows come out in the index's kept order of
 * the ordinals, so a query sorts nothing unless groups appeared since the last one.
 *
 * <p>Thread-safe: any number of threads may aggregate at once, and the cells may change while
 * they do (the reader decides what a cell's values are; the aggregator only combines them).
 * The working arrays are kept for the next query: once warm, a query allocates a constant
 * number of objects besides the rows it returns, whatever the number of cells and groups.
 */
final class StatsAggregator {
    /*
     * Concurrency: the working arrays (a Scratch) belong to one query at a time. A query takes
     * the spare one with getAndSet(null) and gives it back with setRelease; a query that finds
     * none (another query has it) makes its own, and whichever is given back last is kept.
     * Nothing else is shared: the cells are read through the index and the reader only.
     */
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

    /** Adds one cell's columns, all of them sums, to its group's. */
    @FunctionalInterface
    interface CellAdder {
        /**
         * Adds the value of each column of the cell at place {@code j} of {@code block} (its
         * object is {@code block.cells[j]}) to {@code to[at .. at + width)}, counts clamped at
         * zero.
         */
        void add(CellIndex.Block block, int j, long[] to, int at);
    }

    /** Reads one cell's columns. */
    @FunctionalInterface
    interface CellReader {
        /**
         * Writes the value of each column of the cell at place {@code j} of {@code block} (its
         * object is {@code block.cells[j]}) into {@code out[0 .. width)}: counts clamped at
         * zero, {@link Long#MAX_VALUE} for a MIN column the cell has nothing for.
         */
        void read(CellIndex.Block block, int j, long[] out);
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

    /**
     * What a query reads from each cell: a reader and a combine mode per column, or, when every
     * column is a sum, an adder (which skips the copy through a cell's own array). Immutable.
     */
    static final class Columns {
        final CellReader reader;
        /** Non-null when every column is a SUM: adds a cell's values straight into its group's. */
        final CellAdder adder;
        final int width;
        private final long[] identity;
        private final boolean[] min;
        private final boolean allSum;

        /**
         * @param combine one mode per column; at least one column must be a SUM, which is what
         *                makes a group non-empty
         */
        Columns(CellReader reader, Combine... combine) {
            this(Objects.requireNonNull(reader, "reader"), null, combine);
        }

        /** {@code width} columns, each a SUM, added by {@code adder}. */
        Columns(CellAdder adder, int width) {
            this(null, Objects.requireNonNull(adder, "adder"), sums(width));
        }

        private Columns(CellReader reader, CellAdder adder, Combine... combine) {
            this.reader = reader;
            this.adder = adder;
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

        private static Combine[] sums(int width) {
            Combine[] c = new Combine[width];
            Arrays.fill(c, Combine.SUM);
            return c;
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
     * Groups the published cells of {@code index} that {@code filter} selects, and makes one row
     * per group with something to show, in order of account id, campaign id, then ISP name: a
     * group is shown when one of its SUM columns is not 0, and the single {@link Grouping#TOTAL}
     * group always. Fields that the grouping does not group by carry the filter's value (its ISP
     * canonical when a cell has it), else 0 or {@code ""}.
     */
    <R> List<R> aggregate(CellIndex index, Selector filter, Grouping grouping, Columns columns,
                          RowFactory<R> rows) {
        Scratch s = (Scratch) SPARE.getAndSet(this, null);
        if (s == null) {
            s = new Scratch();
        }
        try {
            return s.aggregate(index, filter, grouping, columns, rows);
        } finally {
            if (s.values.length <= MAX_KEPT_VALUES) {
                SPARE.setRelease(this, s);
            }
        }
    }

    /** One query's working arrays, indexed by group ordinal. */
    private static final class Scratch {
        /** The groups' columns: ordinal * width + column. */
        long[] values = new long[64];
        long[] cell = new long[8];
        boolean[] ispMatch = new boolean[16];

        <R> List<R> aggregate(CellIndex index, Selector filter, Grouping grouping, Columns columns,
                              RowFactory<R> factory) {
            int n = index.size(); // first: the blocks, counts and keys read after it cover n cells
            CellIndex.Block[] blocks = index.blocks();
            int isps = index.groups(Grouping.ISP);
            int groups = index.groups(grouping);
            int w = columns.width;
            if (cell.length < w) {
                cell = new long[w];
            }
            if (values.length < groups * w) {
                values = new long[Math.max(values.length * 2, groups * w)];
            }
            if (columns.allSum) {
                Arrays.fill(values, 0, groups * w, 0L); // every identity is 0
            } else {
                for (int g = 0; g < groups; g++) {
                    System.arraycopy(columns.identity, 0, values, g * w, w);
                }
            }
            String isp = filter.isp();
            String ispEcho = isp;
            boolean anyIsp = isp.isEmpty();
            if (!anyIsp) {
                if (ispMatch.length < isps) {
                    ispMatch = new boolean[Math.max(ispMatch.length * 2, isps)];
                }
                String canonical = index.matchIsps(isp, isps, ispMatch);
                if (canonical == null) { // no cell has the ISP: nothing to read
                    return rows(index, filter, grouping, groups, isp, columns, factory);
                }
                ispEcho = canonical;
            }
            group(blocks, n, filter.accountId(), filter.campaignId(), anyIsp, grouping, columns);
            return rows(index, filter, grouping, groups, ispEcho, columns, factory);
        }

        /** Combines every selected cell of the first {@code n} into its group's columns. */
        private void group(CellIndex.Block[] blocks, int n, int account, int campaign, boolean anyIsp,
                           Grouping grouping, Columns columns) {
            int w = columns.width;
            long[] v = values;
            long[] c = cell;
            boolean[] isps = anyIsp ? null : ispMatch;
            CellAdder adder = columns.adder;
            for (CellIndex.Block b : blocks) {
                if (b == null || b.first >= n) {
                    break;
                }
                int m = Math.min(b.capacity, n - b.first);
                int[] ordinals = b.ordinals(grouping); // null for TOTAL: one group, 0
                for (int j = 0; j < m; j++) {
                    if (!CellIndex.selected(b, j, account, campaign, isps)) {
                        continue;
                    }
                    int at = ordinals == null ? 0 : ordinals[j] * w;
                    if (adder != null) {
                        adder.add(b, j, v, at);
                    } else {
                        columns.reader.read(b, j, c);
                        columns.combine(c, v, at);
                    }
                }
            }
        }

        /** The rows of the groups in row order, empty ones left out unless it is the total. */
        private <R> List<R> rows(CellIndex index, Selector filter, Grouping grouping, int groups, String ispEcho,
                                 Columns columns, RowFactory<R> factory) {
            int w = columns.width;
            long[] row = new long[w];
            if (grouping == Grouping.TOTAL) {
                System.arraycopy(values, 0, row, 0, w);
                return List.of(factory.row(filter.accountId(), filter.campaignId(), ispEcho, row));
            }
            int[] order = index.order(grouping, groups);
            List<R> out = new ArrayList<>(groups);
            for (int o : order) {
                if (o >= groups || columns.isEmpty(values, o * w)) {
                    continue;
                }
                System.arraycopy(values, o * w, row, 0, w);
                out.add(switch (grouping) {
                    case ACCOUNT -> factory.row(index.accountOf(grouping, o), filter.campaignId(), ispEcho, row);
                    case ACCOUNT_CAMPAIGN -> factory.row(index.accountOf(grouping, o), index.campaignOf(o), ispEcho,
                            row);
                    case ISP -> factory.row(filter.accountId(), filter.campaignId(), index.ispOf(o), row);
                    case TOTAL -> throw new AssertionError(grouping);
                });
            }
            return out;
        }
    }
}
