package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The stats query: filters, the four groupings, row order, omitted rows, echoes, outcomes. */
class StatsQueryTest {

    private final Fixture f = new Fixture();
    private final QueueEngine engine = f.engine;
    private final SenderQueue q = f.q;

    /**
     * Sender 1:
     * <pre>
     *   account 306 campaign 4591 Gmail     : 2 NEW, 1 PROC
     *   account 306 campaign 4591 Yahoo     : 1 RETRY
     *   account 306 campaign 4914 Gmail     : 1 HOLD (individual)
     *   account 306 campaign 0    Microsoft : 1 NEW
     *   account 12  campaign 7    Gmail     : 1 NEW, then 1 delivered, 1 failed
     *   account 12  campaign 8    Yahoo     : 1 cancelled (a cell with no live message)
     * </pre>
     */
    @BeforeEach
    void queue() {
        q.enqueue(1, 306, 4591, "Gmail", null);
        q.enqueue(2, 306, 4591, "Gmail", null);
        q.enqueue(3, 306, 4591, "Gmail", null);
        q.enqueue(4, 306, 4591, "Yahoo", null);
        q.enqueue(5, 306, 4914, "Gmail", null);
        q.enqueue(6, 306, 0, "Microsoft", null);
        q.enqueue(7, 12, 7, "Gmail", null);
        q.enqueue(8, 12, 7, "Gmail", null);
        q.enqueue(9, 12, 7, "Gmail", null);
        q.enqueue(10, 12, 8, "Yahoo", null);
        engine.hold(5);
        engine.cancel(10);
        Lease l = new Lease();
        int seen = 0;
        while (q.take(l)) {
            long id = l.messageId();
            if (id == 1 || id == 2 || id == 6 || id == 9) {
                engine.hold(id);     // give them back after the loop
            } else if (id == 3) {
                seen++;              // stays PROC
            } else if (id == 4) {
                engine.defer(l, Duration.ofMinutes(10));
            } else if (id == 7) {
                engine.delivered(l);
            } else if (id == 8) {
                engine.failed(l);
            }
        }
        for (long id : new long[] {1, 2, 6, 9}) {
            engine.release(id);
        }
        assertThat(seen).isEqualTo(1);
    }

    @Test
    void totalRowOfEverything() {
        assertThat(q.stats(Selector.ALL, Grouping.TOTAL)).containsExactly(new StatsRow(0, 0, "", 1, 4, 1, 1, 7));
        assertThat(q.totals()).isEqualTo(new StatsRow(0, 0, "", 1, 4, 1, 1, 7));
    }

    @Test
    void groupByAccountOrderedByAccount() {
        assertThat(q.stats(Selector.ALL, Grouping.ACCOUNT)).containsExactly(
                new StatsRow(12, 0, "", 0, 1, 0, 0, 1),
                new StatsRow(306, 0, "", 1, 3, 1, 1, 6));
    }

    @Test
    void groupByAccountCampaignOrderedAndEmptyCellsOmitted() {
        assertThat(q.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN)).containsExactly(
                new StatsRow(12, 7, "", 0, 1, 0, 0, 1),
                new StatsRow(306, 0, "", 0, 1, 0, 0, 1),
                new StatsRow(306, 4591, "", 0, 2, 1, 1, 4),
                new StatsRow(306, 4914, "", 1, 0, 0, 0, 1));
    }

    @Test
    void groupByIspOrderedByName() {
        assertThat(q.stats(Selector.ALL, Grouping.ISP)).containsExactly(
                new StatsRow(0, 0, "Gmail", 1, 3, 1, 0, 5),
                new StatsRow(0, 0, "Microsoft", 0, 1, 0, 0, 1),
                new StatsRow(0, 0, "Yahoo", 0, 0, 0, 1, 1));
    }

    @Test
    void filterByAccount() {
        assertThat(q.stats(Selector.account(12), Grouping.TOTAL)).containsExactly(
                new StatsRow(12, 0, "", 0, 1, 0, 0, 1));
        assertThat(q.stats(Selector.account(306), Grouping.ACCOUNT_CAMPAIGN)).extracting(StatsRow::campaignId)
                .containsExactly(0, 4591, 4914);
    }

    @Test
    void filterByCampaignAloneSpansAccounts() {
        assertThat(q.stats(new Selector(0, 4591, ""), Grouping.ACCOUNT)).containsExactly(
                new StatsRow(306, 4591, "", 0, 2, 1, 1, 4));
        assertThat(q.stats(new Selector(0, 4591, ""), Grouping.TOTAL)).containsExactly(
                new StatsRow(0, 4591, "", 0, 2, 1, 1, 4));
    }

    @Test
    void filterByIspIsCaseInsensitiveAndEchoesTheCanonicalName() {
        assertThat(q.stats(Selector.isp("GMAIL"), Grouping.TOTAL)).containsExactly(
                new StatsRow(0, 0, "Gmail", 1, 3, 1, 0, 5));
        assertThat(q.stats(Selector.isp("gmail"), Grouping.ACCOUNT)).containsExactly(
                new StatsRow(12, 0, "Gmail", 0, 1, 0, 0, 1),
                new StatsRow(306, 0, "Gmail", 1, 2, 1, 0, 4));
        assertThat(q.stats(Selector.isp("gMaIl"), Grouping.ACCOUNT_CAMPAIGN)).containsExactly(
                new StatsRow(12, 7, "Gmail", 0, 1, 0, 0, 1),
                new StatsRow(306, 4591, "Gmail", 0, 2, 1, 0, 3),
                new StatsRow(306, 4914, "Gmail", 1, 0, 0, 0, 1));
        assertThat(q.stats(Selector.isp("YAHOO"), Grouping.ISP)).containsExactly(
                new StatsRow(0, 0, "Yahoo", 0, 0, 0, 1, 1));
    }

    @Test
    void anUnseenIspEchoesAsGivenAndCountsZero() {
        assertThat(q.stats(Selector.isp("NoSuchIsp"), Grouping.TOTAL)).containsExactly(
                new StatsRow(0, 0, "NoSuchIsp", 0, 0, 0, 0, 0));
        assertThat(q.stats(Selector.isp("NoSuchIsp"), Grouping.ACCOUNT)).isEmpty();
        assertThat(q.stats(Selector.isp("NoSuchIsp"), Grouping.ACCOUNT_CAMPAIGN)).isEmpty();
        assertThat(q.stats(Selector.isp("NoSuchIsp"), Grouping.ISP)).isEmpty();
    }

    @Test
    void anIspKnownToTheEngineButNotToThisSenderEchoesAsGiven() {
        SenderQueue other = engine.addSender(2);
        other.enqueue(100, 1, 1, "Orange", null);
        assertThat(q.stats(Selector.isp("ORANGE"), Grouping.TOTAL)).containsExactly(
                new StatsRow(0, 0, "ORANGE", 0, 0, 0, 0, 0));
        assertThat(other.stats(Selector.isp("ORANGE"), Grouping.TOTAL)).containsExactly(
                new StatsRow(0, 0, "Orange", 0, 1, 0, 0, 1));
    }

    @Test
    void totalRowEchoesEveryFilterValueAndKeepsZeros() {
        assertThat(q.stats(new Selector(999, 5, "gmail"), Grouping.TOTAL)).containsExactly(
                new StatsRow(999, 5, "Gmail", 0, 0, 0, 0, 0));
        assertThat(q.stats(new Selector(306, 4591, "yahoo"), Grouping.TOTAL)).containsExactly(
                new StatsRow(306, 4591, "Yahoo", 0, 0, 0, 1, 1));
    }

    @Test
    void groupedRowsEchoTheFilterValuesTheyAreNotGroupedBy() {
        assertThat(q.stats(new Selector(0, 4591, ""), Grouping.ISP)).containsExactly(
                new StatsRow(0, 4591, "Gmail", 0, 2, 1, 0, 3),
                new StatsRow(0, 4591, "Yahoo", 0, 0, 0, 1, 1));
        assertThat(q.stats(Selector.campaign(306, 4591), Grouping.ACCOUNT)).containsExactly(
                new StatsRow(306, 4591, "", 0, 2, 1, 1, 4));
    }

    @Test
    void zeroAndEmptyMeanNoFilter() {
        assertThat(q.stats(new Selector(0, 0, ""), Grouping.ACCOUNT_CAMPAIGN))
                .isEqualTo(q.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN));
        assertThat(q.stats(new Selector(0, 0, null), Grouping.TOTAL))
                .isEqualTo(q.stats(Selector.ALL, Grouping.TOTAL));
        assertThat(new Selector(0, 0, null).isp()).isEmpty();
        assertThat(new Selector(0, 0, null).isAll()).isTrue();
    }

    @Test
    void anEmptySenderAnswersOneZeroTotalRowAndNoGroupedRows() {
        SenderQueue empty = engine.addSender(2);
        assertThat(empty.stats(Selector.ALL, Grouping.TOTAL)).containsExactly(new StatsRow(0, 0, "", 0, 0, 0, 0, 0));
        assertThat(empty.stats(Selector.ALL, Grouping.ACCOUNT)).isEmpty();
        assertThat(empty.stats(Selector.ALL, Grouping.ISP)).isEmpty();
        assertThat(empty.outcomes(Selector.ALL, Grouping.TOTAL))
                .containsExactly(new OutcomeRow(0, 0, "", 0, 0, 0, 0));
        assertThat(empty.outcomes(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN)).isEmpty();
    }

    @Test
    void rowsOfAGroupThatEmptiedAreOmitted() {
        // account 12 has one NEW message: cancel it and its row disappears
        engine.cancel(9);
        assertThat(q.stats(Selector.ALL, Grouping.ACCOUNT)).extracting(StatsRow::accountId).containsExactly(306);
        assertThat(q.stats(Selector.account(12), Grouping.TOTAL)).containsExactly(
                new StatsRow(12, 0, "", 0, 0, 0, 0, 0));
    }

    @Test
    void rowOrderIsAccountThenCampaignThenIsp() {
        SenderQueue s = engine.addSender(3);
        s.enqueue(201, 20, 2, "Yahoo", null);
        s.enqueue(202, 10, 3, "Gmail", null);
        s.enqueue(203, 20, 1, "Gmail", null);
        s.enqueue(204, 10, 3, "Apple", null);
        s.enqueue(205, 10, 1, "Yahoo", null);
        assertThat(s.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN))
                .extracting(r -> r.accountId() + "/" + r.campaignId())
                .containsExactly("10/1", "10/3", "20/1", "20/2");
        assertThat(s.stats(Selector.ALL, Grouping.ISP)).extracting(StatsRow::isp)
                .containsExactly("Apple", "Gmail", "Yahoo");
    }

    @Test
    void statsRowValidation() {
        assertThatThrownBy(() -> new StatsRow(1, 1, "", -1, 0, 0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StatsRow(1, 1, "", 0, -1, 0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StatsRow(1, 1, "", 0, 0, -1, 0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StatsRow(1, 1, "", 0, 0, 0, -1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StatsRow(1, 1, "", 1, 2, 3, 4, 11)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("total");
        assertThatThrownBy(() -> new StatsRow(1, 1, "", 1, 2, 3, 4, 9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StatsRow(1, 1, null, 0, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        StatsRow r = StatsRow.of(1, 2, "Gmail", 1, 2, 3, 4);
        assertThat(r.total()).isEqualTo(10);
        assertThat(r.count(MessageState.HOLD)).isEqualTo(1);
        assertThat(r.count(MessageState.NEW)).isEqualTo(2);
        assertThat(r.count(MessageState.PROC)).isEqualTo(3);
        assertThat(r.count(MessageState.RETRY)).isEqualTo(4);
    }

    @Test
    void outcomeRowValidation() {
        assertThatThrownBy(() -> new OutcomeRow(1, 1, "", -1, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OutcomeRow(1, 1, "", 0, 0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OutcomeRow(1, 1, null, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        OutcomeRow o = new OutcomeRow(0, 0, "", 1, 2, 3, 4);
        assertThat(o.total()).isEqualTo(10);
        assertThat(o.count(Outcome.DELIVERED)).isEqualTo(1);
        assertThat(o.count(Outcome.FAILED)).isEqualTo(2);
        assertThat(o.count(Outcome.EXPIRED)).isEqualTo(3);
        assertThat(o.count(Outcome.CANCELLED)).isEqualTo(4);
    }

    @Test
    void outcomesInEveryGrouping() {
        assertThat(q.outcomes(Selector.ALL, Grouping.TOTAL)).containsExactly(new OutcomeRow(0, 0, "", 1, 1, 0, 1));
        assertThat(q.outcomes(Selector.ALL, Grouping.ACCOUNT)).containsExactly(new OutcomeRow(12, 0, "", 1, 1, 0, 1));
        assertThat(q.outcomes(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN)).containsExactly(
                new OutcomeRow(12, 7, "", 1, 1, 0, 0),
                new OutcomeRow(12, 8, "", 0, 0, 0, 1));
        assertThat(q.outcomes(Selector.ALL, Grouping.ISP)).containsExactly(
                new OutcomeRow(0, 0, "Gmail", 1, 1, 0, 0),
                new OutcomeRow(0, 0, "Yahoo", 0, 0, 0, 1));
        assertThat(q.outcomes(Selector.isp("yahoo"), Grouping.TOTAL))
                .containsExactly(new OutcomeRow(0, 0, "Yahoo", 0, 0, 0, 1));
        assertThat(q.outcomes(Selector.account(306), Grouping.TOTAL))
                .containsExactly(new OutcomeRow(306, 0, "", 0, 0, 0, 0));
    }

    @Test
    void aRuleHeldCellReportsNewAndRetryAsHoldInEveryGrouping() {
        q.hold(Selector.isp("Yahoo"));      // 306/4591 Yahoo: its RETRY counts as HOLD
        q.hold(new Selector(0, 4914, ""));  // already individually held: no change
        assertThat(q.stats(Selector.ALL, Grouping.ISP)).containsExactly(
                new StatsRow(0, 0, "Gmail", 1, 3, 1, 0, 5),
                new StatsRow(0, 0, "Microsoft", 0, 1, 0, 0, 1),
                new StatsRow(0, 0, "Yahoo", 1, 0, 0, 0, 1));
        // campaign 0 in a selector means "any campaign": this holds all of account 306
        q.hold(Selector.campaign(306, 0));
        assertThat(q.stats(Selector.ALL, Grouping.ISP)).containsExactly(
                new StatsRow(0, 0, "Gmail", 3, 1, 1, 0, 5),
                new StatsRow(0, 0, "Microsoft", 1, 0, 0, 0, 1),
                new StatsRow(0, 0, "Yahoo", 1, 0, 0, 0, 1));
        assertThat(q.stats(Selector.ALL, Grouping.ACCOUNT)).containsExactly(
                new StatsRow(12, 0, "", 0, 1, 0, 0, 1),
                new StatsRow(306, 0, "", 5, 0, 1, 0, 6));
        assertThat(q.totals()).isEqualTo(new StatsRow(0, 0, "", 5, 1, 1, 0, 7));
    }

    @Test
    void statsAreSenderScoped() {
        SenderQueue other = engine.addSender(2);
        other.enqueue(100, 306, 4591, "Gmail", null);
        assertThat(q.totals().total()).isEqualTo(7);
        assertThat(other.totals()).isEqualTo(new StatsRow(0, 0, "", 0, 1, 0, 0, 1));
        assertThat(engine.size()).isEqualTo(8);
    }

    @Test
    void groupingParameters() {
        assertThat(Grouping.TOTAL.parameter()).isEqualTo("total");
        assertThat(Grouping.ACCOUNT.parameter()).isEqualTo("account");
        assertThat(Grouping.ACCOUNT_CAMPAIGN.parameter()).isEqualTo("account_campaign");
        assertThat(Grouping.ISP.parameter()).isEqualTo("isp");
        for (Grouping g : Grouping.values()) {
            assertThat(Grouping.fromParameter(g.parameter())).isEqualTo(g);
        }
    }
}
