package dev.sendq.core;

import static dev.sendq.core.StatsAggregator.Combine.MIN;
import static dev.sendq.core.StatsAggregator.Combine.SUM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The aggregator on its own: cells whose column values a test table gives (not counters), any
 * number of columns, SUM and MIN, every grouping and filter, against a naive reference.
 */
class StatsAggregatorTest {

    /** A row as the tests compare it. */
    record Row(int accountId, int campaignId, String isp, List<Long> values) {
        static Row of(int accountId, int campaignId, String isp, long... values) {
            return new Row(accountId, campaignId, isp, Arrays.stream(values).boxed().toList());
        }
    }

    private static final StatsAggregator.RowFactory<Row> ROW = Row::of;
    private static final String[] ISPS = {"Gmail", "Yahoo", "Microsoft", "apple", "Other", "ÿahoo"};

    private final SenderQueue sender = new Fixture().q;
    /** The values each cell reports, by cell. */
    private final Map<Cell, long[]> table = new IdentityHashMap<>();
    private final StatsAggregator.CellReader reader = (b, j, out) -> {
        long[] v = table.get(b.cells[j]);
        System.arraycopy(v, 0, out, 0, v.length);
    };
    /** The cells of the test at hand, published in the order made. */
    private CellIndex index = new CellIndex();

    private Cell cell(int account, int campaign, String isp, long... values) {
        Cell c = unpublished(account, campaign, isp, values);
        index.add(c);
        return c;
    }

    /** A cell made at the index's next place but not published (a refused duplicate's, say). */
    private Cell unpublished(int account, int campaign, String isp, long... values) {
        Cell c = new Cell(sender, index, account, campaign, isp);
        table.put(c, values);
        return c;
    }

    @Test
    void minColumnTakesTheSmallestAndIgnoresCellsWithNothing() {
        // columns: count (SUM), oldest (MIN), bytes (SUM)
        StatsAggregator.Columns cols = new StatsAggregator.Columns(reader, SUM, MIN, SUM);
        cell(7, 1, "Gmail", 2, 500, 10);
        cell(7, 1, "Yahoo", 1, 300, 20);
        cell(7, 2, "Gmail", 0, Long.MAX_VALUE, 0); // nothing: left out
        cell(7, 3, "Gmail", 0, 100, 0);            // a MIN value alone does not make a row
        cell(8, 1, "Yahoo", 4, Long.MAX_VALUE, 1);
        StatsAggregator agg = new StatsAggregator();

        assertThat(agg.aggregate(index, Selector.ALL, Grouping.ACCOUNT_CAMPAIGN, cols, ROW))
                .containsExactly(Row.of(7, 1, "", 3, 300, 30), Row.of(8, 1, "", 4, Long.MAX_VALUE, 1));
        assertThat(agg.aggregate(index, Selector.ALL, Grouping.TOTAL, cols, ROW))
                .containsExactly(Row.of(0, 0, "", 7, 100, 31));
        assertThat(agg.aggregate(index, Selector.ALL, Grouping.ISP, cols, ROW))
                .containsExactly(Row.of(0, 0, "Gmail", 2, 100, 10), Row.of(0, 0, "Yahoo", 5, 300, 21));
        // the single total row of an empty selection: SUMs 0, MINs at their identity
        assertThat(agg.aggregate(index, Selector.account(9), Grouping.TOTAL, cols, ROW))
                .containsExactly(Row.of(9, 0, "", 0, Long.MAX_VALUE, 0));
    }

    @Test
    void echoesFilterValuesInUngroupedFieldsWithTheCanonicalIsp() {
        StatsAggregator.Columns cols = new StatsAggregator.Columns(reader, SUM);
        cell(7, 1, "Gmail", 2);
        cell(7, 2, "Gmail", 3);
        unpublished(8, 1, "Gmail", 4);
        StatsAggregator agg = new StatsAggregator();

        // only published cells count
        assertThat(agg.aggregate(index, Selector.ALL, Grouping.ACCOUNT, cols, ROW))
                .containsExactly(Row.of(7, 0, "", 5));
        cell(8, 1, "Gmail", 4);
        assertThat(agg.aggregate(index, new Selector(0, 1, "GMAIL"), Grouping.ACCOUNT, cols, ROW))
                .containsExactly(Row.of(7, 1, "Gmail", 2), Row.of(8, 1, "Gmail", 4));
        assertThat(agg.aggregate(index, new Selector(7, 0, "Nope"), Grouping.TOTAL, cols, ROW))
                .containsExactly(Row.of(7, 0, "Nope", 0));
    }

    /**
     * The row order is kept between queries and sorted again when groups appear: new groups that
     * sort before, between and after the old ones come out in place, in every grouping.
     */
    @Test
    void groupsThatAppearBetweenQueriesComeOutInOrder() {
        StatsAggregator.Columns cols = new StatsAggregator.Columns(reader, SUM);
        StatsAggregator agg = new StatsAggregator();
        cell(20, 5, "Yahoo", 1);
        cell(10, 5, "gmail", 2);
        assertThat(agg.aggregate(index, Selector.ALL, Grouping.ACCOUNT_CAMPAIGN, cols, ROW))
                .containsExactly(Row.of(10, 5, "", 2), Row.of(20, 5, "", 1));
        assertThat(agg.aggregate(index, Selector.ALL, Grouping.ISP, cols, ROW))
                .containsExactly(Row.of(0, 0, "gmail", 2), Row.of(0, 0, "Yahoo", 1));
        cell(5, 1, "Apple", 4);
        cell(10, 6, "Zoho", 8);
        cell(30, 1, "hotmail", 16);
        assertThat(agg.aggregate(index, Selector.ALL, Grouping.ACCOUNT_CAMPAIGN, cols, ROW)).containsExactly(
                Row.of(5, 1, "", 4), Row.of(10, 5, "", 2), Row.of(10, 6, "", 8), Row.of(20, 5, "", 1),
                Row.of(30, 1, "", 16));
        assertThat(agg.aggregate(index, Selector.ALL, Grouping.ACCOUNT, cols, ROW)).containsExactly(
                Row.of(5, 0, "", 4), Row.of(10, 0, "", 10), Row.of(20, 0, "", 1), Row.of(30, 0, "", 16));
        assertThat(agg.aggregate(index, Selector.ALL, Grouping.ISP, cols, ROW)).containsExactly(
                Row.of(0, 0, "Apple", 4), Row.of(0, 0, "gmail", 2), Row.of(0, 0, "hotmail", 16),
                Row.of(0, 0, "Yahoo", 1), Row.of(0, 0, "Zoho", 8));
    }

    @Test
    void refusesColumnsWithoutASum() {
        assertThatThrownBy(() -> new StatsAggregator.Columns(reader, MIN, MIN))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Random cells, widths (1 to 40 columns, 33 = the age buckets' 8 x 4 + an oldest column),
     * combine modes, filters and groupings on one aggregator (so its arrays are reused across
     * widths and groupings), against the reference.
     */
    @Test
    void anyNumberOfColumnsMatchesTheReference() {
        SplittableRandom r = new SplittableRandom(20240601);
        StatsAggregator agg = new StatsAggregator();
        for (int round = 0; round < 300; round++) {
            long seed = r.nextLong();
            Query q = randomQuery(new SplittableRandom(seed));
            assertThat(q.run(agg)).as("seed %d", seed).isEqualTo(q.expected());
        }
    }

    @Test
    void concurrentQueriesOnOneAggregatorAreEachRight() throws Exception {
        StatsAggregator agg = new StatsAggregator();
        List<Query> queries = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 40; i++) {
            queries.add(randomQuery(r));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                done.add(pool.submit(() -> {
                    for (int k = 0; k < 200; k++) {
                        Query q = queries.get((first + k * 7) % queries.size());
                        assertThat(q.run(agg)).isEqualTo(q.expected());
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Once warm, a query allocates a few objects, not one per group or cell. */
    @Test
    void warmQueryAllocatesNothingPerGroup() throws ReflectiveOperationException {
        // com.sun.management.ThreadMXBean by reflection: the tests compile inside the core
        // module, which does not read java.management (they run on the class path)
        Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        Method allocated = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        StatsAggregator.Columns cols = new StatsAggregator.Columns(reader, SUM, SUM, SUM, SUM);
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            cell(1 + i / 50, i % 10, ISPS[(i / 10) % 5], 1, 0, 2, 0);
        }
        int groups = n / 5;
        StatsAggregator.RowFactory<Object> none = (a, c, isp, v) -> Boolean.TRUE; // rows cost nothing here
        for (int i = 0; i < 5; i++) {
            assertThat(agg(cols, none)).hasSize(groups);
        }
        long before = (long) allocated.invoke(mx);
        agg(cols, none);
        long bytes = (long) allocated.invoke(mx) - before;
        // the result list's array (a reference per row) and a few small objects; a group object
        // per row would be over 100 bytes each
        assertThat(bytes).isLessThan(8L * groups + 1024);
    }

    private final StatsAggregator warm = new StatsAggregator();

    private List<Object> agg(StatsAggregator.Columns cols, StatsAggregator.RowFactory<Object> f) {
        return warm.aggregate(index, Selector.ALL, Grouping.ACCOUNT_CAMPAIGN, cols, f);
    }

    // ------------------------------------------------------------------ random queries and the reference

    private Query randomQuery(SplittableRandom r) {
        int width = switch (r.nextInt(4)) {
            case 0 -> 1;
            case 1 -> 4;
            case 2 -> 33;
            default -> 1 + r.nextInt(40);
        };
        StatsAggregator.Combine[] combine = new StatsAggregator.Combine[width];
        for (int c = 0; c < width; c++) {
            combine[c] = r.nextInt(4) == 0 ? MIN : SUM;
        }
        combine[r.nextInt(width)] = SUM;
        int accounts = 1 + r.nextInt(12);
        int n = r.nextInt(300);
        index = new CellIndex();
        Cell[] cells = new Cell[n + 1]; // the last one made but not published: never read
        for (int i = 0; i < cells.length; i++) {
            long[] v = new long[width];
            for (int c = 0; c < width; c++) {
                v[c] = combine[c] == MIN
                        ? (r.nextBoolean() ? Long.MAX_VALUE : r.nextLong(1_000_000))
                        : (r.nextInt(3) == 0 ? r.nextInt(5) : 0);
            }
            // accounts and campaigns in random order, so that the groups open out of row order
            cells[i] = unpublished(1 + r.nextInt(accounts), r.nextInt(4), ISPS[r.nextInt(ISPS.length)], v);
            if (i < n) {
                index.add(cells[i]);
            }
        }
        Selector filter = new Selector(r.nextInt(3) == 0 ? 1 + r.nextInt(accounts) : 0,
                r.nextInt(3) == 0 ? r.nextInt(4) : 0,
                switch (r.nextInt(4)) {
                    case 0 -> ISPS[r.nextInt(ISPS.length)].toUpperCase(java.util.Locale.ROOT);
                    case 1 -> "Nowhere";
                    default -> "";
                });
        Grouping grouping = Grouping.values()[r.nextInt(Grouping.values().length)];
        return new Query(index, cells, n, filter, grouping, new StatsAggregator.Columns(reader, combine), combine);
    }

    private record Query(CellIndex index, Cell[] cells, int n, Selector filter, Grouping grouping,
                         StatsAggregator.Columns cols, StatsAggregator.Combine[] combine) {
        List<Row> run(StatsAggregator agg) {
            return agg.aggregate(index, filter, grouping, cols, ROW);
        }

        /** Naively: a map of boxed keys, every row recomputed, sorted with a comparator chain. */
        List<Row> expected() {
            String echo = filter.isp();
            for (int i = 0; i < n && !echo.isEmpty(); i++) {
                if (cells[i].isp.equalsIgnoreCase(filter.isp())) {
                    echo = cells[i].isp;
                    break;
                }
            }
            Map<List<Object>, long[]> groups = new LinkedHashMap<>();
            if (grouping == Grouping.TOTAL) {
                groups.put(List.of(filter.accountId(), filter.campaignId(), echo), identity());
            }
            for (int i = 0; i < n; i++) {
                Cell c = cells[i];
                boolean match = (filter.accountId() == 0 || filter.accountId() == c.accountId)
                        && (filter.campaignId() == 0 || filter.campaignId() == c.campaignId)
                        && (filter.isp().isEmpty() || filter.isp().equalsIgnoreCase(c.isp));
                if (!match) {
                    continue;
                }
                List<Object> key = switch (grouping) {
                    case TOTAL -> List.of(filter.accountId(), filter.campaignId(), echo);
                    case ACCOUNT -> List.of(c.accountId, filter.campaignId(), echo);
                    case ACCOUNT_CAMPAIGN -> List.of(c.accountId, c.campaignId, echo);
                    case ISP -> List.of(filter.accountId(), filter.campaignId(), c.isp);
                };
                long[] sums = groups.computeIfAbsent(key, k -> identity());
                long[] v = new long[combine.length];
                cols.reader.read(c.block, c.at, v);
                for (int k = 0; k < v.length; k++) {
                    sums[k] = combine[k] == MIN ? Math.min(sums[k], v[k]) : sums[k] + v[k];
                }
            }
            List<Row> rows = new ArrayList<>();
            groups.forEach((k, v) -> {
                boolean empty = true;
                for (int c = 0; c < v.length; c++) {
                    empty &= combine[c] == MIN || v[c] == 0;
                }
                if (grouping == Grouping.TOTAL || !empty) {
                    rows.add(Row.of((Integer) k.get(0), (Integer) k.get(1), (String) k.get(2), v));
                }
            });
            rows.sort(Comparator.comparingInt(Row::accountId).thenComparingInt(Row::campaignId)
                    .thenComparing(Row::isp, String.CASE_INSENSITIVE_ORDER).thenComparing(Row::isp));
            return rows;
        }

        private long[] identity() {
            long[] v = new long[combine.length];
            for (int c = 0; c < v.length; c++) {
                v[c] = combine[c] == MIN ? Long.MAX_VALUE : 0;
            }
            return v;
        }
    }
}
