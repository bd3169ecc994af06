package dev.sendq.bench;

import dev.sendq.api.metrics.Breakdown;
import dev.sendq.api.metrics.MetricsOptions;
import dev.sendq.api.prometheus.PrometheusRoute;
import dev.sendq.api.prometheus.SendqCollector;
import dev.sendq.core.Grouping;
import dev.sendq.core.Lease;
import dev.sendq.core.MessageState;
import dev.sendq.core.Outcome;
import dev.sendq.core.OutcomeRow;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.StatsRow;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One Prometheus scrape, from the registry's collect to the exposition bytes, of a sender with
 * {@code cells} cells (10,000: 20 accounts x 100 campaigns x 5 ISPs) holding {@code messages}
 * messages, through {@link PrometheusRoute} in the text format and in OpenMetrics:
 * <ul>
 *   <li>{@code PER_SENDER}: {@link SendqCollector} with the defaults (per sender and state, per
 *       sender and outcome, cells: 9 samples);</li>
 *   <li>{@code TOP_100}: the same with the ISP, account and campaign breakdowns, each capped at
 *       the top 100 + other;</li>
 *   <li>{@code ALL_CAMPAIGNS}: the peer a user would write without sendq's caps: the client's
 *       {@code GaugeWithCallback} and {@code CounterWithCallback} over
 *       {@code stats(ALL, ACCOUNT_CAMPAIGN)}, one series per campaign and state or outcome.</li>
 * </ul>
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar MetricsScrapeBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class MetricsScrapeBenchmark {
    static final String[] ISPS = {"Gmail", "Yahoo", "Microsoft", "Apple", "Other"};

    /** What the scrape exports. */
    public enum Export { PER_SENDER, TOP_100, ALL_CAMPAIGNS }

    /** The exposition formats. */
    public enum Format {
        TEXT(null), OPENMETRICS("application/openmetrics-text; version=1.0.0");

        final String accept;

        Format(String accept) {
            this.accept = accept;
        }
    }

    /** A sender of {@code cells} cells and the route that scrapes it. */
    @State(Scope.Benchmark)
    public static class Scrape {
        @Param({"10000"})
        int cells;

        @Param({"100000"})
        int messages;

        @Param
        Export export;

        @Param
        Format format;

        PrometheusRoute route;

        @Setup(Level.Trial)
        public void setUp() {
            QueueEngine engine = QueueEngine.builder().leaseDuration(Duration.ofDays(1)).build();
            SenderQueue q = engine.addSender(1);
            SplittableRandom r = new SplittableRandom(42);
            int n = Math.max(cells, messages);
            for (int i = 0; i < n; i++) {
                int cell = i < cells ? i : r.nextInt(cells);
                int campaign = cell / ISPS.length;
                q.enqueue(i + 1, 1 + campaign / 100, 1 + campaign % 100, ISPS[cell % ISPS.length], null);
            }
            Lease lease = new Lease();
            for (int i = 0; i < n / 5 && q.take(lease); i++) {
                switch (i % 4) {
                    case 0 -> engine.defer(lease, Duration.ofHours(1));
                    case 1 -> engine.failed(lease);
                    default -> engine.delivered(lease);
                }
            }
            PrometheusRegistry registry = new PrometheusRegistry();
            switch (export) {
                case PER_SENDER -> registry.register(SendqCollector.create(engine));
                case TOP_100 -> registry.register(SendqCollector.create(engine, MetricsOptions.builder()
                        .breakdown(Breakdown.ISP, 100).breakdown(Breakdown.ACCOUNT, 100)
                        .breakdown(Breakdown.CAMPAIGN, 100).build()));
                case ALL_CAMPAIGNS -> registerAllCampaigns(registry, q);
                default -> throw new AssertionError(export);
            }
            route = new PrometheusRoute(registry);
            if (route.get(null, format.accept).status() != 200) {
                throw new IllegalStateException("scrape failed");
            }
        }
    }

    /** The peer: every campaign its own series, through the client's callback metrics. */
    static void registerAllCampaigns(PrometheusRegistry registry, SenderQueue q) {
        String sender = Integer.toString(q.id());
        GaugeWithCallback.builder().name("sendq_campaign_queued_messages").help("Messages in the queue")
                .labelNames("sender", "account", "campaign", "state")
                .callback(cb -> {
                    for (StatsRow row : q.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN)) {
                        String a = Integer.toString(row.accountId());
                        String c = Integer.toString(row.campaignId());
                        for (MessageState s : MessageState.values()) {
                            cb.call(row.count(s), sender, a, c, s.name().toLowerCase(Locale.ROOT));
                        }
                    }
                }).register(registry);
        CounterWithCallback.builder().name("sendq_campaign_finished_messages").help("Messages that left the queue")
                .labelNames("sender", "account", "campaign", "outcome")
                .callback(cb -> {
                    for (OutcomeRow row : q.outcomes(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN)) {
                        String a = Integer.toString(row.accountId());
                        String c = Integer.toString(row.campaignId());
                        for (Outcome o : Outcome.values()) {
                            cb.call(row.count(o), sender, a, c, o.name().toLowerCase(Locale.ROOT));
                        }
                    }
                }).register(registry);
    }

    /** One scrape: collect, then write the exposition; returns the bytes. */
    @Benchmark
    public byte[] scrape(Scrape s) {
        return s.route.get(null, s.format.accept).body();
    }
}
