package dev.sendq.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The hold rules in force on one sender, and when the next one expires. Guarded by the
 * sender's lock; applying a rule to cells is the sender's job.
 */
final class HoldRuleSet {
    private final List<HoldRule> rules = new ArrayList<>();
    private long nextExpiry = Long.MAX_VALUE;

    void add(HoldRule rule) {
        rules.add(rule);
        if (rule.until() != null) {
            nextExpiry = Math.min(nextExpiry, rule.until().toEpochMilli());
        }
    }

    void remove(HoldRule rule) {
        rules.remove(rule);
        long next = Long.MAX_VALUE;
        for (HoldRule r : rules) {
            if (r.until() != null) {
                next = Math.min(next, r.until().toEpochMilli());
            }
        }
        nextExpiry = next;
    }

    /** How many rules select this cell. */
    int matching(Cell c) {
        int n = 0;
        for (HoldRule r : rules) {
            if (r.selector().matches(c.accountId, c.campaignId, c.isp)) {
                n++;
            }
        }
        return n;
    }

    HoldRule find(long ruleId) {
        for (HoldRule r : rules) {
            if (r.id() == ruleId) {
                return r;
            }
        }
        return null;
    }

    /** The rules whose selector is exactly {@code s}. */
    List<HoldRule> withSelector(Selector s) {
        List<HoldRule> out = new ArrayList<>();
        for (HoldRule r : rules) {
            if (r.selector().sameAs(s)) {
                out.add(r);
            }
        }
        return out;
    }

    /** The rules that have expired at {@code now}. */
    List<HoldRule> expired(long now) {
        List<HoldRule> out = new ArrayList<>();
        if (now >= nextExpiry) {
            for (HoldRule r : rules) {
                if (r.expiredAt(now)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    long nextExpiry() {
        return nextExpiry;
    }

    List<HoldRule> snapshot() {
        return List.copyOf(rules);
    }
}
