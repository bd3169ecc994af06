package dev.sendq.core;

import java.util.Objects;

/**
 * One message as the caller's durable store knows it, to rebuild a sender after a restart with
 * {@link SenderQueue#restore(StoredMessage)}.
 *
 * <p>A message stored in PROC is restored in NEW: the worker that had it is gone, and the
 * attempt it made counts. A message stored in RETRY keeps its due time. A message stored in
 * HOLD is held individually (hold rules are restored separately, with
 * {@link SenderQueue#hold(Selector, java.time.Instant)}).
 *
 * @param id               the message id
 * @param accountId        the account, greater than 0
 * @param campaignId       the campaign, 0 or more
 * @param isp              the ISP name
 * @param payload          the caller's payload reference
 * @param state            the state it was in
 * @param attempts         attempts made so far
 * @param enqueuedAtMillis when it was first enqueued, epoch milliseconds
 * @param dueAtMillis      when a RETRY message is due, epoch milliseconds (ignored otherwise)
 * @param retryReason      why a RETRY message was deferred ({@code null} means
 *                         {@link RetryReason#UNSPECIFIED}; ignored for other states)
 */
public record StoredMessage(long id, int accountId, int campaignId, String isp, Object payload,
                            MessageState state, int attempts, long enqueuedAtMillis, long dueAtMillis,
                            RetryReason retryReason) {
    /**
     * Validates the record.
     *
     * @throws IllegalArgumentException if a field is out of range
     */
    public StoredMessage {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(isp, "isp");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0, got " + attempts);
        }
        if (retryReason == null) {
            retryReason = RetryReason.UNSPECIFIED;
        }
    }

    /** A stored message with no retry reason ({@link RetryReason#UNSPECIFIED}). */
    public StoredMessage(long id, int accountId, int campaignId, String isp, Object payload,
                         MessageState state, int attempts, long enqueuedAtMillis, long dueAtMillis) {
        this(id, accountId, campaignId, isp, payload, state, attempts, enqueuedAtMillis, dueAtMillis,
                RetryReason.UNSPECIFIED);
    }
}
