package dev.sendq.core;

import java.util.Arrays;

/**
 * A binary min-heap whose elements know their slot, so that removing or re-keying one in the
 * middle is O(log n). Serves {@link MsgHeap} (messages by due time) and {@link KeyedTimer}
 * (cells by next due time). Not thread-safe: guarded by the sender's lock.
 *
 * @param <E> the element type
 */
abstract class IndexedHeap<E> {
    private Object[] heap = new Object[4];
    private int size;

    /** Whether {@code a} comes before {@code b}. */
    abstract boolean less(E a, E b);

    /** The slot of {@code e}, or -1 when it is not in a heap. */
    abstract int indexOf(E e);

    /** Records the slot of {@code e} (-1 when it leaves). */
    abstract void setIndex(E e, int i);

    final void offer(E e) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = e;
        setIndex(e, size);
        size++;
        up(size - 1);
    }

    @SuppressWarnings("unchecked")
    public E peek() {
        return size == 0 ? null : (E) heap[0];
    }

    final E poll() {
        E e = peek();
        if (e != null) {
            delete(e);
        }
        return e;
    }

    /** Removes {@code e}, which must be in this heap. */
    @SuppressWarnings("unchecked")
    final void delete(E e) {
        int i = indexOf(e);
        int last = --size;
        E moved = (E) heap[last];
        heap[last] = null;
        if (i != last) {
            heap[i] = moved;
            setIndex(moved, i);
            resift(i);
        }
        setIndex(e, -1);
        removed(e);
    }

    /** Called when {@code e} has left the heap. */
    void removed(E e) {
    }

    /** Restores the order after the key of the element at slot {@code i} changed. */
    final void resift(int i) {
        if (!up(i)) {
            down(i);
        }
    }

    final int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    @SuppressWarnings("unchecked")
    private boolean up(int i) {
        E e = (E) heap[i];
        int start = i;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            E parent = (E) heap[p];
            if (!less(e, parent)) {
                break;
            }
            heap[i] = parent;
            setIndex(parent, i);
            i = p;
        }
        heap[i] = e;
        setIndex(e, i);
        return i != start;
    }

    @SuppressWarnings("unchecked")
    private void down(int i) {
        E e = (E) heap[i];
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            if (c + 1 < size && less((E) heap[c + 1], (E) heap[c])) {
                c++;
            }
            E child = (E) heap[c];
            if (!less(child, e)) {
                break;
            }
            heap[i] = child;
            setIndex(child, i);
            i = c;
        }
        heap[i] = e;
        setIndex(e, i);
    }
}
