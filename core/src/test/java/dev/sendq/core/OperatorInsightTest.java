package dev.sendq.core;

import static dev.sendq.core.Fixture.nprh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Issue 5 in the core: hold reasons and impact, retry reasons, rate limits, ages, snapshots, held time. */
class OperatorInsightTest {
    private final Fixture f = new Fixture();
    private final SenderQueue q = f.q;

    private void enqueue(long id, int account, int campaign, String isp) {
        q.enqueue(id, account, campaign, isp, null);
    }

    @Nested
    class HoldRules {
        @Test
        void keepReasonAndStrippedLabel() {
            HoldRule r = q.hold(Selector.isp("Gmail"), HoldReason.ISP_BLOCK, "  421 from gmail, ana  ", null);
            assertThat(r.reason()).isEqualTo(HoldReason.ISP_BLOCK);
            assertThat(r.label()).isEqualTo("421 from gmail, ana");
            assertThat(q.holdRules()).containsExactly(r);
            HoldRule plain = q.hold(Selector.account(7));
            assertThat(plain.reason()).isEqualTo(HoldReason.OPERATOR);
            assertThat(plain.label()).isEmpty();
        }

        @Test
        void rulesAndLimitsKeepTheCanonicalIspSpelling() {
            enqueue(1, 306, 1, "Gmail");
            assertThat(q.hold(Selector.isp("GMAIL")).selector().isp()).isEqualTo("Gmail");
            q.setRateLimit(Selector.isp("gmail"), RateLimit.perSecond(5));
            assertThat(q.rateLimits()).containsOnlyKeys(Selector.isp("Gmail"));
            assertThat(q.hold(Selector.isp("NewIsp")).selector().isp()).as("unknown ISP: as written").isEqualTo("NewIsp");
        }

        @Test
        void refusedLabelsChangeNothing() {
            enqueue(1, 306, 1, "Gmail");
            long[] before = f.counts();
            assertThatThrownBy(() -> q.hold(Selector.ALL, HoldReason.OPERATOR, "x".repeat(201), null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("200");
            assertThatThrownBy(() -> q.hold(Selector.ALL, HoldReason.OPERATOR, "bad\nlabel", null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control");
            assertThatThrownBy(() -> q.hold(Selector.ALL, null, "", null)).isInstanceOf(NullPointerException.class);
            assertThat(q.holdRules()).isEmpty();
            assertThat(f.counts()).isEqualTo(before);
            assertThat(f.events.ruleEvents()).isEmpty();
        }

        @Test
        void impactCountsWhatEachRuleHoldsByTheStateItWouldBeIn() {
            enqueue(1, 306, 1, "Gmail");
            enqueue(2, 306, 1, "Gmail");
            Lease l = f.take(1);
            f.engine.defer(l, Duration.ofMinutes(5), RetryReason.REMOTE_THROTTLING); // 1 in RETRY
            f.take(2); // 2 in PROC: never held by a rule
            enqueue(3, 306, 2, "Gmail");
            enqueue(4, 306, 2, "Yahoo");

            HoldRule gmail = q.hold(Selector.isp("gmail"), HoldReason.ISP_BLOCK, "blocked", null);
            HoldRule campaign2 = q.hold(Selector.campaign(306, 2));
            enqueue(5, 306, 2, "Gmail"); // enqueued in HOLD, held by both rules

            List<RuleImpact> impact = q.holdImpact().rows();
            assertThat(impact).extracting(RuleImpact::rule).containsExactly(gmail, campaign2);
            assertThat(impact.get(0).impact()).isEqualTo(new HoldImpact(2, 1)); // 3 and 5 NEW, 1 RETRY
            assertThat(impact.get(1).impact()).isEqualTo(new HoldImpact(3, 0)); // 3, 5 (Gmail) and 4 (Yahoo)
            assertThat(f.counts()).isEqualTo(nprh(0, 1, 0, 4));

            q.liftHold(gmail.id());
            assertThat(q.holdImpact().rows()).singleElement().isEqualTo(new RuleImpact(campaign2, new HoldImpact(3, 0)));
            assertThat(f.counts()).isEqualTo(nprh(1, 1, 0, 3)); // 1's retry became NEW at the lift
        }

        @Test
        void previewCountsOnlyWhatWouldMoveAndChangesNothing() {
            enqueue(1, 306, 1, "Gmail");
            enqueue(2, 306, 1, "Yahoo");
            enqueue(3, 307, 1, "Gmail");
            Lease l = f.take(1);
            f.engine.defer(l, Duration.ofMinutes(5));
            q.hold(Selector.account(307));
            long[] before = f.counts();
            long generation = q.statsSnapshot(Selector.ALL, Grouping.TOTAL).generation();

            assertThat(q.previewHold(Selector.isp("Gmail"))).isEqualTo(new HoldImpact(0, 1)); // 3 already held
            assertThat(q.previewHold(Selector.ALL)).isEqualTo(new HoldImpact(1, 1));
            assertThat(q.previewHold(Selector.account(999))).isEqualTo(new HoldImpact(0, 0));
            assertThat(f.counts()).isEqualTo(before);
            assertThat(q.holdRules()).hasSize(1);
            assertThat(q.statsSnapshot(Selector.ALL, Grouping.TOTAL).generation()).isEqualTo(generation + 1);
        }
    }

    @Nested
    class RetryReasons {
        private Map<RetryReason, Long> reasons(Selector s) {
            RetryReasonRow row = q.retryReasons(s, Grouping.TOTAL).rows().get(0);
            Map<RetryReason, Long> m = new HashMap<>();
            for (RetryReason r : RetryReason.values()) {
                if (row.count(r) != 0) {
                    m.put(r, row.count(r));
                }
            }
            return m;
        }

        @Test
        void splitRetryByReasonAndFollowEveryWayOut() {
            for (long id = 1; id <= 5; id++) {
                enqueue(id, 306, 1, "Gmail");
            }
            f.engine.defer(f.take(1), Duration.ofMinutes(1), RetryReason.CONNECTION_FAILURE);
            f.engine.defer(f.take(2), Duration.ofMinutes(2), RetryReason.REMOTE_THROTTLING);
            f.engine.deferUntil(f.take(3), Instant.ofEpochMilli(f.now() + 180_000), RetryReason.REMOTE_THROTTLING);
            f.engine.defer(f.take(4), RetryReason.REMOTE_TEMPORARY_FAILURE);
            f.engine.defer(f.take(5)); // unspecified
            assertThat(reasons(Selector.ALL)).containsOnly(Map.entry(RetryReason.CONNECTION_FAILURE, 1L),
                    Map.entry(RetryReason.REMOTE_THROTTLING, 2L), Map.entry(RetryReason.REMOTE_TEMPORARY_FAILURE, 1L),
                    Map.entry(RetryReason.UNSPECIFIED, 1L));
            assertThat(q.retryReasons(Selector.ALL, Grouping.TOTAL).rows().get(0).total()).isEqualTo(q.totals().retry());

            f.engine.cancel(2); // cancel out of RETRY
            f.engine.hold(3); // hold out of RETRY
            f.clock.advance(Duration.ofMinutes(1));
            f.take(1); // due: taken out of RETRY
            assertThat(reasons(Selector.ALL)).containsOnly(Map.entry(RetryReason.REMOTE_TEMPORARY_FAILURE, 1L),
                    Map.entry(RetryReason.UNSPECIFIED, 1L));

            HoldRule rule = q.hold(Selector.ALL);
            assertThat(reasons(Selector.ALL)).as("held RETRY counts as HOLD").isEmpty();
            q.liftHold(rule.id());
            assertThat(reasons(Selector.ALL)).as("the lift made every RETRY NEW").isEmpty();
            assertThat(q.totals().retry()).isZero();
        }

        @Test
        void groupsLikeStatsAndRestoresKeepTheirReason() {
            q.restore(new StoredMessage(1, 306, 1, "Gmail", null, MessageState.RETRY, 1, f.now(), f.now() + 60_000,
                    RetryReason.CONNECTION_FAILURE));
            q.restore(new StoredMessage(2, 306, 2, "Yahoo", null, MessageState.RETRY, 1, f.now(), f.now() + 60_000,
                    null));
            List<RetryReasonRow> rows = q.retryReasons(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN).rows();
            assertThat(rows).extracting(RetryReasonRow::campaignId).containsExactly(1, 2);
            assertThat(rows.get(0).count(RetryReason.CONNECTION_FAILURE)).isEqualTo(1);
            assertThat(rows.get(1).count(RetryReason.UNSPECIFIED)).isEqualTo(1);
            assertThat(q.retryReasons(Selector.isp("yahoo"), Grouping.ISP).rows()).singleElement()
                    .extracting(RetryReasonRow::isp).isEqualTo("Yahoo");
        }
    }

    @Nested
    class RateLimits {
        private final Lease lease = new Lease();

        private List<Long> takeAll() {
            List<Long> ids = new ArrayList<>();
            while (q.take(lease)) {
                ids.add(lease.messageId());
                f.engine.delivered(lease);
            }
            return ids;
        }

        @Test
        void takeNeverExceedsTheRateAndRefusedMessagesStayReady() {
            for (long id = 1; id <= 5; id++) {
                enqueue(id, 306, 1, "Gmail");
            }
            assertThat(q.setRateLimit(Selector.isp("Gmail"), RateLimit.perSecond(10))).isNull();
            assertThat(takeAll()).containsExactly(1L);
            assertThat(f.counts()).isEqualTo(nprh(4, 0, 0, 0));
            assertThat(f.view(2).attempts()).as("a refused take is no attempt").isZero();
            f.clock.advanceMillis(99);
            assertThat(takeAll()).isEmpty();
            f.clock.advanceMillis(1);
            assertThat(takeAll()).containsExactly(2L);
            f.clock.advanceMillis(250); // quiet for 2.5 intervals: no burst beyond 1
            assertThat(takeAll()).containsExactly(3L);
        }

        @Test
        void burstAllowsThatManyAtOnce() {
            for (long id = 1; id <= 10; id++) {
                enqueue(id, 306, 1, "Gmail");
            }
            q.setRateLimit(Selector.campaign(306, 1), RateLimit.perSecond(10).withBurst(3));
            assertThat(takeAll()).containsExactly(1L, 2L, 3L);
            f.clock.advanceMillis(100);
            assertThat(takeAll()).containsExactly(4L);
            f.clock.advanceMillis(10_000);
            assertThat(takeAll()).containsExactly(5L, 6L, 7L);
        }

        @Test
        void anIspLimitIsSharedByItsCellsWhileOtherIspsFlow() {
            for (int c = 1; c <= 3; c++) {
                for (int i = 0; i < 3; i++) {
                    enqueue(c * 10L + i, 306, c, "Gmail");
                }
            }
            enqueue(100, 306, 1, "Yahoo");
            enqueue(101, 306, 1, "Yahoo");
            q.setRateLimit(Selector.isp("Gmail"), RateLimit.perMinute(60)); // one per second
            List<Long> first = takeAll();
            assertThat(first).hasSize(3).contains(100L, 101L);
            Map<Integer, Integer> perCampaign = new HashMap<>();
            for (int s = 0; s < 8; s++) {
                f.clock.advanceMillis(1000);
                List<Long> got = takeAll();
                assertThat(got).as("second %d", s).hasSize(1);
                perCampaign.merge((int) (got.get(0) / 10), 1, Integer::sum);
            }
            assertThat(perCampaign).as("parked cells are served in turn").containsOnly(Map.entry(1, 2), Map.entry(2, 3),
                    Map.entry(3, 3));
            assertThat(q.totals().total()).isZero();
        }

        @Test
        void limitsChangeAndGoAtRunTime() {
            for (long id = 1; id <= 6; id++) {
                enqueue(id, 306, 1, "Gmail");
            }
            q.setRateLimit(Selector.isp("Gmail"), RateLimit.perMinute(1));
            assertThat(takeAll()).hasSize(1);
            assertThat(q.setRateLimit(Selector.isp("GMAIL"), RateLimit.perSecond(1))).isEqualTo(RateLimit.perMinute(1));
            assertThat(q.rateLimits()).containsOnlyKeys(Selector.isp("Gmail"));
            f.clock.advanceMillis(60_000); // the next permit was booked at the old rate
            assertThat(takeAll()).hasSize(1);
            assertThat(q.removeRateLimit(Selector.isp("gmail"))).isEqualTo(RateLimit.perSecond(1));
            assertThat(q.removeRateLimit(Selector.isp("gmail"))).isNull();
            assertThat(takeAll()).hasSize(4);
            assertThat(q.rateLimits()).isEmpty();
        }

        @Test
        void aHeldCellIsNotParkedAndALimitOnNewCellsApplies() {
            q.setRateLimit(Selector.isp("Gmail"), RateLimit.perSecond(1));
            enqueue(1, 306, 1, "Gmail"); // a new cell: gets the limit
            enqueue(2, 306, 1, "Gmail");
            HoldRule r = q.hold(Selector.ALL);
            assertThat(takeAll()).isEmpty();
            q.liftHold(r.id());
            assertThat(takeAll()).containsExactly(1L);
            f.clock.advanceMillis(1000);
            assertThat(takeAll()).containsExactly(2L);
        }

        @Test
        void invalidLimitsAreRefused() {
            assertThatThrownBy(() -> new RateLimit(0, Duration.ofSeconds(1), 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new RateLimit(1, Duration.ZERO, 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new RateLimit(1, Duration.ofSeconds(1), 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new RateLimit(2_000_000_000L, Duration.ofSeconds(1), 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nanosecond");
            assertThatThrownBy(() -> q.setRateLimit(Selector.ALL, null)).isInstanceOf(NullPointerException.class);
            assertThat(q.rateLimits()).isEmpty();
        }
    }

    @Nested
    class Ages {
        private final long minuteStart = Math.floorDiv(f.now(), 60_000) * 60_000;

        private AgeRow total() {
            return q.ages(Selector.ALL, Grouping.TOTAL).rows().get(0);
        }

        @Test
        void bucketsFollowWholeMinutesOfTheClock() {
            f.clock.advanceMillis(minuteStart + 59_000 - f.now()); // one second before a minute ends
            enqueue(1, 306, 1, "Gmail");
            assertThat(total().count(MessageState.NEW, AgeBucket.UNDER_5M)).isEqualTo(1);
            assertThat(total().oldestNewAgeMinutes()).isZero();
            f.clock.advanceMillis(4 * 60_000 + 1_000); // 4 min 1 s after the enqueue, 5 minute boundaries
            assertThat(total().count(MessageState.NEW, AgeBucket.UNDER_5M)).isZero();
            assertThat(total().count(MessageState.NEW, AgeBucket.M5_10)).isEqualTo(1);
            assertThat(total().oldestNewAgeMinutes()).isEqualTo(5);
            f.clock.advance(Duration.ofMinutes(400));
            assertThat(total().count(MessageState.NEW, AgeBucket.OLDER)).isEqualTo(1);
        }

        @Test
        void statesMoveWithTheMessagesAndTheAgeRunsFromTheFirstEnqueue() {
            enqueue(1, 306, 1, "Gmail");
            f.clock.advance(Duration.ofMinutes(12));
            enqueue(2, 306, 1, "Gmail");
            Lease l = f.take(1);
            AgeRow r = total();
            assertThat(r.count(MessageState.PROC, AgeBucket.M10_20)).isEqualTo(1);
            assertThat(r.count(MessageState.NEW, AgeBucket.UNDER_5M)).isEqualTo(1);
            assertThat(r.oldestNewAgeMinutes()).isZero();
            f.engine.defer(l, Duration.ofMinutes(30), RetryReason.CONNECTION_FAILURE);
            assertThat(total().count(MessageState.RETRY, AgeBucket.M10_20)).isEqualTo(1);
            f.engine.hold(2);
            assertThat(total().count(MessageState.HOLD, AgeBucket.UNDER_5M)).isEqualTo(1);
            assertThat(total().oldestNewAgeMinutes()).as("no NEW message: RETRY ones apart").isEqualTo(-1);
            f.clock.advance(Duration.ofMinutes(30));
            f.engine.delivered(f.take(1));
            f.engine.release(2);
            r = total();
            assertThat(r.total()).isEqualTo(1);
            assertThat(r.count(MessageState.NEW, AgeBucket.M20_40)).isEqualTo(1);
            assertThat(r.oldestNewAgeMinutes()).isEqualTo(30);
        }

        @Test
        void ruleHeldCellsCountAsHoldAndLiftedRetriesAsNew() {
            enqueue(1, 306, 1, "Gmail");
            enqueue(2, 306, 1, "Gmail");
            f.engine.defer(f.take(1), Duration.ofMinutes(10));
            HoldRule rule = q.hold(Selector.ALL);
            assertThat(total().count(MessageState.HOLD, AgeBucket.UNDER_5M)).isEqualTo(2);
            assertThat(total().oldestNewAgeMinutes()).isEqualTo(-1);
            q.liftHold(rule.id());
            assertThat(total().count(MessageState.NEW, AgeBucket.UNDER_5M)).isEqualTo(2);
            assertThat(total().total(MessageState.RETRY)).isZero();
        }

        @Test
        void groupedLikeStatsAndTotalsMatchStats() {
            enqueue(1, 306, 1, "Gmail");
            enqueue(2, 306, 2, "Yahoo");
            enqueue(3, 307, 1, "Gmail");
            q.restore(new StoredMessage(4, 306, 1, "Gmail", null, MessageState.HOLD, 0, f.now() - 3_600_000, 0));
            Lease l = new Lease();
            q.take(l);
            f.engine.delivered(l); // left lock-free: gone from the ages too
            for (Grouping g : Grouping.values()) {
                List<StatsRow> stats = q.stats(Selector.ALL, g);
                List<AgeRow> ages = q.ages(Selector.ALL, g).rows();
                assertThat(ages).as("%s rows", g).hasSameSizeAs(stats);
                for (int i = 0; i < stats.size(); i++) {
                    StatsRow s = stats.get(i);
                    AgeRow a = ages.get(i);
                    assertThat(List.of(a.accountId(), a.campaignId(), a.isp()))
                            .isEqualTo(List.of(s.accountId(), s.campaignId(), s.isp()));
                    for (MessageState st : MessageState.values()) {
                        assertThat(a.total(st)).as("%s %s %s", g, s, st).isEqualTo(s.count(st));
                    }
                }
            }
            assertThat(total().count(MessageState.HOLD, AgeBucket.M40_80)).isEqualTo(1);
        }
    }

    @Nested
    class Snapshots {
        @Test
        void carryTheInstantAndAGenerationThatGrows() {
            Snapshot<StatsRow> a = q.statsSnapshot(Selector.ALL, Grouping.TOTAL);
            f.clock.advanceMillis(1234);
            Snapshot<AgeRow> b = q.ages(Selector.ALL, Grouping.TOTAL);
            Snapshot<RetryReasonRow> c = q.retryReasons(Selector.ALL, Grouping.TOTAL);
            Snapshot<RuleImpact> d = q.holdImpact();
            assertThat(List.of(a.generation(), b.generation(), c.generation(), d.generation()))
                    .containsExactly(a.generation(), a.generation() + 1, a.generation() + 2, a.generation() + 3);
            assertThat(a.takenAt()).isEqualTo(Instant.ofEpochMilli(f.now() - 1234));
            assertThat(b.takenAt()).isEqualTo(Instant.ofEpochMilli(f.now()));
            assertThat(a.senderId()).isEqualTo(1);
            assertThatThrownBy(() -> a.rows().add(a.rows().get(0))).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Nested
    class Rows {
        @Test
        void checkAndCopyTheirCounts() {
            long[] counts = new long[32];
            counts[3] = 7;
            AgeRow row = new AgeRow(1, 2, "Gmail", 4, counts);
            counts[3] = 99;
            assertThat(row.count(MessageState.NEW, AgeBucket.M20_40)).as("copied on the way in").isEqualTo(7);
            row.counts()[3] = 99;
            assertThat(row.total()).as("copied on the way out").isEqualTo(7);
            assertThat(row).isEqualTo(new AgeRow(1, 2, "Gmail", 4, row.counts())).hasSameHashCodeAs(
                    new AgeRow(1, 2, "Gmail", 4, row.counts()));
            assertThatThrownBy(() -> new AgeRow(1, 2, "Gmail", 4, new long[31]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 counts expected");
            long[] negative = new long[32];
            negative[0] = -1;
            assertThatThrownBy(() -> new AgeRow(1, 2, "Gmail", 4, negative))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
            assertThatThrownBy(() -> new AgeRow(1, 2, "Gmail", -2, new long[32])).isInstanceOf(IllegalArgumentException.class);
            assertThat(new RetryReasonRow(0, 0, "", new long[] {1, 2, 3, 4, 5}).total()).isEqualTo(15);
            assertThatThrownBy(() -> new RetryReasonRow(0, 0, "", new long[4]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one count per reason");
            assertThatThrownBy(() -> new RetryReasonRow(0, 0, "", new long[] {0, 0, -1, 0, 0}))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** The max-age clock while held: runs by default, paused on request. */
    @Nested
    class HeldTime {
        private final RetryPolicy oneHour = new RetryPolicy(Duration.ofMinutes(1), 2.0, Duration.ofMinutes(1), 0.0, 100,
                Duration.ofHours(1));

        private Fixture fixture(boolean includeHeld) {
            return new Fixture(b -> b.retryPolicy(oneHour).maxAgeIncludesHeldTime(includeHeld));
        }

        /** Held by a rule for 50 minutes and individually for 20, then deferred at 75 minutes of age. */
        private long[] holdThenDefer(Fixture x) {
            x.q.enqueue(1, 306, 1, "Gmail", null);
            x.clock.advance(Duration.ofMinutes(2));
            HoldRule r = x.q.hold(Selector.ALL);
            x.clock.advance(Duration.ofMinutes(50));
            x.q.liftHold(r.id());
            Lease l = x.take(1);
            x.engine.hold(l); // held individually from PROC
            x.clock.advance(Duration.ofMinutes(20));
            x.engine.release(1);
            x.clock.advance(Duration.ofMinutes(3));
            x.engine.defer(x.take(1)); // 75 minutes old, 70 of them held; due a minute later
            return x.outcomes();
        }

        @Test
        void byDefaultHeldTimeCountsTowardsTheMaxAge() {
            assertThat(holdThenDefer(fixture(true))).isEqualTo(Fixture.dfec(0, 0, 1, 0));
        }

        @Test
        void onRequestHeldTimeIsLeftOut() {
            Fixture x = fixture(false);
            assertThat(holdThenDefer(x)).isEqualTo(Fixture.dfec(0, 0, 0, 0));
            assertThat(x.view(1).state()).isEqualTo(MessageState.RETRY);
            assertThat(x.view(1).attempts()).as("holding leaves attempts alone: two takes").isEqualTo(2);
            x.clock.advance(Duration.ofMinutes(54));
            x.engine.defer(x.take(1)); // 59 minutes of own age, due at 60: still within the max age
            assertThat(x.outcomes()).isEqualTo(Fixture.dfec(0, 0, 0, 0));
            x.clock.advance(Duration.ofMinutes(2));
            x.engine.defer(x.take(1)); // due at 62 minutes of own age
            assertThat(x.outcomes()).isEqualTo(Fixture.dfec(0, 0, 1, 0));
        }
    }
}
