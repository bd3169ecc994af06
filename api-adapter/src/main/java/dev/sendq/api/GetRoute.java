package dev.sendq.api;

/**
 * A read-only route that {@link HttpBinding} can serve beside the API, such as a metrics scrape
 * ({@code dev.sendq.api.prometheus.PrometheusRoute}). Transport-agnostic like {@link SendqApi}:
 * the binding answers other methods than GET and HEAD itself (405), and drops the body of a
 * HEAD answer.
 *
 * <p>Implementations must be thread-safe: the binding calls them from its worker threads.
 */
@FunctionalInterface
public interface GetRoute {
    /**
     * Answers a GET (or HEAD) of the route's path.
     *
     * @param query  the raw (still percent-encoded) query string, or {@code null}
     * @param accept the {@code Accept} header, or {@code null}
     * @return the answer; it should not throw (an exception is answered 500 by the binding)
     */
    ApiResponse get(String query, String accept);
}
