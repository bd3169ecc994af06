package dev.sendq.core;

import java.util.NoSuchElementException;

/** No hold rule with this id is in force on the sender. */
public final class UnknownHoldRuleException extends NoSuchElementException {
    private static final long serialVersionUID = 1L;

    UnknownHoldRuleException(long ruleId, int senderId) {
        super("no hold rule " + ruleId + " in force on sender " + senderId);
    }
}
