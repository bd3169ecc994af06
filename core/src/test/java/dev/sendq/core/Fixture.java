package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A test engine: a {@link ManualClock}, a retry policy without jitter (1 min doubling to 1 h,
 * 30 attempts, 5 days), 5-minute leases, a {@link RecordingListener}, and sender 1.
 */
final class Fixture {
    static final Duration LEASE = Duration.ofMinutes(5);
    static final RetryPolicy NO_JITTER = RetryPolicy.DEFAULT.withJitter(0);

    final ManualClock clock = new ManualClock();
    final RecordingListener events = new RecordingListener();
    final QueueEngine engine;
    final SenderQueue q;

    Fixture() {
        this(b -> { });
    }

    /** @param custom applied after the defaults, so it may override them */
    Fixture(Consumer<QueueEngine.Builder> custom) {
        QueueEngine.Builder b = QueueEngine.builder()
                .clock(clock)
                .leaseDuration(LEASE)
                .retryPolicy(NO_JITTER)
                .listener(events);
        custom.accept(b);
        engine = b.build();
        q = engine.addSender(1);
    }

    /** Takes one message into a fresh lease, asserting that there was one. */
    Lease take() {
        Lease l = new Lease();
        assertThat(q.take(l)).as("take() found a ready message").isTrue();
        return l;
    }

    /** Takes the message {@code id}, asserting that it is the one served next. */
    Lease take(long id) {
        Lease l = take();
        assertThat(l.messageId()).as("next message taken").isEqualTo(id);
        return l;
    }

    /** Takes everything that is ready; returns the ids in take order. */
    List<Long> drain() {
        List<Long> ids = new ArrayList<>();
        Lease l = new Lease();
        while (q.take(l)) {
            ids.add(l.messageId());
        }
        return ids;
    }

    MessageState state(long id) {
        return view(id).state();
    }

    MessageView view(long id) {
        return engine.message(id).orElseThrow(() -> new AssertionError("message " + id + " is not in the engine"));
    }

    /** The sender's TOTAL row as {new, proc, retry, hold}, for short assertions. */
    long[] counts() {
        return counts(q);
    }

    static long[] counts(SenderQueue q) {
        StatsRow t = q.totals();
        return new long[] {t.newCount(), t.proc(), t.retry(), t.hold()};
    }

    static long[] nprh(long newCount, long proc, long retry, long hold) {
        return new long[] {newCount, proc, retry, hold};
    }

    /** The TOTAL outcome row as {delivered, failed, expired, cancelled}. */
    long[] outcomes() {
        OutcomeRow o = q.outcomes(Selector.ALL, Grouping.TOTAL).get(0);
        return new long[] {o.delivered(), o.failed(), o.expired(), o.cancelled()};
    }

    static long[] dfec(long delivered, long failed, long expired, long cancelled) {
        return new long[] {delivered, failed, expired, cancelled};
    }

    long now() {
        return clock.millis();
    }
}
