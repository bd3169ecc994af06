package dev.sendq.core;

/**
 * A heap of elements by a time key that each element carries, with schedule, re-key and cancel
 * in O(log n): the base of {@link CellTimer} and {@link LimiterTimer}. Guarded by the sender's
 * lock.
 *
 * @param <E> the element type
 */
abstract class KeyedTimer<E> extends IndexedHeap<E> {
    /** The element's key (valid while it is in the timer). */
    abstract long key(E e);

    abstract void setKey(E e, long key);

    /** Puts the element in the timer with this key, or moves it there. */
    final void schedule(E e, long key) {
        int i = indexOf(e);
        if (i >= 0) {
            if (key(e) != key) {
                setKey(e, key);
                resift(i);
            }
            return;
        }
        setKey(e, key);
        offer(e);
    }

    /** Takes the element out of the timer, if it is in it. */
    final void cancel(E e) {
        if (indexOf(e) >= 0) {
            delete(e);
        }
    }

    /** The earliest key, or {@code Long.MAX_VALUE}. */
    final long nextKey() {
        E e = peek();
        return e == null ? Long.MAX_VALUE : key(e);
    }

    @Override
    final boolean less(E a, E b) {
        return key(a) < key(b);
    }
}
