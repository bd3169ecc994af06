package dev.sendq.core;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A controllable clock for tests: time moves only when a test says so. Thread-safe. */
final class ManualClock implements InstantSource {
    private final AtomicLong millis;

    ManualClock(long startMillis) {
        this.millis = new AtomicLong(startMillis);
    }

    ManualClock() {
        this(1_700_000_000_000L);
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public long millis() {
        return millis.get();
    }

    void advance(Duration d) {
        millis.addAndGet(d.toMillis());
    }

    void advanceMillis(long ms) {
        millis.addAndGet(ms);
    }
}
