package dev.sendq.core;

/** How a message left the engine. Each outcome has a cumulative counter per cell. */
public enum Outcome {
    /** A worker reported the message delivered. */
    DELIVERED,
    /** A worker reported a permanent failure. */
    FAILED,
    /** A deferral went past the retry policy's maximum attempts or maximum age. */
    EXPIRED,
    /** An operator cancelled it, alone or by selector, while it was NEW, RETRY or HOLD. */
    CANCELLED;

    private static final Outcome[] VALUES = values();

    static Outcome of(int ordinal) {
        return VALUES[ordinal];
    }
}
