package dev.sendq.core;

import java.util.Arrays;

/**
 * An indexed binary min-heap of messages by due time (ties by id), each message knowing its
 * slot ({@link Msg#heapIndex}) so that removal from the middle is O(log n).
 */
final class MsgHeap extends Container {
    private Msg[] heap = new Msg[4];
    private int size;

    MsgHeap(MessageState state) {
        super(state);
    }

    void add(Msg m) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        m.container = this;
        heap[size] = m;
        m.heapIndex = size;
        size++;
        up(size - 1);
    }

    Msg peek() {
        return size == 0 ? null : heap[0];
    }

    /** The earliest due time, or {@code Long.MAX_VALUE} when empty. */
    long minDue() {
        return size == 0 ? Long.MAX_VALUE : heap[0].dueAt;
    }

    @Override
    Msg poll() {
        if (size == 0) {
            return null;
        }
        Msg m = heap[0];
        remove(m);
        return m;
    }

    @Override
    void remove(Msg m) {
        int i = m.heapIndex;
        int last = --size;
        if (i != last) {
            Msg moved = heap[last];
            heap[i] = moved;
            moved.heapIndex = i;
            heap[last] = null;
            if (!up(i)) {
                down(i);
            }
        } else {
            heap[last] = null;
        }
        m.heapIndex = -1;
        m.container = null;
    }

    @Override
    int size() {
        return size;
    }

    @Override
    boolean isEmpty() {
        return size == 0;
    }

    private static boolean less(Msg a, Msg b) {
        return a.dueAt < b.dueAt || (a.dueAt == b.dueAt && a.id < b.id);
    }

    private boolean up(int i) {
        Msg m = heap[i];
        int start = i;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            Msg parent = heap[p];
            if (!less(m, parent)) {
                break;
            }
            heap[i] = parent;
            parent.heapIndex = i;
            i = p;
        }
        heap[i] = m;
        m.heapIndex = i;
        return i != start;
    }

    private void down(int i) {
        Msg m = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            int r = c + 1;
            if (r < size && less(heap[r], heap[c])) {
                c = r;
            }
            if (!less(heap[c], m)) {
                break;
            }
            heap[i] = heap[c];
            heap[i].heapIndex = i;
            i = c;
        }
        heap[i] = m;
        m.heapIndex = i;
    }
}
