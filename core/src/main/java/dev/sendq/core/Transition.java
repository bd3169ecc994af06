package dev.sendq.core;

/**
 * The kinds of state change a {@link TransitionListener} is told about, one per row of the
 * specification's transition table (plus {@link #RESTORED} for state rebuilt after a restart).
 */
public enum Transition {
    /** (none) to NEW, or to HOLD when an active hold rule matches. */
    ENQUEUED,
    /** (none) to any live state, from the caller's own store: see {@link SenderQueue#restore}. */
    RESTORED,
    /** NEW or a due RETRY to PROC, by a worker's {@code take}. */
    TAKEN,
    /** PROC to gone, reported by the worker. */
    DELIVERED,
    /** PROC to gone, reported by the worker. */
    FAILED,
    /** PROC to RETRY, reported by the worker. */
    DEFERRED,
    /** PROC to gone: a deferral past the maximum attempts or maximum age. */
    EXPIRED,
    /** NEW, RETRY or PROC to HOLD, one message, by an operator or the worker. */
    HELD,
    /** HOLD to NEW, one message. */
    RELEASED,
    /** PROC to NEW: the worker's lease ran out; the attempt counts. */
    LEASE_EXPIRED,
    /** NEW, RETRY or HOLD to gone, by an operator. */
    CANCELLED
}
