package dev.sendq.core;

import java.util.Objects;

/**
 * A hold rule in force and the messages it holds now. A message whose cell several rules
 * match is counted by each of them.
 *
 * @param rule   the rule
 * @param impact what it holds, live, from the counters
 */
public record RuleImpact(HoldRule rule, HoldImpact impact) {
    /** Validates the pair. */
    public RuleImpact {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(impact, "impact");
    }
}
