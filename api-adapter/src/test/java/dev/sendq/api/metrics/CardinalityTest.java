package dev.sendq.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sendq.api.ApiResponse;
import dev.sendq.api.micrometer.SendqMeterBinder;
import dev.sendq.api.prometheus.PrometheusRoute;
import dev.sendq.api.prometheus.StrictExposition;
import dev.sendq.core.Lease;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.SenderQueue;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A sender with 100,000 campaigns: both exporters stay within their caps (top N + other per
 * breakdown), the top N are the busiest campaigns, and nothing is lost: the folded {@code other}
 * holds exactly the rest.
 */
@Tag("slow")
class CardinalityTest {
    static final int CAMPAIGNS = 100_000;
    static final int BUSY = 50;
    static final MetricsOptions OPTIONS = MetricsOptions.builder()
            .breakdown(Breakdown.CAMPAIGN, 20).breakdown(Breakdown.ACCOUNT, 10).breakdown(Breakdown.ISP, 3).build();

    static QueueEngine engine;
    static long busyLive;

    /** 100 accounts x 1,000 campaigns, one message each; campaigns 1..50 of account 1 get 10 + c more. */
    @BeforeAll
    static void load() {
        engine = QueueEngine.builder().clock(new Workloads.Clock()).leaseDuration(Duration.ofDays(1)).build();
        SenderQueue q = engine.addSender(1);
        long id = 0;
        for (int c = 0; c < CAMPAIGNS; c++) {
            q.enqueue(++id, 1 + c / 1000, 1 + c % 1000, c % 2 == 0 ? "Gmail" : "Yahoo", null);
        }
        for (int c = 1; c <= BUSY; c++) {
            for (int i = 0; i < 10 + c; i++) {
                q.enqueue(++id, 1, c, (c - 1) % 2 == 0 ? "Gmail" : "Yahoo", null);
            }
        }
        Lease lease = new Lease();
        for (int i = 0; i < 1000 && q.take(lease); i++) {
            engine.delivered(lease);
        }
        assertThat(q.cellCount()).isEqualTo(CAMPAIGNS);
    }

    @Test
    void aPrometheusScrapeHoldsTopNPlusOtherPerBreakdown() {
        ApiResponse r = PrometheusRoute.of(engine, OPTIONS).get(null, "application/openmetrics-text");
        StrictExposition.Scrape s = StrictExposition.parse(r.contentType(), r.bodyText());
        assertThat(s.samples("sendq_campaign_queued_messages")).hasSize((20 + 1) * 4);
        assertThat(s.samples("sendq_campaign_finished_messages_total")).hasSize((20 + 1) * 4);
        assertThat(s.samples("sendq_account_queued_messages")).hasSize((10 + 1) * 4);
        assertThat(s.samples("sendq_isp_queued_messages")).hasSize((2 + 1) * 4); // two ISPs, both fit
        assertThat(s.samples()).hasSize(9 + (21 + 11 + 3) * 8);
        assertThat(r.body().length).as("scrape bytes").isLessThan(64 * 1024);

        // The 20 busiest are campaigns 31..50 of account 1 (each 10 + c + 1 live messages, minus deliveries).
        Set<String> top = new HashSet<>();
        long live = 0;
        for (StrictExposition.Sample x : s.samples("sendq_campaign_queued_messages")) {
            live += (long) x.value();
            if (!x.label("campaign").equals(MetricsOptions.OTHER)) {
                top.add(x.label("account") + "/" + x.label("campaign"));
            }
        }
        for (int c = 31; c <= BUSY; c++) {
            assertThat(top).contains("1/" + c);
        }
        assertThat(top).hasSize(20);
        assertThat(live).as("top + other = every live message").isEqualTo(engine.sender(1).totals().total());
        double finished = s.samples("sendq_campaign_finished_messages_total").stream()
                .mapToDouble(StrictExposition.Sample::value).sum();
        assertThat(finished).isEqualTo(1000);
    }

    @Test
    void theMicrometerBinderRegistersTopNPlusOtherMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (SendqMeterBinder binder = SendqMeterBinder.builder(engine).options(OPTIONS)
                .refreshInterval(Duration.ZERO).build()) {
            binder.bindTo(registry);
            assertThat(registry.getMeters()).hasSize(9 + (21 + 11 + 3) * 8);
            double live = 0;
            for (Meter m : registry.find("sendq.campaign.queued").meters()) {
                live += m.measure().iterator().next().getValue();
            }
            assertThat(live).isEqualTo(engine.sender(1).totals().total());
            assertThat(registry.find("sendq.campaign.queued").tag("campaign", "50").gauges()).hasSize(4);
            assertThat(registry.find("sendq.campaign.queued").tag("campaign", "30").gauges()).isEmpty();
        }
        assertThat(registry.getMeters()).as("closing removes the meters").isEmpty();
    }
}
