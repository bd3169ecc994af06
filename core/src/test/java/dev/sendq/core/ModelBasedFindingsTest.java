package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Minimal reproductions of the engine bugs {@link ModelBasedTest} found (engine of commit
 * f3b03b6), one test each, kept as regression tests: both are fixed since main's 166080d.
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
}
