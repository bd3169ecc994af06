package dev.sendq.core;

/**
 * How many messages a hold holds, or would hold, by the state they were in (or would be in)
 * without it: NEW or RETRY. PROC messages are never held by a rule (they finish their attempt).
 *
 * @param fromNew   messages that would otherwise be NEW (queued, or enqueued since the hold)
 * @param fromRetry messages that would otherwise be RETRY
 */
public record HoldImpact(long fromNew, long fromRetry) {
    /** Validates the counts. */
    public HoldImpact {
        if (fromNew < 0 || fromRetry < 0) {
            throw new IllegalArgumentException("counts must be >= 0: " + fromNew + ", " + fromRetry);
        }
    }

    /** {@code fromNew + fromRetry}. */
    public long total() {
        return fromNew + fromRetry;
    }
}
