package dev.sendq.core;

/**
 * A worker's hold on one message taken from the queue, for one attempt, until it expires.
 *
 * <p>A lease is a reusable holder: a worker makes one ({@code new Lease()}) and passes it to
 * every {@link SenderQueue#take(Lease)}, which fills it without allocating. The worker then
 * reports the attempt with {@link QueueEngine#delivered(Lease)}, {@link QueueEngine#failed},
 * {@link QueueEngine#defer} or {@link QueueEngine#hold(Lease)}. A report on a lease whose time
 * has run out, or whose message was since taken again, is refused with
 * {@link LeaseExpiredException}; a second report of the same attempt is refused with
 * {@link IllegalTransitionException}.
 *
 * <p>Not thread-safe: one lease belongs to one worker thread at a time.
 */
public final class Lease {
    Msg msg;
    int attempt;
    long expiresAt;

    /** An empty lease, to be filled by {@code take}. */
    public Lease() {
    }

    void fill(Msg m, int attempt, long expiresAt) {
        this.msg = m;
        this.attempt = attempt;
        this.expiresAt = expiresAt;
    }

    Msg msgOrThrow() {
        Msg m = msg;
        if (m == null) {
            throw new IllegalStateException("this lease is empty: no take() has filled it");
        }
        return m;
    }

    /** Whether a {@code take} has filled this lease (it stays filled after a report). */
    public boolean isFilled() {
        return msg != null;
    }

    /** The leased message (read-only). */
    public MessageInfo message() {
        return msgOrThrow();
    }

    /** The message id. */
    public long messageId() {
        return msgOrThrow().id;
    }

    /** The sender. */
    public int senderId() {
        return msgOrThrow().cell.sender.id;
    }

    /** The account. */
    public int accountId() {
        return msgOrThrow().cell.accountId;
    }

    /** The campaign (0 when none). */
    public int campaignId() {
        return msgOrThrow().cell.campaignId;
    }

    /** The canonical ISP name. */
    public String isp() {
        return msgOrThrow().cell.isp;
    }

    /** The caller's payload reference. */
    public Object payload() {
        return msgOrThrow().payload;
    }

    /** Which attempt this lease is for: 1 for the first take. */
    public int attempt() {
        msgOrThrow();
        return attempt;
    }

    /** When the lease expires, epoch milliseconds of the engine's clock. */
    public long expiresAtMillis() {
        msgOrThrow();
        return expiresAt;
    }

    @Override
    public String toString() {
        Msg m = msg;
        return m == null ? "Lease[empty]" : "Lease[message " + m.id + ", attempt " + attempt
                + ", expires " + expiresAt + "]";
    }
}
