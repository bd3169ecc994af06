package dev.sendq.core;

import java.time.Duration;
import java.util.Locale;

/**
 * Why a worker deferred an attempt, given to {@link QueueEngine#defer(Lease, Duration, RetryReason)}
 * and its siblings. RETRY counts can be split by it ({@link SenderQueue#retryReasons}), so an
 * operator sees whether the queue waits on remote failures, on connections or on throttling.
 */
public enum RetryReason {
    /** The remote side answered with a temporary failure (4xx). */
    REMOTE_TEMPORARY_FAILURE,
    /** No connection: DNS, TCP or TLS failed, or the connection dropped. */
    CONNECTION_FAILURE,
    /** Throttled by the sender's own rate limit. */
    LOCAL_RATE_LIMIT,
    /** Throttled by the remote side ("too many messages", "try again later"). */
    REMOTE_THROTTLING,
    /** No reason given (the overloads without a reason). */
    UNSPECIFIED;

    private static final RetryReason[] VALUES = values();

    static RetryReason of(int ordinal) {
        return VALUES[ordinal];
    }

    /** The lower-case name used on the wire ({@code connection_failure}, ...). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
