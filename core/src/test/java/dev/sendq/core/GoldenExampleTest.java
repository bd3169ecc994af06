package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Builds, through the public API only, the queue behind the documentation's response example
 * (sender 119, account 306, campaigns 4591 and 4914) and checks the documented rows.
 */
class GoldenExampleTest {

    /** The documented state, reached by real transitions: takes, defers, holds. */
    static SenderQueue documentedQueue(QueueEngine engine) {
        SenderQueue q = engine.addSender(119);
        Lease lease = new Lease();
        long id = 1;
        // Campaign 4591: 200 messages, 100 of them taken (PROC), 100 still NEW.
        for (int i = 0; i < 200; i++) {
            q.enqueue(id++, 306, 4591, i % 2 == 0 ? "Gmail" : "Yahoo", null);
        }
        for (int i = 0; i < 100; i++) {
            assertThat(q.take(lease)).isTrue();
        }
        // Campaign 4914: 140 messages: 10 NEW, 10 PROC, 40 RETRY, 80 HOLD.
        q.hold(Selector.campaign(306, 4914)); // new messages of the campaign are enqueued in HOLD
        for (int i = 0; i < 140; i++) {
            q.enqueue(id++, 306, 4914, i % 3 == 0 ? "Microsoft" : "Gmail", null);
        }
        List<HoldRule> rules = q.holdRules();
        q.liftHold(rules.get(0).id());
        // 60 taken from 4914 while 4591 is held: 40 deferred (RETRY), 10 stay PROC, 10 held by the worker.
        HoldRule pause = q.hold(Selector.campaign(306, 4591));
        for (int i = 0; i < 60; i++) {
            assertThat(q.take(lease)).isTrue();
            assertThat(lease.campaignId()).isEqualTo(4914);
            if (i < 40) {
                engine.defer(lease, Duration.ofMinutes(10));
            } else if (i < 50) {
                engine.hold(lease);
            }
        }
        q.liftHold(pause.id());
        // 70 more held individually: NEW ones.
        int held = 0;
        for (long m = 201; m <= 340 && held < 70; m++) {
            if (engine.message(m).orElseThrow().state() == MessageState.NEW) {
                engine.hold(m);
                held++;
            }
        }
        return q;
    }

    @Test
    void documentedResponseRowsForGroupAccountCampaign() {
        QueueEngine engine = QueueEngine.builder().clock(new ManualClock()).build();
        SenderQueue q = documentedQueue(engine);
        assertThat(q.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN)).containsExactly(
                new StatsRow(306, 4591, "", 0, 100, 100, 0, 200),
                new StatsRow(306, 4914, "", 80, 10, 10, 40, 140));
    }

    @Test
    void defaultTotalGroupingAnswersOneRow() {
        QueueEngine engine = QueueEngine.builder().clock(new ManualClock()).build();
        SenderQueue q = documentedQueue(engine);
        assertThat(q.stats(Selector.ALL, Grouping.TOTAL)).containsExactly(
                new StatsRow(0, 0, "", 80, 110, 110, 40, 340));
    }
}
