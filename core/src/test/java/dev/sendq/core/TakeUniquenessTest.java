package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code take} can never return the same message to two workers: many threads take concurrently
 * from a pre-filled sender until it is empty, nobody reports, and every message must have been
 * taken exactly once, as attempt 1, with the counters showing all of them in PROC.
 *
 * <p>The queue mixes every place take finds work: NEW messages in hot and spread cells, RETRY
 * messages already due (restored), and former RETRY messages released as NEW by lifting a hold
 * rule. Half the takes are the blocking variant with a short timeout.
 */
@Tag("slow")
class TakeUniquenessTest {
    private static final int THREADS = 4;
    private static final int HOT_MESSAGES = 60_000;
    private static final int SPREAD_MESSAGES = 30_000;
    private static final int RETRY_MESSAGES = 10_000;
    private static final int RELEASED_MESSAGES = 10_000;
    private static final String[] ISPS = {"Gmail", "Yahoo", "Microsoft", "Other"};

    @Test
    void everyMessageIsTakenExactlyOnce() throws Exception {
        for (int round = 0; round < 3; round++) {
            takeEverythingOnce(round);
        }
    }

    private void takeEverythingOnce(int round) throws Exception {
        ManualClock clock = new ManualClock();
        QueueEngine engine = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofHours(1)).build();
        SenderQueue q = engine.addSender(1);
        long id = 0;
        for (int i = 0; i < HOT_MESSAGES; i++) {
            q.enqueue(++id, 1, 1, i % 3 == 0 ? "Yahoo" : "Gmail", null);
        }
        for (int i = 0; i < SPREAD_MESSAGES; i++) {
            q.enqueue(++id, 10 + i % 97, i % 7, ISPS[i % ISPS.length], null);
        }
        long now = clock.millis();
        for (int i = 0; i < RETRY_MESSAGES; i++) {
            q.restore(new StoredMessage(++id, 2, 1 + i % 5, ISPS[i % 2], null, MessageState.RETRY, 0,
                    now - 1_000, now - i % 100));
        }
        // Retries not yet due, held by a rule, then released by lifting it: they become NEW at once.
        HoldRule rule = q.hold(Selector.account(3));
        for (int i = 0; i < RELEASED_MESSAGES; i++) {
            q.restore(new StoredMessage(++id, 3, 1 + i % 5, ISPS[i % 3], null, MessageState.RETRY, 0,
                    now - 1_000, now + 60_000));
        }
        q.liftHold(rule.id());
        long total = id;
        assertThat(q.totals().total()).isEqualTo(total);
        assertThat(q.totals().newCount() + q.totals().retry()).isEqualTo(total);

        CountDownLatch start = new CountDownLatch(1);
        List<LongArrayList> takenBy = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            LongArrayList mine = new LongArrayList();
            takenBy.add(mine);
            boolean blocking = t % 2 == 1;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    Lease lease = new Lease();
                    while (blocking ? q.take(lease, 200, TimeUnit.MICROSECONDS) : q.take(lease)) {
                        if (lease.attempt() != 1) {
                            throw new AssertionError("first take of " + lease.messageId() + " is attempt "
                                    + lease.attempt());
                        }
                        mine.add(lease.messageId());
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "taker-" + t);
            threads.add(th);
            th.start();
        }
        start.countDown();
        for (Thread th : threads) {
            th.join(30_000);
            assertThat(th.isAlive()).as(th.getName() + " finished").isFalse();
        }
        assertThat(failure.get()).as("failure in a taker").isNull();

        BitSet seen = new BitSet();
        long count = 0;
        for (LongArrayList mine : takenBy) {
            for (int i = 0; i < mine.size(); i++) {
                long m = mine.getLong(i);
                assertThat(m).isBetween(1L, total);
                assertThat(seen.get((int) m)).as("round %d: message %d taken twice", round, m).isFalse();
                seen.set((int) m);
                count++;
            }
        }
        assertThat(count).as("round %d: messages taken", round).isEqualTo(total);
        assertThat(seen.cardinality()).isEqualTo((int) total);
        assertThat(q.take(new Lease())).as("nothing left to take").isFalse();
        StatsRow totals = q.totals();
        assertThat(totals.proc()).isEqualTo(total);
        assertThat(totals.total()).isEqualTo(total);
        for (long m = 1; m <= total; m++) {
            MessageView v = engine.message(m).orElseThrow();
            assertThat(v.state()).isEqualTo(MessageState.PROC);
            assertThat(v.attempts()).isEqualTo(1);
        }
        System.out.printf("TakeUniquenessTest round %d: %,d messages, taken per thread %s%n", round, total,
                takenBy.stream().map(LongArrayList::size).toList());
    }
}
