package dev.sendq.core;

/**
 * Told about every per-message transition, so that a caller can persist or stream them.
 *
 * <p>Called synchronously on the thread that made the transition, after the engine's own locks
 * are released and after the counters have moved; a listener may call back into the engine.
 * It should be quick: a delivery worker waits for it. An exception thrown by a listener
 * propagates to the caller of the operation, whose transition has already happened.
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
