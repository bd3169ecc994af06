package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * The packed live counts of {@link CellCounters} (NEW and PROC in one long, RETRY and HOLD in
 * the next): a take is one atomic add, a stripe's long may wrap, and only the sum over base and
 * stripes is decoded.
 */
class CellCountersPackingTest {

    private static final long TAKE = CellCounters.unit(CellCounters.PROC) - CellCounters.unit(CellCounters.NEW);

    /** Stripes whose halves wrapped many times still sum to counts that decode exactly. */
    @Test
    void pairsDecodeExactlyFromStripesThatWrapped() {
        long k = 3L * (1L << 32) + 5; // more messages than a half can count, on each side
        long producer = k + 7; // k + 7 enqueues: NEW + 1 each
        long worker = k * TAKE - (k - 10) * CellCounters.unit(CellCounters.PROC); // k takes, k - 10 reports
        long sum = producer + worker; // modulo 2^64, as the stripes add up
        assertThat(CellCounters.decode(sum, CellCounters.NEW)).isEqualTo(7);
        assertThat(CellCounters.decode(sum, CellCounters.PROC)).isEqualTo(10);
    }

    /** A reader that sees a take but not the enqueue it follows reads NEW -1, and PROC still right. */
    @Test
    void aNegativeLowHalfDoesNotBorrowFromTheHighOne() {
        long sum = 4 * TAKE + 3; // 3 enqueues seen, 4 takes seen
        assertThat(CellCounters.decode(sum, CellCounters.NEW)).isEqualTo(-1);
        assertThat(CellCounters.decode(sum, CellCounters.PROC)).isEqualTo(4);
        long retry = -2 * CellCounters.unit(CellCounters.HOLD) + 5 * CellCounters.unit(CellCounters.RETRY);
        assertThat(CellCounters.decode(retry, CellCounters.RETRY)).isEqualTo(5);
        assertThat(CellCounters.decode(retry, CellCounters.HOLD)).isEqualTo(-2);
    }

    /** The largest counts a half holds, and outcome slots, which are not packed. */
    @Test
    void halvesHoldTheWholeIntRangeAndOutcomesAreWholeLongs() {
        long max = Integer.MAX_VALUE;
        long sum = max * CellCounters.unit(CellCounters.PROC) + max;
        assertThat(CellCounters.decode(sum, CellCounters.NEW)).isEqualTo(max);
        assertThat(CellCounters.decode(sum, CellCounters.PROC)).isEqualTo(max);
        assertThat(CellCounters.decode(1L << 40, CellCounters.DELIVERED)).isEqualTo(1L << 40);
    }

    /** Each move and add between the four live slots lands where a ledger says, on base and on stripes. */
    @Test
    void everyLiveMoveMatchesALedger() {
        for (boolean inflated : new boolean[] {false, true}) {
            CellCounters c = new CellCounters();
            if (inflated) {
                CellCountersLincheckTest.inflate(c);
            }
            long[] ledger = new long[CellCounters.SLOTS];
            c.add(CellCounters.NEW, 40);
            ledger[CellCounters.NEW] += 40;
            c.add(CellCounters.PROC, 10);
            ledger[CellCounters.PROC] += 10;
            c.add(CellCounters.HOLD, 10);
            ledger[CellCounters.HOLD] += 10;
            int[][] moves = {{0, 1}, {1, 0}, {0, 2}, {2, 3}, {3, 2}, {0, 3}, {3, 1}, {1, 2}, {2, 0}, {1, 4}, {3, 6}};
            for (int round = 0; round < 5; round++) {
                for (int[] m : moves) {
                    c.move(m[0], m[1]);
                    ledger[m[0]]--;
                    ledger[m[1]]++;
                }
            }
            c.add(CellCounters.RETRY, -2);
            ledger[CellCounters.RETRY] -= 2;
            for (int slot = 0; slot < CellCounters.SLOTS; slot++) {
                assertThat(c.sum(slot)).as("slot %d, inflated %s", slot, inflated).isEqualTo(ledger[slot]);
            }
            long[] four = new long[4];
            CellCounters.addFour(c.block, c.at, CellCounters.NEW, false, four, 0);
            assertThat(four).containsExactly(ledger[0], ledger[1], ledger[2], ledger[3]); // 35, 5, 3, 5: none clamped
        }
    }

    /**
     * Threads that share a cell (so that it inflates and their stripes' halves run far from the
     * true counts) leave it exact: every message they enqueued ended in an outcome.
     */
    @Test
    void threadsSharingACellLeaveItExact() throws Exception {
        CellCounters c = new CellCounters();
        int threads = 4;
        int messages = 200_000;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> all = new ArrayList<>();
        List<Throwable> failed = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            boolean viaRetry = t % 2 == 1;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < messages; i++) {
                        c.add(CellCounters.NEW, 1);
                        c.move(CellCounters.NEW, CellCounters.PROC);
                        if (viaRetry) { // defer, hold the retry, release it, take it again
                            c.move(CellCounters.PROC, CellCounters.RETRY);
                            c.move(CellCounters.RETRY, CellCounters.HOLD);
                            c.move(CellCounters.HOLD, CellCounters.NEW);
                            c.move(CellCounters.NEW, CellCounters.PROC);
                        }
                        c.move(CellCounters.PROC, viaRetry ? CellCounters.EXPIRED : CellCounters.DELIVERED);
                    }
                } catch (Exception e) {
                    synchronized (failed) {
                        failed.add(e);
                    }
                }
            });
            all.add(th);
            th.start();
        }
        for (Thread th : all) {
            th.join();
        }
        assertThat(failed).isEmpty();
        for (int slot = CellCounters.NEW; slot <= CellCounters.HOLD; slot++) {
            assertThat(c.sum(slot)).as("live slot %d", slot).isZero();
        }
        assertThat(c.sum(CellCounters.DELIVERED)).isEqualTo((long) messages * (threads / 2));
        assertThat(c.sum(CellCounters.EXPIRED)).isEqualTo((long) messages * (threads / 2));
    }
}
