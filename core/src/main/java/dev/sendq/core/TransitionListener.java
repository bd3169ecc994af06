package dev.sendq.core;

/**
 * Told about every per-message transition, so that a caller can persist or stream them.
 *
 * <p>Called synchronously on the thread that made the transition, after the counters have moved,
 * in the order in which each message's transitions happened: every transition of a sender is
 * told while that sender's lock is held, except {@code DELIVERED} and {@code FAILED}, which are
 * told right after the lock-free change that decided them (no other transition of that message
 * can follow). A listener may call back into the same sender (the lock is reentrant) but should
 * not block, and should not call into another sender from within: a worker or another operation
 * of the sender waits for it. With a listener, every enqueue takes the sender's lock (without
 * one, an enqueue into a known cell is lock-free), which is what keeps each message's events
 * in order. An exception thrown by a listener is logged (System.Logger,
 * WARNING) and otherwise ignored: the transition has happened.
 *
 * <p>States are as readers see them: a message whose cell a hold rule holds is reported in HOLD
 * (its underlying NEW or RETRY is restored by the rule's end, told through {@link #onHoldRule}).
 *
 * <p>Hold rules act on whole cells, not messages: a rule that holds or releases a million
 * messages is one call to {@link #onHoldRule}, not a million calls to {@link #onTransition}.
 */
@FunctionalInterface
public interface TransitionListener {
    /** A listener that ignores everything. */
    TransitionListener NONE = (message, transition, from, to) -> { };

    /**
     * One message changed state.
     *
     * @param message    the message (live view; see {@link MessageInfo})
     * @param transition what happened
     * @param from       the state before, or {@code null} for {@link Transition#ENQUEUED} and
     *                   {@link Transition#RESTORED}
     * @param to         the state after, or {@code null} when the message left the engine
     */
    void onTransition(MessageInfo message, Transition transition, MessageState from, MessageState to);

    /**
     * A hold rule started ({@code active == true}) or ended (lifted or expired). The default does
     * nothing.
     *
     * @param rule   the rule
     * @param active whether it is now in force
     */
    default void onHoldRule(HoldRule rule, boolean active) { }
}
