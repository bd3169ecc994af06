package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The dense cell index: block arithmetic, publication to lock-free readers while one writer
 * adds cells, and the queries read through it against a reference.
 */
class CellIndexTest {
    private static final StatsAggregator.Columns LIVE = new StatsAggregator.Columns(Cell::addLive, 4);
    private static final String[] ISPS = {"Gmail", "Yahoo", "Microsoft", "Apple", "Other"};

    private final SenderQueue sender = new Fixture().q;

    @Test
    void blocksDoubleUpToTheirLargestSizeAndCoverEveryIndexOnce() {
        assertThat(CellIndex.first(0)).isZero();
        int expectedCapacity = CellIndex.FIRST_BLOCK;
        for (int b = 0; b < 200; b++) {
            int capacity = CellIndex.first(b + 1) - CellIndex.first(b);
            assertThat(capacity).as("block %d", b).isEqualTo(expectedCapacity);
            expectedCapacity = Math.min(expectedCapacity * 2, CellIndex.MAX_BLOCK);
        }
        for (int i = 0; i < 300_000; i++) {
            int b = CellIndex.blockOf(i);
            assertThat(i).as("cell %d in block %d", i, b)
                    .isGreaterThanOrEqualTo(CellIndex.first(b)).isLessThan(CellIndex.first(b + 1));
        }
    }

    @Test
    void cellsLandInPlaceAndAreFoundByIndex() {
        CellIndex index = new CellIndex();
        List<Cell> made = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            Cell c = new Cell(sender, index, 1 + i / 50, i % 10, ISPS[(i / 10) % 5]);
            assertThat(c.block.first + c.at).isEqualTo(i);
            index.add(c);
            made.add(c);
        }
        assertThat(index.size()).isEqualTo(5_000);
        for (int i = 0; i < made.size(); i++) {
            assertThat(index.cell(i)).isSameAs(made.get(i));
        }
        // cells side by side: the counters of neighbours share a block's array
        assertThat(made.get(2000).block).isSameAs(made.get(2001).block);
    }

    /**
     * One writer adds cells (each with one NEW message, counted after it is published) while
     * readers aggregate without a lock: a reader never sees a count go down, never a row out of
     * order or of an account not yet made, and once the writer is done every reader's count is
     * exact and the rows match a reference.
     */
    @Test
    void readersSeePublishedCellsWhileOneWriterAdds() throws Exception {
        CellIndex index = new CellIndex();
        int cells = 60_000;
        SplittableRandom r = new SplittableRandom(11);
        int[] accounts = new int[cells];
        for (int i = 0; i < cells; i++) {
            accounts[i] = 1 + r.nextInt(3_000); // accounts appear out of order
        }
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Long>> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                readers.add(pool.submit(() -> {
                    StatsAggregator agg = new StatsAggregator();
                    start.await();
                    long last = 0;
                    boolean finished;
                    do {
                        finished = done.get(); // read first: the query after it sees every cell
                        long total = agg.aggregate(index, Selector.ALL, Grouping.TOTAL, LIVE,
                                (a, c, isp, v) -> v[CellCounters.NEW]).get(0);
                        assertThat(total).isGreaterThanOrEqualTo(last).isLessThanOrEqualTo(cells);
                        last = total;
                        List<Integer> rows = agg.aggregate(index, Selector.ALL, Grouping.ACCOUNT, LIVE,
                                (a, c, isp, v) -> a);
                        assertThat(rows).isSorted().doesNotHaveDuplicates();
                    } while (!finished);
                    return last;
                }));
            }
            Future<?> writer = pool.submit(() -> {
                start.await();
                for (int i = 0; i < cells; i++) {
                    Cell c = new Cell(sender, index, accounts[i], i % 7, ISPS[i % 5]);
                    index.add(c);
                    c.add(CellCounters.NEW, 1);
                }
                done.set(true);
                return null;
            });
            start.countDown();
            writer.get();
            for (Future<Long> f : readers) {
                assertThat(f.get()).isEqualTo(cells);
            }
        } finally {
            pool.shutdownNow();
        }
        TreeMap<Integer, Long> reference = new TreeMap<>();
        for (int a : accounts) {
            reference.merge(a, 1L, Long::sum);
        }
        List<long[]> rows = new StatsAggregator().aggregate(index, Selector.ALL, Grouping.ACCOUNT, LIVE,
                (a, c, isp, v) -> new long[] {a, v[CellCounters.NEW]});
        assertThat(rows).hasSize(reference.size());
        int k = 0;
        for (var e : reference.entrySet()) {
            assertThat(rows.get(k)).containsExactly(e.getKey(), e.getValue());
            k++;
        }
    }

    /** A cell that inflated to stripes is read through them by the dense pass, and so are its neighbours. */
    @Test
    void inflatedCellsAreSummedWithTheirStripes() {
        CellIndex index = new CellIndex();
        List<Cell> made = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Cell c = new Cell(sender, index, 1 + i % 4, i, "Gmail");
            index.add(c);
            made.add(c);
            c.add(CellCounters.NEW, 3);
        }
        CellCountersLincheckTest.inflate(made.get(20));
        made.get(20).move(CellCounters.NEW, CellCounters.PROC); // lands on a stripe
        made.get(21).move(CellCounters.NEW, CellCounters.RETRY);
        List<long[]> rows = new StatsAggregator().aggregate(index, Selector.ALL, Grouping.TOTAL, LIVE,
                (a, c, isp, v) -> v.clone());
        assertThat(rows.get(0)).containsExactly(118, 1, 1, 0);
        List<long[]> one = new StatsAggregator().aggregate(index, Selector.campaign(1, 20), Grouping.TOTAL, LIVE,
                (a, c, isp, v) -> v.clone());
        assertThat(one.get(0)).containsExactly(2, 1, 0, 0);
    }
}
