package dev.sendq.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An operator's hold on a sender's traffic: while it is in force, the NEW and RETRY messages of
 * every matching cell count as HOLD, new matching messages are enqueued in HOLD, and
 * {@code take} never returns them. Lifting it, or reaching its expiry instant, returns them to
 * NEW. Immutable.
 *
 * @param id       engine-wide id of the rule, for {@link SenderQueue#liftHold(long)}
 * @param senderId the sender it holds
 * @param selector which cells of the sender it holds
 * @param until    when it expires by itself, or {@code null} for never
 */
public record HoldRule(long id, int senderId, Selector selector, Instant until) {
    /** Validates the rule. */
    public HoldRule {
        Objects.requireNonNull(selector, "selector");
    }

    /** The expiry instant, if any. */
    public Optional<Instant> expiry() {
        return Optional.ofNullable(until);
    }

    boolean expiredAt(long nowMillis) {
        return until != null && nowMillis >= until.toEpochMilli();
    }
}
