package dev.sendq.api;

/** The two answer formats of the API. */
enum Format {
    JSON("application/json"),
    XML("application/xml");

    /** The media type, as in a request's Content-Type. */
    final String mediaType;
    /** The Content-Type of an answer. */
    final String contentType;

    Format(String mediaType) {
        this.mediaType = mediaType;
        this.contentType = mediaType + "; charset=utf-8";
    }
}
