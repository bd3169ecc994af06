package dev.sendq.api.prometheus;

import dev.sendq.api.ApiResponse;
import dev.sendq.api.GetRoute;
import dev.sendq.api.metrics.MetricsOptions;
import dev.sendq.core.QueueEngine;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scrape of a {@link PrometheusRegistry} as a {@link GetRoute}: the registry's metrics written
 * by the Prometheus client's own exposition writers, in the OpenMetrics text format when the
 * {@code Accept} header asks for it ({@code application/openmetrics-text}, as Prometheus does),
 * else in the Prometheus text format 0.0.4. (The protobuf format is not offered: its writer is not
 * a dependency.)
 *
 * <pre>{@code
 * PrometheusRegistry registry = new PrometheusRegistry();
 * registry.register(SendqCollector.create(engine));
 * HttpBinding http = HttpBinding.start(api, address, 8).route(PrometheusRoute.PATH, new PrometheusRoute(registry));
 * }</pre>
 *
 * <p>It answers every GET alike (the query string is ignored) and needs no token: serve it on a
 * loopback or internal address. Thread-safe.
 */
public final class PrometheusRoute implements GetRoute {
    /** The conventional path of a scrape: {@code /metrics}. */
    public static final String PATH = "/metrics";

    private final PrometheusRegistry registry;
    private final ExpositionFormats formats;
    private final AtomicInteger lastSize = new AtomicInteger(4096);

    /**
     * A route serving {@code registry}, with the exposition settings of the client's
     * {@code PrometheusProperties} (system properties or {@code prometheus.properties}).
     */
    public PrometheusRoute(PrometheusRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.formats = ExpositionFormats.init();
    }

    /** A route serving a registry of its own that holds one {@link SendqCollector} of {@code engine}. */
    public static PrometheusRoute of(QueueEngine engine, MetricsOptions options) {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(SendqCollector.create(engine, options));
        return new PrometheusRoute(registry);
    }

    /** Scrapes the registry and writes it in the format {@code accept} asks for. */
    @Override
    public ApiResponse get(String query, String accept) {
        MetricSnapshots snapshots = registry.scrape();
        ExpositionFormatWriter writer = writer(accept);
        ByteArrayOutputStream out = new ByteArrayOutputStream(lastSize.get() + 1024);
        try {
            writer.write(out, snapshots, EscapingScheme.fromAcceptHeader(accept));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        lastSize.set(out.size());
        return new ApiResponse(200, writer.getContentType(), out.toByteArray(), Map.of());
    }

    /** The writer for {@code accept}: OpenMetrics when asked for, else the text format. */
    ExpositionFormatWriter writer(String accept) {
        ExpositionFormatWriter w = formats.findWriter(accept);
        if (w.isAvailable()) {
            return w;
        }
        return formats.getOpenMetricsTextFormatWriter().accepts(accept)
                ? formats.getOpenMetricsTextFormatWriter() : formats.getPrometheusTextFormatWriter();
    }
}
