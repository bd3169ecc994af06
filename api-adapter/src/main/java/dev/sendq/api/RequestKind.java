package dev.sendq.api;

import dev.sendq.core.Grouping;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The requests of the sender-queue API, one per path: what each accepts beyond the parameters
 * every request has, and what it does to one sender. Everything they share (reading the body,
 * {@code format}, the token, unknown parameters, the {@code account_id} / {@code campaign_id} /
 * {@code isp} selector, {@code id}, the token's scope, the sender lookup and the envelope) is done
 * once, by {@link SendqApi}, in the same order for every kind.
 *
 * <p>A request runs in two steps so that a bad request never reaches the engine:
 * {@link #prepare} validates the kind's own parameters and returns an {@link Action}, and
 * {@link SendqApi} runs that action only after every other check has passed.
 *
 * <p>Adding a request: a constant with its path, its own parameters and its {@code prepare}.
 * Extra answer fields are written by the action's {@link ResponseWriter.Body}, between the
 * start of the envelope and its {@code error} and {@code error_text}.
 */
enum RequestKind {
    /** "Get sender queue information": the documented counts per state, filtered and grouped. */
    STATS(SendqApi.STATS_PATH, "isp", "group") {
        @Override
        Action prepare(Params p, Selector selector) throws ApiException {
            Grouping grouping = grouping(p);
            return sender -> ResponseWriter.statsRows(sender.stats(selector, grouping));
        }
    },
    /** "Clear sender queue": cancels the selected NEW, RETRY and HOLD messages; answers {@code cancelled}. */
    PURGE(SendqApi.PURGE_PATH) {
        @Override
        Action prepare(Params p, Selector selector) {
            return sender -> ResponseWriter.number("cancelled", sender.cancel(selector));
        }
    },
    /** "Hold sender queue": adds a hold rule for the selector; answers its {@code rule_id}. */
    HOLD(SendqApi.HOLD_PATH, "isp") {
        @Override
        Action prepare(Params p, Selector selector) {
            return sender -> ResponseWriter.number("rule_id", sender.hold(selector).id());
        }
    },
    /** "Release sender queue": lifts the rules of exactly this selector; answers how many, {@code released}. */
    RELEASE(SendqApi.RELEASE_PATH, "isp") {
        @Override
        Action prepare(Params p, Selector selector) {
            return sender -> ResponseWriter.number("released", sender.release(selector).size());
        }
    };

    private static final Map<String, RequestKind> BY_PATH = new HashMap<>();

    static {
        for (RequestKind k : values()) {
            BY_PATH.put(k.path, k);
            BY_PATH.put(k.path.substring(0, k.path.length() - 1), k); // also without the trailing slash
        }
    }

    /** What a validated request does to its sender, and the answer fields it produces. */
    @FunctionalInterface
    interface Action {
        ResponseWriter.Body apply(SenderQueue sender);
    }

    /** The path, with its trailing slash. */
    final String path;
    /** Every parameter this request accepts; any other is refused (error 4). */
    final Set<String> parameters;

    /**
     * A request at {@code path} taking, besides its {@code own} parameters, those of every request:
     * {@code token}, {@code format}, {@code id}, {@code account_id} and {@code campaign_id}.
     */
    RequestKind(String path, String... own) {
        this.path = path;
        this.parameters = Stream.concat(Stream.of("token", "format", "id", "account_id", "campaign_id"), Stream.of(own))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** The request served at {@code path} (with or without its trailing slash), or {@code null}. */
    static RequestKind forPath(String path) {
        return path == null ? null : BY_PATH.get(path);
    }

    /** Whether the selector of this request may name an ISP. */
    boolean selectsIsp() {
        return parameters.contains("isp");
    }

    /**
     * Validates this request's own parameters (those not in every request) and returns what it
     * will do; changes nothing.
     *
     * @param p        the parameters, already known to be among {@link #parameters}
     * @param selector the validated selector
     * @throws ApiException if a parameter of its own has an invalid value (error 4)
     */
    abstract Action prepare(Params p, Selector selector) throws ApiException;

    private static Grouping grouping(Params p) throws ApiException {
        String group = p.text("group");
        if (group == null || group.isEmpty()) {
            return Grouping.TOTAL;
        }
        try {
            return Grouping.fromParameter(group);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("group");
        }
    }
}
