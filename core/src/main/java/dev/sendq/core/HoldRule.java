package dev.sendq.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An operator's hold on a sender's traffic: while it is in force, the NEW and RETRY messages of
 * every matching cell count as HOLD, new matching messages are enqueued in HOLD, and
 * {@code take} never returns them. Lifting it, or reaching its expiry instant, returns them to
 * NEW. Immutable. {@link SenderQueue#holdImpact()} tells how many messages each rule holds.
 *
 * @param id       engine-wide id of the rule, for {@link SenderQueue#liftHold(long)}
 * @param senderId the sender it holds
 * @param selector which cells of the sender it holds
 * @param reason   why (a category)
 * @param label    the operator's words: who and why, at most {@value #MAX_LABEL_LENGTH}
 *                 characters, no control characters; empty when none was given
 * @param until    when it expires by itself, or {@code null} for never
 */
public record HoldRule(long id, int senderId, Selector selector, HoldReason reason, String label, Instant until) {
    /** The longest label a rule takes. */
    public static final int MAX_LABEL_LENGTH = 200;

    /**
     * Validates the rule.
     *
     * @throws IllegalArgumentException if the label is too long or has control characters
     */
    public HoldRule {
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(reason, "reason");
        label = checkLabel(label);
    }

    /** A rule for {@link HoldReason#OPERATOR} with no label. */
    public HoldRule(long id, int senderId, Selector selector, Instant until) {
        this(id, senderId, selector, HoldReason.OPERATOR, "", until);
    }

    /** The expiry instant, if any. */
    public Optional<Instant> expiry() {
        return Optional.ofNullable(until);
    }

    boolean expiredAt(long nowMillis) {
        return until != null && nowMillis >= until.toEpochMilli();
    }

    /**
     * A label as a rule keeps it: {@code null} becomes empty, surrounding blanks are stripped.
     *
     * @throws IllegalArgumentException if it is longer than {@value #MAX_LABEL_LENGTH} characters
     *                                  or has a control character
     */
    static String checkLabel(String label) {
        if (label == null) {
            return "";
        }
        String s = label.strip();
        if (s.length() > MAX_LABEL_LENGTH) {
            throw new IllegalArgumentException("label longer than " + MAX_LABEL_LENGTH + " characters");
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                throw new IllegalArgumentException("label has a control character at index " + i);
            }
        }
        return s;
    }
}
