package dev.sendq.core;

/** A message with this id is already in the engine; the new one was not enqueued. */
public final class DuplicateMessageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final long messageId;

    DuplicateMessageException(long messageId) {
        super("message " + messageId + " is already in the engine");
        this.messageId = messageId;
    }

    /** The duplicated id. */
    public long messageId() {
        return messageId;
    }
}
