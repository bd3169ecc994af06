package dev.sendq.api;

/** The two answer formats of the API. */
enum Format {
    JSON("application/json; charset=utf-8"),
    XML("application/xml; charset=utf-8");

    final String contentType;

    Format(String contentType) {
        this.contentType = contentType;
    }
}
