package dev.sendq.core;

/** Messages by due time (ties by id): a cell's RETRY messages, or its released ones. */
final class MsgHeap extends IndexedHeap<Msg> implements Container {
    private MessageState state;

    MsgHeap(MessageState state) {
        this.state = state;
    }

    @Override
    public MessageState state() {
        return state;
    }

    @Override
    public void relabel(MessageState s) {
        state = s;
    }

    void add(Msg m) {
        m.container = this;
        offer(m);
    }

    @Override
    public void remove(Msg m) {
        delete(m);
    }

    @Override
    void removed(Msg m) {
        m.container = null;
    }

    /** The earliest due time, or {@code Long.MAX_VALUE} when empty. */
    long minDue() {
        Msg m = peek();
        return m == null ? Long.MAX_VALUE : m.dueAt;
    }

    @Override
    boolean less(Msg a, Msg b) {
        return a.dueAt < b.dueAt || (a.dueAt == b.dueAt && a.id < b.id);
    }

    @Override
    int indexOf(Msg m) {
        return m.heapIndex;
    }

    @Override
    void setIndex(Msg m, int i) {
        m.heapIndex = i;
    }
}
