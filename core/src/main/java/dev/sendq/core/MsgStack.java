package dev.sendq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A lock-free stack of messages (a Treiber stack linked by {@link Msg#inboxNext}) whose head sits
 * alone on its cache lines: a sender's inbox, which producers push on and the lock holder empties,
 * and its departed stack, which reporting workers push on. Each head is written by one side on
 * every message, so sharing a line with anything the other side reads (the other head, or the
 * sender's fields) would cost a cross-core miss per message on both sides. The padding (120 bytes
 * on each side, so an adjacent-line prefetch does not pull in a neighbour either) is laid out by
 * class inheritance, which HotSpot keeps in order: superclass fields first.
 */
final class MsgStack extends MsgStackHead {
    // Padding after the head; never read.
    @SuppressWarnings("unused")
    private long q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(MsgStackHead.class, "head", Msg.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Pushes a message; any thread. */
    void push(Msg m) {
        Msg h;
        do {
            h = (Msg) HEAD.getVolatile(this);
            m.inboxNext = h;
        } while (!HEAD.compareAndSet(this, h, m));
    }

    /** Takes the whole stack, oldest message first (reversed from the pushes), linked by {@code inboxNext}. */
    Msg popAll() {
        Msg m = (Msg) HEAD.getAndSet(this, (Msg) null);
        Msg prev = null;
        while (m != null) {
            Msg next = m.inboxNext;
            m.inboxNext = prev;
            prev = m;
            m = next;
        }
        return prev;
    }

    /** Whether the stack is empty, as of a volatile read. */
    boolean isEmpty() {
        return head == null;
    }
}

/** Padding before the head: an int fills the header's gap, so no subclass field can move into it. */
abstract class MsgStackPad {
    @SuppressWarnings("unused")
    private int p00;
    @SuppressWarnings("unused")
    private long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

/** The head, between the paddings. */
abstract class MsgStackHead extends MsgStackPad {
    volatile Msg head;
}
