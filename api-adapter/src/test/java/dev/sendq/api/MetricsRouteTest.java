package dev.sendq.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sendq.api.metrics.MetricsOptions;
import dev.sendq.api.prometheus.PrometheusRoute;
import dev.sendq.api.prometheus.StrictExposition;
import dev.sendq.core.QueueEngine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code /metrics} route on {@link HttpBinding}, end to end over a socket: the two formats by
 * {@code Accept}, HEAD, 405 for other methods, nearby paths left to the API, path validation,
 * and a failing route answered 500 without internals. The documented queue (sender 119: hold 80,
 * new 110, proc 110, retry 40) is what the scrape must show.
 */
class MetricsRouteTest {
    static {
        RawHttp.init();
    }

    private static final int TIMEOUT_MS = 10_000;
    private static QueueEngine engine;
    private static HttpBinding http;

    @BeforeAll
    static void start() throws IOException {
        engine = Fixtures.documentedEngine();
        http = HttpBinding.start(Fixtures.api(engine), new InetSocketAddress("127.0.0.1", 0), 2)
                .route(PrometheusRoute.PATH, PrometheusRoute.of(engine, MetricsOptions.defaults()));
    }

    @AfterAll
    static void stop() {
        http.close();
    }

    private static RawHttp.Response send(HttpBinding binding, String method, String target, Map<String, String> headers)
            throws IOException {
        RawHttp.Response r = RawHttp.exchange(binding.address(), RawHttp.request(method, target, headers, null, true),
                TIMEOUT_MS);
        assertThat(r).as("an answer").isNotNull();
        return r;
    }

    private static StrictExposition.Scrape scrape(RawHttp.Response r) {
        assertThat(r.status()).isEqualTo(200);
        return StrictExposition.parse(r.header("content-type"), r.bodyText());
    }

    private static void assertDocumentedQueue(StrictExposition.Scrape s) {
        assertThat(s.value("sendq_queued_messages", "sender", "119", "state", "hold")).isEqualTo(80);
        assertThat(s.value("sendq_queued_messages", "sender", "119", "state", "new")).isEqualTo(110);
        assertThat(s.value("sendq_queued_messages", "sender", "119", "state", "proc")).isEqualTo(110);
        assertThat(s.value("sendq_queued_messages", "sender", "119", "state", "retry")).isEqualTo(40);
        assertThat(s.value("sendq_queued_messages", "sender", "120", "state", "new")).isZero();
    }

    @Test
    void getAnswersTheTextFormatByDefaultAndOpenMetricsWhenAsked() throws IOException {
        RawHttp.Response text = send(http, "GET", "/metrics", Map.of());
        assertThat(text.header("content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(text.header("cache-control")).isEqualTo("no-store");
        assertDocumentedQueue(scrape(text));

        RawHttp.Response om = send(http, "GET", "/metrics", Map.of("Accept",
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
        assertThat(om.header("content-type")).startsWith("application/openmetrics-text; version=1.0.0");
        assertDocumentedQueue(scrape(om));
        assertThat(om.bodyText()).endsWith("# EOF\n");
    }

    @Test
    void headAnswersTheHeadersWithoutABody() throws IOException {
        RawHttp.Response r = send(http, "HEAD", "/metrics", Map.of());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).startsWith("text/plain; version=0.0.4");
        assertThat(r.body()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH"})
    void otherMethodsAre405WithAllow(String method) throws IOException {
        RawHttp.Response r = send(http, method, "/metrics", Map.of());
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("allow")).isEqualTo("GET, HEAD");
        assertThat(r.bodyText()).doesNotContain("sendq_");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/metrics/", "/metricsx", "/metrics/x", "/Metrics"})
    void nearbyPathsStayTheApis(String path) throws IOException {
        Fixtures.error(send(http, "GET", path, Map.of()).asApiResponse(), 404, 1);
    }

    @Test
    void theApiIsStillServedBesideTheRoute() throws IOException {
        RawHttp.Response r = RawHttp.exchange(http.address(),
                RawHttp.postJson(Fixtures.jsonWithToken("\"id\": 119")), TIMEOUT_MS);
        assertThat(Fixtures.ok(r.asApiResponse()).data()).hasSize(1);
    }

    @Test
    void theQueryStringIsIgnored() throws IOException {
        assertDocumentedQueue(scrape(send(http, "GET", "/metrics?name[]=sendq_cells&debug=text", Map.of())));
    }

    @Test
    void routePathsAreValidated() {
        GetRoute route = (query, accept) -> new ApiResponse(200, "text/plain", new byte[0], Map.of());
        for (String bad : new String[] {"/", "metrics", SendqApi.STATS_PATH, "/api/v1.1/admin/senders/queue/stats",
                "/a?b", "/a#b", null}) {
            assertThatThrownBy(() -> http.route(bad, route)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> http.route("/x", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aFailingRouteAnswers500WithoutInternals() throws IOException {
        http.route("/boom", (query, accept) -> {
            throw new IllegalStateException("secret detail from dev.sendq.Internal");
        });
        RawHttp.Response r = send(http, "GET", "/boom", Map.of());
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.bodyText()).isEqualTo("Internal error\n");
        Fixtures.assertNoInternals(r.bodyText());
    }

    @Test
    void withoutTheRouteMetricsIsAnUnknownPathOfTheApi() throws IOException {
        try (HttpBinding plain = HttpBinding.start(Fixtures.api(engine), new InetSocketAddress("127.0.0.1", 0), 1)) {
            Fixtures.error(send(plain, "GET", "/metrics", Map.of()).asApiResponse(), 404, 1);
        }
    }
}
