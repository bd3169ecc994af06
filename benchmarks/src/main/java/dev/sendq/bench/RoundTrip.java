package dev.sendq.bench;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The round trip of one cache line between two threads: one sets a value, the other answers
 * with the next, many times over, with nothing else shared. On a VM it tells how far apart the
 * host has put the two virtual CPUs at that moment (on this project's VM, about 70 ns or about
 * 340 ns), which decides every two-thread figure (docs/performance.md, "Why the forks split").
 * The value rests even; the near end sets it odd, the far end answers with the next even one.
 */
public final class RoundTrip {
    private final AtomicLongArray ball = new AtomicLongArray(32);
    /** The middle of the array: no other field shares the value's lines. */
    private static final int AT = 16;

    /** The near end: {@code trips} round trips, once the far end answers; returns the nanoseconds they took. */
    long serve(int trips) {
        long v = ball.get(AT) | 1;
        long start = System.nanoTime();
        for (int i = 0; i < trips; i++, v += 2) {
            ball.set(AT, v);
            while (ball.get(AT) == v) {
                Thread.onSpinWait();
            }
        }
        return System.nanoTime() - start;
    }

    /** The far end: answers each odd value with the next even one while {@code going} is true. */
    void answer(AtomicBoolean going) {
        while (going.get()) {
            long v = ball.get(AT);
            if ((v & 1) != 0) {
                ball.set(AT, v + 1);
            }
        }
    }

    /**
     * The mean round trip in nanoseconds between the calling thread and a thread started for
     * it, over {@code trips} round trips (after as many to warm both ends up).
     */
    public static long measure(int trips) throws InterruptedException {
        RoundTrip r = new RoundTrip();
        AtomicBoolean going = new AtomicBoolean(true);
        Thread far = new Thread(() -> r.answer(going), "round-trip");
        far.setDaemon(true);
        far.start();
        r.serve(trips);
        long nanos = r.serve(trips);
        going.set(false);
        far.join();
        return nanos / trips;
    }
}
