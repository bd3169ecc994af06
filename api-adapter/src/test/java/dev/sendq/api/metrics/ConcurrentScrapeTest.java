package dev.sendq.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sendq.api.ApiResponse;
import dev.sendq.api.micrometer.SendqMeterBinder;
import dev.sendq.api.prometheus.PrometheusRoute;
import dev.sendq.api.prometheus.StrictExposition;
import dev.sendq.core.Lease;
import dev.sendq.core.MessageState;
import dev.sendq.core.Outcome;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scrapes while producers enqueue, workers take and report (delivered, failed, deferred, held)
 * and an operator holds and releases whole campaigns: every Prometheus scrape parses strictly,
 * no gauge is ever negative, no counter ever decreases from one scrape to the next, every
 * breakdown stays within its cap, and the same holds for the Micrometer meters. Once quiet, a
 * scrape equals the engine.
 */
@Tag("slow")
class ConcurrentScrapeTest {
    static final MetricsOptions OPTIONS = MetricsOptions.builder()
            .breakdown(Breakdown.CAMPAIGN, 3).breakdown(Breakdown.ISP, 2).breakdown(Breakdown.ACCOUNT, 2).build();
    /** Producers go on until both readers have read this often under load (or a minute passed). */
    static final int READS = 50;

    private final QueueEngine engine = QueueEngine.builder().leaseDuration(Duration.ofMinutes(5)).build();
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean busy = new AtomicBoolean(true);
    private final CountDownLatch working = new CountDownLatch(2);
    private final AtomicLong produced = new AtomicLong();
    private final AtomicInteger scrapes = new AtomicInteger();
    private final AtomicInteger meterReads = new AtomicInteger();

    @Test
    void scrapesUnderLoadNeverShowANegativeGaugeOrADecreasingCounter() throws Exception {
        SenderQueue[] senders = {engine.addSender(1), engine.addSender(2)};
        PrometheusRoute route = PrometheusRoute.of(engine, OPTIONS);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SendqMeterBinder binder = SendqMeterBinder.builder(engine).options(OPTIONS)
                .refreshInterval(Duration.ofMillis(5)).valueMaxAge(Duration.ofMillis(1)).build();
        binder.bindTo(registry);

        List<Thread> load = new ArrayList<>();
        CountDownLatch producing = new CountDownLatch(2);
        for (int p = 0; p < 2; p++) {
            int seed = p;
            load.add(new Thread(() -> produce(senders, seed, producing), "producer-" + p));
        }
        for (int w = 0; w < 2; w++) {
            int seed = 10 + w;
            load.add(new Thread(() -> work(senders, seed, producing), "worker-" + w));
        }
        load.add(new Thread(() -> operate(senders), "operator"));
        Thread prometheus = new Thread(() -> scrapeLoop(route), "prometheus-scraper");
        Thread micrometer = new Thread(() -> meterLoop(registry), "micrometer-reader");
        load.forEach(Thread::start);
        prometheus.start();
        micrometer.start();
        for (Thread t : load) {
            t.join(TimeUnit.SECONDS.toMillis(120));
        }
        busy.set(false);
        prometheus.join(TimeUnit.SECONDS.toMillis(30));
        micrometer.join(TimeUnit.SECONDS.toMillis(30));
        binder.close();

        assertThat(problems).as("problems seen while scraping").isEmpty();
        assertThat(scrapes.get()).as("scrapes under load").isGreaterThanOrEqualTo(READS);
        assertThat(meterReads.get()).as("meter reads under load").isGreaterThanOrEqualTo(READS);

        // Quiet now: the scrape equals the engine, and every breakdown adds up to the sender.
        StrictExposition.Scrape s = parse(route.get(null, "application/openmetrics-text"));
        long finishedTotal = 0;
        for (SenderQueue q : senders) {
            String id = Integer.toString(q.id());
            for (MessageState st : MessageState.values()) {
                String state = st.name().toLowerCase(Locale.ROOT);
                assertThat(s.value("sendq_queued_messages", "sender", id, "state", state)).isEqualTo(q.totals().count(st));
                for (Breakdown b : Breakdown.values()) {
                    double sum = s.samples("sendq_" + b.prefix() + "_queued_messages").stream()
                            .filter(x -> x.label("sender").equals(id) && x.label("state").equals(state))
                            .mapToDouble(StrictExposition.Sample::value).sum();
                    assertThat(sum).as("%s %s of sender %s", b, st, id).isEqualTo(q.totals().count(st));
                }
            }
            for (Outcome o : Outcome.values()) {
                double v = s.value("sendq_finished_messages_total", "sender", id, "outcome",
                        o.name().toLowerCase(Locale.ROOT));
                assertThat(v).isEqualTo(Workloads.outcomes(q).count(o));
                finishedTotal += (long) v;
            }
        }
        long queued = senders[0].totals().total() + senders[1].totals().total();
        assertThat(finishedTotal + queued).as("conservation").isEqualTo(produced.get());
        assertThat(finishedTotal).as("work was done").isGreaterThan(produced.get() / 2);
    }

    private static StrictExposition.Scrape parse(ApiResponse r) {
        return StrictExposition.parse(r.contentType(), r.bodyText());
    }

    /** Enqueues batches until both readers have read {@link #READS} times under load, or for a minute. */
    private void produce(SenderQueue[] senders, int seed, CountDownLatch producing) {
        SplittableRandom r = new SplittableRandom(seed);
        long id = (seed + 1L) * 1_000_000_000L;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((scrapes.get() < READS || meterReads.get() < READS) && System.nanoTime() < end) {
            for (int i = 0; i < 200; i++) {
                SenderQueue q = senders[r.nextInt(senders.length)];
                q.enqueue(++id, 1 + r.nextInt(3), r.nextInt(12), Workloads.ISPS[r.nextInt(Workloads.ISPS.length)], null);
                produced.incrementAndGet();
            }
            Thread.yield();
        }
        producing.countDown();
    }

    private void work(SenderQueue[] senders, int seed, CountDownLatch producing) {
        SplittableRandom r = new SplittableRandom(seed);
        Lease lease = new Lease();
        int idle = 0;
        while (idle < 200) {
            SenderQueue q = senders[r.nextInt(senders.length)];
            if (!q.take(lease)) {
                if (producing.getCount() == 0) {
                    idle++;
                }
                Thread.yield();
                continue;
            }
            idle = 0;
            try {
                switch (r.nextInt(10)) {
                    case 0 -> engine.failed(lease);
                    case 1, 2 -> engine.defer(lease, Duration.ZERO);
                    case 3 -> {
                        engine.hold(lease);
                        engine.release(lease.messageId());
                    }
                    default -> engine.delivered(lease);
                }
            } catch (IllegalStateException | NoSuchElementException e) {
                // an operator's rule got there first: the report is refused and moves nothing
            }
        }
        working.countDown();
    }

    private void operate(SenderQueue[] senders) {
        SplittableRandom r = new SplittableRandom(99);
        while (busy.get() && !Thread.currentThread().isInterrupted()) {
            SenderQueue q = senders[r.nextInt(senders.length)];
            Selector sel = Selector.campaign(1 + r.nextInt(3), r.nextInt(12));
            q.hold(sel);
            Thread.yield();
            q.release(sel);
            if (working.getCount() == 0) {
                return;
            }
        }
    }

    private void scrapeLoop(PrometheusRoute route) {
        Map<String, Double> previous = new HashMap<>();
        while (busy.get()) {
            StrictExposition.Scrape s;
            try {
                s = parse(route.get(null, scrapes.get() % 2 == 0 ? null : "application/openmetrics-text"));
            } catch (AssertionError | RuntimeException e) {
                problems.add("scrape failed: " + e);
                return;
            }
            Map<String, Double> now = s.byKey();
            for (StrictExposition.Sample x : s.samples()) {
                if (x.value() < 0) {
                    problems.add("negative: " + x);
                }
                Double before = previous.get(x.name() + x.labels());
                if (x.name().endsWith("_total") && before != null && x.value() < before) {
                    problems.add("counter decreased: " + x + " was " + before);
                }
            }
            for (Breakdown b : Breakdown.values()) {
                int cap = 2 * (OPTIONS.top(b) + 1) * 4;
                if (s.samples("sendq_" + b.prefix() + "_queued_messages").size() > cap) {
                    problems.add("over the cap: " + b);
                }
            }
            previous = now;
            scrapes.incrementAndGet();
        }
    }

    private void meterLoop(SimpleMeterRegistry registry) {
        Map<Meter, Double> previous = new IdentityHashMap<>();
        while (busy.get()) {
            Map<Meter, Double> now = new IdentityHashMap<>();
            for (Meter m : registry.getMeters()) {
                for (Measurement x : m.measure()) {
                    double v = x.getValue();
                    if (v < 0 || Double.isNaN(v)) {
                        problems.add("meter " + m.getId() + " read " + v);
                    }
                    Double before = previous.get(m);
                    if (m.getId().getType() == Meter.Type.COUNTER && before != null && v < before) {
                        problems.add("function counter decreased: " + m.getId() + " " + v + " < " + before);
                    }
                    now.put(m, v);
                }
            }
            previous = now;
            meterReads.incrementAndGet();
        }
    }
}
