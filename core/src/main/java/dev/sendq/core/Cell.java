package dev.sendq.core;

import java.util.ArrayDeque;

/**
 * One (sender, account, campaign, ISP): its counters (inherited, so a transition touches the
 * cell it already holds and nothing else) and the containers of its queued messages.
 *
 * <p>The counters are lock-free (see {@link CellCounters}); everything else here is guarded by
 * the sender's lock, except {@link #heldByRule}, which readers read without it.
 *
 * <p>Slots count containers: NEW counts {@link #ready} and {@link #released}, RETRY counts
 * {@link #retry}, HOLD counts {@link #held}, PROC counts leased messages. While a hold rule
 * matches the cell, readers report its NEW and RETRY as HOLD ({@link #readLive}): holding a
 * cell moves no message and no counter.
 */
final class Cell extends CellCounters {
    final SenderQueue sender;
    final int accountId;
    final int campaignId;
    final String isp;

    /** NEW messages, oldest first. */
    final MsgList ready = new MsgList(MessageState.NEW);
    /** Individually held messages. */
    final MsgList held = new MsgList(MessageState.HOLD);
    /** RETRY messages by due time; replaced by a fresh heap when a hold rule is lifted. */
    MsgHeap retry = new MsgHeap(MessageState.RETRY);
    /** Former retry heaps relabelled NEW when a hold rule was lifted, drained by take. */
    final ArrayDeque<MsgHeap> released = new ArrayDeque<>(0);

    /** Active hold rules matching this cell. */
    int ruleHolds;
    private volatile boolean heldByRule;

    // Scheduling, guarded by the sender's lock.
    boolean inRing;
    int timerIndex = -1;
    long timerKey;

    Cell(SenderQueue sender, int accountId, int campaignId, String isp) {
        this.sender = sender;
        this.accountId = accountId;
        this.campaignId = campaignId;
        this.isp = isp;
    }

    boolean heldByRule() {
        return heldByRule;
    }

    void setHeldByRule(boolean held) {
        heldByRule = held;
    }

    /** Whether a NEW message is waiting (ready or released). */
    boolean hasNew() {
        return !ready.isEmpty() || !released.isEmpty();
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
        return heldByRule && (raw == MessageState.NEW || raw == MessageState.RETRY) ? MessageState.HOLD : raw;
    }

    /**
     * Reads the live counts into {@code out[NEW..HOLD]}, a hold rule applied and each clamped at
     * zero (see {@link CellCounters} for when a sum can dip).
     */
    void readLive(long[] out) {
        boolean h = heldByRule; // read before the counters: see SenderQueue.liftCell
        long n = Math.max(0, sum(NEW));
        long p = Math.max(0, sum(PROC));
        long r = Math.max(0, sum(RETRY));
        long hd = Math.max(0, sum(HOLD));
        if (h) {
            hd += n + r;
            n = 0;
            r = 0;
        }
        out[NEW] = n;
        out[PROC] = p;
        out[RETRY] = r;
        out[HOLD] = hd;
    }

    /** Reads the outcome counters into {@code out[0..3]}, in {@link Outcome} order (DELIVERED first). */
    void readOutcomes(long[] out) {
        for (int s = DELIVERED; s <= CANCELLED; s++) {
            out[s - DELIVERED] = Math.max(0, sum(s));
        }
    }

    @Override
    public String toString() {
        return "Cell[" + sender.id + "/" + accountId + "/" + campaignId + "/" + isp + "]";
    }
}
