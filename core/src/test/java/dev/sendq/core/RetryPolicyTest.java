package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Backoff, jitter, limits and validation of {@link RetryPolicy}. */
class RetryPolicyTest {

    @Test
    void defaults() {
        RetryPolicy d = RetryPolicy.DEFAULT;
        assertThat(d.initialDelay()).isEqualTo(Duration.ofMinutes(1));
        assertThat(d.multiplier()).isEqualTo(2.0);
        assertThat(d.maxDelay()).isEqualTo(Duration.ofHours(1));
        assertThat(d.jitter()).isEqualTo(0.1);
        assertThat(d.maxAttempts()).isEqualTo(30);
        assertThat(d.maxAge()).isEqualTo(Duration.ofDays(5));
        assertThat(QueueEngine.builder().build().retryPolicy()).isEqualTo(d);
        assertThat(QueueEngine.builder().build().leaseDuration()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void backoffSequenceGrowsByTheMultiplierUpToTheCap() {
        RetryPolicy p = RetryPolicy.DEFAULT;
        long[] expected = {60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000};
        for (int attempts = 1; attempts <= expected.length; attempts++) {
            assertThat(p.baseDelayMillis(attempts)).as("after %d attempts", attempts)
                    .isEqualTo(expected[attempts - 1]);
        }
        assertThat(p.baseDelayMillis(1000)).isEqualTo(3_600_000);
        assertThat(p.baseDelayMillis(Integer.MAX_VALUE)).isEqualTo(3_600_000);
        assertThat(p.baseDelayMillis(0)).as("0 attempts is read as 1").isEqualTo(60_000);
    }

    @Test
    void fractionalMultiplierAndConstantBackoff() {
        RetryPolicy p = RetryPolicy.DEFAULT.withBackoff(Duration.ofSeconds(10), 1.5, Duration.ofSeconds(30));
        assertThat(p.baseDelayMillis(1)).isEqualTo(10_000);
        assertThat(p.baseDelayMillis(2)).isEqualTo(15_000);
        assertThat(p.baseDelayMillis(3)).isEqualTo(22_500);
        assertThat(p.baseDelayMillis(4)).isEqualTo(30_000);

        RetryPolicy flat = RetryPolicy.DEFAULT.withBackoff(Duration.ofSeconds(5), 1.0, Duration.ofSeconds(5));
        for (int a = 1; a < 50; a++) {
            assertThat(flat.baseDelayMillis(a)).isEqualTo(5_000);
        }
    }

    @Test
    void noJitterMeansExactlyTheBaseDelay() {
        RetryPolicy p = RetryPolicy.DEFAULT.withJitter(0);
        SplittableRandom rnd = new SplittableRandom(1);
        for (int a = 1; a <= 10; a++) {
            assertThat(p.delayMillis(a, rnd)).isEqualTo(p.baseDelayMillis(a));
        }
    }

    @Test
    void jitterStaysWithinItsSpreadAndUsesIt() {
        RetryPolicy p = RetryPolicy.DEFAULT; // ±10%
        SplittableRandom rnd = new SplittableRandom(42);
        for (int a = 1; a <= 8; a++) {
            long base = p.baseDelayMillis(a);
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (int i = 0; i < 2000; i++) {
                long d = p.delayMillis(a, rnd);
                assertThat(d).isBetween(Math.round(base * 0.9), Math.round(base * 1.1));
                min = Math.min(min, d);
                max = Math.max(max, d);
            }
            assertThat(min).as("jitter spreads below the base").isLessThan(Math.round(base * 0.95));
            assertThat(max).as("jitter spreads above the base").isGreaterThan(Math.round(base * 1.05));
        }
    }

    @Test
    void fullJitterNeverGoesBelowZero() {
        RetryPolicy p = RetryPolicy.DEFAULT.withJitter(1.0);
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 5000; i++) {
            assertThat(p.delayMillis(1, rnd)).isBetween(0L, 120_000L);
        }
    }

    @Test
    void jitterIsReproducibleWithASeed() {
        RetryPolicy p = RetryPolicy.DEFAULT.withJitter(0.5);
        SplittableRandom a = new SplittableRandom(99);
        SplittableRandom b = new SplittableRandom(99);
        for (int i = 1; i <= 20; i++) {
            assertThat(p.delayMillis(i, a)).isEqualTo(p.delayMillis(i, b));
        }
    }

    @Test
    void zeroInitialDelayMeansRetryAtOnce() {
        RetryPolicy p = new RetryPolicy(Duration.ZERO, 2.0, Duration.ZERO, 0.5, 3, Duration.ofHours(1));
        assertThat(p.delayMillis(5, new SplittableRandom(3))).isZero();
    }

    @Test
    void theEngineUsesItsRandomForJitter() {
        RetryPolicy p = RetryPolicy.DEFAULT.withJitter(0.5);
        Fixture f = new Fixture(b -> b.retryPolicy(p).random(new SplittableRandom(5)));
        f.q.enqueue(1, 1, 1, "Gmail", null);
        long now = f.now();
        f.engine.defer(f.take(1));
        long expected = now + p.delayMillis(1, new SplittableRandom(5));
        assertThat(f.view(1).dueAtMillis()).isEqualTo(expected);
    }

    @Test
    void limitsDecideExpiry() {
        RetryPolicy p = RetryPolicy.DEFAULT.withLimits(3, Duration.ofHours(1));
        assertThat(p.maxAttempts()).isEqualTo(3);
        assertThat(p.expires(2, 0, 3_600_000)).isFalse();
        assertThat(p.expires(3, 0, 0)).isTrue();
        assertThat(p.expires(1, 0, 3_600_001)).isTrue();
        assertThat(p.expires(1, 1000, 3_601_000)).isFalse();
    }

    @Test
    void withersChangeOnlyTheirFields() {
        RetryPolicy d = RetryPolicy.DEFAULT;
        RetryPolicy j = d.withJitter(0.3);
        assertThat(j).isEqualTo(new RetryPolicy(d.initialDelay(), d.multiplier(), d.maxDelay(), 0.3,
                d.maxAttempts(), d.maxAge()));
        RetryPolicy b = d.withBackoff(Duration.ofSeconds(1), 3, Duration.ofSeconds(9));
        assertThat(b).isEqualTo(new RetryPolicy(Duration.ofSeconds(1), 3, Duration.ofSeconds(9), d.jitter(),
                d.maxAttempts(), d.maxAge()));
        RetryPolicy l = d.withLimits(2, Duration.ofMinutes(3));
        assertThat(l).isEqualTo(new RetryPolicy(d.initialDelay(), d.multiplier(), d.maxDelay(), d.jitter(), 2,
                Duration.ofMinutes(3)));
    }

    @Test
    void validation() {
        Duration m = Duration.ofMinutes(1);
        Duration h = Duration.ofHours(1);
        assertBad("initialDelay", () -> new RetryPolicy(Duration.ofMillis(-1), 2, h, 0, 1, h));
        assertBad("maxDelay", () -> new RetryPolicy(h, 2, m, 0, 1, h));
        assertBad("multiplier", () -> new RetryPolicy(m, 0.99, h, 0, 1, h));
        assertBad("multiplier", () -> new RetryPolicy(m, Double.NaN, h, 0, 1, h));
        assertBad("multiplier", () -> new RetryPolicy(m, Double.POSITIVE_INFINITY, h, 0, 1, h));
        assertBad("multiplier", () -> new RetryPolicy(m, -2, h, 0, 1, h));
        assertBad("jitter", () -> new RetryPolicy(m, 2, h, -0.01, 1, h));
        assertBad("jitter", () -> new RetryPolicy(m, 2, h, 1.01, 1, h));
        assertBad("jitter", () -> new RetryPolicy(m, 2, h, Double.NaN, 1, h));
        assertBad("maxAttempts", () -> new RetryPolicy(m, 2, h, 0, 0, h));
        assertBad("maxAttempts", () -> new RetryPolicy(m, 2, h, 0, -5, h));
        assertBad("maxAge", () -> new RetryPolicy(m, 2, h, 0, 1, Duration.ZERO));
        assertBad("maxAge", () -> new RetryPolicy(m, 2, h, 0, 1, Duration.ofSeconds(-1)));
        assertThatThrownBy(() -> new RetryPolicy(null, 2, h, 0, 1, h)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new RetryPolicy(m, 2, null, 0, 1, h)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new RetryPolicy(m, 2, h, 0, 1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> QueueEngine.builder().retryPolicy(null)).isInstanceOf(NullPointerException.class);
        // the boundaries are allowed
        new RetryPolicy(Duration.ZERO, 1.0, Duration.ZERO, 0.0, 1, Duration.ofMillis(1));
        new RetryPolicy(m, 1.0, m, 1.0, Integer.MAX_VALUE, Duration.ofDays(365));
    }

    private static void assertBad(String field, org.assertj.core.api.ThrowableAssert.ThrowingCallable c) {
        assertThatThrownBy(c).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(field);
    }
}
