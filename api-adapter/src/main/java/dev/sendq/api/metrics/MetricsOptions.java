package dev.sendq.api.metrics;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the Prometheus collector and the Micrometer binder export: always one series per sender
 * and state (and per sender and outcome); per {@link Breakdown} only when asked for, and then
 * bounded: the top N keys by live total (messages in NEW, PROC, RETRY and HOLD) get their own
 * series, every other key is folded into one series labelled {@value #OTHER}. So a scrape has
 * at most {@code senders x (9 + sum over breakdowns of (N + 1) x 8)} samples, however many ISPs,
 * accounts or campaigns the engine has seen.
 *
 * <p>Immutable and thread-safe.
 *
 * <pre>{@code
 * MetricsOptions options = MetricsOptions.builder()
 *         .breakdown(Breakdown.ISP, 10)          // the 10 busiest ISPs + "other"
 *         .breakdown(Breakdown.CAMPAIGN, 50)     // the 50 busiest campaigns + "other"
 *         .build();
 * }</pre>
 */
public final class MetricsOptions {
    /** The label value of the series that folds every key outside the top N. */
    public static final String OTHER = "other";
    /** The largest N a breakdown may ask for. */
    public static final int MAX_TOP = 1000;

    private static final MetricsOptions DEFAULTS = new MetricsOptions(new EnumMap<>(Breakdown.class));

    private final Map<Breakdown, Integer> tops;

    private MetricsOptions(EnumMap<Breakdown, Integer> tops) {
        this.tops = Collections.unmodifiableMap(new EnumMap<>(tops));
    }

    /** Per sender and state, per sender and outcome, cells per sender; no breakdown. */
    public static MetricsOptions defaults() {
        return DEFAULTS;
    }

    /** A builder that starts from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The breakdowns asked for, in {@link Breakdown} order. */
    public Set<Breakdown> breakdowns() {
        return tops.keySet();
    }

    /** How many keys of {@code breakdown} get their own series, or 0 when it is not exported. */
    public int top(Breakdown breakdown) {
        return tops.getOrDefault(Objects.requireNonNull(breakdown, "breakdown"), 0);
    }

    @Override
    public String toString() {
        return "MetricsOptions" + tops;
    }

    /** Builds {@link MetricsOptions}; not thread-safe. */
    public static final class Builder {
        private final EnumMap<Breakdown, Integer> tops = new EnumMap<>(Breakdown.class);

        private Builder() {
        }

        /**
         * Exports {@code breakdown}: its {@code top} busiest keys (by live total, then by finished
         * messages, then by key) each get their own series, re-ranked at every read; the others
         * are summed into the {@value MetricsOptions#OTHER} series.
         *
         * @param breakdown the breakdown
         * @param top       how many keys get their own series, 1 to {@value MetricsOptions#MAX_TOP}
         * @return this builder
         * @throws IllegalArgumentException if {@code top} is out of range
         */
        public Builder breakdown(Breakdown breakdown, int top) {
            Objects.requireNonNull(breakdown, "breakdown");
            if (top < 1 || top > MAX_TOP) {
                throw new IllegalArgumentException("top must be within 1.." + MAX_TOP + ", got " + top);
            }
            tops.put(breakdown, top);
            return this;
        }

        /** The options. */
        public MetricsOptions build() {
            return new MetricsOptions(tops);
        }
    }
}
