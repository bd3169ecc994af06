package dev.sendq.api;

import java.util.Objects;

/**
 * One HTTP request as the handler needs it, whatever server received it.
 *
 * @param method        the HTTP method, e.g. {@code "POST"}
 * @param path          the request path without the query string, e.g.
 *                      {@code "/api/v1.1/admin/senders/queue/stats/"}
 * @param query         the raw (still percent-encoded) query string, or {@code null}
 * @param contentType   the {@code Content-Type} header, or {@code null}
 * @param authorization the {@code Authorization} header, or {@code null}
 * @param body          the body bytes (empty when none); the server should stop reading at
 *                      {@link SendqApi#maxBodyBytes()} + 1 bytes
 */
public record ApiRequest(String method, String path, String query, String contentType, String authorization,
                         byte[] body) {
    /** Validates the record. */
    public ApiRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        body = body == null ? new byte[0] : body;
    }

    /** A POST of {@code body} with this content type to {@code path}. */
    public static ApiRequest post(String path, String contentType, byte[] body) {
        return new ApiRequest("POST", path, null, contentType, null, body);
    }
}
