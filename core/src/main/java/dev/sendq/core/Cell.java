package dev.sendq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * One (sender, account, campaign, ISP): its counters (inherited, so a transition touches the
 * cell it already holds and nothing else) and the containers of its queued messages.
 *
 * <p>The counters are lock-free (see {@link CellCounters}); everything else here is guarded by
 * the sender's lock, except {@link #heldByRule()}, which readers read without it.
 *
 * <p>Slots count containers: NEW counts {@link #ready} and {@link #released}, RETRY counts
 * {@link #retry}, HOLD counts {@link #held}, PROC counts leased messages. While a hold rule
 * matches the cell, readers report its NEW and RETRY as HOLD ({@link #readLive}): holding a
 * cell moves no message and no counter.
 */
final class Cell extends CellWritten {
    private static final VarHandle REASONS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs per cell in its block's {@link CellIndex.Block#reasons}: one per {@link RetryReason}. */
    static final int REASON_COUNT = RetryReason.values().length;

    /**
     * A cell at the next place of {@code index}; {@link CellIndex#add} publishes it (under the
     * sender's lock, before anything else is made there).
     */
    Cell(SenderQueue sender, CellIndex index, int accountId, int campaignId, String isp) {
        super(index.nextBlock(), index.nextAt(), sender, accountId, campaignId, isp);
    }

    /** Whether a hold rule holds the cell (volatile; kept in the index, where queries read it). */
    boolean heldByRule() {
        return block.held(at);
    }

    void setHeldByRule(boolean held) {
        block.setHeld(at, held);
    }

    /** Columns of {@link #readAges} before the oldest-NEW column: state × bucket. */
    static final int AGE_COLUMNS = AgeHistogram.STATES * AgeBucket.COUNT;

    /**
     * Reads the age columns at minute {@code nowMinute}: {@code out[state * 8 + bucket]} (a rule
     * applied), then {@code out[AGE_COLUMNS]} = the oldest NEW message's enqueue minute, or
     * {@code Long.MAX_VALUE} when none is ready (or a rule holds the cell). Under the lock.
     */
    void readAges(long nowMinute, long[] out) {
        Arrays.fill(out, 0, AGE_COLUMNS, 0L);
        boolean h = heldByRule();
        ages.addTo(nowMinute, h, out);
        out[AGE_COLUMNS] = h ? Long.MAX_VALUE : ages.oldestMinute(NEW);
    }

    /** A new message counted in {@code slot}, and in its age entry; under the lock. */
    void addMsg(Msg m, int slot) {
        add(slot, 1);
        ages.move(AgeHistogram.minute(m.enqueuedAt), -1, slot);
    }

    /** A message moves between slots (an outcome slot is "gone"), counters and age entry; under the lock. */
    void moveMsg(Msg m, int from, int to) {
        move(from, to);
        ages.move(AgeHistogram.minute(m.enqueuedAt), from, to);
    }

    /*
     * The RETRY messages by reason live in the cell's block (CellIndex.Block.reasons), so that a
     * retry-reason query streams them like the counters. Only the sender's lock holder writes
     * them (release); anyone reads them (acquire). Their sum is the RETRY count when quiet.
     */

    /** A message of this cell entered (+1) or left (-1) RETRY for {@code reason}; under the lock. */
    void countRetryReason(int reason, int delta) {
        long[] a = block.reasons;
        int i = at * REASON_COUNT + reason;
        REASONS.setRelease(a, i, a[i] + delta);
    }

    /** Every RETRY message left RETRY at once (a hold rule's lift); under the lock. */
    void clearRetryReasons() {
        for (int r = 0; r < REASON_COUNT; r++) {
            REASONS.setRelease(block.reasons, at * REASON_COUNT + r, 0L);
        }
    }

    /**
     * Adds the RETRY count per reason of the cell at place {@code j} of {@code b} to
     * {@code to[at .. at + reasons)}, each clamped at zero; nothing while a hold rule holds the
     * cell (its RETRY messages count as HOLD). Reads the index only; any thread.
     */
    static void addRetryReasons(CellIndex.Block b, int j, long[] to, int at) {
        if (b.held(j)) {
            return;
        }
        for (int r = 0; r < REASON_COUNT; r++) {
            to[at + r] += Math.max(0, (long) REASONS.getAcquire(b.reasons, j * REASON_COUNT + r));
        }
    }

    /** Whether a NEW message is waiting (ready or released). */
    boolean hasNew() {
        return !ready.isEmpty() || !released.isEmpty();
    }

    /** Takes the retry due first, or {@code null}; under the lock. */
    Msg pollRetry() {
        Msg m = retry.poll();
        if (m != null) {
            countRetryReason(m.retryReason, -1);
        }
        return m;
    }

    /** Queues a deferred message in RETRY (its due time set) for {@code reason}; under the lock. */
    void addRetry(Msg m, RetryReason reason) {
        m.retryReason = (byte) reason.ordinal();
        retry.add(m);
        countRetryReason(reason.ordinal(), 1);
    }

    /** Takes the next NEW message: ready ones first, then released retries. */
    Msg pollNew() {
        Msg m = ready.poll();
        if (m != null) {
            return m;
        }
        MsgHeap h = released.peekFirst();
        if (h == null) {
            return null;
        }
        m = h.poll();
        if (h.isEmpty()) {
            released.pollFirst();
        }
        return m;
    }

    /** Removes a QUEUED message from whichever container holds it. */
    void unlink(Msg m) {
        Container c = m.container;
        c.remove(m);
        if (c == retry) {
            countRetryReason(m.retryReason, -1);
        }
        if (c != retry && c != ready && c != held && c.isEmpty()) {
            released.remove(c);
        }
    }

    /** The counter slot of a container's state. */
    static int slot(MessageState s) {
        return s.ordinal(); // NEW, PROC, RETRY, HOLD are slots 0..3
    }

    /** The state a reader sees for a message in container state {@code raw}. */
    MessageState reported(MessageState raw) {
        return heldByRule() && (raw == MessageState.NEW || raw == MessageState.RETRY) ? MessageState.HOLD : raw;
    }

    /**
     * Adds the live counts of the cell at place {@code j} of {@code b} to
     * {@code to[at + NEW .. at + HOLD]}, a hold rule applied and each clamped at zero (see
     * {@link CellCounters} for when a sum can dip). Reads the index only, not the cell object:
     * this is what a stats query does per cell.
     */
    static void addLive(CellIndex.Block b, int j, long[] to, int at) {
        // the held flag is read before the counters: see SenderQueue.liftCell
        addFour(b, j, NEW, b.held(j), to, at);
    }

    /** Reads this cell's live counts into {@code out[NEW..HOLD]}, as {@link #addLive} counts them. */
    void readLive(long[] out) {
        Arrays.fill(out, NEW, HOLD + 1, 0L);
        addLive(block, at, out, 0);
    }

    /**
     * Adds the outcome counters of the cell at place {@code j} of {@code b} to
     * {@code to[at .. at + 4)}, in {@link Outcome} order (DELIVERED first), each clamped at zero.
     */
    static void addOutcomes(CellIndex.Block b, int j, long[] to, int at) {
        addFour(b, j, DELIVERED, false, to, at);
    }

    /** Reads this cell's outcome counters into {@code out[0..3]}, as {@link #addOutcomes} counts them. */
    void readOutcomes(long[] out) {
        Arrays.fill(out, 0, 4, 0L);
        addOutcomes(block, at, out, 0);
    }

    @Override
    public String toString() {
        return "Cell[" + sender.id + "/" + accountId + "/" + campaignId + "/" + isp + "]";
    }
}

/*
 * A cell's layout, in layers (HotSpot lays a superclass's fields out before a subclass's):
 * what producers read on every enqueue (the counters' fields, then the key), 64 bytes of
 * padding, then what the sender's lock holder writes on every take. Without the padding the
 * ring flag that a take writes sat 8 bytes from the ISP that the next enqueue reads, and the
 * cell's ready list (written on every take), allocated right after the cell, shared the
 * cell's last line. The padding protects what follows the cell's shared fields, not what
 * precedes the cell. Measured with a front padding too, one producer against one worker ran
 * 1.3 to 1.5 times faster in each of its two modes; the front padding measured no better in
 * one A/B and was dropped (see docs/performance.md).
 */

/** What any thread reads of a cell and nobody writes after construction: its key and its containers. */
abstract class CellShared extends CellCounters {
    final SenderQueue sender;
    final int accountId;
    final int campaignId;
    final String isp;

    /** NEW messages, oldest first. */
    final MsgList ready = new MsgList(MessageState.NEW);
    /** Individually held messages. */
    final MsgList held = new MsgList(MessageState.HOLD);
    /** Former retry heaps relabelled NEW when a hold rule was lifted, drained by take. */
    final ArrayDeque<MsgHeap> released = new ArrayDeque<>(0);
    /** The live messages by enqueue minute and state; under the sender's lock. */
    final AgeHistogram ages = new AgeHistogram();

    CellShared(CellIndex.Block block, int at, SenderQueue sender, int accountId, int campaignId, String isp) {
        super(block, at);
        this.sender = sender;
        this.accountId = accountId;
        this.campaignId = campaignId;
        this.isp = isp;
    }
}

/**
 * 64 bytes between what producers read of a cell and what the lock holder writes. The int fills
 * the gap, if any, that {@link CellShared}'s fields leave before the longs, which HotSpot would
 * otherwise fill with one of the written fields.
 */
abstract class CellSharedPad extends CellShared {
    @SuppressWarnings("unused")
    private int q00;
    @SuppressWarnings("unused")
    private long q01, q02, q03, q04, q05, q06, q07, q08;

    CellSharedPad(CellIndex.Block block, int at, SenderQueue sender, int accountId, int campaignId, String isp) {
        super(block, at, sender, accountId, campaignId, isp);
    }
}

/** What the sender's lock holder writes of a cell: scheduling, holds, the retry heap. */
abstract class CellWritten extends CellSharedPad {
    /** RETRY messages by due time; replaced by a fresh heap when a hold rule is lifted. */
    MsgHeap retry = new MsgHeap(MessageState.RETRY);

    /** Active hold rules matching this cell. */
    int ruleHolds;
    /** Time the cell spent held by rules before {@link #heldSince}; with it, the cell's held clock. */
    private long heldTotal;
    private long heldSince;

    // Scheduling, guarded by the sender's lock.
    static final Limiter[] NO_LIMITERS = {};
    /** The rate limits whose selector matches this cell. */
    Limiter[] limiters = NO_LIMITERS;
    /** The limiter this cell waits on for a permit, or {@code null}; then it is in no ring or timer. */
    Limiter parkedOn;
    boolean inRing;
    int timerIndex = -1;
    long timerKey;

    CellWritten(CellIndex.Block block, int at, SenderQueue sender, int accountId, int campaignId, String isp) {
        super(block, at, sender, accountId, campaignId, isp);
    }

    /**
     * The cell's held clock: milliseconds it has been held by rules, up to {@code now}. Under the
     * lock; {@link #ruleHolds} and the two markers below change together.
     */
    long heldClock(long now) {
        return ruleHolds > 0 ? heldTotal + Math.max(0, now - heldSince) : heldTotal;
    }

    /** A first rule holds the cell from {@code now}; under the lock, before raising ruleHolds. */
    void heldFrom(long now) {
        heldSince = now;
    }

    /** The last rule let go at {@code now}; under the lock, after lowering ruleHolds to 0. */
    void releasedAt(long now) {
        heldTotal += Math.max(0, now - heldSince);
    }
}
