/**
 * Not exported: how the exporters read the engine. {@link dev.sendq.api.metrics.internal.EngineReader}
 * reads every sender through the core's public stats API; a
 * {@link dev.sendq.api.metrics.internal.Fold} per sender and breakdown keeps the top N keys and
 * folds the rest into {@code other}, keeping the folded counters monotonic;
 * {@link dev.sendq.api.metrics.internal.Family} names the families for each ecosystem.
 */
package dev.sendq.api.metrics.internal;
