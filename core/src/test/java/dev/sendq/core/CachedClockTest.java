package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CachedClockTest {
    private final ManualClock source = new ManualClock(1_000_000L);

    /** Waits (at most 5 s) until the cached clock shows {@code expected}. */
    private static void awaitMillis(CachedClock clock, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (clock.millis() != expected && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(clock.millis()).isEqualTo(expected);
    }

    @Test
    void followsItsSourceAndStopsWhenClosed() throws InterruptedException {
        CachedClock clock = CachedClock.start(source, Duration.ofMillis(1));
        assertThat(clock.millis()).isEqualTo(1_000_000L);
        assertThat(clock.instant()).isEqualTo(Instant.ofEpochMilli(1_000_000L));
        source.advanceMillis(250);
        awaitMillis(clock, 1_000_250L);
        clock.close();
        clock.ticker.join(5_000);
        assertThat(clock.ticker.isAlive()).as("refreshing thread after close").isFalse();
        assertThat(clock.ticker.isDaemon()).isTrue();
        source.advanceMillis(1_000);
        assertThat(clock.millis()).as("keeps its last value once closed").isEqualTo(1_000_250L);
    }

    @Test
    void neverGoesBackwards() throws InterruptedException {
        CachedClock clock = CachedClock.start(source, Duration.ofMillis(1));
        source.advanceMillis(100);
        awaitMillis(clock, 1_000_100L);
        clock.close();
        clock.ticker.join(5_000);
        source.advanceMillis(-50);
        clock.refresh();
        assertThat(clock.millis()).isEqualTo(1_000_100L);
        source.advanceMillis(60);
        clock.refresh();
        assertThat(clock.millis()).isEqualTo(1_000_110L);
    }

    @Test
    void refusesResolutionsOutOfRange() {
        assertThatThrownBy(() -> CachedClock.start(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resolution");
        assertThatThrownBy(() -> CachedClock.start(Duration.ofSeconds(2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CachedClock.start(null, Duration.ofMillis(1))).isInstanceOf(NullPointerException.class);
    }

    @Test
    void drivesAnEngine() throws InterruptedException {
        try (CachedClock clock = CachedClock.start(source, Duration.ofMillis(1))) {
            QueueEngine engine = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofSeconds(10)).build();
            SenderQueue q = engine.addSender(1);
            q.enqueue(1, 1, 0, "Gmail", null);
            Lease lease = new Lease();
            assertThat(q.take(lease)).isTrue();
            assertThat(lease.expiresAtMillis()).isEqualTo(1_000_000L + 10_000);
            source.advanceMillis(10_000);
            awaitMillis(clock, 1_010_000L);
            assertThatThrownBy(() -> engine.delivered(lease)).isInstanceOf(LeaseExpiredException.class);
            assertThat(q.totals().count(MessageState.NEW)).isEqualTo(1);
        }
    }
}
