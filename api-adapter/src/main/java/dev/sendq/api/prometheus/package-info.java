/**
 * sendq for the Prometheus Java client (1.x, optional dependency):
 * {@link dev.sendq.api.prometheus.SendqCollector}, a {@code MultiCollector} that reads the engine
 * at scrape time, and {@link dev.sendq.api.prometheus.PrometheusRoute}, a {@code /metrics}
 * route for {@link dev.sendq.api.HttpBinding} that writes a registry in the text or OpenMetrics
 * format with the client's own writers. Needs {@code prometheus-metrics-model}, and for the route
 * {@code prometheus-metrics-exposition-textformats}.
 */
package dev.sendq.api.prometheus;
