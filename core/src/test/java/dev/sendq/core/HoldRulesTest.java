package dev.sendq.core;

import static dev.sendq.core.Fixture.nprh;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hold rules: by selector, on whole cells, with expiry, lift and release. */
class HoldRulesTest {

    private final Fixture f = new Fixture();
    private final QueueEngine engine = f.engine;
    private final SenderQueue q = f.q;

    /** Cells: (306, 4591, Gmail), (306, 4591, Yahoo), (306, 4914, Gmail), (307, 4591, Gmail); two NEW each. */
    private void fourCells() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.enqueue(2, 306, 4591, "Gmail", null);
        q.enqueue(3, 306, 4591, "Yahoo", null);
        q.enqueue(4, 306, 4591, "Yahoo", null);
        q.enqueue(5, 306, 4914, "Gmail", null);
        q.enqueue(6, 306, 4914, "Gmail", null);
        q.enqueue(7, 307, 4591, "Gmail", null);
        q.enqueue(8, 307, 4591, "Gmail", null);
    }

    private List<Long> heldIds() {
        return java.util.stream.LongStream.rangeClosed(1, 8)
                .filter(id -> engine.message(id).map(v -> v.state() == MessageState.HOLD).orElse(false))
                .boxed().toList();
    }

    @Test
    void ruleByAccount() {
        fourCells();
        q.hold(Selector.account(306));
        assertThat(heldIds()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(f.counts()).containsExactly(nprh(2, 0, 0, 6));
        assertThat(f.drain()).containsExactlyInAnyOrder(7L, 8L);
    }

    @Test
    void ruleByCampaign() {
        fourCells();
        q.hold(Selector.campaign(306, 4591));
        assertThat(heldIds()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(f.drain()).containsExactlyInAnyOrder(5L, 6L, 7L, 8L);
    }

    @Test
    void ruleByIspIsCaseInsensitive() {
        fourCells();
        q.hold(Selector.isp("gMAIL"));
        assertThat(heldIds()).containsExactly(1L, 2L, 5L, 6L, 7L, 8L);
        assertThat(f.drain()).containsExactlyInAnyOrder(3L, 4L);
    }

    @Test
    void ruleByAccountAndIsp() {
        fourCells();
        q.hold(new Selector(306, 0, "GMAIL"));
        assertThat(heldIds()).containsExactly(1L, 2L, 5L, 6L);
    }

    @Test
    void ruleByCampaignAloneSpansAccounts() {
        fourCells();
        q.hold(new Selector(0, 4591, ""));
        assertThat(heldIds()).containsExactly(1L, 2L, 3L, 4L, 7L, 8L);
    }

    @Test
    void ruleByAccountCampaignAndIsp() {
        fourCells();
        q.hold(new Selector(306, 4591, "yahoo"));
        assertThat(heldIds()).containsExactly(3L, 4L);
    }

    @Test
    void ruleOnEverything() {
        fourCells();
        q.hold(Selector.ALL);
        assertThat(heldIds()).hasSize(8);
        assertThat(q.take(new Lease())).isFalse();
    }

    @Test
    void newAndRetryOfMatchingCellsCountAsHoldAndProcStaysProc() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.enqueue(2, 306, 4591, "Gmail", null);
        q.enqueue(3, 306, 4591, "Gmail", null);
        engine.defer(f.take(1), Duration.ofMinutes(10)); // RETRY
        Lease proc = f.take(2);                           // PROC
        assertThat(f.counts()).containsExactly(nprh(1, 1, 1, 0));

        q.hold(Selector.account(306));

        assertThat(f.counts()).containsExactly(nprh(0, 1, 0, 2));
        assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
        assertThat(f.view(1).dueAtMillis()).as("a held retry keeps its due time").isPositive();
        assertThat(f.state(2)).isEqualTo(MessageState.PROC);
        assertThat(f.state(3)).isEqualTo(MessageState.HOLD);
        engine.delivered(proc); // the PROC attempt finishes
        assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 2));
    }

    @Test
    void aPROCMessageDeferredUnderARuleCountsAsHold() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        Lease l = f.take(1);
        q.hold(Selector.account(306));
        engine.defer(l, Duration.ofMinutes(1));
        assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
        assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 1));
    }

    @Test
    void newMatchingMessagesAreEnqueuedInHold() {
        q.hold(Selector.isp("Gmail"));
        q.enqueue(1, 306, 4591, "gmail", null);
        q.enqueue(2, 306, 4591, "Yahoo", null);
        assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
        assertThat(f.state(2)).isEqualTo(MessageState.NEW);
    }

    @Test
    void takeNeverReturnsHeldMessagesEvenWhenTheirRetryComesDue() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.enqueue(2, 306, 4591, "Gmail", null);
        engine.defer(f.take(1), Duration.ofMinutes(1));
        q.hold(Selector.account(306));
        f.clock.advance(Duration.ofHours(1));
        assertThat(q.take(new Lease())).isFalse();
        assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 2));
    }

    @Test
    void liftingReturnsEverythingToNewIncludingRetriesNotYetDue() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.enqueue(2, 306, 4591, "Gmail", null);
        engine.defer(f.take(1), Duration.ofHours(2)); // RETRY, due in 2 h
        HoldRule r = q.hold(Selector.campaign(306, 4591));
        assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 2));

        assertThat(q.liftHold(r.id())).isEqualTo(r);

        assertThat(f.counts()).containsExactly(nprh(2, 0, 0, 0));
        assertThat(f.state(1)).isEqualTo(MessageState.NEW);
        assertThat(f.view(1).dueAtMillis()).isZero();
        assertThat(f.state(2)).isEqualTo(MessageState.NEW);
        assertThat(f.drain()).as("both takeable at once").containsExactlyInAnyOrder(1L, 2L);
        assertThat(f.view(1).attempts()).isEqualTo(2);
        assertThat(q.holdRules()).isEmpty();
    }

    @Test
    void retriesArrivingAfterALiftFollowTheirDueTimeAgain() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.enqueue(2, 306, 4591, "Gmail", null);
        engine.defer(f.take(1), Duration.ofHours(2));
        HoldRule r = q.hold(Selector.account(306));
        q.liftHold(r.id());
        Lease l = f.take(); // 2 or the released 1
        engine.defer(l, Duration.ofMinutes(5));
        long other = l.messageId() == 1 ? 2 : 1;
        f.take(other);
        assertThat(q.take(new Lease())).isFalse();
        f.clock.advance(Duration.ofMinutes(5));
        f.take(l.messageId());
    }

    @Test
    void ruleExpiresExactlyAtItsUntilInstant() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        Instant until = f.clock.instant().plusSeconds(60);
        HoldRule r = q.hold(Selector.account(306), until);
        assertThat(r.expiry()).contains(until);
        assertThat(r.until()).isEqualTo(until);

        f.clock.advanceMillis(59_999);
        assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 1));
        assertThat(q.take(new Lease())).isFalse();
        assertThat(q.holdRules()).containsExactly(r);

        f.clock.advanceMillis(1);
        assertThat(f.counts()).containsExactly(nprh(1, 0, 0, 0));
        assertThat(q.holdRules()).isEmpty();
        f.take(1);
    }

    @Test
    void ruleExpiryIsAppliedByTakeAndByRunMaintenance() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.hold(Selector.account(306), f.clock.instant().plusSeconds(1));
        f.clock.advanceMillis(1000);
        f.take(1); // take applies the expiry itself

        q.enqueue(2, 306, 4591, "Gmail", null);
        q.hold(Selector.account(306), f.clock.instant().plusSeconds(1));
        f.clock.advanceMillis(1000);
        engine.runMaintenance();
        assertThat(f.state(2)).isEqualTo(MessageState.NEW);
    }

    @Test
    void twoOverlappingRulesLiftingOneKeepsTheCellHeld() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.enqueue(2, 306, 4914, "Gmail", null);
        HoldRule byAccount = q.hold(Selector.account(306));
        HoldRule byIsp = q.hold(Selector.isp("Gmail"));
        q.liftHold(byAccount.id());
        assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 2));
        assertThat(q.take(new Lease())).isFalse();
        assertThat(q.holdRules()).containsExactly(byIsp);
        q.liftHold(byIsp.id());
        assertThat(f.counts()).containsExactly(nprh(2, 0, 0, 0));
    }

    @Test
    void twoIdenticalRulesNeedTwoLifts() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        HoldRule a = q.hold(Selector.account(306));
        HoldRule b = q.hold(Selector.account(306));
        assertThat(a.id()).isNotEqualTo(b.id());
        q.liftHold(a.id());
        assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
        q.liftHold(b.id());
        assertThat(f.state(1)).isEqualTo(MessageState.NEW);
    }

    @Test
    void overlappingRuleExpiringKeepsTheCellHeldByTheOther() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.hold(Selector.account(306), f.clock.instant().plusSeconds(10));
        HoldRule forever = q.hold(Selector.campaign(306, 4591));
        f.clock.advance(Duration.ofSeconds(10));
        assertThat(q.holdRules()).containsExactly(forever);
        assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
    }

    @Test
    void releaseBySelectorLiftsExactlyMatchingRulesOnly() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        HoldRule exact1 = q.hold(new Selector(306, 0, "Gmail"));
        HoldRule exact2 = q.hold(new Selector(306, 0, "GMAIL"), f.clock.instant().plusSeconds(3600));
        HoldRule wider = q.hold(Selector.account(306));
        HoldRule narrower = q.hold(new Selector(306, 4591, "Gmail"));

        List<HoldRule> lifted = q.release(new Selector(306, 0, "gmail"));

        assertThat(lifted).containsExactlyInAnyOrder(exact1, exact2);
        assertThat(q.holdRules()).containsExactly(wider, narrower);
        assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
        assertThat(q.release(Selector.account(306))).containsExactly(wider);
        assertThat(q.release(Selector.ALL)).as("no rule on everything").isEmpty();
        assertThat(q.release(new Selector(306, 4591, "Gmail"))).containsExactly(narrower);
        assertThat(f.state(1)).isEqualTo(MessageState.NEW);
    }

    @Test
    void individuallyHeldMessagesStayHeldAfterARuleLift() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.enqueue(2, 306, 4591, "Gmail", null);
        q.enqueue(3, 306, 4591, "Gmail", null);
        engine.hold(1);
        engine.hold(f.take(2)); // worker-held
        HoldRule r = q.hold(Selector.account(306));
        assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 3));
        q.liftHold(r.id());
        assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
        assertThat(f.state(2)).isEqualTo(MessageState.HOLD);
        assertThat(f.state(3)).isEqualTo(MessageState.NEW);
        assertThat(f.counts()).containsExactly(nprh(1, 0, 0, 2));
        assertThat(f.drain()).containsExactly(3L);
    }

    @Test
    void releasingAnIndividuallyHeldMessageUnderARuleKeepsItInHoldUntilTheLift() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        engine.hold(1);
        HoldRule r = q.hold(Selector.account(306));
        engine.release(1);
        assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
        assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 1));
        assertThat(q.take(new Lease())).isFalse();
        q.liftHold(r.id());
        assertThat(f.state(1)).isEqualTo(MessageState.NEW);
        f.take(1);
    }

    @Test
    void aCellCreatedAfterTheRuleIsHeldToo() {
        q.hold(Selector.isp("Microsoft"));
        assertThat(q.cellCount()).isZero();
        q.enqueue(1, 500, 1, "microsoft", null);
        q.enqueue(2, 501, 0, "MICROSOFT", null);
        assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 2));
        assertThat(q.take(new Lease())).isFalse();
    }

    @Test
    void holdRulesListsTheActiveRulesOldestFirst() {
        assertThat(q.holdRules()).isEmpty();
        HoldRule a = q.hold(Selector.account(1));
        HoldRule b = q.hold(Selector.isp("Gmail"), f.clock.instant().plusSeconds(5));
        HoldRule c = q.hold(Selector.campaign(2, 3));
        assertThat(q.holdRules()).containsExactly(a, b, c);
        assertThat(a.senderId()).isEqualTo(1);
        assertThat(a.selector()).isEqualTo(Selector.account(1));
        assertThat(a.expiry()).isEmpty();
        q.liftHold(c.id());
        assertThat(q.holdRules()).containsExactly(a, b);
        f.clock.advance(Duration.ofSeconds(5));
        assertThat(q.holdRules()).containsExactly(a);
    }

    @Test
    void rulesAreSenderScoped() {
        SenderQueue other = engine.addSender(2);
        other.enqueue(100, 306, 4591, "Gmail", null);
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.hold(Selector.ALL);
        assertThat(f.state(1)).isEqualTo(MessageState.HOLD);
        assertThat(f.state(100)).isEqualTo(MessageState.NEW);
        assertThat(other.holdRules()).isEmpty();
        Lease l = new Lease();
        assertThat(other.take(l)).isTrue();
        assertThat(l.messageId()).isEqualTo(100);
    }

    @Test
    void cancelWorksOnMessagesHeldByARuleAndTheLiftThenFindsNothing() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.enqueue(2, 306, 4591, "Gmail", null);
        engine.defer(f.take(1), Duration.ofMinutes(5));
        HoldRule r = q.hold(Selector.account(306));
        assertThat(q.cancel(Selector.account(306))).isEqualTo(2);
        q.liftHold(r.id());
        assertThat(f.counts()).containsExactly(nprh(0, 0, 0, 0));
        assertThat(q.take(new Lease())).isFalse();
    }

    @Test
    void messagesReleasedByALiftCanBeHeldReleasedAndCancelledOneByOne() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.enqueue(2, 306, 4591, "Gmail", null);
        q.enqueue(3, 306, 4591, "Gmail", null);
        engine.defer(f.take(1), Duration.ofHours(1));
        engine.defer(f.take(2), Duration.ofHours(1));
        engine.defer(f.take(3), Duration.ofHours(1));
        HoldRule r = q.hold(Selector.account(306));
        q.liftHold(r.id()); // 1, 2, 3: NEW via the released retry heap
        engine.hold(1);
        engine.cancel(2);
        assertThat(f.counts()).containsExactly(nprh(1, 0, 0, 1));
        engine.release(1);
        assertThat(f.drain()).containsExactlyInAnyOrder(1L, 3L);
        assertThat(q.take(new Lease())).isFalse();
    }

    @Test
    void holdingAHundredThousandMessagesOfOneCampaignThenLiftingCountsRight() {
        int n = 100_000;
        for (int i = 1; i <= n; i++) {
            q.enqueue(i, 306, 4591, i % 2 == 0 ? "Gmail" : "Yahoo", null);
        }
        Lease l = new Lease();
        for (int i = 0; i < 10; i++) {
            assertThat(q.take(l)).isTrue();
            engine.defer(l, Duration.ofHours(1));
        }
        q.enqueue(n + 1, 306, 4914, "Gmail", null);
        // 10 RETRY and the rest NEW
        StatsRow before = q.stats(Selector.campaign(306, 4591), Grouping.TOTAL).get(0);
        assertThat(before.total()).isEqualTo(n);

        HoldRule r = q.hold(Selector.campaign(306, 4591));
        assertThat(q.stats(Selector.campaign(306, 4591), Grouping.TOTAL).get(0))
                .isEqualTo(new StatsRow(306, 4591, "", n, 0, 0, 0, n));
        assertThat(q.stats(Selector.campaign(306, 4591), Grouping.ISP)).containsExactly(
                new StatsRow(306, 4591, "Gmail", n / 2, 0, 0, 0, n / 2),
                new StatsRow(306, 4591, "Yahoo", n / 2, 0, 0, 0, n / 2));
        assertThat(q.take(l)).isTrue();
        assertThat(l.campaignId()).isEqualTo(4914);
        assertThat(q.take(l)).isFalse();

        q.liftHold(r.id());
        assertThat(q.stats(Selector.campaign(306, 4591), Grouping.TOTAL).get(0))
                .isEqualTo(new StatsRow(306, 4591, "", 0, n, 0, 0, n));
        int taken = 0;
        while (q.take(l)) {
            taken++;
        }
        assertThat(taken).isEqualTo(n);
        assertThat(q.stats(Selector.campaign(306, 4591), Grouping.TOTAL).get(0).proc()).isEqualTo(n);
    }
}
