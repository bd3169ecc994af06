package dev.sendq.api.prometheus;

import dev.sendq.api.metrics.Breakdown;
import dev.sendq.api.metrics.MetricsOptions;
import dev.sendq.api.metrics.internal.EngineReader;
import dev.sendq.api.metrics.internal.Family;
import dev.sendq.api.metrics.internal.SenderReading;
import dev.sendq.api.metrics.internal.Series;
import dev.sendq.core.QueueEngine;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricFamilyDescriptor;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;

/**
 * sendq's counters as Prometheus metrics, read from the engine at scrape time: a
 * {@link MultiCollector} for the official Java client (1.x). Nothing is added to the transition
 * path; a scrape costs O(cells) per sender and breakdown. Thread-safe, concurrent scrapes
 * included: no gauge is ever negative, no counter decreases from one scrape to the next, and a
 * scrape is not one atomic cut across senders and families (see {@code SenderQueue.stats}).
 *
 * <pre>{@code
 * PrometheusRegistry.defaultRegistry.register(SendqCollector.create(engine));
 * // or, with bounded breakdowns:
 * PrometheusRegistry.defaultRegistry.register(SendqCollector.create(engine,
 *         MetricsOptions.builder().breakdown(Breakdown.ISP, 10).breakdown(Breakdown.CAMPAIGN, 50).build()));
 * }</pre>
 *
 * <p>Families (see {@code docs/metrics.md}): {@code sendq_queued_messages{sender,state}} (gauge),
 * {@code sendq_finished_messages_total{sender,outcome}} (counter), {@code sendq_cells{sender}}
 * (gauge), and per breakdown asked for {@code sendq_<isp|account|campaign>_queued_messages} and
 * {@code sendq_<isp|account|campaign>_finished_messages_total} with the breakdown's labels,
 * bounded to the top N keys plus {@code other} (see {@link MetricsOptions}).
 *
 * <p>Each breakdown's fold is read by one scrape at a time. Register one collector per engine
 * and registry.
 */
public final class SendqCollector implements MultiCollector {
    private final EngineReader reader;
    private final List<Exported> exported = new ArrayList<>();

    /** One family as exported: for the whole sender ({@code breakdown == null}) or one breakdown. */
    private record Exported(Family family, Breakdown breakdown, String[] labelNames, MetricFamilyDescriptor descriptor) {
        static Exported of(Family family, Breakdown b) {
            List<String> labels = new ArrayList<>();
            labels.add(Family.SENDER);
            if (b != null) {
                labels.addAll(b.labelNames());
            }
            if (family.splitLabel() != null) {
                labels.add(family.splitLabel());
            }
            MetricFamilyDescriptor.Builder<?> d = family.counter()
                    ? MetricFamilyDescriptor.counter(family.prometheusName(b))
                    : MetricFamilyDescriptor.gauge(family.prometheusName(b));
            return new Exported(family, b, labels.toArray(new String[0]),
                    d.help(family.help(b)).unit(new Unit(family.unit())).labelNames(labels).build());
        }
    }

    private SendqCollector(QueueEngine engine, MetricsOptions options) {
        this.reader = new EngineReader(engine, options);
        for (Family f : Family.values()) {
            exported.add(Exported.of(f, null));
        }
        for (Breakdown b : options.breakdowns()) {
            for (Family f : Family.BREAKDOWN) {
                exported.add(Exported.of(f, b));
            }
        }
    }

    /** A collector of every sender of {@code engine}, per sender only ({@link MetricsOptions#defaults()}). */
    public static SendqCollector create(QueueEngine engine) {
        return create(engine, MetricsOptions.defaults());
    }

    /** A collector of every sender of {@code engine}, with the breakdowns {@code options} asks for. */
    public static SendqCollector create(QueueEngine engine, MetricsOptions options) {
        return new SendqCollector(engine, options);
    }

    /** Reads the engine (re-ranking every breakdown's top keys) and returns every family. */
    @Override
    public MetricSnapshots collect() {
        List<SenderReading> readings = reader.read(true);
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        for (Exported e : exported) {
            out.metricSnapshot(snapshot(e, readings));
        }
        return out.build();
    }

    /** One family's snapshot: its data points for every sender (and every series of its breakdown). */
    private static MetricSnapshot snapshot(Exported e, List<SenderReading> readings) {
        Family family = e.family();
        String[] values = new String[e.labelNames().length];
        int split = family.splitLabel() == null ? -1 : values.length - 1;
        Points points = new Points(family.counter());
        for (SenderReading r : readings) {
            values[0] = Integer.toString(r.senderId());
            if (e.breakdown() == null) {
                for (int i = 0; i < family.splitValues().size(); i++) {
                    if (split > 0) {
                        values[split] = family.splitValues().get(i);
                    }
                    points.add(family.value(r, i), Labels.of(e.labelNames(), values));
                }
                continue;
            }
            for (Series s : r.breakdowns().get(e.breakdown()).series()) {
                for (int k = 0; k < s.labelValues().size(); k++) {
                    values[k + 1] = s.labelValues().get(k);
                }
                for (int i = 0; i < family.splitValues().size(); i++) {
                    values[split] = family.splitValues().get(i);
                    points.add(family.value(s, i), Labels.of(e.labelNames(), values));
                }
            }
        }
        return points.build(e.descriptor().getMetadata());
    }

    /** The families this collector exports: names, types, help, units and label names. */
    @Override
    public List<MetricFamilyDescriptor> getMetricFamilyDescriptors() {
        List<MetricFamilyDescriptor> out = new ArrayList<>(exported.size());
        for (Exported e : exported) {
            out.add(e.descriptor());
        }
        return out;
    }

    @Override
    public String toString() {
        return "SendqCollector" + reader.options();
    }

    /** The data points of one family, as gauge or counter points. */
    private static final class Points {
        private final boolean counter;
        private final List<GaugeDataPointSnapshot> gauges = new ArrayList<>();
        private final List<CounterDataPointSnapshot> counters = new ArrayList<>();

        Points(boolean counter) {
            this.counter = counter;
        }

        void add(long value, Labels labels) {
            if (counter) {
                counters.add(CounterDataPointSnapshot.builder().value(value).labels(labels).build());
            } else {
                gauges.add(new GaugeDataPointSnapshot(value, labels, null));
            }
        }

        MetricSnapshot build(MetricMetadata metadata) {
            return counter ? new CounterSnapshot(metadata, counters) : new GaugeSnapshot(metadata, gauges);
        }
    }
}
