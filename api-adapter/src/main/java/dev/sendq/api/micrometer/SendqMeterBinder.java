package dev.sendq.api.micrometer;

import dev.sendq.api.metrics.Breakdown;
import dev.sendq.api.metrics.MetricsOptions;
import dev.sendq.api.metrics.internal.EngineReader;
import dev.sendq.api.metrics.internal.Family;
import dev.sendq.api.metrics.internal.SenderReading;
import dev.sendq.api.metrics.internal.Series;
import dev.sendq.core.QueueEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * sendq's counters as Micrometer meters, read from the engine when the registry reads them.
 * Thread-safe: meters may be read from any thread while {@link #refresh()} runs; gauges are never
 * negative and function counters never decrease.
 *
 * <p>Meters: gauges {@code sendq.queued} (tags {@code sender}, {@code state}; base unit
 * {@code messages}) and {@code sendq.cells} ({@code sender}), function counters
 * {@code sendq.finished} ({@code sender}, {@code outcome}), and per breakdown asked for
 * {@code sendq.<isp|account|campaign>.queued} and {@code .finished} with the breakdown's tags,
 * bounded to the top N keys plus {@code other} (see {@link MetricsOptions}). With Micrometer's Prometheus registry the names come out as the
 * {@code dev.sendq.api.prometheus.SendqCollector}'s: {@code sendq_queued_messages},
 * {@code sendq_finished_messages_total}, {@code sendq_cells}, and so on.
 *
 * <pre>{@code
 * SendqMeterBinder binder = SendqMeterBinder.builder(engine)
 *         .options(MetricsOptions.builder().breakdown(Breakdown.ISP, 10).build())
 *         .build();
 * binder.bindTo(registry);          // in Spring Boot: expose it as a MeterBinder bean
 * ...
 * binder.close();                   // stops the refresh thread, removes the meters
 * }</pre>
 *
 * <p>Reading: the meters of one scrape share one reading of the engine, taken when the first of
 * them is read and reused while it is younger than {@link Builder#valueMaxAge(Duration)} (1 s by
 * default); a reading costs O(cells) per sender and breakdown and nothing on the transition path.
 * Micrometer registers meters up front, so which keys have their own meters (the top N) and
 * which senders exist are decided by {@link #refresh()}: when bound, then every
 * {@link Builder#refreshInterval(Duration)} (1 minute by default) on one daemon thread of the
 * binder's, or only when called if the interval is zero. Between refreshes, new keys count in
 * {@code other}.
 */
public final class SendqMeterBinder implements MeterBinder, AutoCloseable {
    /*
     * Concurrency: `readLock` guards the cached reading and the EngineReader's folds; meter
     * callbacks (a registry's scrape thread) take only it, briefly. `metersLock` serialises
     * refresh, bind and close, which change meters: they take readLock only to read, never
     * while calling into a registry, so a registry that calls a meter under its own lock cannot
     * deadlock with a refresh.
     */
    private static final System.Logger LOG = System.getLogger(SendqMeterBinder.class.getName());

    private final EngineReader reader;
    private final long maxAgeNanos;
    private final Duration refreshInterval;

    private final Object readLock = new Object();
    private volatile Reading reading;

    private final Object metersLock = new Object();
    private final List<MeterRegistry> registries = new ArrayList<>();
    private final Map<SeriesKey, Bound> bound = new LinkedHashMap<>();
    private ScheduledExecutorService refresher;
    private boolean closed;

    /** A series of meters: the whole sender ({@code breakdown == null}) or one key of a breakdown. */
    private record SeriesKey(int sender, Breakdown breakdown, List<String> labelValues) {
    }

    /** One reading of every sender, with its breakdown series by key. */
    private record Reading(long nanos, Map<Integer, SenderReading> senders, Map<SeriesKey, Series> series) {
    }

    /**
     * What a meter reads: one value of one series, remembered for when the series is gone. A
     * breakdown probe reads only the generation of its key it was made for: if the key left the
     * top N and came back (its counters starting again from 0) while a registry still reads the
     * old meter, the old meter keeps its last value.
     */
    private final class Probe {
        final SeriesKey key;
        final long generation;
        final Family family;
        final int index;
        volatile double last;

        Probe(SeriesKey key, long generation, Family family, int index) {
            this.key = key;
            this.generation = generation;
            this.family = family;
            this.index = index;
        }

        double value() {
            Reading r = current();
            if (key.breakdown() == null) {
                SenderReading s = r.senders().get(key.sender());
                if (s != null) {
                    last = family.value(s, index);
                }
            } else {
                Series s = r.series().get(key);
                if (s != null && s.generation() == generation) {
                    last = family.value(s, index);
                }
            }
            return last;
        }
    }

    /** The probes of one series and its meters in each registry. */
    private static final class Bound {
        final List<Probe> probes = new ArrayList<>();
        final Map<MeterRegistry, List<Meter>> meters = new IdentityHashMap<>();
    }

    private SendqMeterBinder(Builder b) {
        this.reader = new EngineReader(b.engine, b.options);
        this.maxAgeNanos = b.valueMaxAge.toNanos();
        this.refreshInterval = b.refreshInterval;
    }

    /** A binder of every sender of {@code engine} with the defaults: per sender only, refreshed every minute. */
    public static SendqMeterBinder create(QueueEngine engine) {
        return builder(engine).build();
    }

    /** A builder for a binder of every sender of {@code engine}. */
    public static Builder builder(QueueEngine engine) {
        return new Builder(engine);
    }

    /**
     * Registers the meters of every sender (and of the top keys of each breakdown) in
     * {@code registry}, and starts the refresh thread if the interval is not zero. May be called
     * for several registries.
     *
     * @throws IllegalStateException if the binder was closed
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (metersLock) {
            if (closed) {
                throw new IllegalStateException("binder closed");
            }
            if (!registries.contains(registry)) {
                registries.add(registry);
                for (Bound b : bound.values()) {
                    b.meters.put(registry, register(registry, b.probes));
                }
            }
            refreshLocked();
            if (refresher == null && !refreshInterval.isZero()) {
                refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "sendq-meter-refresh");
                    t.setDaemon(true);
                    return t;
                });
                long ms = refreshInterval.toMillis();
                refresher.scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * Reads the engine, chooses each breakdown's top keys again, and makes the registered meters
     * match: meters for new senders and keys, removal of the meters of keys that left the top N
     * (their counts go on in {@code other}). A no-op before {@link #bindTo} and after {@link #close}.
     */
    public void refresh() {
        synchronized (metersLock) {
            if (!closed && !registries.isEmpty()) {
                refreshLocked();
            }
        }
    }

    /** Stops the refresh thread and removes this binder's meters from every registry. Idempotent. */
    @Override
    public void close() {
        synchronized (metersLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (refresher != null) {
                refresher.shutdownNow();
            }
            for (Bound b : bound.values()) {
                unregister(b);
            }
            bound.clear();
            registries.clear();
        }
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "sendq meter refresh failed; the next one will try again", e);
        }
    }

    private void refreshLocked() {
        Reading r;
        synchronized (readLock) {
            r = read(true);
        }
        Map<SeriesKey, Bound> wanted = new LinkedHashMap<>();
        for (SenderReading s : r.senders().values()) {
            SeriesKey k = new SeriesKey(s.senderId(), null, List.of());
            wanted.put(k, bound.get(k));
        }
        for (SeriesKey k : r.series().keySet()) {
            wanted.put(k, bound.get(k));
        }
        bound.entrySet().removeIf(e -> {
            if (!wanted.containsKey(e.getKey())) {
                unregister(e.getValue());
                return true;
            }
            return false;
        });
        for (Map.Entry<SeriesKey, Bound> e : wanted.entrySet()) {
            if (e.getValue() == null) {
                Bound b = new Bound();
                SeriesKey k = e.getKey();
                List<Family> families = k.breakdown() == null ? List.of(Family.values()) : Family.BREAKDOWN;
                long generation = k.breakdown() == null ? 0 : r.series().get(k).generation();
                for (Family f : families) {
                    for (int i = 0; i < f.splitValues().size(); i++) {
                        b.probes.add(new Probe(k, generation, f, i));
                    }
                }
                for (MeterRegistry registry : registries) {
                    b.meters.put(registry, register(registry, b.probes));
                }
                bound.put(e.getKey(), b);
            }
        }
    }

    private void unregister(Bound b) {
        for (Map.Entry<MeterRegistry, List<Meter>> e : b.meters.entrySet()) {
            for (Meter m : e.getValue()) {
                e.getKey().remove(m);
            }
        }
    }

    private static List<Meter> register(MeterRegistry registry, List<Probe> probes) {
        List<Meter> meters = new ArrayList<>(probes.size());
        for (Probe p : probes) {
            SeriesKey k = p.key;
            Tags tags = Tags.of(Family.SENDER, Integer.toString(k.sender()));
            if (k.breakdown() != null) {
                for (int i = 0; i < k.labelValues().size(); i++) {
                    tags = tags.and(k.breakdown().labelNames().get(i), k.labelValues().get(i));
                }
            }
            if (p.family.splitLabel() != null) {
                tags = tags.and(p.family.splitLabel(), p.family.splitValues().get(p.index));
            }
            String name = p.family.micrometerName(k.breakdown());
            String help = p.family.help(k.breakdown());
            meters.add(p.family.counter()
                    ? FunctionCounter.builder(name, p, Probe::value).tags(tags).baseUnit(p.family.unit())
                            .description(help).register(registry)
                    : Gauge.builder(name, p, Probe::value).tags(tags).baseUnit(p.family.unit())
                            .description(help).strongReference(true).register(registry));
        }
        return meters;
    }

    /** The cached reading, or a new one (same top keys) if it is older than the maximum age. */
    private Reading current() {
        Reading r = reading;
        if (r != null && System.nanoTime() - r.nanos() <= maxAgeNanos) {
            return r;
        }
        synchronized (readLock) {
            r = reading;
            if (r == null || System.nanoTime() - r.nanos() > maxAgeNanos) {
                r = read(false);
            }
            return r;
        }
    }

    /** Reads every sender; the caller holds readLock. */
    private Reading read(boolean rerank) {
        Map<Integer, SenderReading> senders = new LinkedHashMap<>();
        Map<SeriesKey, Series> series = new HashMap<>();
        for (SenderReading s : reader.read(rerank)) {
            senders.put(s.senderId(), s);
            s.breakdowns().forEach((b, folded) -> {
                for (Series x : folded.series()) {
                    series.put(new SeriesKey(s.senderId(), b, x.labelValues()), x);
                }
            });
        }
        Reading r = new Reading(System.nanoTime(), senders, series);
        reading = r;
        return r;
    }

    @Override
    public String toString() {
        return "SendqMeterBinder" + reader.options();
    }

    /** Builds a {@link SendqMeterBinder}; not thread-safe. */
    public static final class Builder {
        private final QueueEngine engine;
        private MetricsOptions options = MetricsOptions.defaults();
        private Duration refreshInterval = Duration.ofMinutes(1);
        private Duration valueMaxAge = Duration.ofSeconds(1);

        private Builder(QueueEngine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
        }

        /** What to export (default {@link MetricsOptions#defaults()}: per sender only). */
        public Builder options(MetricsOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * How often the binder re-ranks the top keys and registers meters for new senders
         * (default 1 minute); {@link Duration#ZERO} starts no thread: call {@link #refresh()}.
         */
        public Builder refreshInterval(Duration interval) {
            if (interval.isNegative() || (!interval.isZero() && interval.toMillis() < 1)) {
                throw new IllegalArgumentException("refreshInterval must be zero or at least 1 ms, got " + interval);
            }
            this.refreshInterval = interval;
            return this;
        }

        /**
         * How old a reading may be before a meter read takes a new one (default 1 s), so that the
         * meters of one scrape share one reading; {@link Duration#ZERO} reads at every meter read.
         */
        public Builder valueMaxAge(Duration maxAge) {
            if (maxAge.isNegative()) {
                throw new IllegalArgumentException("valueMaxAge must not be negative, got " + maxAge);
            }
            this.valueMaxAge = maxAge;
            return this;
        }

        /** The binder (not yet bound to a registry). */
        public SendqMeterBinder build() {
            return new SendqMeterBinder(this);
        }
    }
}
