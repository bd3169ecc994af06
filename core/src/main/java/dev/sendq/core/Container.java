package dev.sendq.core;

/**
 * Something a QUEUED message sits in: a cell's ready list, retry heap, released retries, or
 * held list. The container's state is the state of every message in it, which is how lifting
 * a hold rule turns a whole retry heap into NEW messages in O(1) ({@link #relabel}).
 */
interface Container {
    /** The state of every message in this container. */
    MessageState state();

    /** Relabels every message in the container at once. */
    void relabel(MessageState s);

    boolean isEmpty();

    /** The next message, or {@code null}, without removing it. */
    Msg peek();

    /** Removes a message that is in this container. */
    void remove(Msg m);
}
