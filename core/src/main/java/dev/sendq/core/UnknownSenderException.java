package dev.sendq.core;

import java.util.NoSuchElementException;

/** The engine hosts no sender with this id. */
public final class UnknownSenderException extends NoSuchElementException {
    private static final long serialVersionUID = 1L;

    private final int senderId;

    UnknownSenderException(int senderId) {
        super("no sender " + senderId + " in the engine");
        this.senderId = senderId;
    }

    /** The id that was asked for. */
    public int senderId() {
        return senderId;
    }
}
