package dev.sendq.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Keeps one producer's messages enqueued and not yet delivered by one worker near a limit,
 * without a cache line that both threads write for every message.
 *
 * <p>The obvious bound, one {@code AtomicLong} that the producer increments and the worker
 * decrements, moves that line between the two cores twice per message. That costs every
 * implementation under test the same time per message, so it squeezes the ratio between a fast
 * one and a slow one towards 1, and it depends on how far apart the host has put the two
 * virtual CPUs (see {@link RoundTrip}). Here each side counts in a field of its own ({@link
 * Producer}, {@link Worker}, each made and used by its own thread); the worker publishes its
 * count every {@link #PUBLISH_EVERY} messages on a line nothing else uses, and the producer reads
 * it only when its own count says the backlog may be full. So the backlog stays between
 * {@code limit} and {@code limit + PUBLISH_EVERY - 1}, and in steady state a message costs the
 * harness one write of that line per {@code PUBLISH_EVERY} messages.
 */
final class Backlog {
    /** The worker publishes its count every this many deliveries (a power of two). */
    static final int PUBLISH_EVERY = 64;
    /** The middle of {@link #published}: 64 bytes of unused slots on either side. */
    private static final int AT = 8;

    private final long limit;
    /** The worker's count of deliveries, as last published, at {@link #AT}. */
    private final AtomicLongArray published = new AtomicLongArray(2 * AT + 1);

    /** A backlog that lets the producer run ahead of the worker by {@code limit} messages. */
    Backlog(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, got " + limit);
        }
        this.limit = limit;
    }

    /** The worker's deliveries as last published: behind its own count by less than {@link #PUBLISH_EVERY}. */
    long delivered() {
        return published.getAcquire(AT);
    }

    /** The producer's side; make it in, and use it from, the producer's thread. */
    Producer producer() {
        return new Producer();
    }

    /** The worker's side; make it in, and use it from, the worker's thread. */
    Worker worker() {
        return new Worker();
    }

    /** The producer's count, and the worker's as the producer last read it. */
    final class Producer {
        private long enqueued;
        private long delivered;

        private Producer() {
        }

        /** Whether the producer must wait: re-reads the worker's count only when its last reading says so. */
        boolean full() {
            if (enqueued - delivered < limit) {
                return false;
            }
            delivered = Backlog.this.delivered();
            return enqueued - delivered >= limit;
        }

        /** Counts one message enqueued. */
        void enqueued() {
            enqueued++;
        }

        /** Messages enqueued so far. */
        long count() {
            return enqueued;
        }
    }

    /** The worker's count. */
    final class Worker {
        private long delivered;

        private Worker() {
        }

        /** Counts one message delivered, publishing the count every {@link #PUBLISH_EVERY}. */
        void delivered() {
            if ((++delivered & PUBLISH_EVERY - 1) == 0) {
                published.setRelease(AT, delivered);
            }
        }
    }
}
