package dev.sendq.core;

/**
 * A transition the specification does not allow from the message's current state: a second
 * {@code delivered}, a {@code release} of a message that is not held, a {@code cancel} of a
 * message in PROC, and so on. Nothing changed: no counter moved and the message is where it was.
 */
public class IllegalTransitionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final long messageId;
    private final transient Transition refused;
    private final transient MessageState state;
    private final transient Outcome outcome;

    IllegalTransitionException(long messageId, Transition refused, MessageState state, Outcome outcome,
                               String message) {
        super(message);
        this.messageId = messageId;
        this.refused = refused;
        this.state = state;
        this.outcome = outcome;
    }

    static IllegalTransitionException of(long messageId, Transition refused, MessageState state,
                                         Outcome outcome, String allowed) {
        String where = state != null ? "is " + state : "already left the engine (" + outcome + ")";
        return new IllegalTransitionException(messageId, refused, state, outcome,
                "message " + messageId + " " + where + ": " + refused + " is allowed only " + allowed);
    }

    /** The message the transition was asked for. */
    public long messageId() {
        return messageId;
    }

    /** The transition that was refused. */
    public Transition refused() {
        return refused;
    }

    /** The message's live state when it was refused, or {@code null} if it had left the engine. */
    public MessageState state() {
        return state;
    }

    /** How the message had left the engine, or {@code null} if it is still in it. */
    public Outcome outcome() {
        return outcome;
    }
}
