package dev.sendq.core;

import java.util.Arrays;

/**
 * The cells of one sender whose earliest RETRY message is not due yet, in an indexed min-heap
 * by that due time ({@link Cell#timerKey}, slot in {@link Cell#timerIndex}). Guarded by the
 * sender's lock. Lets {@code take} find the cells whose retries came due in O(log cells),
 * without looking at any message.
 */
final class CellTimer {
    private Cell[] heap = new Cell[8];
    private int size;

    /** Puts the cell in the timer with this key, or moves it there. */
    void schedule(Cell c, long key) {
        if (c.timerIndex >= 0) {
            if (c.timerKey == key) {
                return;
            }
            c.timerKey = key;
            if (!up(c.timerIndex)) {
                down(c.timerIndex);
            }
            return;
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        c.timerKey = key;
        heap[size] = c;
        c.timerIndex = size;
        size++;
        up(size - 1);
    }

    /** Takes the cell out of the timer, if it is in it. */
    void cancel(Cell c) {
        int i = c.timerIndex;
        if (i < 0) {
            return;
        }
        int last = --size;
        if (i != last) {
            Cell moved = heap[last];
            heap[i] = moved;
            moved.timerIndex = i;
            heap[last] = null;
            if (!up(i)) {
                down(i);
            }
        } else {
            heap[last] = null;
        }
        c.timerIndex = -1;
    }

    /** The earliest key, or {@code Long.MAX_VALUE}. */
    long nextKey() {
        return size == 0 ? Long.MAX_VALUE : heap[0].timerKey;
    }

    /** Removes and returns the cell with the earliest key, or {@code null}. */
    Cell poll() {
        if (size == 0) {
            return null;
        }
        Cell c = heap[0];
        cancel(c);
        return c;
    }

    private boolean up(int i) {
        Cell c = heap[i];
        int start = i;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            Cell parent = heap[p];
            if (parent.timerKey <= c.timerKey) {
                break;
            }
            heap[i] = parent;
            parent.timerIndex = i;
            i = p;
        }
        heap[i] = c;
        c.timerIndex = i;
        return i != start;
    }

    private void down(int i) {
        Cell c = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int k = 2 * i + 1;
            if (k + 1 < size && heap[k + 1].timerKey < heap[k].timerKey) {
                k++;
            }
            if (heap[k].timerKey >= c.timerKey) {
                break;
            }
            heap[i] = heap[k];
            heap[i].timerIndex = i;
            i = k;
        }
        heap[i] = c;
        c.timerIndex = i;
    }
}
