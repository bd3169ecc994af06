/**
 * sendq for Micrometer (optional dependency): {@link dev.sendq.api.micrometer.SendqMeterBinder},
 * a {@code MeterBinder} of gauges and function counters read from the engine when the registry
 * reads them. Needs {@code micrometer-core}.
 */
package dev.sendq.api.micrometer;
