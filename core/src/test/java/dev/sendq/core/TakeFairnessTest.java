package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** take: nothing when nothing is ready, round robin across cells, FIFO within one, blocking variant. */
class TakeFairnessTest {

    private final Fixture f = new Fixture();
    private final QueueEngine engine = f.engine;
    private final SenderQueue q = f.q;

    @Test
    void takeReturnsNothingOnAnEmptyQueue() {
        Lease l = new Lease();
        assertThat(q.take(l)).isFalse();
        assertThat(l.isFilled()).isFalse();
    }

    @Test
    void takeReturnsNothingWhenEverythingIsHeldOrProcOrNotDue() {
        q.enqueue(1, 1, 1, "Gmail", null);
        q.enqueue(2, 1, 1, "Gmail", null);
        q.enqueue(3, 1, 1, "Gmail", null);
        engine.hold(1);
        f.take(2);
        engine.defer(f.take(3), Duration.ofMinutes(1));
        q.hold(Selector.account(2));
        q.enqueue(4, 2, 1, "Gmail", null);
        assertThat(q.take(new Lease())).isFalse();
    }

    @Test
    void oneHugeCampaignDoesNotStarveASmallOne() {
        for (int i = 1; i <= 1000; i++) {
            q.enqueue(i, 306, 4591, "Gmail", null);
        }
        for (int i = 1001; i <= 1005; i++) {
            q.enqueue(i, 306, 4914, "Gmail", null);
        }
        Lease l = new Lease();
        List<Long> first10 = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            assertThat(q.take(l)).isTrue();
            first10.add(l.messageId());
        }
        assertThat(first10).contains(1001L, 1002L, 1003L, 1004L, 1005L);
    }

    @Test
    void roundRobinAcrossManyCellsAlternates() {
        // three cells of 3 each, enqueued cell after cell
        long id = 1;
        String[] isps = {"Gmail", "Yahoo", "Apple"};
        for (String isp : isps) {
            for (int i = 0; i < 3; i++) {
                q.enqueue(id++, 1, 1, isp, null);
            }
        }
        List<String> order = new ArrayList<>();
        Lease l = new Lease();
        while (q.take(l)) {
            order.add(l.isp());
        }
        assertThat(order).containsExactly("Gmail", "Yahoo", "Apple", "Gmail", "Yahoo", "Apple",
                "Gmail", "Yahoo", "Apple");
    }

    @Test
    void aCellWhoseRetryComesDueJoinsTheRoundRobin() {
        for (int i = 1; i <= 100; i++) {
            q.enqueue(i, 1, 1, "Gmail", null);
        }
        q.enqueue(1000, 1, 2, "Gmail", null);
        Lease l = new Lease();
        // take until the small campaign's message comes, defer it for 1 s
        do {
            assertThat(q.take(l)).isTrue();
        } while (l.messageId() != 1000);
        engine.defer(l, Duration.ofSeconds(1));
        f.clock.advance(Duration.ofSeconds(1));
        List<Long> next = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            assertThat(q.take(l)).isTrue();
            next.add(l.messageId());
        }
        assertThat(next).contains(1000L);
    }

    @Test
    void fifoWithinACell() {
        for (long i = 1; i <= 50; i++) {
            q.enqueue(i * 7, 1, 1, "Gmail", null); // ids not in insertion order by accident: 7, 14, ...
        }
        q.enqueue(3, 1, 1, "Gmail", null); // a smaller id enqueued last is still last
        List<Long> ids = f.drain();
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= 50; i++) {
            expected.add(i * 7);
        }
        expected.add(3L);
        assertThat(ids).isEqualTo(expected);
    }

    @Test
    void dueRetriesOfACellComeOutByDueTime() {
        for (long i = 1; i <= 3; i++) {
            q.enqueue(i, 1, 1, "Gmail", null);
        }
        engine.defer(f.take(1), Duration.ofSeconds(30));
        engine.defer(f.take(2), Duration.ofSeconds(10));
        engine.defer(f.take(3), Duration.ofSeconds(20));
        f.clock.advance(Duration.ofSeconds(30));
        assertThat(f.drain()).containsExactly(2L, 3L, 1L);
    }

    @Test
    void aMessageIsNeverLeasedTwice() {
        int n = 3000;
        for (int i = 1; i <= n; i++) {
            q.enqueue(i, 1 + i % 7, i % 5, i % 3 == 0 ? "Gmail" : "Yahoo", null);
        }
        Set<Long> seen = new HashSet<>();
        List<Lease> leases = new ArrayList<>();
        while (true) {
            Lease l = new Lease();
            if (!q.take(l)) {
                break;
            }
            assertThat(seen.add(l.messageId())).as("message %d leased twice", l.messageId()).isTrue();
            leases.add(l);
        }
        assertThat(seen).hasSize(n);
        assertThat(f.counts()).containsExactly(Fixture.nprh(0, n, 0, 0));
        // every lease is live and distinct: each delivers once
        for (Lease l : leases) {
            engine.delivered(l);
        }
        assertThat(f.outcomes()).containsExactly(Fixture.dfec(n, 0, 0, 0));
    }

    @Test
    void leaseExpiryThenRetakeIncrementsTheAttempt() {
        q.enqueue(1, 1, 1, "Gmail", null);
        for (int attempt = 1; attempt <= 4; attempt++) {
            Lease l = f.take(1);
            assertThat(l.attempt()).isEqualTo(attempt);
            assertThat(l.expiresAtMillis()).isEqualTo(f.now() + Fixture.LEASE.toMillis());
            f.clock.advance(Fixture.LEASE);
        }
        engine.runMaintenance(); // engine.message(id) itself does not apply due lease timeouts
        assertThat(f.state(1)).isEqualTo(MessageState.NEW);
        assertThat(f.view(1).attempts()).isEqualTo(4);
    }

    // ------------------------------------------------------------------ blocking take

    @Test
    @Timeout(10)
    void blockingTakeReturnsFalseAfterTheTimeoutWithNothingReady() throws InterruptedException {
        q.enqueue(1, 1, 1, "Gmail", null);
        engine.hold(1);
        Lease l = new Lease();
        long start = System.nanoTime();
        assertThat(q.take(l, Duration.ofMillis(100))).isFalse();
        long elapsed = System.nanoTime() - start;
        assertThat(elapsed).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(l.isFilled()).isFalse();
        assertThat(q.take(l, 0, TimeUnit.SECONDS)).as("zero timeout: no wait").isFalse();
    }

    @Test
    @Timeout(10)
    void blockingTakeReturnsAtOnceWhenSomethingIsReady() throws InterruptedException {
        q.enqueue(1, 1, 1, "Gmail", null);
        Lease l = new Lease();
        long start = System.nanoTime();
        assertThat(q.take(l, 5, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(4));
        assertThat(l.messageId()).isEqualTo(1);
        assertThat(f.state(1)).isEqualTo(MessageState.PROC);
    }

    /** A worker thread blocked in take(lease, 10 s); {@link #awaitWaiting()} returns once it waits. */
    static final class Waiter {
        final Lease lease = new Lease();
        final AtomicReference<Boolean> result = new AtomicReference<>();
        final AtomicLong tookNanos = new AtomicLong();
        final Thread thread;

        Waiter(SenderQueue q, Duration timeout) {
            thread = new Thread(() -> {
                long start = System.nanoTime();
                try {
                    result.set(q.take(lease, timeout));
                } catch (InterruptedException e) {
                    result.set(null);
                }
                tookNanos.set(System.nanoTime() - start);
            }, "waiter");
            thread.setDaemon(true);
            thread.start();
        }

        void awaitWaiting() {
            while (thread.getState() != Thread.State.TIMED_WAITING) {
                assertThat(thread.isAlive()).as("waiter still running").isTrue();
                Thread.onSpinWait();
            }
        }

        /** Joins for up to 5 s; asserts that the take returned true well before its 10 s timeout. */
        void assertTookWithinFiveSeconds() throws InterruptedException {
            thread.join(5_000);
            assertThat(thread.isAlive()).as("the blocked take is still waiting after 5 s").isFalse();
            assertThat(result.get()).isTrue();
            assertThat(tookNanos.get()).isLessThan(TimeUnit.SECONDS.toNanos(5));
        }
    }

    @Test
    @Timeout(20)
    void blockingTakeWakesWhenAnotherThreadEnqueues() throws InterruptedException {
        Waiter w = new Waiter(q, Duration.ofSeconds(10));
        w.awaitWaiting();
        q.enqueue(42, 1, 1, "Gmail", null);
        w.assertTookWithinFiveSeconds();
        assertThat(w.lease.messageId()).isEqualTo(42);
        assertThat(f.state(42)).isEqualTo(MessageState.PROC);
    }

    @Test
    @Timeout(20)
    void blockingTakeWakesWhenAMessageIsReleased() throws InterruptedException {
        q.enqueue(1, 1, 1, "Gmail", null);
        engine.hold(1);
        Waiter w = new Waiter(q, Duration.ofSeconds(10));
        w.awaitWaiting();
        engine.release(1);
        w.assertTookWithinFiveSeconds();
        assertThat(w.lease.messageId()).isEqualTo(1);
    }

    @Test
    @Timeout(20)
    void blockingTakeWakesWhenAHoldRuleIsLifted() throws InterruptedException {
        HoldRule r = q.hold(Selector.ALL);
        q.enqueue(1, 1, 1, "Gmail", null);
        Waiter w = new Waiter(q, Duration.ofSeconds(10));
        w.awaitWaiting();
        q.liftHold(r.id());
        w.assertTookWithinFiveSeconds();
        assertThat(w.lease.messageId()).isEqualTo(1);
    }

    @Test
    @Timeout(20)
    void blockingTakeWakesWhenAMessageIsDeferredDueNow() throws InterruptedException {
        q.enqueue(1, 1, 1, "Gmail", null);
        Lease first = f.take(1);
        Waiter w = new Waiter(q, Duration.ofSeconds(10));
        w.awaitWaiting();
        engine.defer(first, Duration.ZERO);
        w.assertTookWithinFiveSeconds();
        assertThat(w.lease.attempt()).isEqualTo(2);
    }

    @Test
    @Timeout(20)
    void blockingTakeWakesWhenAMessageIsRestored() throws InterruptedException {
        Waiter w = new Waiter(q, Duration.ofSeconds(10));
        w.awaitWaiting();
        q.restore(new StoredMessage(5, 1, 1, "Gmail", null, MessageState.PROC, 1, f.now(), 0));
        w.assertTookWithinFiveSeconds();
        assertThat(w.lease.attempt()).isEqualTo(2);
    }

    @Test
    @Timeout(20)
    void twoBlockedTakersTwoEnqueuesBothServedOnceEach() throws InterruptedException {
        Waiter a = new Waiter(q, Duration.ofSeconds(10));
        Waiter b = new Waiter(q, Duration.ofSeconds(10));
        a.awaitWaiting();
        b.awaitWaiting();
        q.enqueue(1, 1, 1, "Gmail", null);
        q.enqueue(2, 1, 1, "Gmail", null);
        a.assertTookWithinFiveSeconds();
        b.assertTookWithinFiveSeconds();
        assertThat(Set.of(a.lease.messageId(), b.lease.messageId())).containsExactlyInAnyOrder(1L, 2L);
    }

    @Test
    @Timeout(20)
    void blockingTakeOnARealClockTakesARetryWhenItComesDue() throws InterruptedException {
        // Real time is the point of the blocking variant: the retry is due 200 ms after the deferral.
        QueueEngine real = QueueEngine.builder().clock(InstantSource.system()).retryPolicy(Fixture.NO_JITTER)
                .build();
        SenderQueue rq = real.addSender(1);
        rq.enqueue(1, 1, 1, "Gmail", null);
        rq.enqueue(2, 1, 1, "Gmail", null);
        Lease first = new Lease();
        assertThat(rq.take(first)).isTrue();
        real.defer(first, Duration.ofMillis(200)); // registered before the waiter starts waiting
        Lease second = new Lease();
        assertThat(rq.take(second)).isTrue();
        Waiter w = new Waiter(rq, Duration.ofSeconds(10));
        w.awaitWaiting();
        w.assertTookWithinFiveSeconds();
        assertThat(w.lease.messageId()).isEqualTo(1);
    }
}
