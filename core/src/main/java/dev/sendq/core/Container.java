package dev.sendq.core;

/**
 * Something a QUEUED message sits in: a cell's ready list, retry heap, released retries, or
 * held list. The container's state is the message's state, which is how a hold rule's release
 * turns a whole retry heap into NEW messages in O(1).
 */
abstract class Container {
    private MessageState state;

    Container(MessageState state) {
        this.state = state;
    }

    /** The state of every message in this container. */
    final MessageState state() {
        return state;
    }

    /** Relabels every message in the container at once. */
    final void relabel(MessageState s) {
        state = s;
    }

    abstract int size();

    abstract boolean isEmpty();

    /** Removes a message that is in this container. */
    abstract void remove(Msg m);

    /** Removes and returns the next message, or {@code null}. */
    abstract Msg poll();
}
