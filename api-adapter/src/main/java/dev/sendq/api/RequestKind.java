package dev.sendq.api;

import dev.sendq.core.Grouping;
import dev.sendq.core.HoldImpact;
import dev.sendq.core.HoldReason;
import dev.sendq.core.RateLimit;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.UnknownHoldRuleException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The requests of the sender-queue API, one per path: which selector parameters each takes,
 * what it accepts beyond the parameters every request has ({@code token}, {@code format},
 * {@code id}), which of those it requires, and what it does to one sender. Everything they share
 * (reading the body, {@code format}, the token, unknown parameters, the {@code account_id} /
 * {@code campaign_id} / {@code isp} selector, {@code id}, required parameters, the token's scope,
 * the sender lookup and the envelope) is done once, by {@link SendqApi}, in the same order for
 * every kind.
 *
 * <p>A request runs in two steps so that a bad request never reaches the engine:
 * {@link #prepare} validates the kind's own parameters and returns an {@link Action}, and
 * {@link SendqApi} runs that action only after every other check has passed. An action may
 * still refuse with error 4 what only the sender can tell (a hold rule id it does not have);
 * it then changes nothing.
 *
 * <p>Adding a request: a constant with its path, its selector, its own parameters and its
 * {@code prepare}. Extra answer fields are written by the action's {@link ResponseWriter.Body},
 * between the start of the envelope and its {@code error} and {@code error_text}.
 */
enum RequestKind {
    /** "Get sender queue information": the documented counts per state, filtered and grouped. */
    STATS(SendqApi.STATS_PATH, Selects.CELLS_AND_ISP, List.of(), "group") {
        @Override
        Action prepare(Params p, Selector selector) throws ApiException {
            Grouping grouping = ParamValues.grouping(p);
            return sender -> ResponseWriter.statsRows(sender.stats(selector, grouping));
        }
    },
    /** "Clear sender queue": cancels the selected NEW, RETRY and HOLD messages; answers {@code cancelled}. */
    PURGE(SendqApi.PURGE_PATH, Selects.CELLS, List.of()) {
        @Override
        Action prepare(Params p, Selector selector) {
            return sender -> ResponseWriter.number("cancelled", sender.cancel(selector));
        }
    },
    /** "Hold sender queue": adds a hold rule for the selector; answers its {@code rule_id}. */
    HOLD(SendqApi.HOLD_PATH, Selects.CELLS_AND_ISP, List.of()) {
        @Override
        Action prepare(Params p, Selector selector) {
            return sender -> ResponseWriter.number("rule_id", sender.hold(selector).id());
        }
    },
    /** "Release sender queue": lifts the rules of exactly this selector; answers how many, {@code released}. */
    RELEASE(SendqApi.RELEASE_PATH, Selects.CELLS_AND_ISP, List.of()) {
        @Override
        Action prepare(Params p, Selector selector) {
            return sender -> ResponseWriter.number("released", sender.release(selector).size());
        }
    },
    /** The hold rules in force, each with what it holds now; rows with {@code taken_at} and {@code generation}. */
    HOLD_RULES(SendqApi.HOLD_RULES_PATH, Selects.NOTHING, List.of()) {
        @Override
        Action prepare(Params p, Selector selector) {
            return sender -> ResponseWriter.snapshot(sender.holdImpact(), ExtensionRows::ruleImpact);
        }
    },
    /**
     * Adds a hold rule with a reason, a label and an expiry; answers {@code rule_id}. With
     * {@code dry_run=1}, adds nothing and answers what the rule would hold now
     * ({@code from_new, from_retry, total}).
     */
    ADD_HOLD_RULE(SendqApi.ADD_HOLD_RULE_PATH, Selects.CELLS_AND_ISP, List.of(), "reason", "label", "until", "dry_run") {
        @Override
        Action prepare(Params p, Selector selector) throws ApiException {
            HoldReason reason = ParamValues.holdReason(p);
            String label = ParamValues.label(p);
            Instant until = ParamValues.until(p, InstantSource.system());
            if (ParamValues.flag(p, "dry_run")) {
                return sender -> {
                    HoldImpact impact = sender.previewHold(selector);
                    return g -> ExtensionRows.impact(g, impact);
                };
            }
            return sender -> {
                try {
                    return ResponseWriter.number("rule_id", sender.hold(selector, reason, label, until).id());
                } catch (IllegalArgumentException e) {
                    // The engine's clock passed `until` since it was checked: refused, nothing added.
                    throw ApiException.invalid("until");
                }
            };
        }
    },
    /** Lifts one hold rule by id; answers {@code released} 1. A rule the sender does not have is error 4. */
    LIFT_HOLD_RULE(SendqApi.LIFT_HOLD_RULE_PATH, Selects.NOTHING, List.of("rule_id")) {
        @Override
        Action prepare(Params p, Selector selector) throws ApiException {
            long ruleId = ParamValues.positiveLong(p, "rule_id");
            return sender -> {
                try {
                    sender.liftHold(ruleId);
                } catch (UnknownHoldRuleException e) {
                    throw ApiException.invalid("rule_id");
                }
                return ResponseWriter.number("released", 1);
            };
        }
    },
    /** How old the queued messages are, per state and age bucket, filtered and grouped as stats. */
    AGES(SendqApi.AGES_PATH, Selects.CELLS_AND_ISP, List.of(), "group") {
        @Override
        Action prepare(Params p, Selector selector) throws ApiException {
            Grouping grouping = ParamValues.grouping(p);
            return sender -> ResponseWriter.snapshot(sender.ages(selector, grouping), ExtensionRows::age);
        }
    },
    /** The RETRY messages by the reason they were deferred for, filtered and grouped as stats. */
    RETRY_REASONS(SendqApi.RETRY_REASONS_PATH, Selects.CELLS_AND_ISP, List.of(), "group") {
        @Override
        Action prepare(Params p, Selector selector) throws ApiException {
            Grouping grouping = ParamValues.grouping(p);
            return sender -> ResponseWriter.snapshot(sender.retryReasons(selector, grouping),
                    ExtensionRows::retryReasons);
        }
    },
    /** The sender's rate limits: {@code account_id, campaign_id, isp, permits, per_ms, burst}, in the order set. */
    RATE_LIMITS(SendqApi.RATE_LIMITS_PATH, Selects.NOTHING, List.of()) {
        @Override
        Action prepare(Params p, Selector selector) {
            return sender -> ResponseWriter.rows(List.copyOf(sender.rateLimits().entrySet()), ExtensionRows::rateLimit);
        }
    },
    /** Sets the rate limit of exactly this selector ({@code permits} per {@code per_ms}, {@code burst}); answers {@code replaced}. */
    SET_RATE_LIMIT(SendqApi.SET_RATE_LIMIT_PATH, Selects.CELLS_AND_ISP, List.of("permits"), "per_ms", "burst") {
        @Override
        Action prepare(Params p, Selector selector) throws ApiException {
            int permits = ParamValues.positiveInt(p, "permits", MAX_PERMITS, 1);
            int perMs = ParamValues.positiveInt(p, "per_ms", MAX_PER_MS, 1000);
            int burst = ParamValues.positiveInt(p, "burst", MAX_PERMITS, 1);
            RateLimit limit;
            try {
                limit = new RateLimit(permits, Duration.ofMillis(perMs), burst);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("permits"); // faster than one message per nanosecond
            }
            return sender -> ResponseWriter.number("replaced", sender.setRateLimit(selector, limit) == null ? 0 : 1);
        }
    },
    /** Removes the rate limit of exactly this selector; answers {@code removed}, 1 or 0. */
    REMOVE_RATE_LIMIT(SendqApi.REMOVE_RATE_LIMIT_PATH, Selects.CELLS_AND_ISP, List.of()) {
        @Override
        Action prepare(Params p, Selector selector) {
            return sender -> ResponseWriter.number("removed", sender.removeRateLimit(selector) == null ? 0 : 1);
        }
    };

    /** The largest {@code permits} and {@code burst} of a rate limit set through the API. */
    static final int MAX_PERMITS = 1_000_000_000;
    /** The longest {@code per_ms}: a day. */
    static final int MAX_PER_MS = 86_400_000;

    private static final Map<String, RequestKind> BY_PATH = new HashMap<>();

    static {
        for (RequestKind k : values()) {
            BY_PATH.put(k.path, k);
            BY_PATH.put(k.path.substring(0, k.path.length() - 1), k); // also without the trailing slash
        }
    }

    /** Which selector parameters a request takes. */
    enum Selects {
        /** None: the request is about the sender as a whole. */
        NOTHING,
        /** {@code account_id} and {@code campaign_id}. */
        CELLS,
        /** {@code account_id}, {@code campaign_id} and {@code isp}. */
        CELLS_AND_ISP
    }

    /** What a validated request does to its sender, and the answer fields it produces. */
    @FunctionalInterface
    interface Action {
        /**
         * Acts on the sender.
         *
         * @throws ApiException error 4 for a value only the sender can judge; nothing has changed then
         */
        ResponseWriter.Body apply(SenderQueue sender) throws ApiException;
    }

    /** The path, with its trailing slash. */
    final String path;
    /** Which selector parameters it takes. */
    final Selects selects;
    /** Every parameter this request accepts; any other is refused (error 4). */
    final Set<String> parameters;
    /** Its own parameters that must be present (besides {@code token} and {@code id}), in the order checked. */
    final List<String> required;

    /**
     * A request at {@code path} taking {@code token}, {@code format}, {@code id}, the parameters
     * of its selector, its {@code required} parameters and the {@code optional} ones.
     */
    RequestKind(String path, Selects selects, List<String> required, String... optional) {
        this.path = path;
        this.selects = selects;
        this.required = required;
        List<String> all = new ArrayList<>(List.of("token", "format", "id"));
        if (selects != Selects.NOTHING) {
            all.addAll(List.of("account_id", "campaign_id"));
        }
        if (selects == Selects.CELLS_AND_ISP) {
            all.add("isp");
        }
        all.addAll(required);
        all.addAll(List.of(optional));
        this.parameters = Set.copyOf(all);
    }

    /** The request served at {@code path} (with or without its trailing slash), or {@code null}. */
    static RequestKind forPath(String path) {
        return path == null ? null : BY_PATH.get(path);
    }

    /**
     * Validates this request's own parameters (neither the selector nor those of every request)
     * and returns what it will do; changes nothing. A required parameter that is absent is not
     * refused here but by {@link SendqApi}, after {@code id} (values first, then presence).
     *
     * @param p        the parameters, already known to be among {@link #parameters}
     * @param selector the validated selector ({@link Selector#ALL} when the request takes none)
     * @throws ApiException if a parameter of its own has an invalid value (error 4)
     */
    abstract Action prepare(Params p, Selector selector) throws ApiException;
}
