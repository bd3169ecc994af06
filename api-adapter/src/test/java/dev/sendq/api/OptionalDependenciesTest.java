package dev.sendq.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sendq.core.QueueEngine;
import java.io.File;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Prometheus and Micrometer are optional: with neither on the class path, the API, the HTTP
 * binding (with a route of its own) and the demo with {@code --metrics off} work, and nothing
 * tries to load them. Runs {@link WithoutMetricsLibraries} in a class loader built from this test's
 * class path minus those libraries.
 */
class OptionalDependenciesTest {
    static {
        // The JDK server's time limits are JVM-wide and read once: set the tests' before the filtered
        // loader's HttpBinding would set its defaults (the JDK classes are shared by both loaders).
        RawHttp.init();
    }

    /** Entry point run inside the filtered class loader; answers what it saw, or throws. */
    public static final class WithoutMetricsLibraries implements Supplier<String> {
        /** Needed by the reflective construction. */
        public WithoutMetricsLibraries() {
        }

        @Override
        public String get() {
            try {
                QueueEngine engine = Fixtures.documentedEngine();
                StringBuilder seen = new StringBuilder();
                try (HttpBinding http = HttpBinding.start(Fixtures.api(engine), new InetSocketAddress("127.0.0.1", 0), 1)
                        .route("/ping", (q, a) -> new ApiResponse(200, "text/plain", "pong".getBytes(StandardCharsets.UTF_8),
                                Map.of()))) {
                    RawHttp.Response stats = RawHttp.exchange(http.address(),
                            RawHttp.postJson(Fixtures.jsonWithToken("\"id\": 119")), 10_000);
                    RawHttp.Response ping = RawHttp.exchange(http.address(),
                            RawHttp.request("GET", "/ping", Map.of(), null, true), 10_000);
                    seen.append(stats.status()).append(' ').append(ping.bodyText());
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                DemoServer.Running demo = DemoServer.start(DemoServer.parse(new String[] {"--port", "0", "--workers", "0",
                        "--messages", "100", "--metrics", "off"}), new PrintStream(out, true, StandardCharsets.UTF_8));
                demo.close();
                seen.append(out.toString(StandardCharsets.UTF_8).contains("/metrics") ? " metrics" : " no-metrics");
                return seen.toString();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static URLClassLoader withoutMetricsLibraries() throws MalformedURLException {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String e = entry.replace('\\', '/');
            if (e.contains("/io/prometheus/") || e.contains("/io/micrometer/")) {
                continue;
            }
            urls.add(new File(entry).toURI().toURL());
        }
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
    }

    @Test
    void theApiTheBindingAndTheDemoWorkWithoutPrometheusAndMicrometer() throws Exception {
        try (URLClassLoader loader = withoutMetricsLibraries()) {
            assertThatThrownBy(() -> Class.forName("io.prometheus.metrics.model.registry.MultiCollector", false, loader))
                    .as("the libraries are really gone").isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> Class.forName("io.micrometer.core.instrument.MeterRegistry", false, loader))
                    .isInstanceOf(ClassNotFoundException.class);
            Supplier<?> run = (Supplier<?>) Class.forName(WithoutMetricsLibraries.class.getName(), true, loader)
                    .getConstructor().newInstance();
            assertThat(run.get()).isEqualTo("200 pong no-metrics");
        }
    }

    @Test
    void theExportersNeedTheirLibraries() throws Exception {
        try (URLClassLoader loader = withoutMetricsLibraries()) {
            assertThatThrownBy(() -> Class.forName("dev.sendq.api.prometheus.SendqCollector", true, loader))
                    .isInstanceOf(NoClassDefFoundError.class);
            assertThatThrownBy(() -> Class.forName("dev.sendq.api.micrometer.SendqMeterBinder", true, loader))
                    .isInstanceOf(NoClassDefFoundError.class);
        }
    }
}
