package dev.sendq.core;

import static dev.sendq.core.Fixture.dfec;
import static dev.sendq.core.Fixture.nprh;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every allowed row of the specification's transition table, checked on counters and on the message. */
class TransitionRulesTest {

    private final Fixture f = new Fixture();
    private final QueueEngine engine = f.engine;
    private final SenderQueue q = f.q;

    @Nested
    class Enqueue {
        @Test
        void enqueueGoesToNewWithItsFields() {
            Object payload = new Object();
            q.enqueue(7, 306, 4591, "Gmail", payload);

            MessageView v = f.view(7);
            assertThat(v).isEqualTo(new MessageView(7, 1, 306, 4591, "Gmail", payload, MessageState.NEW, 0,
                    f.now(), 0));
            assertThat(f.counts()).containsExactly(nprh(1, 0, 0, 0));
            assertThat(engine.size()).isEqualTo(1);
        }

        @Test
        void enqueueWithCampaignZeroAndNullPayloadIsAllowed() {
            q.enqueue(1, 5, 0, "Yahoo", null);
            assertThat(f.view(1).campaignId()).isZero();
            assertThat(f.view(1).payload()).isNull();
            assertThat(f.state(1)).isEqualTo(MessageState.NEW);
        }

        @Test
        void enqueueIntoACellHeldByARuleGoesToHold() {
            q.hold(Selector.campaign(10, 100));
            q.enqueue(1, 10, 100, "Gmail", null);
            q.enqueue(2, 10, 101, "Gmail", null);

            assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
            assertThat(f.state(2)).isEqualTo(MessageState.NEW);
            assertThat(f.counts()).containsExactly(nprh(1, 0, 0, 1));
        }

        @Test
        void eachEnqueueCountsInItsOwnCell() {
            q.enqueue(1, 1, 1, "Gmail", null);
            q.enqueue(2, 1, 1, "Yahoo", null);
            q.enqueue(3, 1, 2, "Gmail", null);
            q.enqueue(4, 2, 1, "Gmail", null);
            q.enqueue(5, 1, 1, "Gmail", null);
            assertThat(q.cellCount()).isEqualTo(4);
            assertThat(q.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN)).containsExactly(
                    new StatsRow(1, 1, "", 0, 3, 0, 0, 3),
                    new StatsRow(1, 2, "", 0, 1, 0, 0, 1),
                    new StatsRow(2, 1, "", 0, 1, 0, 0, 1));
        }
    }

    @Nested
    class Take {
        @Test
        void takeMovesNewToProcAndFillsTheLease() {
            Object payload = "p";
            q.enqueue(1, 306, 4591, "Gmail", payload);
            long takenAt = f.now();
            Lease l = f.take(1);

            assertThat(l.isFilled()).isTrue();
            assertThat(l.attempt()).isEqualTo(1);
            assertThat(l.expiresAtMillis()).isEqualTo(takenAt + Fixture.LEASE.toMillis());
            assertThat(l.senderId()).isEqualTo(1);
            assertThat(l.accountId()).isEqualTo(306);
            assertThat(l.campaignId()).isEqualTo(4591);
            assertThat(l.isp()).isEqualTo("Gmail");
            assertThat(l.payload()).isSameAs(payload);
            assertThat(l.message().id()).isEqualTo(1);
            assertThat(f.state(1)).isEqualTo(MessageState.PROC);
            assertThat(f.view(1).attempts()).isEqualTo(1);
            assertThat(f.counts()).containsExactly(nprh(0, 1, 0, 0));
        }

        @Test
        void takeReturnsFalseAndLeavesTheLeaseAloneWhenNothingIsReady() {
            Lease l = new Lease();
            assertThat(q.take(l)).isFalse();
            assertThat(l.isFilled()).isFalse();

            q.enqueue(1, 1, 1, "Gmail", null);
            assertThat(q.take(l)).isTrue();
            assertThat(q.take(l)).isFalse();
            assertThat(l.messageId()).as("a failed take does not overwrite the lease").isEqualTo(1);
        }

        @Test
        void retryIsTakenOnlyWhenDueNotOneMillisecondBefore() {
            q.enqueue(1, 1, 1, "Gmail", null);
            Lease l = f.take(1);
            engine.defer(l, Duration.ofSeconds(30));
            long due = f.now() + 30_000;
            assertThat(f.view(1).dueAtMillis()).isEqualTo(due);

            f.clock.advanceMillis(29_999);
            assertThat(q.take(new Lease())).isFalse();
            assertThat(f.state(1)).isEqualTo(MessageState.RETRY);
            assertThat(f.counts()).containsExactly(nprh(0, 0, 1, 0));

            f.clock.advanceMillis(1);
            assertThat(f.now()).isEqualTo(due);
            Lease again = f.take(1);
            assertThat(again.attempt()).isEqualTo(2);
            assertThat(f.state(1)).isEqualTo(MessageState.PROC);
            assertThat(f.counts()).containsExactly(nprh(0, 1, 0, 0));
        }

        @Test
        void aRetryNotDueDoesNotBlockNewMessagesOfTheSameCell() {
            q.enqueue(1, 1, 1, "Gmail", null);
            q.enqueue(2, 1, 1, "Gmail", null);
            engine.defer(f.take(1), Duration.ofMinutes(1));
            f.take(2);
            assertThat(q.take(new Lease())).isFalse();
        }
    }

    @Nested
    class Reports {
        @Test
        void deliveredRemovesTheMessageAndCountsTheOutcome() {
            q.enqueue(1, 1, 1, "Gmail", null);
            q.enqueue(2, 1, 1, "Gmail", null);
            engine.delivered(f.take(1));

            assertThat(engine.message(1)).isEmpty();
            assertThat(engine.size()).isEqualTo(1);
            assertThat(f.counts()).containsExactly(nprh(1, 0, 0, 0));
            assertThat(f.outcomes()).containsExactly(dfec(1, 0, 0, 0));
        }

        @Test
        void failedRemovesTheMessageAndCountsTheOutcome() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.failed(f.take(1));

            assertThat(engine.message(1)).isEmpty();
            assertThat(engine.size()).isZero();
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 0));
            assertThat(f.outcomes()).containsExactly(dfec(0, 1, 0, 0));
        }

        @Test
        void deliveredAfterARetryCountsOnce() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.defer(f.take(1), Duration.ZERO);
            Lease l = f.take(1);
            assertThat(l.attempt()).isEqualTo(2);
            engine.delivered(l);
            assertThat(f.outcomes()).containsExactly(dfec(1, 0, 0, 0));
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 0));
        }
    }

    @Nested
    class Defer {
        @Test
        void deferUsesThePolicyBackoffWithoutJitter() {
            q.enqueue(1, 1, 1, "Gmail", null);
            long[] expectedDelays = {60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000};
            for (int i = 0; i < expectedDelays.length; i++) {
                Lease l = f.take(1);
                assertThat(l.attempt()).isEqualTo(i + 1);
                long deferredAt = f.now();
                engine.defer(l);
                MessageView v = f.view(1);
                assertThat(v.state()).isEqualTo(MessageState.RETRY);
                assertThat(v.dueAtMillis()).as("due after attempt %d", i + 1)
                        .isEqualTo(deferredAt + expectedDelays[i]);
                assertThat(f.counts()).containsExactly(nprh(0, 0, 1, 0));
                f.clock.advanceMillis(expectedDelays[i]);
            }
        }

        @Test
        void deferWithAnExplicitDelay() {
            q.enqueue(1, 1, 1, "Gmail", null);
            long now = f.now();
            engine.defer(f.take(1), Duration.ofSeconds(90));
            assertThat(f.view(1).dueAtMillis()).isEqualTo(now + 90_000);
            assertThat(f.state(1)).isEqualTo(MessageState.RETRY);
        }

        @Test
        void deferUntilAnInstant() {
            q.enqueue(1, 1, 1, "Gmail", null);
            Instant due = f.clock.instant().plusSeconds(3600);
            engine.deferUntil(f.take(1), due);
            assertThat(f.view(1).dueAtMillis()).isEqualTo(due.toEpochMilli());
            assertThat(f.state(1)).isEqualTo(MessageState.RETRY);

            f.clock.advanceMillis(3_599_999);
            assertThat(q.take(new Lease())).isFalse();
            f.clock.advanceMillis(1);
            f.take(1);
        }

        @Test
        void deferUntilAPastInstantIsDueAtOnce() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.deferUntil(f.take(1), f.clock.instant().minusSeconds(60));
            assertThat(f.state(1)).isEqualTo(MessageState.RETRY);
            assertThat(f.view(1).dueAtMillis()).isEqualTo(f.now());
            assertThat(f.counts()).containsExactly(nprh(0, 0, 1, 0));
            assertThat(f.take(1).attempt()).isEqualTo(2);
        }

        @Test
        void deferPastMaxAttemptsExpiresTheMessage() {
            Fixture g = new Fixture(b -> b.retryPolicy(Fixture.NO_JITTER.withLimits(3, Duration.ofDays(5))));
            g.q.enqueue(1, 1, 1, "Gmail", null);
            for (int attempt = 1; attempt <= 2; attempt++) {
                Lease l = g.take(1);
                assertThat(l.attempt()).isEqualTo(attempt);
                g.engine.defer(l, Duration.ZERO);
                assertThat(g.state(1)).isEqualTo(MessageState.RETRY);
            }
            Lease third = g.take(1);
            assertThat(third.attempt()).isEqualTo(3);
            g.engine.defer(third, Duration.ZERO);

            assertThat(g.engine.message(1)).isEmpty();
            assertThat(g.engine.size()).isZero();
            assertThat(g.counts()).containsExactly(nprh(0, 0, 0, 0));
            assertThat(g.outcomes()).containsExactly(dfec(0, 0, 1, 0));
        }

        @Test
        void maxAttemptsOneExpiresOnTheFirstDeferral() {
            Fixture g = new Fixture(b -> b.retryPolicy(Fixture.NO_JITTER.withLimits(1, Duration.ofDays(5))));
            g.q.enqueue(1, 1, 1, "Gmail", null);
            g.engine.defer(g.take(1));
            assertThat(g.engine.message(1)).isEmpty();
            assertThat(g.outcomes()).containsExactly(dfec(0, 0, 1, 0));
        }

        @Test
        void deferPastMaxAgeExpiresTheMessageButExactlyAtMaxAgeRetries() {
            Fixture g = new Fixture(b -> b.retryPolicy(Fixture.NO_JITTER.withLimits(30, Duration.ofHours(1))));
            long enqueuedAt = g.now();
            g.q.enqueue(1, 1, 1, "Gmail", null);
            g.engine.deferUntil(g.take(1), Instant.ofEpochMilli(enqueuedAt + 3_600_000));
            assertThat(g.state(1)).as("due exactly at enqueuedAt + maxAge").isEqualTo(MessageState.RETRY);

            g.clock.advance(Duration.ofHours(1));
            g.engine.deferUntil(g.take(1), Instant.ofEpochMilli(enqueuedAt + 3_600_001));
            assertThat(g.engine.message(1)).isEmpty();
            assertThat(g.outcomes()).containsExactly(dfec(0, 0, 1, 0));
            assertThat(g.counts()).containsExactly(nprh(0, 0, 0, 0));
        }

        @Test
        void policyBackoffThatWouldPassMaxAgeExpires() {
            Fixture g = new Fixture(b -> b.retryPolicy(Fixture.NO_JITTER.withLimits(30, Duration.ofMinutes(2))));
            g.q.enqueue(1, 1, 1, "Gmail", null);
            g.engine.defer(g.take(1)); // due +1 min: within 2 min
            assertThat(g.state(1)).isEqualTo(MessageState.RETRY);
            g.clock.advance(Duration.ofMinutes(1));
            g.engine.defer(g.take(1)); // due +1 + 2 = 3 min after enqueue: past max age
            assertThat(g.engine.message(1)).isEmpty();
            assertThat(g.outcomes()).containsExactly(dfec(0, 0, 1, 0));
        }
    }

    @Nested
    class HoldAndRelease {
        @Test
        void operatorHoldsANewMessage() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.hold(1);
            assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 1));
            assertThat(q.take(new Lease())).isFalse();
        }

        @Test
        void operatorHoldsARetryMessage() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.defer(f.take(1), Duration.ofMinutes(1));
            engine.hold(1);
            assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 1));
            f.clock.advance(Duration.ofMinutes(2));
            assertThat(q.take(new Lease())).as("a held retry is not taken when it comes due").isFalse();
        }

        @Test
        void operatorHoldsAProcMessageAndTheWorkerLosesItsLease() {
            q.enqueue(1, 1, 1, "Gmail", null);
            Lease l = f.take(1);
            engine.hold(1);
            assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
            assertThat(f.view(1).attempts()).isEqualTo(1);
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 1));
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> engine.delivered(l)))
                    .isInstanceOf(IllegalTransitionException.class);
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 1));
        }

        @Test
        void workerHoldsItsLeasedMessage() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.hold(f.take(1));
            assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 1));
            assertThat(q.take(new Lease())).isFalse();
        }

        @Test
        void releaseMovesHoldToNewAndMakesItTakeable() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.hold(1);
            engine.release(1);
            assertThat(f.state(1)).isEqualTo(MessageState.NEW);
            assertThat(f.counts()).containsExactly(nprh(1, 0, 0, 0));
            assertThat(f.take(1).attempt()).isEqualTo(1);
        }

        @Test
        void releaseOfAHeldRetryMakesItNewAndReadyAtOnce() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.defer(f.take(1), Duration.ofHours(1));
            engine.hold(1);
            engine.release(1);
            assertThat(f.state(1)).isEqualTo(MessageState.NEW);
            assertThat(f.counts()).containsExactly(nprh(1, 0, 0, 0));
            assertThat(f.take(1).attempt()).isEqualTo(2);
        }

        @Test
        void releaseOfAWorkerHeldMessageKeepsItsAttemptCount() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.hold(f.take(1));
            engine.release(1);
            assertThat(f.view(1).attempts()).isEqualTo(1);
            assertThat(f.take(1).attempt()).isEqualTo(2);
        }
    }

    @Nested
    class LeaseTimeout {
        @Test
        void leaseTimeoutReturnsProcToNewAndTheAttemptCounts() {
            q.enqueue(1, 1, 1, "Gmail", null);
            Lease l = f.take(1);
            f.clock.advanceMillis(Fixture.LEASE.toMillis() - 1);
            assertThat(f.counts()).as("1 ms before expiry").containsExactly(nprh(0, 1, 0, 0));
            assertThat(f.state(1)).isEqualTo(MessageState.PROC);

            f.clock.advanceMillis(1);
            assertThat(f.counts()).as("at expiry").containsExactly(nprh(1, 0, 0, 0));
            assertThat(f.state(1)).isEqualTo(MessageState.NEW);
            assertThat(f.view(1).attempts()).isEqualTo(1);
            assertThat(l.attempt()).isEqualTo(1);

            Lease again = f.take(1);
            assertThat(again.attempt()).isEqualTo(2);
            assertThat(f.view(1).attempts()).isEqualTo(2);
        }

        @Test
        void runMaintenanceAppliesLeaseTimeouts() {
            q.enqueue(1, 1, 1, "Gmail", null);
            f.take(1);
            f.clock.advance(Fixture.LEASE);
            engine.runMaintenance();
            assertThat(f.state(1)).isEqualTo(MessageState.NEW);
        }

        @Test
        void takeAppliesLeaseTimeoutsBeforeLooking() {
            q.enqueue(1, 1, 1, "Gmail", null);
            f.take(1);
            f.clock.advance(Fixture.LEASE);
            assertThat(f.take(1).attempt()).isEqualTo(2);
        }

        @Test
        void leaseTimeoutInAHeldCellCountsAsHold() {
            q.enqueue(1, 1, 1, "Gmail", null);
            f.take(1);
            q.hold(Selector.account(1));
            assertThat(f.counts()).as("PROC stays PROC under a rule").containsExactly(nprh(0, 1, 0, 0));
            f.clock.advance(Fixture.LEASE);
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 1));
            assertThat(q.take(new Lease())).isFalse();
        }
    }

    @Nested
    class Cancel {
        @Test
        void cancelANewMessage() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.cancel(1);
            assertThat(engine.message(1)).isEmpty();
            assertThat(engine.size()).isZero();
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 0));
            assertThat(f.outcomes()).containsExactly(dfec(0, 0, 0, 1));
            assertThat(q.take(new Lease())).isFalse();
        }

        @Test
        void cancelARetryMessage() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.defer(f.take(1), Duration.ofMinutes(1));
            engine.cancel(1);
            assertThat(engine.message(1)).isEmpty();
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 0));
            assertThat(f.outcomes()).containsExactly(dfec(0, 0, 0, 1));
            f.clock.advance(Duration.ofMinutes(5));
            assertThat(q.take(new Lease())).isFalse();
        }

        @Test
        void cancelAnIndividuallyHeldMessage() {
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.hold(1);
            engine.cancel(1);
            assertThat(engine.message(1)).isEmpty();
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 0));
            assertThat(f.outcomes()).containsExactly(dfec(0, 0, 0, 1));
        }

        @Test
        void cancelAMessageHeldByARule() {
            q.hold(Selector.account(1));
            q.enqueue(1, 1, 1, "Gmail", null);
            engine.cancel(1);
            assertThat(engine.message(1)).isEmpty();
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 0));
            assertThat(f.outcomes()).containsExactly(dfec(0, 0, 0, 1));
        }

        @Test
        void cancelBySelectorTakesNewRetryAndHoldButLeavesProcAndOtherCells() {
            q.enqueue(1, 1, 1, "Gmail", null);  // stays NEW
            q.enqueue(2, 1, 1, "Gmail", null);  // RETRY
            q.enqueue(3, 1, 1, "Gmail", null);  // HOLD
            q.enqueue(4, 1, 1, "Gmail", null);  // PROC
            q.enqueue(5, 1, 2, "Gmail", null);  // other campaign, NEW
            engine.hold(1);
            Lease l2 = f.take(2);
            Lease l5 = f.take(5);
            Lease l3 = f.take(3);
            Lease l4 = f.take(4);
            engine.defer(l2, Duration.ofMinutes(1));
            engine.hold(l3);
            engine.release(1);
            engine.deferUntil(l5, f.clock.instant()); // back to RETRY, due now, other campaign
            q.enqueue(6, 2, 1, "Gmail", null);  // other account, NEW
            assertThat(f.counts()).containsExactly(nprh(2, 1, 2, 1));

            long n = q.cancel(Selector.campaign(1, 1));

            assertThat(n).isEqualTo(3);
            assertThat(engine.message(1)).isEmpty();
            assertThat(engine.message(2)).isEmpty();
            assertThat(engine.message(3)).isEmpty();
            assertThat(f.state(4)).isEqualTo(MessageState.PROC);
            assertThat(f.state(5)).isEqualTo(MessageState.RETRY);
            assertThat(f.state(6)).isEqualTo(MessageState.NEW);
            assertThat(f.counts()).containsExactly(nprh(1, 1, 1, 0));
            assertThat(f.outcomes()).containsExactly(dfec(0, 0, 0, 3));
            engine.delivered(l4); // the PROC attempt finishes normally
            assertThat(f.outcomes()).containsExactly(dfec(1, 0, 0, 3));
        }

        @Test
        void cancelBySelectorMatchesIspCaseInsensitivelyAndCancelsRuleHeldMessages() {
            q.hold(Selector.isp("gmail"));
            q.enqueue(1, 1, 1, "Gmail", null);
            q.enqueue(2, 1, 1, "Yahoo", null);
            assertThat(q.cancel(Selector.isp("GMAIL"))).isEqualTo(1);
            assertThat(engine.message(1)).isEmpty();
            assertThat(f.counts()).containsExactly(nprh(1, 0, 0, 0));
        }

        @Test
        void cancelBySelectorWithNothingToCancelReturnsZero() {
            q.enqueue(1, 1, 1, "Gmail", null);
            f.take(1);
            assertThat(q.cancel(Selector.ALL)).isZero();
            assertThat(f.counts()).containsExactly(nprh(0, 1, 0, 0));
            assertThat(f.outcomes()).containsExactly(dfec(0, 0, 0, 0));
        }
    }

    @Nested
    class Restore {
        private StoredMessage stored(long id, MessageState s, int attempts, long dueAt) {
            return new StoredMessage(id, 306, 4591, "Gmail", "payload-" + id, s, attempts, f.now() - 10_000, dueAt);
        }

        @Test
        void restoreNew() {
            q.restore(stored(1, MessageState.NEW, 2, 0));
            MessageView v = f.view(1);
            assertThat(v.state()).isEqualTo(MessageState.NEW);
            assertThat(v.attempts()).isEqualTo(2);
            assertThat(v.enqueuedAtMillis()).isEqualTo(f.now() - 10_000);
            assertThat(v.payload()).isEqualTo("payload-1");
            assertThat(f.counts()).containsExactly(nprh(1, 0, 0, 0));
            assertThat(f.take(1).attempt()).isEqualTo(3);
        }

        @Test
        void restoreProcComesBackAsNew() {
            q.restore(stored(1, MessageState.PROC, 1, 0));
            assertThat(f.state(1)).isEqualTo(MessageState.NEW);
            assertThat(f.view(1).attempts()).isEqualTo(1);
            assertThat(f.counts()).containsExactly(nprh(1, 0, 0, 0));
            assertThat(f.take(1).attempt()).isEqualTo(2);
        }

        @Test
        void restoreRetryKeepsItsDueTime() {
            long due = f.now() + 60_000;
            q.restore(stored(1, MessageState.RETRY, 1, due));
            assertThat(f.state(1)).isEqualTo(MessageState.RETRY);
            assertThat(f.view(1).dueAtMillis()).isEqualTo(due);
            assertThat(f.counts()).containsExactly(nprh(0, 0, 1, 0));
            f.clock.advanceMillis(59_999);
            assertThat(q.take(new Lease())).isFalse();
            f.clock.advanceMillis(1);
            assertThat(f.take(1).attempt()).isEqualTo(2);
        }

        @Test
        void restoreRetryAlreadyDueIsTakeable() {
            q.restore(stored(1, MessageState.RETRY, 1, f.now() - 1));
            assertThat(f.state(1)).isEqualTo(MessageState.RETRY);
            f.take(1);
        }

        @Test
        void restoreHoldIsHeldIndividually() {
            q.restore(stored(1, MessageState.HOLD, 0, 0));
            assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 1));
            assertThat(q.take(new Lease())).isFalse();
            engine.release(1);
            assertThat(f.state(1)).isEqualTo(MessageState.NEW);
            f.take(1);
        }

        @Test
        void restoreIntoACellHeldByARuleCountsAsHold() {
            q.hold(Selector.account(306));
            q.restore(stored(1, MessageState.NEW, 0, 0));
            q.restore(stored(2, MessageState.RETRY, 1, f.now() + 1000));
            assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
            assertThat(f.state(2)).isEqualTo(MessageState.HOLD);
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 2));
        }

        @Test
        void restoreOutcomesAddsToTheCellsOutcomeCounters() {
            q.restoreOutcomes(306, 4591, "Gmail", Outcome.DELIVERED, 10);
            q.restoreOutcomes(306, 4591, "gmail", Outcome.DELIVERED, 5);
            q.restoreOutcomes(306, 4591, "Gmail", Outcome.FAILED, 2);
            q.restoreOutcomes(306, 4592, "Yahoo", Outcome.EXPIRED, 3);
            q.restoreOutcomes(306, 4592, "Yahoo", Outcome.CANCELLED, 4);
            assertThat(f.outcomes()).containsExactly(dfec(15, 2, 3, 4));
            assertThat(q.outcomes(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN)).containsExactly(
                    new OutcomeRow(306, 4591, "", 15, 2, 0, 0),
                    new OutcomeRow(306, 4592, "", 0, 0, 3, 4));
            assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 0));
            assertThat(engine.size()).isZero();
        }

        @Test
        void restoreOutcomesWithZeroIsAllowed() {
            q.restoreOutcomes(306, 4591, "Gmail", Outcome.DELIVERED, 0);
            assertThat(f.outcomes()).containsExactly(dfec(0, 0, 0, 0));
        }
    }

    /**
     * "Exact when quiet": after a long seeded random walk over every operation, each count of
     * every cell equals the number of messages found in that state.
     */
    @Test
    void countersEqualARecountAfterARandomWalk() {
        Fixture g = new Fixture(b -> b.retryPolicy(Fixture.NO_JITTER.withLimits(4, Duration.ofDays(5))));
        SplittableRandom rnd = new SplittableRandom(20240611);
        List<Lease> leases = new ArrayList<>();
        List<HoldRule> rules = new ArrayList<>();
        long nextId = 1;
        String[] isps = {"Gmail", "Yahoo", "Microsoft"};
        for (int step = 0; step < 20_000; step++) {
            int op = rnd.nextInt(16);
            try {
                switch (op) {
                    case 0, 1, 2, 3 -> g.q.enqueue(nextId++, 1 + rnd.nextInt(3), rnd.nextInt(3),
                            isps[rnd.nextInt(isps.length)], null);
                    case 4, 5, 6 -> {
                        Lease l = new Lease();
                        if (g.q.take(l)) {
                            leases.add(l);
                        }
                    }
                    case 7 -> report(g, leases, rnd, 0);
                    case 8 -> report(g, leases, rnd, 1);
                    case 9 -> report(g, leases, rnd, 2);
                    case 10 -> report(g, leases, rnd, 3);
                    case 11 -> {
                        long id = 1 + rnd.nextLong(nextId);
                        switch (rnd.nextInt(3)) {
                            case 0 -> g.engine.hold(id);
                            case 1 -> g.engine.release(id);
                            default -> g.engine.cancel(id);
                        }
                    }
                    case 12 -> {
                        if (rules.size() < 3 && rnd.nextBoolean()) {
                            Selector s = switch (rnd.nextInt(3)) {
                                case 0 -> Selector.account(1 + rnd.nextInt(3));
                                case 1 -> Selector.isp(isps[rnd.nextInt(isps.length)].toUpperCase());
                                default -> new Selector(1 + rnd.nextInt(3), rnd.nextInt(3), "");
                            };
                            Instant until = rnd.nextBoolean() ? null
                                    : g.clock.instant().plusSeconds(1 + rnd.nextInt(600));
                            rules.add(g.q.hold(s, until));
                        } else if (!rules.isEmpty()) {
                            HoldRule r = rules.remove(rnd.nextInt(rules.size()));
                            g.q.liftHold(r.id());
                        }
                    }
                    case 13 -> g.clock.advanceMillis(rnd.nextInt(60_000));
                    case 14 -> {
                        if (rnd.nextInt(50) == 0) {
                            g.q.cancel(new Selector(rnd.nextInt(4), 0, ""));
                        }
                    }
                    default -> g.clock.advanceMillis(rnd.nextInt(1000));
                }
            } catch (IllegalTransitionException | java.util.NoSuchElementException e) {
                // refused requests are part of the walk; they must change nothing (checked elsewhere)
            }
            if (step % 1000 == 999) {
                assertCountsMatchRecount(g, nextId);
            }
        }
        assertCountsMatchRecount(g, nextId);
    }

    private static void report(Fixture g, List<Lease> leases, SplittableRandom rnd, int kind) {
        if (leases.isEmpty()) {
            return;
        }
        Lease l = leases.remove(rnd.nextInt(leases.size()));
        switch (kind) {
            case 0 -> g.engine.delivered(l);
            case 1 -> g.engine.failed(l);
            case 2 -> {
                if (rnd.nextBoolean()) {
                    g.engine.defer(l);
                } else {
                    g.engine.defer(l, Duration.ofMillis(rnd.nextInt(120_000)));
                }
            }
            default -> g.engine.hold(l);
        }
    }

    private static void assertCountsMatchRecount(Fixture g, long nextId) {
        List<StatsRow> rows = g.q.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN); // applies maintenance first
        Map<Long, long[]> recount = new HashMap<>();
        long live = 0;
        for (long id = 1; id < nextId; id++) {
            MessageView v = g.engine.message(id).orElse(null);
            if (v == null) {
                continue;
            }
            live++;
            long key = ((long) v.accountId() << 32) | v.campaignId();
            recount.computeIfAbsent(key, k -> new long[4])[v.state().ordinal()]++;
        }
        List<StatsRow> expected = new ArrayList<>();
        recount.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            long[] c = e.getValue();
            int account = (int) (e.getKey() >>> 32);
            int campaign = (int) (long) e.getKey();
            StatsRow r = StatsRow.of(account, campaign, "", c[3], c[0], c[1], c[2]);
            if (r.total() > 0) {
                expected.add(r);
            }
        });
        assertThat(rows).isEqualTo(expected);
        assertThat(g.engine.size()).isEqualTo(live);
        long outcomesTotal = g.q.outcomes(Selector.ALL, Grouping.TOTAL).get(0).total();
        assertThat(outcomesTotal + live).as("every enqueued message is live or has one outcome")
                .isEqualTo(nextId - 1);
    }
}
