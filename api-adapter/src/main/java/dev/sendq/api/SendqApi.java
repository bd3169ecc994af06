package dev.sendq.api;

import dev.sendq.core.QueueEngine;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.Selector;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The admin API's sender-queue requests, transport-agnostic: an {@link ApiRequest} in (method,
 * path, query string, content type, body bytes), an {@link ApiResponse} out (status, content
 * type, body bytes). Any HTTP server can host it; {@link HttpBinding} hosts it on the JDK's.
 *
 * <p>Serves, each also without the trailing slash:
 * <ul>
 *   <li>{@code POST /api/v1.1/admin/senders/queue/stats/} ("Get sender queue information") from
 *       the engine's counters: parameters {@code token}, {@code format}, {@code id},
 *       {@code account_id}, {@code campaign_id}, {@code isp}, {@code group};</li>
 *   <li>{@code .../queue/purge/} ("Clear sender queue"): cancels the selected NEW, RETRY and HOLD
 *       messages; {@code token}, {@code format}, {@code id}, {@code account_id},
 *       {@code campaign_id};</li>
 *   <li>{@code .../queue/hold/} and {@code .../queue/release/} ("Hold / Release sender queue"):
 *       add a hold rule for the selector, or lift the rules of exactly that selector; the same
 *       parameters plus {@code isp};</li>
 *   <li>our extensions, under the same prefix and rules: {@code .../queue/rules/} (the hold
 *       rules with what each holds), {@code .../queue/rules/add/} (a rule with a reason, a label
 *       and an expiry, or its dry run), {@code .../queue/rules/lift/} (one rule by id),
 *       {@code .../queue/age/} (messages by state and age), {@code .../queue/retry_reasons/}
 *       (RETRY messages by reason), and {@code .../queue/rate_limits/} with {@code set/} and
 *       {@code remove/}.</li>
 * </ul>
 * Parameters come from a JSON, XML or form body or the query string; the token may instead come
 * as {@code Authorization: Bearer <token>}. See {@code docs/api.md} for the full contract and
 * the error table ({@link ApiError}).
 *
 * <p>Thread-safe; build one at start-up and share it. It never answers with a stack trace, a
 * parser's message or a class name, and a bad request never changes the engine: every check
 * runs before a request acts.
 */
public final class SendqApi {
    /** The longest token accepted, in characters. */
    public static final int MAX_TOKEN_LENGTH = 256;
    /** The default limit on a request body: 64 KiB (a stats request is well under 1 KiB). */
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

    /** The path of "Get sender queue information". */
    public static final String STATS_PATH = "/api/v1.1/admin/senders/queue/stats/";
    /** The path of "Clear sender queue". */
    public static final String PURGE_PATH = "/api/v1.1/admin/senders/queue/purge/";
    /** The path of "Hold sender queue". */
    public static final String HOLD_PATH = "/api/v1.1/admin/senders/queue/hold/";
    /** The path of "Release sender queue". */
    public static final String RELEASE_PATH = "/api/v1.1/admin/senders/queue/release/";
    /** The path of our extension that lists the hold rules with what each holds. */
    public static final String HOLD_RULES_PATH = "/api/v1.1/admin/senders/queue/rules/";
    /** The path of our extension that adds a hold rule with a reason, a label and an expiry. */
    public static final String ADD_HOLD_RULE_PATH = "/api/v1.1/admin/senders/queue/rules/add/";
    /** The path of our extension that lifts one hold rule by id. */
    public static final String LIFT_HOLD_RULE_PATH = "/api/v1.1/admin/senders/queue/rules/lift/";
    /** The path of our extension that counts messages by state and age. */
    public static final String AGES_PATH = "/api/v1.1/admin/senders/queue/age/";
    /** The path of our extension that counts RETRY messages by the reason they were deferred for. */
    public static final String RETRY_REASONS_PATH = "/api/v1.1/admin/senders/queue/retry_reasons/";
    /** The path of our extension that lists the rate limits. */
    public static final String RATE_LIMITS_PATH = "/api/v1.1/admin/senders/queue/rate_limits/";
    /** The path of our extension that sets a rate limit. */
    public static final String SET_RATE_LIMIT_PATH = "/api/v1.1/admin/senders/queue/rate_limits/set/";
    /** The path of our extension that removes a rate limit. */
    public static final String REMOVE_RATE_LIMIT_PATH = "/api/v1.1/admin/senders/queue/rate_limits/remove/";

    private static final System.Logger LOG = System.getLogger(SendqApi.class.getName());

    private final QueueEngine engine;
    private final TokenStore tokens;
    private final int maxBodyBytes;
    private final RequestReader reader = new RequestReader();
    private final ResponseWriter writer = new ResponseWriter();

    private SendqApi(QueueEngine engine, TokenStore tokens, int maxBodyBytes) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        if (maxBodyBytes < 1 || maxBodyBytes > DEFAULT_MAX_BODY_BYTES) {
            throw new IllegalArgumentException("maxBodyBytes must be within 1.." + DEFAULT_MAX_BODY_BYTES);
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    /** An API over {@code engine} checking tokens in {@code tokens}, with the default body limit. */
    public static SendqApi create(QueueEngine engine, TokenStore tokens) {
        return new SendqApi(engine, tokens, DEFAULT_MAX_BODY_BYTES);
    }

    /** An API with a smaller body limit, in bytes (at most {@link #DEFAULT_MAX_BODY_BYTES}). */
    public static SendqApi create(QueueEngine engine, TokenStore tokens, int maxBodyBytes) {
        return new SendqApi(engine, tokens, maxBodyBytes);
    }

    /** The largest body accepted; a server should stop reading one byte past it. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** Whether this API answers requests to {@code path} (the server may route only those here). */
    public boolean handles(String path) {
        return RequestKind.forPath(path) != null;
    }

    /**
     * Answers one request. Never throws: every failure is an error envelope.
     *
     * @param request the request
     * @return the response to send
     */
    public ApiResponse handle(ApiRequest request) {
        return answer(request, request.body().length > maxBodyBytes);
    }

    /**
     * Answers a request whose body the server stopped reading because it was longer than
     * {@link #maxBodyBytes()}: 413 (error 8), or 404 / 405 when the path or method is wrong
     * anyway. The request's body is ignored.
     *
     * @param request the request line and headers
     * @return the response to send
     */
    public ApiResponse handleOversized(ApiRequest request) {
        return answer(request, true);
    }

    private ApiResponse answer(ApiRequest request, boolean oversized) {
        Format format = RequestReader.formatOf(request.contentType());
        try {
            RequestKind kind = RequestKind.forPath(request.path());
            if (kind == null) {
                throw new ApiException(ApiError.NOT_FOUND);
            }
            if (!"POST".equals(request.method())) {
                throw new ApiException(ApiError.METHOD_NOT_ALLOWED);
            }
            if (oversized) {
                throw new ApiException(ApiError.BODY_TOO_LARGE);
            }
            Params p = reader.read(request);
            if (p.bodyFormat != null) {
                format = p.bodyFormat;
            }
            String f = p.text("format");
            if (f != null && !f.isEmpty()) {
                if (f.equals("json")) {
                    format = Format.JSON;
                } else if (f.equals("xml")) {
                    format = Format.XML;
                } else {
                    throw ApiException.invalid("format");
                }
            }
            TokenScope scope = authenticate(p, request.authorization());
            p.onlyThese(kind.parameters);
            Selector selector = selector(p, kind.selects);
            RequestKind.Action action = kind.prepare(p, selector);
            int id = senderId(p);
            for (String name : kind.required) {
                if (!p.has(name)) {
                    throw ApiException.missing(name);
                }
            }
            SenderQueue sender = sender(id, scope);
            // Every check has passed: only now does the request touch the engine.
            return ok(format, action.apply(sender));
        } catch (ApiException e) {
            return error(format, e.error(), e.getMessage());
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError vme) {
                throw vme;
            }
            LOG.log(Level.ERROR, "internal error answering " + request.method() + " " + safePath(request.path()), e);
            return error(format, ApiError.INTERNAL, ApiError.INTERNAL.text());
        }
    }

    private TokenScope authenticate(Params p, String authorization) throws ApiException {
        String token = p.text("token");
        String bearer = bearer(authorization);
        if (token == null || token.isEmpty()) {
            token = bearer;
        } else if (bearer != null && !bearer.equals(token)) {
            throw new ApiException(ApiError.INVALID_TOKEN);
        }
        if (token == null || token.isEmpty()) {
            throw ApiException.missing("token");
        }
        if (token.length() > MAX_TOKEN_LENGTH || !Text.isCleanText(token)) {
            throw new ApiException(ApiError.INVALID_TOKEN);
        }
        Optional<TokenScope> scope = tokens.find(token);
        if (scope.isEmpty()) {
            throw new ApiException(ApiError.INVALID_TOKEN);
        }
        return scope.get();
    }

    private static String bearer(String authorization) throws ApiException {
        if (authorization == null) {
            return null;
        }
        String a = authorization.strip();
        boolean bearer = a.regionMatches(true, 0, "Bearer", 0, 6) && (a.length() == 6 || a.charAt(6) == ' ');
        if (!bearer) {
            return null; // another scheme (e.g. Basic, from a proxy) is not ours to judge
        }
        String token = a.substring(6).strip();
        if (token.isEmpty()) {
            throw new ApiException(ApiError.INVALID_TOKEN); // "Bearer" and nothing after it
        }
        return token;
    }

    /** The account / campaign / ISP selector of a request ({@link Selector#ALL} if it takes none). */
    private static Selector selector(Params p, RequestKind.Selects selects) throws ApiException {
        if (selects == RequestKind.Selects.NOTHING) {
            return Selector.ALL;
        }
        int account = p.nonNegativeInt("account_id");
        int campaign = p.nonNegativeInt("campaign_id");
        String isp = selects == RequestKind.Selects.CELLS_AND_ISP ? p.text("isp") : null;
        try {
            return new Selector(Math.max(account, 0), Math.max(campaign, 0), isp);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("isp"); // too long, control characters, unpaired surrogates
        }
    }

    /** The sender id: error 4 if it is not a positive int, 3 if absent. */
    private static int senderId(Params p) throws ApiException {
        int id = p.nonNegativeInt("id");
        if (id < 0) {
            throw ApiException.missing("id");
        }
        if (id == 0) {
            throw ApiException.invalid("id");
        }
        return id;
    }

    /** The sender {@code id}, once the token may act on it: error 6 or 5 otherwise. */
    private SenderQueue sender(int id, TokenScope scope) throws ApiException {
        if (!scope.allows(id)) {
            throw new ApiException(ApiError.FORBIDDEN_SENDER);
        }
        return engine.findSender(id).orElseThrow(() -> new ApiException(ApiError.SENDER_NOT_FOUND));
    }

    private ApiResponse ok(Format format, ResponseWriter.Body body) {
        return new ApiResponse(200, format.contentType, writer.write(format, body, ApiError.OK, ApiError.OK.text()),
                Map.of());
    }

    private ApiResponse error(Format format, ApiError error, String text) {
        byte[] bytes = writer.write(format, null, error, text);
        Map<String, String> headers = error == ApiError.METHOD_NOT_ALLOWED ? Map.of("Allow", "POST") : Map.of();
        return new ApiResponse(error.status(), format.contentType, bytes, headers);
    }

    private static String safePath(String path) {
        if (path == null) {
            return "(none)";
        }
        String p = path.length() > 100 ? path.substring(0, 100) + "..." : path;
        return p.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
