package dev.sendq.core;

/**
 * The four live states of a queued message, the ones the stats counters count.
 *
 * <p>A message that leaves the engine is no longer in any of these; it is then counted once in
 * the cumulative {@link Outcome} counters of its cell.
 */
public enum MessageState {
    /** Queued and ready to be taken by a worker. */
    NEW,
    /** Taken by a worker under a lease; a delivery attempt is in progress. */
    PROC,
    /** The last attempt was deferred; the message waits until its due time. */
    RETRY,
    /** Held: by an operator, by a hold rule, or by the worker. {@code take} never returns it. */
    HOLD;

}
