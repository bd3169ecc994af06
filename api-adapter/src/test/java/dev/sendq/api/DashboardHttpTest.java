package dev.sendq.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dashboard mounted by {@link HttpBinding#startWithDashboard}, over raw sockets: the page
 * and its files with their headers, path traversal and directory listings refused as the bytes
 * arrive on the wire (no client normalises the path first), the API beside it unchanged, and
 * {@link HttpBinding#start} serving no page.
 */
class DashboardHttpTest {
    static {
        RawHttp.init();
    }

    private static SendqApi api;
    private static HttpBinding withDashboard;
    private static HttpBinding apiOnly;

    @BeforeAll
    static void startServers() throws IOException {
        api = Fixtures.api(Fixtures.documentedEngine());
        withDashboard = HttpBinding.startWithDashboard(api, new InetSocketAddress("127.0.0.1", 0), 2);
        apiOnly = HttpBinding.start(api, new InetSocketAddress("127.0.0.1", 0), 2);
    }

    @AfterAll
    static void stopServers() {
        withDashboard.close();
        apiOnly.close();
    }

    private static RawHttp.Response get(HttpBinding server, String method, String target) throws IOException {
        RawHttp.Response r = RawHttp.exchange(server.address(), RawHttp.request(method, target, Map.of(), null, true),
                10_000);
        assertThat(r).as("an answer to %s %s", method, target).isNotNull();
        return r;
    }

    @Test
    void servesThePageWithItsSecurityHeaders() throws IOException {
        RawHttp.Response r = get(withDashboard, "GET", "/?sender=119");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(r.header("Content-Security-Policy")).isEqualTo(DashboardAssets.CONTENT_SECURITY_POLICY);
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(r.bodyText()).startsWith("<!doctype html>").contains("<script src=\"/dashboard/app.js\"");

        RawHttp.Response js = get(withDashboard, "GET", "/dashboard/app.js");
        assertThat(js.status()).isEqualTo(200);
        assertThat(js.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        RawHttp.Response chart = get(withDashboard, "GET", "/dashboard/vendor/uPlot.iife.min.js");
        assertThat(chart.status()).isEqualTo(200);
        assertThat(chart.bodyText()).contains("uPlot");

        RawHttp.Response head = get(withDashboard, "HEAD", "/");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../", "/../pom.xml", "/dashboard/../pom.xml", "/dashboard/../../../../etc/passwd",
            "/dashboard/%2e%2e/%2e%2e/etc/passwd", "/dashboard/..%2f..%2fetc%2fpasswd", "/dashboard/..%5c..%5cpom.xml",
            "/dashboard/vendor/../app.js", "/dashboard/./app.js", "/dashboard//app.js", "/dashboard/", "/dashboard/vendor/",
            "/dashboard/vendor/uPlot.esm.js", "/dashboard/app.js%00.html", "/dashboard/DashboardAssets.class",
            "/dev/sendq/api/dashboard/app.js", "/META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js",
            "/index.html", "/favicon.ico"})
    void refusesTraversalListingsAndAnyOtherPath(String target) throws IOException {
        RawHttp.Response r = get(withDashboard, "GET", target);
        assertThat(r.status()).as(target).isIn(400, 404);
        assertThat(r.bodyText()).as(target).doesNotContain("<html", "import ", "uPlot", "root:", "<project");
    }

    @Test
    void refusesOtherMethodsOnThePage() throws IOException {
        RawHttp.Response r = RawHttp.exchange(withDashboard.address(), RawHttp.request("POST", "/",
                Map.of("Content-Type", "application/json"), "{}".getBytes(StandardCharsets.UTF_8), true), 10_000);
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
    }

    @Test
    void theApiAnswersBesideIt() throws IOException {
        RawHttp.Response r = RawHttp.exchange(withDashboard.address(),
                RawHttp.postJson(Fixtures.jsonWithToken("\"id\": 119")), 10_000);
        Fixtures.ok(r.asApiResponse());
        assertThat(r.header("Content-Security-Policy")).isNull();
        // A GET of an API path is still the API's 405, not a page.
        RawHttp.Response get = get(withDashboard, "GET", SendqApi.STATS_PATH);
        Fixtures.error(get.asApiResponse(), 405, 7);
    }

    @Test
    void withoutTheDashboardThereIsNoPage() throws IOException {
        for (String target : new String[] {"/", "/dashboard/app.js", "/dashboard/vendor/uPlot.iife.min.js"}) {
            RawHttp.Response r = get(apiOnly, "GET", target);
            Fixtures.error(r.asApiResponse(), 404, 1);
        }
    }
}
