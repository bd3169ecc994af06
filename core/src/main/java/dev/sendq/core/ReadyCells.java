package dev.sendq.core;

import java.util.ArrayDeque;

/**
 * Where a sender's work can be found: a ring of cells with something ready now (served
 * round-robin by {@code take}), and a timer of cells whose earliest retry is still in the
 * future. A cell held by a rule is in neither (a ring entry left behind is dropped when it
 * comes up), and so is a cell parked on a rate limiter ({@link Cell#parkedOn}). Guarded by the
 * sender's lock.
 */
final class ReadyCells {
    private final ArrayDeque<Cell> ring = new ArrayDeque<>();
    private final CellTimer timer = new CellTimer();

    /** Puts the cell where its work can be found, after any change to its containers or holds. */
    void reschedule(Cell c, long now) {
        if (c.parkedOn != null) {
            return; // waits for a permit; its limiter puts it back
        }
        if (c.ruleHolds > 0) {
            timer.cancel(c);
            return;
        }
        long due = c.retry.minDue();
        if (due <= now) {
            timer.cancel(c);
            offer(c);
            return;
        }
        if (due == Long.MAX_VALUE) {
            timer.cancel(c);
        } else {
            timer.schedule(c, due);
        }
        if (c.hasNew()) {
            offer(c);
        }
    }

    /** The cell starts waiting on a rate limiter ({@link Cell#parkedOn} set): out of the timer too. */
    void parked(Cell c) {
        timer.cancel(c);
    }

    /** Moves the cells whose retries came due into the ring. */
    void promoteDue(long now) {
        while (timer.nextKey() <= now) {
            offer(timer.poll());
        }
    }

    /** The next cell of the ring, or {@code null}; the caller reschedules it after taking from it. */
    Cell poll() {
        Cell c = ring.pollFirst();
        if (c != null) {
            c.inRing = false;
        }
        return c;
    }

    /** When the next retry comes due, or {@code Long.MAX_VALUE}. */
    long nextDue() {
        return timer.nextKey();
    }

    private void offer(Cell c) {
        if (!c.inRing) {
            c.inRing = true;
            ring.addLast(c);
        }
    }
}
