package dev.sendq.core;

import java.util.NoSuchElementException;

/** No message with this id is in the engine (it never was, or it has left). Nothing changed. */
public final class UnknownMessageException extends NoSuchElementException {
    private static final long serialVersionUID = 1L;

    private final long messageId;

    UnknownMessageException(long messageId) {
        super("no message " + messageId + " in the engine");
        this.messageId = messageId;
    }

    /** The id that was asked for. */
    public long messageId() {
        return messageId;
    }
}
