package dev.sendq.core;

/**
 * An immutable snapshot of one message, as {@link QueueEngine#message(long)} returns it.
 *
 * @param id               the message id
 * @param senderId         the sender
 * @param accountId        the account
 * @param campaignId       the campaign
 * @param isp              the canonical ISP name
 * @param payload          the caller's payload reference
 * @param state            its state when the snapshot was taken (HOLD when a hold rule holds it)
 * @param attempts         attempts made so far
 * @param enqueuedAtMillis when it was enqueued, epoch milliseconds
 * @param dueAtMillis      when it is due, for RETRY (or a held RETRY); else 0
 */
public record MessageView(long id, int senderId, int accountId, int campaignId, String isp, Object payload,
                          MessageState state, int attempts, long enqueuedAtMillis, long dueAtMillis) {
}
