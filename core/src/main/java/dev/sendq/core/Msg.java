package dev.sendq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One queued message: its identity, its state word, and the links of whichever container holds
 * it. The identity fields are final; the links and times are guarded by the sender's lock.
 *
 * <p>The state word packs the attempt count and a phase: QUEUED (in one of the cell's
 * containers, whose {@link Container#state()} is the message's state), PROC (leased to a worker
 * for that attempt), or one of the four outcomes. Every change of the word is a CAS, so of two
 * racing transitions from PROC (a worker's report against its lease timeout or an operator's
 * hold) exactly one wins: see {@link #casState}.
 */
final class Msg implements MessageInfo {
    static final int QUEUED = 0;
    static final int PROC = 1;
    /** Phases 2..5: gone, with the outcome {@code phase - GONE}. */
    static final int GONE = 2;
    private static final int PHASE_BITS = 3;
    private static final long PHASE_MASK = (1 << PHASE_BITS) - 1;

    private static final VarHandle WORD;

    static {
        try {
            WORD = MethodHandles.lookup().findVarHandle(Msg.class, "word", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long id;
    final Cell cell;
    final Object payload;
    final long enqueuedAt;

    @SuppressWarnings("unused") // accessed through WORD
    private volatile long word;

    // Guarded by the sender's lock.
    Container container;
    Msg prev;
    Msg next;
    int heapIndex = -1;
    long dueAt;
    /**
     * Held time, encoded by where the message is (see {@link SenderQueue}'s "held time"): while
     * queued in its cell, the cell's held clock minus the time held so far; while held
     * individually, the engine's clock minus it; while PROC, the time held so far itself.
     * Under the lock.
     */
    long pauseMark;
    /** While in RETRY: the {@link RetryReason} ordinal it was deferred for; under the lock. */
    byte retryReason;
    /** The next (older) message of the sender's inbox; written before the push that publishes it. */
    Msg inboxNext;
    /**
     * Its slot in the {@link IdIndex} table that holds it: written under the index segment's lock
     * before the slot publishes the message (and again by a resize), read by a lock-free remove
     * and by the sender's lock holder for {@link Retirements}, both of which tolerate a stale value.
     */
    int slot;

    Msg(long id, Cell cell, Object payload, long enqueuedAt, int attempts) {
        this.id = id;
        this.cell = cell;
        this.payload = payload;
        this.enqueuedAt = enqueuedAt;
        this.word = pack(attempts, QUEUED);
    }

    static long pack(int attempts, int phase) {
        return ((long) attempts << PHASE_BITS) | phase;
    }

    static int phase(long word) {
        return (int) (word & PHASE_MASK);
    }

    static int attempts(long word) {
        return (int) (word >>> PHASE_BITS);
    }

    long word() {
        return (long) WORD.getVolatile(this);
    }

    /** The one way the state word changes: atomically, from an expected word. */
    boolean casState(long expected, long next) {
        return WORD.compareAndSet(this, expected, next);
    }

    /** The live state, or {@code null} when gone; a hold rule's hold is not applied here. */
    MessageState rawState() {
        int phase = phase(word());
        if (phase == PROC) {
            return MessageState.PROC;
        }
        if (phase >= GONE) {
            return null;
        }
        Container c = container;
        return c == null ? null : c.state();
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public int senderId() {
        return cell.sender.id;
    }

    @Override
    public int accountId() {
        return cell.accountId;
    }

    @Override
    public int campaignId() {
        return cell.campaignId;
    }

    @Override
    public String isp() {
        return cell.isp;
    }

    @Override
    public Object payload() {
        return payload;
    }

    @Override
    public int attempts() {
        return attempts(word());
    }

    @Override
    public long enqueuedAtMillis() {
        return enqueuedAt;
    }

    @Override
    public long dueAtMillis() {
        return dueAt;
    }

    @Override
    public String toString() {
        return "Msg[" + id + " " + cell + " word=" + Long.toHexString(word()) + "]";
    }
}
