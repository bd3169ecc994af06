package dev.sendq.api.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sendq.api.metrics.Breakdown;
import dev.sendq.api.metrics.MetricsOptions;
import dev.sendq.api.metrics.Workloads;
import dev.sendq.core.Lease;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.SenderQueue;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Micrometer binder: names, tags, units, values, the reading cache, top-N refreshes and closing. */
class SendqMeterBinderTest {
    private static double gauge(MeterRegistry r, String name, String... tags) {
        return r.get(name).tags(tags).gauge().value();
    }

    private static double counter(MeterRegistry r, String name, String... tags) {
        return r.get(name).tags(tags).functionCounter().count();
    }

    private static SendqMeterBinder.Builder manual(QueueEngine engine) {
        return SendqMeterBinder.builder(engine).refreshInterval(Duration.ZERO);
    }

    @Test
    void theKnownQueueIsReportedWithMicrometerNamesTagsAndUnits() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        try (SendqMeterBinder binder = manual(Workloads.known()).build()) {
            binder.bindTo(r);
            assertThat(gauge(r, "sendq.queued", "sender", "7", "state", "new")).isEqualTo(4);
            assertThat(gauge(r, "sendq.queued", "sender", "7", "state", "proc")).isEqualTo(1);
            assertThat(gauge(r, "sendq.queued", "sender", "7", "state", "retry")).isEqualTo(1);
            assertThat(gauge(r, "sendq.queued", "sender", "7", "state", "hold")).isEqualTo(1);
            assertThat(counter(r, "sendq.finished", "sender", "7", "outcome", "delivered")).isEqualTo(2);
            assertThat(counter(r, "sendq.finished", "sender", "7", "outcome", "failed")).isEqualTo(1);
            assertThat(counter(r, "sendq.finished", "sender", "7", "outcome", "expired")).isEqualTo(1);
            assertThat(counter(r, "sendq.finished", "sender", "7", "outcome", "cancelled")).isEqualTo(1);
            assertThat(gauge(r, "sendq.cells", "sender", "7")).isEqualTo(2);
            assertThat(r.getMeters()).hasSize(9);
            Gauge g = r.get("sendq.queued").tags("state", "new").gauge();
            assertThat(g.getId().getBaseUnit()).isEqualTo("messages");
            assertThat(g.getId().getDescription()).contains("by state");
            FunctionCounter c = r.get("sendq.finished").tags("outcome", "failed").functionCounter();
            assertThat(c.getId().getBaseUnit()).isEqualTo("messages");
            assertThat(c.getId().getType()).isEqualTo(Meter.Type.COUNTER);
            assertThat(r.get("sendq.cells").gauge().getId().getBaseUnit()).isEqualTo("cells");
        }
    }

    @Test
    void meterReadsShareOneReadingUntilItIsOlderThanTheMaximumAge() {
        QueueEngine engine = Workloads.known();
        SenderQueue q = engine.sender(7);
        SimpleMeterRegistry cached = new SimpleMeterRegistry();
        SimpleMeterRegistry live = new SimpleMeterRegistry();
        try (SendqMeterBinder slow = manual(engine).valueMaxAge(Duration.ofHours(1)).build();
             SendqMeterBinder fresh = manual(engine).valueMaxAge(Duration.ZERO).build()) {
            slow.bindTo(cached);
            fresh.bindTo(live);
            q.enqueue(100, 1, 11, "Gmail", null);
            assertThat(gauge(live, "sendq.queued", "state", "new")).isEqualTo(5);
            assertThat(gauge(cached, "sendq.queued", "state", "new")).as("an hour-old reading is still good").isEqualTo(4);
            slow.refresh();
            assertThat(gauge(cached, "sendq.queued", "state", "new")).isEqualTo(5);
        }
    }

    @Test
    void refreshMovesTheTopKeysAndFoldedCountersNeverDecrease() {
        QueueEngine engine = QueueEngine.builder().clock(new Workloads.Clock()).leaseDuration(Duration.ofDays(1)).build();
        SenderQueue q = engine.addSender(1);
        Lease lease = new Lease();
        for (long id = 1; id <= 3; id++) {
            q.enqueue(id, 1, 10, "Gmail", null);       // campaign 10: 3 queued
        }
        q.enqueue(4, 1, 20, "Gmail", null);            // campaign 20: 1 delivered
        q.hold(dev.sendq.core.Selector.campaign(1, 10));
        assertThat(q.take(lease)).isTrue();
        engine.delivered(lease);
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        MetricsOptions top1 = MetricsOptions.builder().breakdown(Breakdown.CAMPAIGN, 1).build();
        try (SendqMeterBinder binder = manual(engine).options(top1).valueMaxAge(Duration.ZERO).build()) {
            binder.bindTo(r);
            assertThat(r.find("sendq.campaign.queued").tag("campaign", "10").gauges()).hasSize(4);
            assertThat(r.find("sendq.campaign.queued").tag("campaign", "20").gauges()).isEmpty();
            assertThat(counter(r, "sendq.campaign.finished", "campaign", "other", "outcome", "delivered")).isEqualTo(1);

            for (long id = 5; id <= 10; id++) {
                q.enqueue(id, 1, 20, "Gmail", null);   // campaign 20 overtakes: 6 queued
            }
            assertThat(gauge(r, "sendq.campaign.queued", "campaign", "other", "state", "new"))
                    .as("before the refresh, the new leader counts in other").isEqualTo(6);
            binder.refresh();
            assertThat(r.find("sendq.campaign.queued").tag("campaign", "20").gauges()).hasSize(4);
            assertThat(r.find("sendq.campaign.queued").tag("campaign", "10").gauges()).isEmpty();
            assertThat(r.find("sendq.campaign.finished").tag("campaign", "10").functionCounters()).isEmpty();
            assertThat(gauge(r, "sendq.campaign.queued", "campaign", "20", "state", "new")).isEqualTo(6);
            assertThat(counter(r, "sendq.campaign.finished", "campaign", "20", "outcome", "delivered"))
                    .as("a key that enters starts at 0").isZero();
            assertThat(counter(r, "sendq.campaign.finished", "campaign", "other", "outcome", "delivered"))
                    .as("other keeps what it counted").isEqualTo(1);
            assertThat(gauge(r, "sendq.campaign.queued", "campaign", "other", "state", "hold")).isEqualTo(3);
            assertThat(q.take(lease)).isTrue();
            engine.delivered(lease);
            assertThat(counter(r, "sendq.campaign.finished", "campaign", "20", "outcome", "delivered")).isEqualTo(1);
        }
    }

    /**
     * Regression: a registry that still reads a removed meter (a scrape that listed the meters
     * before a refresh) after its key came back into the top N must not see the new, restarted
     * counter through the old meter.
     */
    @Test
    void aRemovedMeterDoesNotFollowItsKeyBackIntoTheTop() {
        QueueEngine engine = QueueEngine.builder().clock(new Workloads.Clock()).leaseDuration(Duration.ofDays(1)).build();
        SenderQueue q = engine.addSender(1);
        Lease lease = new Lease();
        q.enqueue(1, 1, 10, "Gmail", null);
        assertThat(q.take(lease)).isTrue();
        engine.delivered(lease);                       // campaign 10: 1 delivered
        q.enqueue(2, 1, 10, "Gmail", null);            // and 1 queued
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        MetricsOptions top1 = MetricsOptions.builder().breakdown(Breakdown.CAMPAIGN, 1).build();
        try (SendqMeterBinder binder = manual(engine).options(top1).valueMaxAge(Duration.ZERO).build()) {
            binder.bindTo(r);
            FunctionCounter old = r.get("sendq.campaign.finished").tags("campaign", "10", "outcome", "delivered")
                    .functionCounter();
            assertThat(old.count()).isEqualTo(1);
            for (long id = 3; id <= 5; id++) {
                q.enqueue(id, 1, 20, "Gmail", null);    // campaign 20 leads
            }
            binder.refresh();
            assertThat(r.find("sendq.campaign.finished").tag("campaign", "10").functionCounters()).isEmpty();
            for (long id = 6; id <= 10; id++) {
                q.enqueue(id, 1, 10, "Gmail", null);    // campaign 10 leads again
            }
            binder.refresh();
            FunctionCounter back = r.get("sendq.campaign.finished").tags("campaign", "10", "outcome", "delivered")
                    .functionCounter();
            assertThat(back).isNotSameAs(old);
            assertThat(back.count()).as("a key that comes back starts at 0").isZero();
            assertThat(old.count()).as("the removed meter keeps its last value").isEqualTo(1);
        }
    }

    @Test
    void theRefreshThreadPicksUpNewSendersAndCloseStopsItAndRemovesTheMeters() throws InterruptedException {
        QueueEngine engine = Workloads.known();
        SimpleMeterRegistry a = new SimpleMeterRegistry();
        SimpleMeterRegistry b = new SimpleMeterRegistry();
        int before = refreshThreads().size();
        SendqMeterBinder binder = SendqMeterBinder.builder(engine).refreshInterval(Duration.ofMillis(20)).build();
        binder.bindTo(a);
        binder.bindTo(b);
        engine.addSender(8).enqueue(1000, 1, 1, "Gmail", null);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((a.find("sendq.queued").tag("sender", "8").gauges().isEmpty()
                || b.find("sendq.queued").tag("sender", "8").gauges().isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(gauge(a, "sendq.queued", "sender", "8", "state", "new")).isEqualTo(1);
        assertThat(gauge(b, "sendq.queued", "sender", "8", "state", "new")).isEqualTo(1);
        assertThat(refreshThreads()).as("one thread, however many registries").hasSize(before + 1);

        binder.close();
        binder.close();
        assertThat(a.getMeters()).isEmpty();
        assertThat(b.getMeters()).isEmpty();
        deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (refreshThreads().size() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(refreshThreads()).hasSize(before);
        assertThatThrownBy(() -> binder.bindTo(new SimpleMeterRegistry())).isInstanceOf(IllegalStateException.class);
        binder.refresh(); // a no-op once closed
        assertThat(a.getMeters()).isEmpty();
    }

    private static List<Thread> refreshThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("sendq-meter-refresh") && t.isAlive()).toList();
    }

    @Test
    void withoutAnIntervalNoThreadStarts() {
        int before = refreshThreads().size();
        try (SendqMeterBinder binder = manual(Workloads.known()).build()) {
            binder.bindTo(new SimpleMeterRegistry());
            assertThat(refreshThreads().size()).isLessThanOrEqualTo(before);
        }
    }

    @Test
    void builderValuesAreValidated() {
        QueueEngine engine = Workloads.known();
        assertThatThrownBy(() -> SendqMeterBinder.builder(engine).refreshInterval(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SendqMeterBinder.builder(engine).refreshInterval(Duration.ofNanos(10)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SendqMeterBinder.builder(engine).valueMaxAge(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SendqMeterBinder.builder(null)).isInstanceOf(NullPointerException.class);
    }
}
