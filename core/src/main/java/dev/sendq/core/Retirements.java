package dev.sendq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One sender's messages that workers ended lock-free (delivered or failed), on their way out of
 * the engine's {@link IdIndex}, so that the worker's report writes nothing in the index.
 *
 * <p>A report only CASes the message's state word to its outcome, which already makes the index
 * treat it as gone (see {@link IdIndex}); its slot is emptied later, in batches. The sender's
 * lock holder collects the ended messages ({@link #add}, from the sender's departed stack) into
 * a batch of {@link #BATCH}, with the hash and slot of each read while the message's line is
 * still in its cache, and hands a full batch off through one padded reference. The next enqueue
 * on the sender takes it ({@link #unlinkHandedOff}) and empties the slots, one CAS each, on the
 * core where the producer's own inserts keep the index's lines; it never reads the messages
 * themselves, which the worker's core holds. When the lock holder has nothing else to do (a take
 * that finds nothing ready) it empties what it holds itself ({@link #flush}).
 *
 * <p>Two batches circulate, so nothing is allocated after construction: the one the lock holder
 * fills, and one that is handed off, being emptied, or spare. If the lock holder fills its batch
 * while the other has not come back (no enqueue took it yet), it empties its own and goes on.
 * So at most two batches (fewer than 128 messages) of a sender wait to leave the index, besides
 * the departed messages no locked operation has drained yet; they leave at the next enqueue, or
 * the next take that finds nothing ready. Until then their messages, payloads included, stay
 * reachable.
 */
final class Retirements {
    /** Messages per batch. */
    static final int BATCH = 64;
    /**
     * Where the handed-off batch sits in {@link #handOff}: 32 unused references on either side
     * (128 bytes with compressed references), so an adjacent-line prefetch does not pull in a
     * neighbour either.
     */
    private static final int AT = 32;
    private static final VarHandle SPARE;

    static {
        try {
            SPARE = MethodHandles.lookup().findVarHandle(Retirements.class, "spare", Batch.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final IdIndex index;
    /**
     * The handed-off batch, or null: every enqueue reads it, so it sits apart from everything the
     * lock holder writes per message.
     */
    private final AtomicReferenceArray<Batch> handOff = new AtomicReferenceArray<>(2 * AT + 1);
    /** The lock holder's batch; under the sender's lock. */
    private Batch filling = new Batch();
    /** The batch that came back emptied, or null while it is handed off or being emptied. */
    @SuppressWarnings("unused") // accessed through SPARE
    private volatile Batch spare = new Batch();

    Retirements(IdIndex index) {
        this.index = index;
    }

    /** Under the sender's lock: {@code m} has ended lock-free and its state word says so. */
    void add(Msg m) {
        Batch b = filling;
        b.add(m);
        if (b.size == BATCH) {
            Batch s = (Batch) SPARE.getAcquire(this);
            if (s != null) {
                // The only other batch is spare, so nothing is handed off: hand this one off.
                SPARE.setRelease(this, (Batch) null);
                handOff.setRelease(AT, b);
                filling = s;
            } else {
                b.unlink(index); // the other batch is still out: empty this one here
            }
        }
    }

    /**
     * Any thread, lock-free: empties the handed-off batch's slots, if there is one and no other
     * thread took it first. Costs one read of a line that changes once per batch when there is none.
     */
    void unlinkHandedOff() {
        if (handOff.getAcquire(AT) != null) {
            Batch b = handOff.getAndSet(AT, null);
            if (b != null) {
                b.unlink(index);
                SPARE.setRelease(this, b);
            }
        }
    }

    /** Under the sender's lock, with nothing else to do: empties every slot this sender still holds. */
    void flush() {
        if (filling.size > 0) {
            filling.unlink(index);
        }
        unlinkHandedOff();
    }

    /** Ended messages and where each sits in the index. */
    private static final class Batch {
        final Msg[] msgs = new Msg[BATCH];
        final long[] hashes = new long[BATCH];
        final int[] slots = new int[BATCH];
        int size;

        void add(Msg m) {
            int i = size;
            msgs[i] = m;
            hashes[i] = IdIndex.hash(m.id);
            slots[i] = m.slot;
            size = i + 1;
        }

        /** Empties each message's slot and forgets the messages. */
        void unlink(IdIndex index) {
            for (int i = 0; i < size; i++) {
                index.unlink(hashes[i], slots[i], msgs[i]);
                msgs[i] = null;
            }
            size = 0;
        }
    }
}
