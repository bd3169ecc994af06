package dev.sendq.core;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The rows of one query of a sender, with the instant they were read and a generation number.
 * The generation increases by one with every snapshot of the sender (of any kind), so of two
 * snapshots the one with the larger generation was taken later; a poller can tell an answer it
 * has already seen, or one that arrived out of order.
 *
 * @param senderId   the sender
 * @param takenAt    when the engine's clock read the counters
 * @param generation this sender's snapshot sequence number, from 1
 * @param rows       the rows, unmodifiable
 * @param <R>        the row type
 */
public record Snapshot<R>(int senderId, Instant takenAt, long generation, List<R> rows) {
    /** Validates the snapshot and makes the rows unmodifiable. */
    public Snapshot {
        Objects.requireNonNull(takenAt, "takenAt");
        rows = List.copyOf(rows);
        if (generation <= 0) {
            throw new IllegalArgumentException("generation must be > 0, got " + generation);
        }
    }
}
