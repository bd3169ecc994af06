package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Minimal reproductions of the engine bugs {@link ModelBasedTest} found, one test each, kept as
 * regression tests. The first two (engine of commit f3b03b6) are fixed since main's 166080d; the
 * rate-limit ones (engine of 6ccfa6b) are open and disabled until fixed.
 */
class ModelBasedFindingsTest {

    /**
     * A refused enqueue must change nothing; here a duplicate id still interns its ISP spelling,
     * which then becomes the canonical spelling of every later message and stats row.
     */
    @Test
    void refusedDuplicateEnqueueDoesNotChooseTheCanonicalIspSpelling() {
        QueueEngine engine = QueueEngine.builder().clock(new ManualClock()).build();
        SenderQueue q = engine.addSender(1);
        q.enqueue(1, 1, 0, "Yahoo", null);

        assertThatThrownBy(() -> q.enqueue(1, 1, 0, "GMAIL", null)).isInstanceOf(DuplicateMessageException.class);
        q.enqueue(2, 1, 0, "Gmail", null);

        assertThat(engine.message(2).orElseThrow().isp()).isEqualTo("Gmail");
        assertThat(q.stats(Selector.ALL, Grouping.ISP)).extracting(StatsRow::isp).containsExactly("Gmail", "Yahoo");
    }

    /**
     * A defer at the instant a hold rule expires must see the rule as lifted (as it would had a
     * stats call come first): the message goes to RETRY until its due time. The engine defers
     * first and lifts the rule after, so the cell's lift turns the fresh RETRY into NEW, ready
     * at once, its due time lost.
     */
    @Test
    void deferAtTheInstantAHoldRuleExpiresKeepsItsDueTime() {
        assertThat(deferWhenTheRuleExpires(false)).isEqualTo(deferWhenTheRuleExpires(true));
        assertThat(deferWhenTheRuleExpires(false)).isEqualTo("RETRY due in 60000 ms, take finds nothing");
    }

    private static String deferWhenTheRuleExpires(boolean statsFirst) {
        ManualClock clock = new ManualClock();
        QueueEngine engine = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofSeconds(30)).build();
        SenderQueue q = engine.addSender(1);
        q.enqueue(1, 1, 0, "Gmail", null);
        Lease lease = new Lease();
        assertThat(q.take(lease)).isTrue();
        q.hold(Selector.ALL, clock.instant().plusSeconds(10));
        clock.advance(Duration.ofSeconds(10)); // the rule expires now
        if (statsFirst) {
            q.totals();
        }

        engine.defer(lease, Duration.ofSeconds(60));

        MessageView v = engine.message(1).orElseThrow();
        String due = v.state() == MessageState.RETRY ? " due in " + (v.dueAtMillis() - clock.millis()) + " ms" : "";
        return v.state() + due + ", take " + (q.take(new Lease()) ? "takes it" : "finds nothing");
    }

    // ------------------------------------------------------------------ BUG-LIMITER-WAKE (fixed)

    /*
     * SenderQueue.wakeLimiters: when a limiter's next permit comes, it moves max(1, available)
     * parked cells back to the ring, oldest first, and reschedules itself for the others at
     * max(now + 1, nextPermitAt). A woken cell that cannot use the permit (emptied by a cancel,
     * held by a rule, or refused by another of its limiters) wastes it: the cells parked behind it
     * stay parked although the permit is unused, and take answers nothing until the next
     * millisecond (one more per wasted wake: with k dead cells ahead, k ms). The specification
     * ("a refused cell waits on the limiter until its next permit") says the message may go now.
     * Fixed: wakeLimiters sets such cells aside without counting them; ModelBasedTest checks it.
     */

    @Test
    void aPermitWakesTheNextParkedCellWhenTheFirstHasNothingLeft() {
        ManualClock clock = new ManualClock();
        QueueEngine engine = QueueEngine.builder().clock(clock).build();
        SenderQueue q = engine.addSender(1);
        q.setRateLimit(Selector.isp("Gmail"), new RateLimit(1, Duration.ofSeconds(10), 1));
        q.enqueue(1, 1, 0, "Gmail", null); // cell A
        q.enqueue(2, 1, 0, "Gmail", null);
        q.enqueue(3, 2, 0, "Gmail", null); // cell B
        assertThat(q.take(new Lease())).isTrue(); // message 1 takes the permit
        assertThat(q.take(new Lease())).isFalse(); // B, then A, park on the limiter
        engine.cancel(3); // B has nothing left
        clock.advance(Duration.ofSeconds(10)); // the next permit

        Lease lease = new Lease();
        assertThat(q.take(lease)).as("message 2 conforms to its only limit").isTrue();
        assertThat(lease.messageId()).isEqualTo(2);
    }

    @Test
    void aPermitWakesTheNextParkedCellWhenTheFirstIsRefusedByAnotherLimit() {
        ManualClock clock = new ManualClock();
        QueueEngine engine = QueueEngine.builder().clock(clock).build();
        SenderQueue q = engine.addSender(1);
        q.setRateLimit(Selector.isp("Gmail"), new RateLimit(1, Duration.ofSeconds(10), 1));
        q.setRateLimit(Selector.account(1), new RateLimit(1, Duration.ofSeconds(60), 1));
        q.enqueue(1, 1, 0, "Gmail", null); // cell A: both limits
        assertThat(q.take(new Lease())).isTrue(); // a permit of each
        q.enqueue(2, 1, 0, "Gmail", null);
        q.enqueue(3, 2, 0, "Gmail", null); // cell B: the Gmail limit only
        assertThat(q.take(new Lease())).isFalse(); // A, then B, park on the Gmail limit
        clock.advance(Duration.ofSeconds(10)); // Gmail's next permit; account 1 waits 50 s more

        Lease lease = new Lease();
        assertThat(q.take(lease)).as("message 3 conforms to its only limit").isTrue();
        assertThat(lease.messageId()).isEqualTo(3);
    }
}
