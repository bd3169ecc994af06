package dev.sendq.core;

/**
 * The cells of one sender whose earliest RETRY message is not due yet, by that due time
 * ({@link Cell#timerKey}, slot in {@link Cell#timerIndex}). Guarded by the sender's lock. Lets
 * {@code take} find the cells whose retries came due in O(log cells), without looking at any
 * message.
 */
final class CellTimer extends IndexedHeap<Cell> {

    /** Puts the cell in the timer with this key, or moves it there. */
    void schedule(Cell c, long key) {
        if (c.timerIndex >= 0) {
            if (c.timerKey != key) {
                c.timerKey = key;
                resift(c.timerIndex);
            }
            return;
        }
        c.timerKey = key;
        offer(c);
    }

    /** Takes the cell out of the timer, if it is in it. */
    void cancel(Cell c) {
        if (c.timerIndex >= 0) {
            delete(c);
        }
    }

    /** The earliest key, or {@code Long.MAX_VALUE}. */
    long nextKey() {
        Cell c = peek();
        return c == null ? Long.MAX_VALUE : c.timerKey;
    }

    @Override
    boolean less(Cell a, Cell b) {
        return a.timerKey < b.timerKey;
    }

    @Override
    int indexOf(Cell c) {
        return c.timerIndex;
    }

    @Override
    void setIndex(Cell c, int i) {
        c.timerIndex = i;
    }
}
