package dev.sendq.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How fast {@code take} may hand out the messages of a scope: {@code permits} per {@code per},
 * with bursts of up to {@code burst} messages at once, enforced as a generic cell rate
 * algorithm (GCRA, the algorithm behind KumoMTA's {@code max_message_rate}): one message every
 * {@code per / permits}, and up to {@code burst} of them early after a quiet spell.
 *
 * @param permits messages per period, at least 1
 * @param per     the period, positive
 * @param burst   messages that may go at once, at least 1
 */
public record RateLimit(long permits, Duration per, long burst) {
    /**
     * Validates the limit.
     *
     * @throws IllegalArgumentException if a value is out of range, or the interval between two
     *                                  messages ({@code per / permits}) is under a nanosecond
     */
    public RateLimit {
        Objects.requireNonNull(per, "per");
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be >= 1, got " + permits);
        }
        if (per.isNegative() || per.isZero()) {
            throw new IllegalArgumentException("per must be positive, got " + per);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be >= 1, got " + burst);
        }
        if (saturatedNanos(per) / permits < 1) {
            throw new IllegalArgumentException("more than one message per nanosecond: " + permits + " per " + per);
        }
    }

    /** {@code permits} per second, no burst. */
    public static RateLimit perSecond(long permits) {
        return new RateLimit(permits, Duration.ofSeconds(1), 1);
    }

    /** {@code permits} per minute, no burst. */
    public static RateLimit perMinute(long permits) {
        return new RateLimit(permits, Duration.ofMinutes(1), 1);
    }

    /** This limit with bursts of up to {@code burst} messages. */
    public RateLimit withBurst(long burst) {
        return new RateLimit(permits, per, burst);
    }

    /** Nanoseconds between two messages at the steady rate. */
    long intervalNanos() {
        return saturatedNanos(per) / permits;
    }

    private static long saturatedNanos(Duration d) {
        return d.compareTo(Duration.ofDays(365 * 100L)) > 0 ? Duration.ofDays(365 * 100L).toNanos() : d.toNanos();
    }
}
