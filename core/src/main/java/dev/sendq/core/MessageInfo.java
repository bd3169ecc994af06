package dev.sendq.core;

/**
 * Read-only view of one queued message, as a {@link TransitionListener} sees it.
 *
 * <p>The identity fields (id, sender, account, campaign, ISP, payload, enqueue time) never
 * change. {@link #attempts()} and {@link #dueAtMillis()} are read live: a listener that needs
 * them exactly as they were at the transition should read them during the call.
 */
public interface MessageInfo {
    /** The message id, unique within the engine. */
    long id();

    /** The sender the message is queued on. */
    int senderId();

    /** The account id, greater than 0. */
    int accountId();

    /** The campaign id, 0 when the message is not part of a campaign. */
    int campaignId();

    /** The ISP name, interned and canonical (the first spelling the engine saw). */
    String isp();

    /** The caller's opaque payload reference, as given at enqueue; may be {@code null}. */
    Object payload();

    /** How many times a worker has taken the message. */
    int attempts();

    /** When the message was enqueued, in epoch milliseconds of the engine's clock. */
    long enqueuedAtMillis();

    /** The due time of the message's last deferral, in epoch milliseconds; 0 if it was never deferred. */
    long dueAtMillis();
}
