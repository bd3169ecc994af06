package dev.sendq.api.metrics.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sendq.api.metrics.Breakdown;
import dev.sendq.api.metrics.MetricsOptions;
import dev.sendq.api.metrics.Workloads;
import dev.sendq.core.Lease;
import dev.sendq.core.MessageState;
import dev.sendq.core.Outcome;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.StatsRow;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The top-N fold: which keys get their own series, and why the finished counters it exports never
 * decrease although keys enter and leave the top N.
 */
class FoldTest {
    private static final int DELIVERED = Outcome.DELIVERED.ordinal();

    private final QueueEngine engine = QueueEngine.builder().clock(new Workloads.Clock())
            .leaseDuration(Duration.ofDays(1)).build();
    private final SenderQueue q = engine.addSender(1);
    private final Lease lease = new Lease();
    private long ids;

    private void enqueue(int campaign, int n) {
        for (int i = 0; i < n; i++) {
            q.enqueue(++ids, 1, campaign, "Gmail", null);
        }
    }

    /** Enqueues {@code n} messages of the campaign and delivers them (the sender has nothing else ready). */
    private void deliver(int campaign, int n) {
        for (int i = 0; i < n; i++) {
            q.enqueue(++ids, 1, campaign, "Gmail", null);
            assertThat(q.take(lease)).isTrue();
            assertThat(lease.campaignId()).isEqualTo(campaign);
            engine.delivered(lease);
        }
    }

    private static Map<List<String>, Series> byKey(Folded f) {
        return f.byLabels();
    }

    private static final List<String> A = List.of("1", "10");
    private static final List<String> B = List.of("1", "20");
    private static final List<String> OTHER = List.of("other", "other");

    @Test
    void aKeyThatEntersStartsAtZeroAndOtherNeverDrops() {
        Fold fold = new Fold(Breakdown.CAMPAIGN, 1);
        deliver(10, 2);
        deliver(20, 1);
        enqueue(10, 1);                                    // A: live 1, delivered 2; B: live 0, delivered 1

        Map<List<String>, Series> r1 = byKey(fold.read(q, true));
        assertThat(r1.keySet()).containsExactlyInAnyOrder(A, OTHER);
        assertThat(r1.get(A).finished()[DELIVERED]).as("first read: exact").isEqualTo(2);
        assertThat(r1.get(OTHER).finished()[DELIVERED]).isEqualTo(1);

        q.hold(Selector.campaign(1, 10));                  // A's message held, so that B's come next
        deliver(20, 1);                                    // B delivered 2
        enqueue(20, 5);                                    // B live 5 > A live 1: B enters, A leaves
        Map<List<String>, Series> r2 = byKey(fold.read(q, true));
        assertThat(r2.keySet()).containsExactlyInAnyOrder(B, OTHER);
        assertThat(r2.get(B).finished()[DELIVERED]).as("an entering key starts at 0").isZero();
        assertThat(r2.get(B).live()[MessageState.NEW.ordinal()]).isEqualTo(5);
        assertThat(r2.get(OTHER).finished()[DELIVERED]).as("other gains B's delivery since the last read")
                .isEqualTo(2);
        assertThat(r2.get(OTHER).live()[MessageState.HOLD.ordinal()]).isEqualTo(1);

        q.release(Selector.campaign(1, 10));
        q.hold(Selector.campaign(1, 20));                  // B's five are held, so A's message is next
        assertThat(q.take(lease)).isTrue();
        assertThat(lease.campaignId()).isEqualTo(10);
        engine.delivered(lease);                           // A delivered 3, while folded
        Map<List<String>, Series> r3 = byKey(fold.read(q, true));
        assertThat(r3.keySet()).containsExactlyInAnyOrder(B, OTHER);
        assertThat(r3.get(B).finished()[DELIVERED]).isZero();
        assertThat(r3.get(OTHER).finished()[DELIVERED]).as("A's third delivery lands in other").isEqualTo(3);
        assertThat(r3.get(B).live()[MessageState.HOLD.ordinal()]).isEqualTo(5);
    }

    @Test
    void withoutRerankTheMembersStayAndNewKeysCountInOther() {
        Fold fold = new Fold(Breakdown.CAMPAIGN, 1);
        enqueue(10, 2);
        assertThat(byKey(fold.read(q, false)).keySet()).as("the first read ranks anyway").contains(A);
        enqueue(20, 9);
        Map<List<String>, Series> r = byKey(fold.read(q, false));
        assertThat(r.keySet()).containsExactlyInAnyOrder(A, OTHER);
        assertThat(r.get(OTHER).live()[MessageState.NEW.ordinal()]).isEqualTo(9);
        assertThat(byKey(fold.read(q, true)).keySet()).containsExactlyInAnyOrder(B, OTHER);
    }

    @Test
    void tiesAreBrokenByFinishedMessagesThenByKey() {
        Fold fold = new Fold(Breakdown.CAMPAIGN, 2);
        enqueue(30, 1);
        enqueue(20, 1);
        enqueue(10, 1);
        deliver(30, 1);                                    // all live 1; 30 has one delivered
        assertThat(byKey(fold.read(q, true)).keySet())
                .containsExactlyInAnyOrder(List.of("1", "30"), List.of("1", "10"), OTHER);
    }

    /**
     * Seeded random traffic whose busiest campaigns keep changing, read after every burst with a
     * top of 3: every finished series that is present in two consecutive reads never decreases,
     * {@code other} never decreases, no count is negative, the live series always add up to the
     * sender's totals, and what the series no longer show (the sender's total minus their sum)
     * only grows.
     */
    @Test
    void countersStayMonotonicUnderChurn() {
        SplittableRandom r = new SplittableRandom(20260101);
        Fold fold = new Fold(Breakdown.CAMPAIGN, 3);
        Map<List<String>, long[]> previous = new HashMap<>();
        long hidden = 0;
        Set<List<String>> everMember = new HashSet<>();
        for (int round = 0; round < 300; round++) {
            int hot = 1 + (round / 10) % 8;                // the busiest campaign moves every 10 rounds
            for (int i = 0; i < 20; i++) {
                int campaign = r.nextInt(4) == 0 ? 1 + r.nextInt(8) : hot;
                q.enqueue(++ids, 1, campaign, Workloads.ISPS[r.nextInt(3)], null);
            }
            for (int i = 0; i < 18 && q.take(lease); i++) {
                if (r.nextInt(4) == 0) {
                    engine.failed(lease);
                } else {
                    engine.delivered(lease);
                }
            }
            try {
                engine.cancel(ids - r.nextInt(20));        // refused if it was taken and has left
            } catch (IllegalStateException | NoSuchElementException e) {
                // taken, or already gone
            }
            Folded f = fold.read(q, true);
            assertThat(f.series()).hasSizeLessThanOrEqualTo(4);
            long[] live = new long[4];
            long[] shown = new long[4];
            for (Series s : f.series()) {
                if (!s.other()) {
                    everMember.add(s.labelValues());
                }
                for (int i = 0; i < 4; i++) {
                    assertThat(s.live()[i]).isNotNegative();
                    assertThat(s.finished()[i]).isNotNegative();
                    live[i] += s.live()[i];
                    shown[i] += s.finished()[i];
                }
                long[] before = previous.get(s.labelValues());
                if (before != null) {
                    for (int i = 0; i < 4; i++) {
                        assertThat(s.finished()[i]).as("round %d %s %s", round, s.labelValues(), Outcome.values()[i])
                                .isGreaterThanOrEqualTo(before[i]);
                    }
                }
            }
            previous.clear();
            f.series().forEach(s -> previous.put(s.labelValues(), s.finished()));
            StatsRow totals = q.totals();
            for (MessageState st : MessageState.values()) {
                assertThat(live[st.ordinal()]).isEqualTo(totals.count(st));
            }
            long total = Workloads.outcomes(q).total();
            long sum = shown[0] + shown[1] + shown[2] + shown[3];
            assertThat(sum).isLessThanOrEqualTo(total);
            assertThat(total - sum).as("what no series shows any more only grows").isGreaterThanOrEqualTo(hidden);
            hidden = total - sum;
        }
        assertThat(everMember).as("keys did churn through the top 3").hasSizeGreaterThan(5);
        assertThat(hidden).as("some keys left the top with counts").isPositive();
    }

    @Test
    void topIsValidated() {
        assertThatThrownBy(() -> new Fold(Breakdown.ISP, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Fold(Breakdown.ISP, MetricsOptions.MAX_TOP + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MetricsOptions.builder().breakdown(Breakdown.ACCOUNT, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..1000");
        assertThat(MetricsOptions.defaults().breakdowns()).isEmpty();
        assertThat(MetricsOptions.defaults().top(Breakdown.CAMPAIGN)).isZero();
        MetricsOptions o = MetricsOptions.builder().breakdown(Breakdown.CAMPAIGN, 7).breakdown(Breakdown.ISP, 2).build();
        assertThat(o.breakdowns()).containsExactly(Breakdown.ISP, Breakdown.CAMPAIGN);
        assertThat(o.top(Breakdown.CAMPAIGN)).isEqualTo(7);
    }
}
