/**
 * What sendq exports to monitoring systems, shared by the Prometheus collector
 * ({@code dev.sendq.api.prometheus}) and the Micrometer binder ({@code dev.sendq.api.micrometer}):
 * {@link dev.sendq.api.metrics.MetricsOptions} and the {@link dev.sendq.api.metrics.Breakdown}s it
 * can ask for. This package needs neither library.
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>Family</b>: {@code queued} (live messages per state, a gauge), {@code finished}
 *       (messages that left, per outcome, a monotonic counter), {@code cells} (a gauge).</li>
 *   <li><b>Breakdown</b>: a finer split of a sender's families, by ISP, account or campaign,
 *       exported only on request.</li>
 *   <li><b>Key</b>: one ISP, account or campaign of a breakdown.</li>
 *   <li><b>Top N</b>: the N keys with the most live messages (then the most finished, then the
 *       lowest key); each has its own series.</li>
 *   <li><b>Other</b>: the one series that sums every key outside the top N.</li>
 *   <li><b>Read at scrape time</b>: values come from the engine's stats API when the monitoring
 *       system asks, never from the transition path.</li>
 * </ul>
 *
 * <p>See {@code docs/metrics.md} for names, labels, a sample scrape and Grafana queries.
 */
package dev.sendq.api.metrics;
