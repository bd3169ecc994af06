package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Messages that workers deliver (or fail) lock-free leave the id index in two steps: at once as
 * far as anyone can tell (lookups, the count, a new message with the same id), and later for the
 * slot itself, emptied in batches by the next enqueue, or by a take that finds nothing ready.
 * These tests look at the index's tables to check the second step happens, and that an ended
 * message never stays referenced beyond the bound {@link Retirements} states.
 */
class RetirementsTest {
    private final QueueEngine engine = QueueEngine.builder().build();
    private final SenderQueue q = engine.addSender(1);
    private final Lease lease = new Lease();

    private void enqueue(long from, long to) {
        for (long id = from; id <= to; id++) {
            q.enqueue(id, 1, 1, "Gmail", "payload " + id);
        }
    }

    /** Takes and delivers {@code n} messages; returns them, as the index held them. */
    private List<Msg> deliver(int n) {
        List<Msg> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            assertThat(q.take(lease)).isTrue();
            Msg m = engine.index.get(lease.messageId());
            assertThat(m).isNotNull();
            engine.delivered(lease);
            out.add(m);
        }
        return out;
    }

    /** Whether the index still has a slot that refers to the message. */
    private boolean referenced(Msg m) {
        for (Msg o : engine.index.tableFor(m.id)) {
            if (o == m) {
                return true;
            }
        }
        return false;
    }

    private long referenced(List<Msg> ms) {
        return ms.stream().filter(this::referenced).count();
    }

    @Test
    void aDeliveredMessageIsGoneAtOnceForEveryone() {
        enqueue(1, 3);
        List<Msg> done = deliver(1);
        long id = done.get(0).id;
        assertThat(engine.message(id)).isEmpty();
        assertThat(engine.size()).isEqualTo(2);
        assertThat(lease.payload()).as("the lease keeps what it had").isEqualTo("payload " + id);

        q.enqueue(id, 1, 1, "Gmail", "again");
        assertThat(engine.message(id)).hasValueSatisfying(v -> assertThat(v.payload()).isEqualTo("again"));
        assertThat(engine.size()).isEqualTo(3);
    }

    @Test
    void theNextEnqueueEmptiesTheSlotsOfAHandedOffBatch() {
        enqueue(1, Retirements.BATCH + 10);
        List<Msg> done = deliver(Retirements.BATCH);
        assertThat(q.take(lease)).as("drains the departed: the batch is full and handed off").isTrue();
        assertThat(referenced(done)).isEqualTo(Retirements.BATCH);

        enqueue(1_000, 1_000); // lock-free: the cell exists
        assertThat(referenced(done)).isZero();
        assertThat(engine.size()).isEqualTo(11);
    }

    @Test
    void aTakeThatFindsNothingEmptiesWhatIsLeft() {
        enqueue(1, 10);
        List<Msg> done = deliver(10);
        assertThat(q.take(lease)).isFalse();
        assertThat(referenced(done)).isZero();
        assertThat(engine.size()).isZero();
    }

    @Test
    void withoutEnqueuesAtMostTwoBatchesStayReferenced() {
        int n = 10 * Retirements.BATCH + 5;
        enqueue(1, n + 1);
        List<Msg> done = deliver(n);
        assertThat(q.take(lease)).isTrue(); // drains the last departed ones
        assertThat(referenced(done)).isGreaterThan(0).isLessThanOrEqualTo(2 * Retirements.BATCH);
        engine.delivered(lease);
        assertThat(q.take(lease)).isFalse();
        assertThat(referenced(done)).isZero();
    }

    /** Failed messages go the same way as delivered ones. */
    @Test
    void failedMessagesToo() {
        enqueue(1, 5);
        List<Msg> failed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            assertThat(q.take(lease)).isTrue();
            failed.add(engine.index.get(lease.messageId()));
            engine.failed(lease);
        }
        assertThat(engine.size()).isZero();
        assertThat(q.take(lease)).isFalse();
        assertThat(referenced(failed)).isZero();
    }
}
