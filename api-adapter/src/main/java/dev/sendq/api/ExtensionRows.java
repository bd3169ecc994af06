package dev.sendq.api;

import dev.sendq.core.AgeBucket;
import dev.sendq.core.AgeRow;
import dev.sendq.core.HoldImpact;
import dev.sendq.core.HoldRule;
import dev.sendq.core.MessageState;
import dev.sendq.core.RateLimit;
import dev.sendq.core.RetryReason;
import dev.sendq.core.RetryReasonRow;
import dev.sendq.core.RuleImpact;
import dev.sendq.core.Selector;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JsonGenerator;

/**
 * The fields of the extension requests' rows, flat (one level, like a stats row, so that a row
 * is the same in JSON and XML) and in a fixed order that {@code docs/api.md} documents: the
 * selector ({@code account_id, campaign_id, isp}) first, then the counts. Stateless.
 */
final class ExtensionRows {
    /** The age rows' state prefixes, in lifecycle order. */
    private static final List<MessageState> AGE_STATES =
            List.of(MessageState.NEW, MessageState.PROC, MessageState.RETRY, MessageState.HOLD);
    /** The suffix of each {@link AgeBucket}'s field: {@code lt_5m}, {@code 5_10m}, ..., {@code ge_320m}. */
    private static final String[] BUCKET_NAMES = bucketNames();
    /** The age rows' count fields, {@code [state in AGE_STATES order][bucket]}: {@code new_lt_5m}, ... */
    private static final String[][] AGE_FIELDS = ageFields();

    private ExtensionRows() {
    }

    /**
     * A hold rule and its live impact: {@code rule_id, account_id, campaign_id, isp, reason,
     * label, until} ({@code ""} for none), {@code from_new, from_retry, total}.
     */
    static void ruleImpact(JsonGenerator g, RuleImpact ri) {
        HoldRule r = ri.rule();
        g.writeNumberProperty("rule_id", r.id());
        g.writeNumberProperty("account_id", r.selector().accountId());
        g.writeNumberProperty("campaign_id", r.selector().campaignId());
        g.writeStringProperty("isp", r.selector().isp());
        g.writeStringProperty("reason", r.reason().wireName());
        g.writeStringProperty("label", r.label());
        g.writeStringProperty("until", r.until() == null ? "" : ResponseWriter.instant(r.until()));
        impact(g, ri.impact());
    }

    /** {@code from_new, from_retry, total}: what a hold holds, or would hold. */
    static void impact(JsonGenerator g, HoldImpact i) {
        g.writeNumberProperty("from_new", i.fromNew());
        g.writeNumberProperty("from_retry", i.fromRetry());
        g.writeNumberProperty("total", i.total());
    }

    /**
     * An age row: {@code account_id, campaign_id, isp}, then for each state (new, proc, retry,
     * hold) one count per bucket ({@code new_lt_5m, new_5_10m, ..., new_ge_320m, proc_lt_5m,
     * ...}), then {@code total} and {@code oldest_new_age_minutes} (-1 when no message is NEW).
     */
    static void age(JsonGenerator g, AgeRow r) {
        selector(g, r.accountId(), r.campaignId(), r.isp());
        for (int s = 0; s < AGE_STATES.size(); s++) {
            for (AgeBucket b : AgeBucket.values()) {
                g.writeNumberProperty(AGE_FIELDS[s][b.ordinal()], r.count(AGE_STATES.get(s), b));
            }
        }
        g.writeNumberProperty("total", r.total());
        g.writeNumberProperty("oldest_new_age_minutes", r.oldestNewAgeMinutes());
    }

    /**
     * A retry-reason row: {@code account_id, campaign_id, isp}, one count per reason by its wire
     * name ({@code remote_temporary_failure, connection_failure, local_rate_limit,
     * remote_throttling, unspecified}), then {@code retry}, their sum.
     */
    static void retryReasons(JsonGenerator g, RetryReasonRow r) {
        selector(g, r.accountId(), r.campaignId(), r.isp());
        for (RetryReason reason : RetryReason.values()) {
            g.writeNumberProperty(reason.wireName(), r.count(reason));
        }
        g.writeNumberProperty("retry", r.total());
    }

    /** A rate limit: {@code account_id, campaign_id, isp, permits, per_ms, burst}. */
    static void rateLimit(JsonGenerator g, Map.Entry<Selector, RateLimit> e) {
        Selector s = e.getKey();
        RateLimit l = e.getValue();
        selector(g, s.accountId(), s.campaignId(), s.isp());
        g.writeNumberProperty("permits", l.permits());
        g.writeNumberProperty("per_ms", millis(l.per()));
        g.writeNumberProperty("burst", l.burst());
    }

    /** Whole milliseconds, rounded down; {@code Long.MAX_VALUE} past it (only the core API sets such periods). */
    private static long millis(Duration d) {
        try {
            return d.toMillis();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    static void selector(JsonGenerator g, int accountId, int campaignId, String isp) {
        g.writeNumberProperty("account_id", accountId);
        g.writeNumberProperty("campaign_id", campaignId);
        g.writeStringProperty("isp", isp);
    }

    /** The field of an age row that counts {@code state} in {@code bucket}, e.g. {@code retry_20_40m}. */
    static String ageField(MessageState state, AgeBucket bucket) {
        return AGE_FIELDS[AGE_STATES.indexOf(state)][bucket.ordinal()];
    }

    private static String[][] ageFields() {
        String[][] fields = new String[AGE_STATES.size()][];
        for (int s = 0; s < fields.length; s++) {
            String prefix = AGE_STATES.get(s).name().toLowerCase(Locale.ROOT) + "_";
            fields[s] = new String[BUCKET_NAMES.length];
            for (int b = 0; b < BUCKET_NAMES.length; b++) {
                fields[s][b] = prefix + BUCKET_NAMES[b];
            }
        }
        return fields;
    }

    private static String[] bucketNames() {
        AgeBucket[] all = AgeBucket.values();
        String[] names = new String[all.length];
        for (AgeBucket b : all) {
            names[b.ordinal()] = b.ordinal() == 0 ? "lt_" + b.toMinutes() + "m"
                    : b.toMinutes() == Long.MAX_VALUE ? "ge_" + b.fromMinutes() + "m"
                    : b.fromMinutes() + "_" + b.toMinutes() + "m";
        }
        return names;
    }
}
