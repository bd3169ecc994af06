package dev.sendq.api.metrics.internal;

import java.util.List;

/**
 * One key's (or the folded rest's) values in a {@link Folded} breakdown, as exported. Treat the
 * arrays as read-only.
 *
 * @param labelValues the key's label values, in {@link dev.sendq.api.metrics.Breakdown#labelNames()}
 *                    order ({@code "other"} for each on the folded series)
 * @param live        live counts indexed by {@link dev.sendq.core.MessageState#ordinal()}
 * @param finished    exported outcome counts indexed by {@link dev.sendq.core.Outcome#ordinal()}
 * @param other       whether this is the folded series
 * @param generation  which admission of the key to the top N this series belongs to (0 for the
 *                    folded series): a key that leaves and comes back gets a new generation, and
 *                    its counters start again from 0, so that a meter bound to an older
 *                    generation must not take this series' values
 */
public record Series(List<String> labelValues, long[] live, long[] finished, boolean other, long generation) {
}
