package dev.sendq.core;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * When a deferred message is tried again, and when it gives up. Immutable.
 *
 * <p>The delay before attempt {@code n + 1}, after {@code n} attempts, is
 * {@code min(maxDelay, initialDelay * multiplier^(n - 1))}, then spread uniformly by
 * {@code ±jitter} of itself (never below zero). A deferral leaves the engine as
 * {@link Outcome#EXPIRED} instead of going to RETRY when the message has already had
 * {@code maxAttempts} attempts, or when its due time would fall after
 * {@code enqueuedAt + maxAge}.
 *
 * @param initialDelay the delay after the first attempt
 * @param multiplier   the growth factor per attempt, at least 1
 * @param maxDelay     the cap on the delay
 * @param jitter       the random spread, from 0 (none) to 1 (±100%)
 * @param maxAttempts  attempts after which a deferral expires the message, at least 1
 * @param maxAge       age after which a deferral expires the message
 */
public record RetryPolicy(Duration initialDelay, double multiplier, Duration maxDelay, double jitter,
                          int maxAttempts, Duration maxAge) {

    /**
     * The default: 1 minute doubling up to 1 hour, ±10% jitter, at most 30 attempts, at most 5
     * days in the queue (Postfix's {@code maximal_queue_lifetime}).
     */
    public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofMinutes(1), 2.0,
            Duration.ofHours(1), 0.1, 30, Duration.ofDays(5));

    /**
     * Validates the policy.
     *
     * @throws IllegalArgumentException if a value is out of range
     * @throws NullPointerException     if a duration is null
     */
    public RetryPolicy {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(maxAge, "maxAge");
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException("initialDelay must not be negative: " + initialDelay);
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay " + maxDelay + " is shorter than initialDelay " + initialDelay);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be a finite number >= 1, got " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("jitter must be within [0, 1], got " + jitter);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive: " + maxAge);
        }
    }

    /** This policy with another backoff. */
    public RetryPolicy withBackoff(Duration initialDelay, double multiplier, Duration maxDelay) {
        return new RetryPolicy(initialDelay, multiplier, maxDelay, jitter, maxAttempts, maxAge);
    }

    /** This policy with another jitter. */
    public RetryPolicy withJitter(double jitter) {
        return new RetryPolicy(initialDelay, multiplier, maxDelay, jitter, maxAttempts, maxAge);
    }

    /** This policy with other limits. */
    public RetryPolicy withLimits(int maxAttempts, Duration maxAge) {
        return new RetryPolicy(initialDelay, multiplier, maxDelay, jitter, maxAttempts, maxAge);
    }

    /**
     * The backoff delay after {@code attempts} attempts, before jitter, in milliseconds.
     *
     * @param attempts attempts made so far, at least 1
     */
    public long baseDelayMillis(int attempts) {
        double d = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, attempts - 1));
        long cap = maxDelay.toMillis();
        return d >= cap ? cap : (long) d;
    }

    /**
     * The delay after {@code attempts} attempts, jitter applied, in milliseconds.
     *
     * @param attempts attempts made so far, at least 1
     * @param random   the source of jitter
     */
    public long delayMillis(int attempts, RandomGenerator random) {
        long base = baseDelayMillis(attempts);
        if (jitter == 0.0 || base == 0) {
            return base;
        }
        double spread = base * jitter;
        return Math.max(0L, Math.round(base - spread + random.nextDouble() * 2 * spread));
    }

    /** Whether deferring now would expire the message instead. */
    boolean expires(int attempts, long enqueuedAtMillis, long dueAtMillis) {
        return attempts >= maxAttempts || dueAtMillis - enqueuedAtMillis > maxAge.toMillis();
    }
}
