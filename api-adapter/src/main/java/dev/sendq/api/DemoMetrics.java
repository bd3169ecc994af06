package dev.sendq.api;

import dev.sendq.api.metrics.Breakdown;
import dev.sendq.api.metrics.MetricsOptions;
import dev.sendq.api.prometheus.PrometheusRoute;
import dev.sendq.core.QueueEngine;

/**
 * The demo's {@code /metrics} route, in a class of its own so that {@link DemoServer} loads the
 * Prometheus client only when the route is on. The demo's few ISPs and accounts all get series;
 * its campaigns are capped at 5, so that the scrape shows an {@code other} series.
 */
final class DemoMetrics {
    /** The route's path. */
    static final String PATH = PrometheusRoute.PATH;

    static final MetricsOptions OPTIONS = MetricsOptions.builder()
            .breakdown(Breakdown.ISP, 10)
            .breakdown(Breakdown.ACCOUNT, 10)
            .breakdown(Breakdown.CAMPAIGN, 5)
            .build();

    private DemoMetrics() {
    }

    /** Serves the engine's metrics on {@value #PATH} of {@code http}. */
    static void mount(HttpBinding http, QueueEngine engine) {
        http.route(PATH, PrometheusRoute.of(engine, OPTIONS));
    }
}
