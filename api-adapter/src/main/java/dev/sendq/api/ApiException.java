package dev.sendq.api;

/**
 * A request the API answers with an error envelope. Its message is the {@code error_text}
 * sent to the client: fixed texts and parameter names only, never a parser's message, a class
 * name or client input that was not validated.
 */
final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient ApiError error;

    ApiException(ApiError error, String text) {
        super(text, null, false, false);
        this.error = error;
    }

    ApiException(ApiError error) {
        this(error, error.text());
    }

    static ApiException missing(String parameter) {
        return new ApiException(ApiError.MISSING_PARAMETER, ApiError.MISSING_PARAMETER.text() + ": " + parameter);
    }

    static ApiException invalid(String parameter) {
        return new ApiException(ApiError.INVALID_VALUE, ApiError.INVALID_VALUE.text() + ": " + parameter);
    }

    static ApiException malformed(String why) {
        return new ApiException(ApiError.MALFORMED, ApiError.MALFORMED.text() + ": " + why);
    }

    ApiError error() {
        return error;
    }
}
