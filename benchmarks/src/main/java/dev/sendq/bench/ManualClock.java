package dev.sendq.bench;

import java.time.Instant;
import java.time.InstantSource;

/**
 * A clock the benchmark moves itself, so that a rate limit binds at a known rate whatever the
 * speed of the machine: {@link #advance} adds milliseconds; reading it is one volatile read.
 */
final class ManualClock implements InstantSource {
    private volatile long millis;

    ManualClock(long startMillis) {
        this.millis = startMillis;
    }

    /** Moves the clock forward; called by one thread at a time. */
    void advance(long ms) {
        millis = millis + ms;
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }
}
