package dev.sendq.api.metrics.internal;

import dev.sendq.api.metrics.Breakdown;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One read of one breakdown of one sender: the top keys' series in key order, then the folded
 * {@code other} series (always present).
 *
 * @param breakdown the breakdown
 * @param series    the series, {@code other} last
 */
public record Folded(Breakdown breakdown, List<Series> series) {
    /** Copies the list. */
    public Folded {
        series = List.copyOf(series);
    }

    /** The series of these label values, by lookup. */
    public Map<List<String>, Series> byLabels() {
        Map<List<String>, Series> m = new HashMap<>(series.size() * 2);
        for (Series s : series) {
            m.put(s.labelValues(), s);
        }
        return m;
    }
}
