package dev.sendq.api.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sendq.api.ApiResponse;
import dev.sendq.api.metrics.Breakdown;
import dev.sendq.api.metrics.MetricsOptions;
import dev.sendq.api.metrics.Workloads;
import dev.sendq.core.MessageState;
import dev.sendq.core.Outcome;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.StatsRow;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A scrape written by the Prometheus client's own writers, parsed back with a strict parser
 * ({@link StrictExposition}), shows exactly the engine's counts: per sender, per breakdown key,
 * and folded into {@code other}, in the text format and in OpenMetrics.
 */
class ScrapeParseBackTest {
    static final String TEXT = "text/plain";
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    static final MetricsOptions ALL_KEYS = MetricsOptions.builder()
            .breakdown(Breakdown.ISP, 1000).breakdown(Breakdown.ACCOUNT, 1000).breakdown(Breakdown.CAMPAIGN, 1000)
            .build();

    /** Scrapes through a route of its own registry and parses the answer strictly. */
    static StrictExposition.Scrape scrape(PrometheusRoute route, String accept) {
        ApiResponse r = route.get(null, accept);
        assertThat(r.status()).isEqualTo(200);
        return StrictExposition.parse(r.contentType(), new String(r.body(), StandardCharsets.UTF_8));
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TEXT, OPENMETRICS})
    void theKnownQueueScrapesToItsHandCountedNumbers(String accept) {
        QueueEngine engine = Workloads.known();
        StrictExposition.Scrape s = scrape(PrometheusRoute.of(engine, MetricsOptions.defaults()), accept);

        String queued = "sendq_queued_messages";
        assertThat(s.value(queued, "sender", "7", "state", "new")).isEqualTo(4);
        assertThat(s.value(queued, "sender", "7", "state", "proc")).isEqualTo(1);
        assertThat(s.value(queued, "sender", "7", "state", "retry")).isEqualTo(1);
        assertThat(s.value(queued, "sender", "7", "state", "hold")).isEqualTo(1);
        String finished = "sendq_finished_messages_total"; // the samples' name in both formats
        assertThat(s.value(finished, "sender", "7", "outcome", "delivered")).isEqualTo(2);
        assertThat(s.value(finished, "sender", "7", "outcome", "failed")).isEqualTo(1);
        assertThat(s.value(finished, "sender", "7", "outcome", "expired")).isEqualTo(1);
        assertThat(s.value(finished, "sender", "7", "outcome", "cancelled")).isEqualTo(1);
        assertThat(s.value("sendq_cells", "sender", "7")).isEqualTo(2);
        assertThat(s.samples()).hasSize(4 + 4 + 1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TEXT, OPENMETRICS})
    void everyFamilyEqualsTheEngineWhenEveryKeyFits(String accept) {
        QueueEngine engine = Workloads.mixed(3000, 11);
        StrictExposition.Scrape s = scrape(PrometheusRoute.of(engine, ALL_KEYS), accept);
        int checked = 0;
        for (int id : engine.senderIds()) {
            SenderQueue q = engine.sender(id);
            String sender = Integer.toString(id);
            StatsRow totals = q.totals();
            for (MessageState st : MessageState.values()) {
                assertThat(s.value("sendq_queued_messages", "sender", sender, "state", lower(st)))
                        .isEqualTo(totals.count(st));
            }
            for (Outcome o : Outcome.values()) {
                assertThat(s.value("sendq_finished_messages_total", "sender", sender, "outcome", lower(o)))
                        .isEqualTo(Workloads.outcomes(q).count(o));
            }
            assertThat(s.value("sendq_cells", "sender", sender)).isEqualTo(q.cellCount());
            for (Breakdown b : Breakdown.values()) {
                checked += checkBreakdown(s, q, b, Map.of());
            }
        }
        assertThat(checked).as("breakdown samples compared").isGreaterThan(200);
    }

    /**
     * Compares every sample of one breakdown with the engine: the keys in {@code members} (every
     * key when it is empty) must match exactly, and {@code other} must be the sum of the rest.
     *
     * @return the number of samples compared
     */
    static int checkBreakdown(StrictExposition.Scrape s, SenderQueue q, Breakdown b, Map<List<String>, Boolean> members) {
        String sender = Integer.toString(q.id());
        Map<List<String>, long[]> live = Workloads.live(q, b);
        Map<List<String>, long[]> finished = Workloads.finished(q, b);
        long[] otherLive = new long[4];
        long[] otherFinished = new long[4];
        int compared = 0;
        List<List<String>> keys = new ArrayList<>(live.keySet());
        finished.keySet().stream().filter(k -> !live.containsKey(k)).forEach(keys::add);
        for (List<String> key : keys) {
            long[] l = live.getOrDefault(key, new long[4]);
            long[] f = finished.getOrDefault(key, new long[4]);
            if (!members.isEmpty() && !members.containsKey(key)) {
                for (int i = 0; i < 4; i++) {
                    otherLive[i] += l[i];
                    otherFinished[i] += f[i];
                }
                continue;
            }
            for (MessageState st : MessageState.values()) {
                assertThat(s.value("sendq_" + b.prefix() + "_queued_messages", labels(b, sender, key, "state", lower(st))))
                        .as("%s %s %s", b, key, st).isEqualTo(l[st.ordinal()]);
                compared++;
            }
            for (Outcome o : Outcome.values()) {
                assertThat(s.value("sendq_" + b.prefix() + "_finished_messages_total",
                        labels(b, sender, key, "outcome", lower(o))))
                        .as("%s %s %s", b, key, o).isEqualTo(f[o.ordinal()]);
                compared++;
            }
        }
        List<String> other = b.labelNames().stream().map(n -> MetricsOptions.OTHER).toList();
        for (MessageState st : MessageState.values()) {
            assertThat(s.value("sendq_" + b.prefix() + "_queued_messages", labels(b, sender, other, "state", lower(st))))
                    .as("%s other %s", b, st).isEqualTo(otherLive[st.ordinal()]);
        }
        for (Outcome o : Outcome.values()) {
            assertThat(s.value("sendq_" + b.prefix() + "_finished_messages_total",
                    labels(b, sender, other, "outcome", lower(o)))).as("%s other %s", b, o)
                    .isEqualTo(otherFinished[o.ordinal()]);
        }
        return compared;
    }

    static String[] labels(Breakdown b, String sender, List<String> key, String split, String value) {
        List<String> l = new ArrayList<>(List.of("sender", sender, split, value));
        for (int i = 0; i < key.size(); i++) {
            l.add(b.labelNames().get(i));
            l.add(key.get(i));
        }
        return l.toArray(new String[0]);
    }

    @Test
    void aSmallTopKeepsTheBusiestKeysAndFoldsTheRestIntoOtherExactly() {
        QueueEngine engine = Workloads.mixed(3000, 12);
        int top = 3;
        MetricsOptions options = MetricsOptions.builder().breakdown(Breakdown.CAMPAIGN, top)
                .breakdown(Breakdown.ISP, 2).breakdown(Breakdown.ACCOUNT, 1).build();
        StrictExposition.Scrape s = scrape(PrometheusRoute.of(engine, options), OPENMETRICS);
        for (int id : engine.senderIds()) {
            SenderQueue q = engine.sender(id);
            for (Breakdown b : Breakdown.values()) {
                Map<List<String>, Boolean> busiest = busiest(q, b, options.top(b));
                assertThat(busiest).hasSize(options.top(b));
                checkBreakdown(s, q, b, busiest);
            }
        }
        assertThat(s.samples("sendq_campaign_queued_messages")).hasSize(2 * (top + 1) * 4);
        assertThat(s.samples("sendq_campaign_finished_messages_total")).hasSize(2 * (top + 1) * 4);
        assertThat(s.samples("sendq_account_queued_messages")).hasSize(2 * 2 * 4);
    }

    /** The engine's top keys as the documentation ranks them: live total, then finished total, then key. */
    static Map<List<String>, Boolean> busiest(SenderQueue q, Breakdown b, int top) {
        Map<List<String>, long[]> live = Workloads.live(q, b);
        Map<List<String>, long[]> finished = Workloads.finished(q, b);
        Map<List<String>, long[]> totals = new HashMap<>();
        live.forEach((k, v) -> totals.computeIfAbsent(k, x -> new long[2])[0] = sum(v));
        finished.forEach((k, v) -> totals.computeIfAbsent(k, x -> new long[2])[1] = sum(v));
        List<List<String>> keys = new ArrayList<>(totals.keySet());
        keys.sort(Comparator.<List<String>>comparingLong(k -> -totals.get(k)[0])
                .thenComparingLong(k -> -totals.get(k)[1]));
        // Ties on both totals are broken by key; the workload is skewed enough that the cut is clear.
        Map<List<String>, Boolean> out = new HashMap<>();
        for (List<String> k : keys.subList(0, Math.min(top, keys.size()))) {
            out.put(k, true);
        }
        if (keys.size() > top) {
            long[] last = totals.get(keys.get(top - 1));
            long[] next = totals.get(keys.get(top));
            assertThat(last[0] != next[0] || last[1] != next[1]).as("a clear cut between rank %d and %d", top, top + 1)
                    .isTrue();
        }
        return out;
    }

    static long sum(long[] v) {
        long s = 0;
        for (long x : v) {
            s += x;
        }
        return s;
    }

    @Test
    void familiesDeclareTypeUnitAndHelp() {
        QueueEngine engine = Workloads.known();
        StrictExposition.Scrape om = scrape(PrometheusRoute.of(engine, ALL_KEYS), OPENMETRICS);
        assertThat(om.families().get("sendq_queued_messages").type()).isEqualTo("gauge");
        assertThat(om.families().get("sendq_queued_messages").unit()).isEqualTo("messages");
        assertThat(om.families().get("sendq_finished_messages").type()).isEqualTo("counter");
        assertThat(om.families().get("sendq_finished_messages").unit()).isEqualTo("messages");
        assertThat(om.families().get("sendq_cells").unit()).isEqualTo("cells");
        assertThat(om.families().get("sendq_campaign_finished_messages").type()).isEqualTo("counter");
        assertThat(om.families().get("sendq_isp_queued_messages").help()).contains("per sender and isp");
        assertThat(om.families()).hasSize(3 + 3 * 2);

        StrictExposition.Scrape text = scrape(PrometheusRoute.of(engine, ALL_KEYS), TEXT);
        assertThat(text.families().get("sendq_finished_messages_total").type()).isEqualTo("counter");
        assertThat(text.byKey()).isEqualTo(om.byKey());
    }

    @Test
    void labelValuesWithQuotesAndBackslashesSurviveTheRoundTrip() {
        QueueEngine engine = QueueEngine.builder().build();
        String isp = "Mail \"Pro\" \\ Ünïcode";
        engine.addSender(3).enqueue(1, 1, 1, isp, null);
        for (String accept : new String[] {TEXT, OPENMETRICS}) {
            StrictExposition.Scrape s = scrape(PrometheusRoute.of(engine,
                    MetricsOptions.builder().breakdown(Breakdown.ISP, 5).build()), accept);
            assertThat(s.value("sendq_isp_queued_messages", "sender", "3", "isp", isp, "state", "new")).isEqualTo(1);
        }
    }

    @Test
    void anIspNamedOtherIsFoldedSoThatNoSeriesRepeats() {
        QueueEngine engine = QueueEngine.builder().build();
        SenderQueue q = engine.addSender(3);
        q.enqueue(1, 1, 1, "other", null);
        q.enqueue(2, 1, 1, "other", null);
        q.enqueue(3, 1, 1, "Gmail", null);
        q.enqueue(4, 1, 1, "Other", null); // the same ISP: names are case-insensitive
        StrictExposition.Scrape s = scrape(PrometheusRoute.of(engine,
                MetricsOptions.builder().breakdown(Breakdown.ISP, 5).build()), OPENMETRICS);
        assertThat(s.value("sendq_isp_queued_messages", "sender", "3", "isp", "other", "state", "new")).isEqualTo(3);
        assertThat(s.value("sendq_isp_queued_messages", "sender", "3", "isp", "Gmail", "state", "new")).isEqualTo(1);
        assertThat(s.samples("sendq_isp_queued_messages")).hasSize(2 * 4);
    }

    @Test
    void aSecondCollectorWithTheSameNamesIsRefusedByTheRegistry() {
        QueueEngine engine = Workloads.known();
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(SendqCollector.create(engine));
        assertThatThrownBy(() -> registry.register(SendqCollector.create(engine)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEngineWithoutSendersScrapesToDeclaredButEmptyFamilies() {
        StrictExposition.Scrape s = scrape(PrometheusRoute.of(QueueEngine.builder().build(), ALL_KEYS), OPENMETRICS);
        assertThat(s.samples()).isEmpty();
    }

    @Test
    void theRouteAnswersOpenMetricsOnlyWhenAsked() {
        PrometheusRoute route = PrometheusRoute.of(Workloads.known(), MetricsOptions.defaults());
        assertThat(route.get(null, null).contentType()).startsWith("text/plain; version=0.0.4");
        assertThat(route.get(null, "*/*").contentType()).startsWith("text/plain; version=0.0.4");
        assertThat(route.get(null, "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
                .contentType()).startsWith("application/openmetrics-text; version=1.0.0");
        // Prometheus asking for protobuf first: the protobuf writer is not a dependency, text it is.
        ApiResponse r = route.get(null, "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                + "encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3");
        assertThat(r.contentType()).startsWith("text/plain; version=0.0.4");
        assertThat(StrictExposition.text(r.bodyText()).samples()).hasSize(9);
    }
}
