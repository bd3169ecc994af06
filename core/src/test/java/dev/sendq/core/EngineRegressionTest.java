package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression tests: minimal reproductions of engine defects found while writing the rule tests
 * (each failed before its fix). Each states what the specification or the engine's Javadoc
 * promises.
 */
class EngineRegressionTest {

    // ------------------------------------------------------------------ blocking take

    /**
     * SenderQueue.take(lease, timeout): a worker blocked while nothing is ready must take a RETRY
     * message when it comes due. The deferral that creates it (due in 200 ms, earlier than anything
     * the waiter was waiting for) does not signal the waiter, which sleeps until its own timeout.
     */
    @Test
    @Timeout(30)
    void blockedTakeIsNotWokenByARetryThatComesDueWhileItWaits() throws InterruptedException {
        QueueEngine real = QueueEngine.builder().clock(InstantSource.system())
                .retryPolicy(Fixture.NO_JITTER).build();
        SenderQueue rq = real.addSender(1);
        rq.enqueue(1, 1, 1, "Gmail", null);
        Lease first = new Lease();
        assertThat(rq.take(first)).isTrue();

        TakeFairnessTest.Waiter w = new TakeFairnessTest.Waiter(rq, Duration.ofSeconds(10));
        w.awaitWaiting();
        real.defer(first, Duration.ofMillis(200)); // due 200 ms from now; the waiter sleeps on

        w.assertTookWithinFiveSeconds();
    }

    /**
     * Same root cause: a hold rule added while a worker waits, expiring 200 ms later, releases its
     * messages at expiry, but nothing wakes the waiter for them.
     */
    @Test
    @Timeout(30)
    void blockedTakeIsNotWokenWhenAHoldRuleAddedWhileItWaitsExpires() throws InterruptedException {
        QueueEngine real = QueueEngine.builder().clock(InstantSource.system()).build();
        SenderQueue rq = real.addSender(1);
        TakeFairnessTest.Waiter w = new TakeFairnessTest.Waiter(rq, Duration.ofSeconds(10));
        w.awaitWaiting();
        rq.hold(Selector.ALL, java.time.Instant.now().plusMillis(200));
        rq.enqueue(1, 1, 1, "Gmail", null); // enqueued in HOLD: no signal

        w.assertTookWithinFiveSeconds();
    }

    // ------------------------------------------------------------------ refused requests that change state

    /**
     * SenderQueue.enqueue interns the ISP before it checks for a duplicate id: a refused enqueue
     * makes its spelling canonical for the whole engine ("the first spelling seen is canonical").
     */
    @Test
    void refusedDuplicateEnqueueChangesTheCanonicalIspSpelling() {
        Fixture f = new Fixture();
        f.q.enqueue(1, 1, 1, "Gmail", null);
        Throwable t = catchThrowable(() -> f.q.enqueue(1, 1, 1, "YAHOO", null));
        assertThat(t).isInstanceOf(DuplicateMessageException.class);

        f.q.enqueue(2, 1, 1, "Yahoo", null);
        assertThat(f.view(2).isp()).as("the first spelling actually enqueued").isEqualTo("Yahoo");
    }

    /**
     * SenderQueue.restore creates the message's cell before it finds the id taken: a refused
     * restore leaves an empty cell behind, visible in cellCount() and in the ISP echoed by stats.
     */
    @Test
    void refusedDuplicateRestoreLeavesAnEmptyCell() {
        Fixture f = new Fixture();
        f.q.enqueue(1, 1, 1, "Gmail", null);
        Throwable t = catchThrowable(() -> f.q.restore(
                new StoredMessage(1, 77, 5, "Hotmail", null, MessageState.NEW, 0, 0, 0)));
        assertThat(t).isInstanceOf(DuplicateMessageException.class);

        assertThat(f.q.cellCount()).isEqualTo(1);
        assertThat(f.q.stats(Selector.isp("HOTMAIL"), Grouping.TOTAL).get(0).isp())
                .as("an ISP the sender never saw echoes as given").isEqualTo("HOTMAIL");
    }

    /**
     * SenderQueue.enqueue (like release, hold and cancel by id) does not apply a hold rule's
     * expiry that is already due: at the rule's until instant the rule is no longer in force
     * (HoldRule.expiredAt is {@code now >= until}), yet a message enqueued then goes to HOLD and
     * the listener is told so; only the next take/stats/runMaintenance moves it to NEW (and
     * tells the listener nothing about that message).
     */
    @Test
    void enqueueAtTheExpiryInstantOfAHoldRuleStillEnqueuesInHold() {
        Fixture f = new Fixture();
        f.q.hold(Selector.ALL, f.clock.instant().plusSeconds(60));
        f.clock.advance(Duration.ofSeconds(60));
        f.q.enqueue(1, 1, 1, "Gmail", null);
        assertThat(f.events.last().to()).as("the ENQUEUED event's state").isEqualTo(MessageState.NEW);
        assertThat(f.view(1).state()).isEqualTo(MessageState.NEW);
    }

    // ------------------------------------------------------------------ argument checks

    /**
     * SenderQueue.enqueue(..., isp = null, ...) must be refused with IllegalArgumentException as
     * documented ("if an argument is out of range"); IspTable.intern calls
     * ConcurrentHashMap.get(null) before IspTable.validate, whose null check is unreachable.
     */
    @Test
    void nullIspIsRefusedWithANullPointerExceptionInsteadOfIllegalArgument() {
        Fixture f = new Fixture();
        Throwable t = catchThrowable(() -> f.q.enqueue(1, 1, 1, null, null));
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("isp");
    }

    // ------------------------------------------------------------------ overflow

    /**
     * QueueEngine.Builder.leaseDuration accepts any duration of at least 1 ms, but
     * SenderQueue.takeLocked computes now + leaseMillis without saturation: a very long lease
     * ("practically never") overflows to a negative expiry and every lease is expired at once.
     */
    @Test
    void aVeryLongLeaseOverflowsAndExpiresImmediately() {
        ManualClock clock = new ManualClock();
        QueueEngine e = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofMillis(Long.MAX_VALUE)).build();
        SenderQueue s = e.addSender(1);
        s.enqueue(1, 1, 1, "Gmail", null);
        Lease l = new Lease();
        assertThat(s.take(l)).isTrue();
        assertThat(l.expiresAtMillis()).as("expiry after the take").isGreaterThan(clock.millis());
        e.delivered(l);
        assertThat(e.message(1)).isEmpty();
    }

    /**
     * SenderQueue.defer computes now + policy delay without saturation: with a policy whose delay
     * can be huge, the due time wraps negative, is then clamped to now, and the message comes
     * back at once instead of expiring past maxAge.
     */
    @Test
    void aHugePolicyDelayWrapsToDueNowInsteadOfExpiring() {
        RetryPolicy huge = new RetryPolicy(Duration.ofMillis(Long.MAX_VALUE), 1.0, Duration.ofMillis(Long.MAX_VALUE),
                0, 30, Duration.ofDays(5));
        Fixture f = new Fixture(b -> b.retryPolicy(huge));
        f.q.enqueue(1, 1, 1, "Gmail", null);
        f.engine.defer(f.take(1));
        assertThat(f.engine.message(1)).as("due past maxAge: EXPIRED").isEmpty();
        assertThat(f.outcomes()).containsExactly(Fixture.dfec(0, 0, 1, 0));
    }
}
