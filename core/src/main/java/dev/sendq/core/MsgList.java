package dev.sendq.core;

/** An intrusive FIFO of messages (through {@link Msg#prev}/{@link Msg#next}); O(1) everything. */
final class MsgList implements Container {
    private MessageState state;
    private Msg head;
    private Msg tail;
    private int size;

    MsgList(MessageState state) {
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

    void addLast(Msg m) {
        m.container = this;
        m.next = null;
        m.prev = tail;
        if (tail == null) {
            head = m;
        } else {
            tail.next = m;
        }
        tail = m;
        size++;
    }

    Msg poll() {
        Msg m = head;
        if (m != null) {
            remove(m);
        }
        return m;
    }

    @Override
    public Msg peek() {
        return head;
    }

    @Override
    public void remove(Msg m) {
        Msg p = m.prev;
        Msg n = m.next;
        if (p == null) {
            head = n;
        } else {
            p.next = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.prev = p;
        }
        m.prev = null;
        m.next = null;
        m.container = null;
        size--;
    }

    int size() {
        return size;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }
}
