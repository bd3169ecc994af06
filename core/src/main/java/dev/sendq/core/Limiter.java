package dev.sendq.core;

import java.util.ArrayDeque;

/**
 * One rate limit of a sender, over the cells its selector matches: GCRA state, and the cells
 * that have work but were refused a permit, waiting in FIFO order. Guarded by the sender's lock.
 *
 * <p>GCRA: {@code tat} is the theoretical arrival time of the next message, in nanoseconds of
 * the engine's clock. A message conforms at {@code now} if {@code now >= tat - tolerance}
 * ({@code tolerance = (burst - 1) * interval}); taking it sets
 * {@code tat = max(tat, now) + interval}. A refused cell is parked here rather than polled again
 * and again: when the limiter's next permit comes ({@link #wakeAt}), the sender moves as many
 * parked cells back to its ready ring as permits are available, so a limit shared by ten
 * thousand cells costs O(1) per permit, not O(cells).
 */
final class Limiter {
    final Selector selector;
    RateLimit limit;
    private long interval;
    private long tolerance;
    private long tat;
    /** Cells refused a permit, oldest first; each has {@link Cell#parkedOn} this limiter. */
    final ArrayDeque<Cell> parked = new ArrayDeque<>();

    // Place in the sender's limiter timer (an IndexedHeap), guarded by the sender's lock.
    int timerIndex = -1;
    long wakeAt;

    Limiter(Selector selector, RateLimit limit) {
        this.selector = selector;
        setLimit(limit);
    }

    /** Changes the rate; the next permit's time is kept (a slower rate applies from the next message). */
    void setLimit(RateLimit limit) {
        this.limit = limit;
        this.interval = limit.intervalNanos();
        long t;
        try {
            t = Math.multiplyExact(limit.burst() - 1, interval);
        } catch (ArithmeticException e) {
            t = Long.MAX_VALUE / 4; // a burst beyond a century of intervals: no limit in practice
        }
        this.tolerance = Math.min(t, Long.MAX_VALUE / 4);
    }

    private static long nanos(long millis) {
        return millis * 1_000_000L; // epoch milliseconds fit (until year 2262)
    }

    /** Whether a message may go at {@code now} (ms). */
    boolean conforms(long now) {
        return nanos(now) >= tat - tolerance;
    }

    /** Takes one permit at {@code now} (ms); the caller checked {@link #conforms}. */
    void consume(long now) {
        tat = Math.max(tat, nanos(now)) + interval;
    }

    /** The first millisecond at which a message conforms. */
    long nextPermitAt() {
        long ns = tat - tolerance;
        return ns <= 0 ? 0 : (ns + 999_999) / 1_000_000;
    }

    /** Permits available at {@code now} (ms): at least 1 if the limiter conforms, at most burst. */
    long available(long now) {
        long slack = nanos(now) - (tat - tolerance);
        if (slack < 0) {
            return 0;
        }
        long n = slack / interval + 1;
        return Math.min(n, limit.burst());
    }
}
