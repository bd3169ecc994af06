package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.time.Instant;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every refused request throws its specific exception, with a message that names the message,
 * and leaves every counter, every message and the listener exactly as they were.
 */
class RefusedTransitionsTest {

    private final Fixture f = new Fixture();
    private final QueueEngine engine = f.engine;
    private final SenderQueue q = f.q;

    private EngineSnapshot snapshot() {
        return EngineSnapshot.of(engine, 1, 20);
    }

    /** Runs a request that must be refused; checks that nothing observable moved. */
    private Throwable refused(ThrowingCallable request) {
        EngineSnapshot before = snapshot();
        int eventsBefore = f.events.size();
        Throwable t = catchThrowable(request);
        assertThat(t).as("the request is refused").isNotNull();
        assertThat(snapshot()).as("nothing changed after: " + t).isEqualTo(before);
        assertThat(f.events.size()).as("no listener event for a refused request").isEqualTo(eventsBefore);
        return t;
    }

    private IllegalTransitionException illegal(long id, Transition t, ThrowingCallable request) {
        Throwable e = refused(request);
        assertThat(e).isExactlyInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("message " + id)
                .hasMessageContaining(t.name());
        IllegalTransitionException ite = (IllegalTransitionException) e;
        assertThat(ite.messageId()).isEqualTo(id);
        assertThat(ite.refused()).isEqualTo(t);
        return ite;
    }

    private LeaseExpiredException leaseExpired(long id, Transition t, ThrowingCallable request) {
        Throwable e = refused(request);
        assertThat(e).isExactlyInstanceOf(LeaseExpiredException.class)
                .hasMessageContaining("message " + id)
                .hasMessageContaining(t.name());
        LeaseExpiredException lee = (LeaseExpiredException) e;
        assertThat(lee.messageId()).isEqualTo(id);
        assertThat(lee.refused()).isEqualTo(t);
        return lee;
    }

    private void unknown(long id, ThrowingCallable request) {
        Throwable e = refused(request);
        assertThat(e).isExactlyInstanceOf(UnknownMessageException.class).hasMessageContaining(String.valueOf(id));
        assertThat(((UnknownMessageException) e).messageId()).isEqualTo(id);
    }

    private void badArgument(String mentions, ThrowingCallable request) {
        Throwable e = refused(request);
        assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(mentions);
    }

    @Nested
    class WorkerReports {
        private Lease lease;

        private void setUp() {
            q.enqueue(20, 9, 1, "Yahoo", null); // background NEW
            q.enqueue(1, 306, 4591, "Gmail", null);
            q.enqueue(19, 9, 1, "Yahoo", null); // background, will be RETRY
            Lease bg = f.take(20);
            lease = f.take(1);
            Lease bg2 = f.take(19);
            engine.defer(bg2, Duration.ofHours(1));
            engine.delivered(bg);
        }

        @Test
        void secondDeliveredIsRefused() {
            setUp();
            engine.delivered(lease);
            IllegalTransitionException e = illegal(1, Transition.DELIVERED, () -> engine.delivered(lease));
            assertThat(e.state()).isNull();
            assertThat(e.outcome()).isEqualTo(Outcome.DELIVERED);
            assertThat(e).hasMessageContaining("already left the engine");
        }

        @Test
        void everyReportAfterDeliveredIsRefused() {
            setUp();
            engine.delivered(lease);
            illegal(1, Transition.FAILED, () -> engine.failed(lease));
            illegal(1, Transition.DEFERRED, () -> engine.defer(lease));
            illegal(1, Transition.DEFERRED, () -> engine.defer(lease, Duration.ofSeconds(1)));
            illegal(1, Transition.DEFERRED, () -> engine.deferUntil(lease, f.clock.instant()));
            illegal(1, Transition.HELD, () -> engine.hold(lease));
        }

        @Test
        void deliveredAfterFailedIsRefused() {
            setUp();
            engine.failed(lease);
            IllegalTransitionException e = illegal(1, Transition.DELIVERED, () -> engine.delivered(lease));
            assertThat(e.outcome()).isEqualTo(Outcome.FAILED);
        }

        @Test
        void deliveredAfterTheLeaseExpiredIsRefusedAndTheMessageIsBackInNew() {
            setUp();
            f.clock.advance(Fixture.LEASE);
            // the snapshot's stats apply the timeout; the refusal then changes nothing
            leaseExpired(1, Transition.DELIVERED, () -> engine.delivered(lease));
            assertThat(f.state(1)).isEqualTo(MessageState.NEW);
            assertThat(f.view(1).attempts()).isEqualTo(1);
        }

        @Test
        void deliveredAfterTheLeaseExpiredBeforeAnyMaintenanceAppliesTheTimeoutAndIsRefused() {
            setUp();
            f.clock.advance(Fixture.LEASE);
            assertThatThrownBy(() -> engine.delivered(lease)).isExactlyInstanceOf(LeaseExpiredException.class)
                    .hasMessageContaining("message 1");
            assertThat(f.state(1)).isEqualTo(MessageState.NEW);
            assertThat(q.stats(Selector.campaign(306, 4591), Grouping.TOTAL).get(0))
                    .isEqualTo(new StatsRow(306, 4591, "", 0, 1, 0, 0, 1));
            assertThat(q.outcomes(Selector.campaign(306, 4591), Grouping.TOTAL).get(0).total()).isZero();
        }

        @Test
        void deliveredOneMillisecondBeforeExpiryIsAccepted() {
            setUp();
            f.clock.advanceMillis(Fixture.LEASE.toMillis() - 1);
            engine.delivered(lease);
            assertThat(engine.message(1)).isEmpty();
        }

        @Test
        void deferAndHoldAndFailedAfterTheLeaseExpiredAreRefused() {
            setUp();
            f.clock.advance(Fixture.LEASE);
            leaseExpired(1, Transition.DEFERRED, () -> engine.defer(lease));
            leaseExpired(1, Transition.DEFERRED, () -> engine.defer(lease, Duration.ofMinutes(1)));
            leaseExpired(1, Transition.DEFERRED, () -> engine.deferUntil(lease, f.clock.instant().plusSeconds(5)));
            leaseExpired(1, Transition.HELD, () -> engine.hold(lease));
            leaseExpired(1, Transition.FAILED, () -> engine.failed(lease));
            assertThat(f.state(1)).isEqualTo(MessageState.NEW);
        }

        @Test
        void theOldLeaseOfAMessageTakenAgainIsRefusedAndTheNewOneWorks() {
            setUp();
            f.clock.advance(Fixture.LEASE);
            Lease second = new Lease();
            while (q.take(second) && second.messageId() != 1) {
                engine.delivered(second);
            }
            assertThat(second.messageId()).isEqualTo(1);
            assertThat(second.attempt()).isEqualTo(2);

            leaseExpired(1, Transition.DELIVERED, () -> engine.delivered(lease));
            leaseExpired(1, Transition.DEFERRED, () -> engine.defer(lease));
            leaseExpired(1, Transition.HELD, () -> engine.hold(lease));
            assertThat(f.state(1)).isEqualTo(MessageState.PROC);

            engine.delivered(second);
            assertThat(engine.message(1)).isEmpty();
            assertThat(q.outcomes(Selector.campaign(306, 4591), Grouping.TOTAL).get(0).delivered()).isEqualTo(1);
        }

        @Test
        void theOldLeaseIsRefusedEvenBeforeItsExpiryWhenAnOperatorHeldReleasedAndAWorkerRetook() {
            setUp();
            engine.hold(1);
            engine.release(1);
            Lease second = new Lease();
            while (q.take(second) && second.messageId() != 1) {
                engine.delivered(second);
            }
            assertThat(second.attempt()).isEqualTo(2);
            leaseExpired(1, Transition.DELIVERED, () -> engine.delivered(lease));
            engine.delivered(second);
        }

        @Test
        void reportsAfterAnOperatorHeldTheMessageAreRefused() {
            setUp();
            engine.hold(1);
            IllegalTransitionException e = illegal(1, Transition.DELIVERED, () -> engine.delivered(lease));
            assertThat(e.state()).isEqualTo(MessageState.HOLD);
            assertThat(e).hasMessageContaining("held");
            illegal(1, Transition.FAILED, () -> engine.failed(lease));
            illegal(1, Transition.DEFERRED, () -> engine.defer(lease));
            illegal(1, Transition.HELD, () -> engine.hold(lease));
            assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
        }

        @Test
        void aNegativeDeferDelayIsRefusedAndTheLeaseStillWorks() {
            setUp();
            badArgument("negative", () -> engine.defer(lease, Duration.ofMillis(-1)));
            assertThat(f.state(1)).isEqualTo(MessageState.PROC);
            engine.delivered(lease);
        }

        @Test
        void anEmptyLeaseIsRefused() {
            setUp();
            Lease empty = new Lease();
            for (ThrowingCallable c : new ThrowingCallable[] {
                    () -> engine.delivered(empty), () -> engine.failed(empty), () -> engine.defer(empty),
                    () -> engine.defer(empty, Duration.ofSeconds(1)),
                    () -> engine.deferUntil(empty, Instant.EPOCH), () -> engine.hold(empty),
                    empty::messageId, empty::attempt}) {
                assertThat(refused(c)).isExactlyInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("empty");
            }
            assertThat(empty.isFilled()).isFalse();
            assertThat(empty.toString()).contains("empty");
        }
    }

    @Nested
    class OperatorRequests {
        @Test
        void releaseOfAMessageThatIsNotHeldIsRefused() {
            q.enqueue(1, 1, 1, "Gmail", null); // NEW
            q.enqueue(2, 1, 1, "Gmail", null); // RETRY
            q.enqueue(3, 1, 1, "Gmail", null); // PROC
            engine.defer(f.take(1), Duration.ZERO); // 1 is now RETRY, due
            Lease l2 = f.take(1);
            engine.defer(l2, Duration.ofHours(1));  // 1 RETRY, not due
            f.take(2);                              // 2 PROC
            assertThat(f.state(1)).isEqualTo(MessageState.RETRY);
            assertThat(f.state(2)).isEqualTo(MessageState.PROC);
            assertThat(f.state(3)).isEqualTo(MessageState.NEW);

            assertThat(illegal(3, Transition.RELEASED, () -> engine.release(3)).state()).isEqualTo(MessageState.NEW);
            assertThat(illegal(1, Transition.RELEASED, () -> engine.release(1)).state())
                    .isEqualTo(MessageState.RETRY);
            assertThat(illegal(2, Transition.RELEASED, () -> engine.release(2)).state())
                    .isEqualTo(MessageState.PROC);
        }

        @Test
        void releaseOfAMessageHeldOnlyByAHoldRuleIsRefused() {
            q.hold(Selector.account(1));
            q.enqueue(1, 1, 1, "Gmail", null);
            IllegalTransitionException e = illegal(1, Transition.RELEASED, () -> engine.release(1));
            assertThat(e.state()).isEqualTo(MessageState.HOLD);
            assertThat(e).hasMessageContaining("hold rule");
        }

        @Test
        void holdOfAnAlreadyHeldMessageIsRefused() {
            q.enqueue(1, 1, 1, "Gmail", null);
            q.enqueue(2, 1, 1, "Gmail", null);
            q.enqueue(3, 2, 1, "Gmail", null);
            engine.hold(1);
            engine.hold(f.take(2));
            q.hold(Selector.account(2));
            assertThat(illegal(1, Transition.HELD, () -> engine.hold(1)).state()).isEqualTo(MessageState.HOLD);
            assertThat(illegal(2, Transition.HELD, () -> engine.hold(2)).state()).isEqualTo(MessageState.HOLD);
            assertThat(illegal(3, Transition.HELD, () -> engine.hold(3)).state()).isEqualTo(MessageState.HOLD);
        }

        @Test
        void cancelOfAProcMessageIsRefused() {
            q.enqueue(1, 1, 1, "Gmail", null);
            Lease l = f.take(1);
            IllegalTransitionException e = illegal(1, Transition.CANCELLED, () -> engine.cancel(1));
            assertThat(e.state()).isEqualTo(MessageState.PROC);
            engine.delivered(l); // the attempt is still the worker's
        }

        @Test
        void requestsOnUnknownIdsAreRefused() {
            q.enqueue(1, 1, 1, "Gmail", null);
            unknown(999, () -> engine.hold(999));
            unknown(999, () -> engine.release(999));
            unknown(999, () -> engine.cancel(999));
            assertThat(engine.message(999)).isEmpty();
        }

        @Test
        void requestsOnAMessageThatLeftTheEngineAreRefusedAsUnknown() {
            q.enqueue(1, 1, 1, "Gmail", null);
            q.enqueue(2, 1, 1, "Gmail", null);
            engine.delivered(f.take(1));
            engine.cancel(2);
            for (long id : new long[] {1, 2}) {
                unknown(id, () -> engine.hold(id));
                unknown(id, () -> engine.release(id));
                unknown(id, () -> engine.cancel(id));
            }
        }

        @Test
        void liftHoldOfAnUnknownRuleIsRefused() {
            q.enqueue(1, 1, 1, "Gmail", null);
            HoldRule r = q.hold(Selector.account(1));
            Throwable e = refused(() -> q.liftHold(r.id() + 100));
            assertThat(e).isExactlyInstanceOf(UnknownHoldRuleException.class)
                    .hasMessageContaining(String.valueOf(r.id() + 100));
            q.liftHold(r.id());
            assertThat(refused(() -> q.liftHold(r.id()))).as("lifted twice")
                    .isExactlyInstanceOf(UnknownHoldRuleException.class);
        }

        @Test
        void liftHoldOfAnotherSendersRuleIsRefused() {
            SenderQueue other = engine.addSender(2);
            HoldRule r = other.hold(Selector.ALL);
            assertThat(refused(() -> q.liftHold(r.id()))).isExactlyInstanceOf(UnknownHoldRuleException.class);
            assertThat(other.holdRules()).containsExactly(r);
        }

        @Test
        void aHoldRuleThatWouldExpireAtOnceIsRefused() {
            q.enqueue(1, 1, 1, "Gmail", null);
            badArgument("expire", () -> q.hold(Selector.ALL, f.clock.instant().minusSeconds(1)));
            badArgument("expire", () -> q.hold(Selector.ALL, f.clock.instant()));
            assertThat(q.holdRules()).isEmpty();
            assertThat(f.state(1)).isEqualTo(MessageState.NEW);
        }

        @Test
        void unknownSenderIsRefused() {
            Throwable e = refused(() -> engine.sender(2));
            assertThat(e).isExactlyInstanceOf(UnknownSenderException.class).hasMessageContaining("2");
            assertThat(((UnknownSenderException) e).senderId()).isEqualTo(2);
            assertThat(engine.findSender(2)).isEmpty();
            assertThat(engine.findSender(1)).containsSame(q);
        }

        @Test
        void badSenderIdsAreRefused() {
            badArgument("0", () -> engine.addSender(0));
            badArgument("-3", () -> engine.addSender(-3));
            badArgument("already exists", () -> engine.addSender(1));
            assertThat(engine.senderIds()).containsExactly(1);
        }
    }

    @Nested
    class EnqueueAndRestore {
        @Test
        void enqueueOfADuplicateIdIsRefusedWhateverItsState() {
            q.enqueue(1, 1, 1, "Gmail", null);
            q.enqueue(2, 1, 1, "Gmail", null);
            q.enqueue(3, 1, 1, "Gmail", null);
            f.take(1);
            engine.hold(2);
            for (long id = 1; id <= 3; id++) {
                long dup = id;
                Throwable e = refused(() -> q.enqueue(dup, 1, 1, "Gmail", "other"));
                assertThat(e).isExactlyInstanceOf(DuplicateMessageException.class)
                        .hasMessageContaining("message " + dup);
                assertThat(((DuplicateMessageException) e).messageId()).isEqualTo(dup);
            }
        }

        @Test
        void enqueueOfADuplicateIdIntoAnotherCellCreatesNoEmptyRow() {
            q.enqueue(1, 1, 1, "Gmail", null);
            assertThat(refused(() -> q.enqueue(1, 77, 5, "Gmail", null)))
                    .isExactlyInstanceOf(DuplicateMessageException.class);
            assertThat(q.cellCount()).isEqualTo(1);
            assertThat(q.stats(Selector.ALL, Grouping.ACCOUNT)).extracting(StatsRow::accountId).containsExactly(1);
            assertThat(q.stats(Selector.account(77), Grouping.TOTAL).get(0).total()).isZero();
        }

        @Test
        void idsAreUniqueAcrossSenders() {
            SenderQueue other = engine.addSender(2);
            q.enqueue(1, 1, 1, "Gmail", null);
            assertThat(refused(() -> other.enqueue(1, 1, 1, "Gmail", null)))
                    .isExactlyInstanceOf(DuplicateMessageException.class);
            assertThat(other.cellCount()).isZero();
        }

        @Test
        void restoreOfADuplicateIdIsRefused() {
            q.enqueue(1, 1, 1, "Gmail", null);
            Throwable e = refused(() -> q.restore(new StoredMessage(1, 1, 1, "Gmail", null, MessageState.RETRY, 2,
                    0, f.now())));
            assertThat(e).isExactlyInstanceOf(DuplicateMessageException.class).hasMessageContaining("message 1");
        }

        @Test
        void enqueueWithABadAccountOrCampaignIsRefused() {
            q.enqueue(1, 1, 1, "Gmail", null);
            badArgument("accountId", () -> q.enqueue(2, 0, 1, "Gmail", null));
            badArgument("accountId", () -> q.enqueue(2, -1, 1, "Gmail", null));
            badArgument("accountId", () -> q.enqueue(2, Integer.MIN_VALUE, 1, "Gmail", null));
            badArgument("campaignId", () -> q.enqueue(2, 1, -1, "Gmail", null));
            badArgument("accountId", () -> q.enqueueForDomain(2, 0, 1, "gmail.com", null));
            assertThat(engine.message(2)).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"", " ", "   ", "\t", "Gm\nail", "Gmail\u0000", "\u007fx", "Ya\u0085hoo"})
        void enqueueWithABlankOrControlCharacterIspIsRefused(String isp) {
            q.enqueue(1, 1, 1, "Gmail", null);
            badArgument("isp", () -> q.enqueue(2, 1, 1, isp, null));
            assertThat(engine.message(2)).isEmpty();
        }

        @Test
        void enqueueWithATooLongIspIsRefusedButTheLongestAllowedIsAccepted() {
            q.enqueue(1, 1, 1, "Gmail", null);
            badArgument("longer", () -> q.enqueue(2, 1, 1, "x".repeat(129), null));
            q.enqueue(2, 1, 1, "x".repeat(128), null);
            assertThat(f.view(2).isp()).hasSize(128);
        }

        @Test
        void restoreWithBadFieldsIsRefused() {
            q.enqueue(1, 1, 1, "Gmail", null);
            badArgument("accountId",
                    () -> q.restore(new StoredMessage(2, 0, 1, "Gmail", null, MessageState.NEW, 0, 0, 0)));
            badArgument("campaignId",
                    () -> q.restore(new StoredMessage(2, 1, -1, "Gmail", null, MessageState.NEW, 0, 0, 0)));
            badArgument("isp",
                    () -> q.restore(new StoredMessage(2, 1, 1, " ", null, MessageState.NEW, 0, 0, 0)));
            badArgument("attempts",
                    () -> q.restore(new StoredMessage(2, 1, 1, "Gmail", null, MessageState.NEW, -1, 0, 0)));
        }

        @Test
        void restoreOutcomesWithBadArgumentsIsRefused() {
            q.enqueue(1, 1, 1, "Gmail", null);
            badArgument("count", () -> q.restoreOutcomes(1, 1, "Gmail", Outcome.DELIVERED, -1));
            badArgument("accountId", () -> q.restoreOutcomes(0, 1, "Gmail", Outcome.DELIVERED, 1));
            badArgument("campaignId", () -> q.restoreOutcomes(1, -1, "Gmail", Outcome.DELIVERED, 1));
            badArgument("isp", () -> q.restoreOutcomes(1, 1, "", Outcome.DELIVERED, 1));
        }

        @Test
        void badSelectorsAndGroupingsAreRefused() {
            assertThatThrownBy(() -> new Selector(-1, 0, "")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("accountId");
            assertThatThrownBy(() -> new Selector(0, -1, "")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("campaignId");
            assertThatThrownBy(() -> Grouping.fromParameter("TOTAL")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Grouping.fromParameter("accounts")).isInstanceOf(IllegalArgumentException.class);
            assertThat(Grouping.fromParameter("account_campaign")).isEqualTo(Grouping.ACCOUNT_CAMPAIGN);
        }

        @Test
        void badBuilderValuesAreRefused() {
            assertThatThrownBy(() -> QueueEngine.builder().leaseDuration(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> QueueEngine.builder().leaseDuration(Duration.ofNanos(999_999)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> QueueEngine.builder().clock(null)).isInstanceOf(NullPointerException.class);
        }
    }
}
