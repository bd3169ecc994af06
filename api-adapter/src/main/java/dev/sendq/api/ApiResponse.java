package dev.sendq.api;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * The handler's answer: an HTTP status, a content type, the body bytes and extra headers
 * (e.g. {@code Allow} on a 405).
 *
 * @param status      the HTTP status
 * @param contentType the {@code Content-Type} of the body
 * @param body        the body
 * @param headers     extra headers, possibly empty
 */
public record ApiResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    /** Validates the record. */
    public ApiResponse {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
        headers = Map.copyOf(headers);
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
