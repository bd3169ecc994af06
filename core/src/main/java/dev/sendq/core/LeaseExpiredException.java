package dev.sendq.core;

/**
 * A worker reported on a {@link Lease} that no longer owns its message: the lease ran out (the
 * message went back to NEW, and may have been taken again). Nothing changed.
 */
public final class LeaseExpiredException extends IllegalTransitionException {
    private static final long serialVersionUID = 1L;

    LeaseExpiredException(long messageId, Transition refused, int attempt, long expiredAtMillis) {
        super(messageId, refused, null, null, "lease of message " + messageId + " (attempt " + attempt
                + ") expired at " + expiredAtMillis + " ms: " + refused + " refused");
    }
}
