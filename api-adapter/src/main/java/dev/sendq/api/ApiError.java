package dev.sendq.api;

/**
 * The error table of the admin API: each code with its HTTP status and its standard text.
 * Every answer carries one of these as {@code error} and {@code error_text}.
 */
public enum ApiError {
    /** 0: the request succeeded. */
    OK(0, 200, "Successful operation"),
    /** 1: the body could not be read as the content type says. */
    MALFORMED(1, 400, "Malformed request body"),
    /** 1: the query string could not be decoded. */
    MALFORMED_QUERY(1, 400, "Malformed query string"),
    /** 1: the body's content type is not JSON, XML or form-encoded. */
    UNSUPPORTED_MEDIA_TYPE(1, 415, "Unsupported content type"),
    /** 2: the token is unknown. */
    INVALID_TOKEN(2, 401, "Invalid token"),
    /** 3: a required parameter is absent. */
    MISSING_PARAMETER(3, 400, "Missing required parameter"),
    /** 4: a parameter has a value it cannot take, or is not a parameter of the request. */
    INVALID_VALUE(4, 400, "Invalid value for parameter"),
    /** 5: the engine has no such sender. */
    SENDER_NOT_FOUND(5, 404, "Sender not found"),
    /** 6: the token is valid but not for this sender. */
    FORBIDDEN_SENDER(6, 403, "Token not allowed for this sender"),
    /** 7: the request was not a POST. */
    METHOD_NOT_ALLOWED(7, 405, "Method not allowed (POST only)"),
    /** 8: the body is larger than the configured limit. */
    BODY_TOO_LARGE(8, 413, "Request body too large"),
    /** 9: something failed inside; nothing about it reaches the client. */
    INTERNAL(9, 500, "Internal error"),
    /** 404 for a path that is no request of this API (answered with error 1's envelope style). */
    NOT_FOUND(1, 404, "Unknown request path");

    private final int code;
    private final int status;
    private final String text;

    ApiError(int code, int status, String text) {
        this.code = code;
        this.status = status;
        this.text = text;
    }

    /** The {@code error} code of the envelope. */
    public int code() {
        return code;
    }

    /** The HTTP status that goes with it. */
    public int status() {
        return status;
    }

    /** The standard {@code error_text}. */
    public String text() {
        return text;
    }
}
