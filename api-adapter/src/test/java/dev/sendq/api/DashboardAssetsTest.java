package dev.sendq.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dashboard's files as {@link DashboardAssets} serves them, without a server: exact paths
 * only, content types, security headers, the WebJar's files, and checks on the page's own
 * sources (no inline code, nothing from another host, no HTML built from data, no localStorage).
 */
class DashboardAssetsTest {
    @Test
    void servesThePageAndEachOfItsFilesWithItsContentTypeAndSecurityHeaders() throws IOException {
        Map<String, String> types = Map.of("html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
                "css", "text/css; charset=utf-8", "svg", "image/svg+xml");
        for (String name : DashboardAssets.PAGE_FILES) {
            String path = name.equals("index.html") ? "/" : "/dashboard/" + name;
            for (String method : List.of("GET", "HEAD")) {
                ApiResponse r = DashboardAssets.serve(method, path);
                assertThat(r.status()).as(path).isEqualTo(200);
                assertThat(r.contentType()).as(path).isEqualTo(types.get(name.substring(name.lastIndexOf('.') + 1)));
                assertThat(r.body()).as(path).isEqualTo(resource("dashboard/" + name));
                assertSecurityHeaders(r);
            }
        }
    }

    @Test
    void servesTheChartLibraryFromItsWebJar() throws IOException {
        String version = DashboardAssets.vendorVersion();
        assertThat(version).as("the uplot WebJar is on the class path").isNotNull();
        for (String name : DashboardAssets.VENDOR_FILES) {
            ApiResponse r = DashboardAssets.serve("GET", "/dashboard/vendor/" + name);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(classPath("META-INF/resources/webjars/uplot/" + version + "/dist/" + name));
            assertSecurityHeaders(r);
        }
        assertThat(DashboardAssets.serve("GET", "/dashboard/vendor/uPlot.iife.min.js").contentType())
                .isEqualTo("text/javascript; charset=utf-8");
        assertThat(DashboardAssets.serve("GET", "/dashboard/vendor/uPlot.min.css").contentType())
                .isEqualTo("text/css; charset=utf-8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/dashboard/", "/dashboard/vendor/", "/dashboard", "/dashboard/../pom.xml",
            "/dashboard/../../../../etc/passwd", "/dashboard/%2e%2e/index.html", "/dashboard/%2E%2E%2Fapp.js",
            "/dashboard/..%2fapp.js", "/dashboard/..%5capp.js", "/dashboard/..\\app.js", "/dashboard/vendor/../app.js",
            "/dashboard/./app.js", "/dashboard//app.js", "/dashboard/app.js/", "/dashboard/app.js%00",
            "/dashboard/APP.JS", "/dashboard/app.js?x", "/dashboard/index.html", "/dashboard/vendor/uPlot.esm.js",
            "/dashboard/vendor/uPlot.d.ts", "/dashboard/vendor/LICENSE", "/dashboard/vendor/%2e%2e/app.js",
            "/dashboard/DashboardAssets.class", "/dashboard/../DashboardAssets.class", "/dashboard/dashboard/app.js",
            "/../", "/./", "/index.html", "//", "", "/META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js"})
    void servesNothingButItsExactPaths(String path) {
        ApiResponse r = DashboardAssets.serve("GET", path);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.contentType()).isEqualTo("text/plain; charset=utf-8");
        assertThat(r.bodyText()).isEqualTo("Not found\n");
        assertSecurityHeaders(r);
    }

    @Test
    void answersOtherMethodsWith405() {
        for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS", "get")) {
            ApiResponse r = DashboardAssets.serve(method, "/dashboard/app.js");
            assertThat(r.status()).as(method).isEqualTo(405);
            assertThat(r.headers()).containsEntry("Allow", "GET, HEAD");
            assertThat(r.bodyText()).doesNotContain("import");
        }
        assertThat(DashboardAssets.serve("POST", "/nowhere").status()).isEqualTo(404);
        assertThat(DashboardAssets.serve("GET", null).status()).isEqualTo(404);
    }

    @Test
    void handlesThePageAndItsPrefixOnly() {
        assertThat(DashboardAssets.handles("/")).isTrue();
        assertThat(DashboardAssets.handles("/dashboard/app.js")).isTrue();
        assertThat(DashboardAssets.handles("/dashboard/anything")).isTrue();
        assertThat(DashboardAssets.handles("/dashboard")).isFalse();
        assertThat(DashboardAssets.handles(SendqApi.STATS_PATH)).isFalse();
        assertThat(DashboardAssets.handles("/favicon.ico")).isFalse();
        assertThat(DashboardAssets.handles("")).isFalse();
        assertThat(DashboardAssets.handles(null)).isFalse();
    }

    @Test
    void theContentSecurityPolicyAllowsNoInlineCodeAndNoOtherHost() {
        String csp = DashboardAssets.CONTENT_SECURITY_POLICY;
        assertThat(csp).contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'");
        assertThat(csp).doesNotContain("unsafe", "http:", "https:", "*", "data:");
    }

    /** Every file of the page's folder is served, and the page names no file that is not. */
    @Test
    void everyFileIsServedAndEveryReferenceResolves() throws IOException, URISyntaxException {
        Path dir = Path.of(DashboardAssets.class.getResource("dashboard/index.html").toURI()).getParent();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()))
                    .isEqualTo(DashboardAssets.PAGE_FILES);
        }
        List<String> references = new ArrayList<>();
        references.addAll(matches(text("index.html"), "(?:src|href)=\"([^\"]+)\""));
        for (String js : javascriptFiles()) {
            for (String module : matches(text(js), "from '([^']+)'")) {
                assertThat(module).as("imports in %s are relative", js).startsWith("./");
                references.add("/dashboard/" + module.substring(2));
            }
        }
        assertThat(references).isNotEmpty().allSatisfy(ref ->
                assertThat(DashboardAssets.serve("GET", ref).status()).as(ref).isEqualTo(200));
        assertThat(references).as("every script is loaded").containsAll(javascriptFiles().stream()
                .filter(js -> !js.equals("app.js")).map(js -> "/dashboard/" + js).toList())
                .contains("/dashboard/app.js");
    }

    @Test
    void thePageHasNoInlineScriptStyleOrHandler() throws IOException {
        String html = text("index.html");
        for (String script : matches(html, "(<script[^>]*>)")) {
            assertThat(script).as("scripts come from files").contains(" src=\"/dashboard/");
        }
        assertThat(html).doesNotContainPattern("<script[^>]*>[^<]+</script>")
                .doesNotContainPattern("(?i)\\sstyle=")
                .doesNotContainPattern("(?i)<style")
                .doesNotContainPattern("(?i)\\son[a-z]+=")
                .doesNotContainPattern("(?i)javascript:");
    }

    /** Data from the server (ISP names, labels, error texts) must never become HTML, and the token never lasts. */
    @Test
    void theScriptsBuildNoHtmlFromTextAndKeepNoTokenBeyondTheTab() throws IOException {
        for (String js : javascriptFiles()) {
            assertThat(text(js)).as(js).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                    "eval(", "new Function", "localStorage", "setAttribute('style'", "cssText");
        }
        assertThat(text("app.js")).doesNotContainPattern("searchParams\\.set\\('token'");
    }

    @Test
    void nothingIsLoadedFromAnotherHost() throws IOException {
        for (String name : DashboardAssets.PAGE_FILES) {
            String text = text(name);
            for (String url : matches(text, "(https?://[^\\s\"')]+)")) {
                assertThat(url).as(name).isEqualTo("http://www.w3.org/2000/svg"); // the SVG namespace, not a load
            }
            assertThat(text).as(name).doesNotContain("//cdn", "unpkg", "jsdelivr");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void assertSecurityHeaders(ApiResponse r) {
        assertThat(r.headers()).containsEntry("Content-Security-Policy", DashboardAssets.CONTENT_SECURITY_POLICY)
                .containsEntry("X-Content-Type-Options", "nosniff")
                .containsEntry("X-Frame-Options", "DENY")
                .containsEntry("Referrer-Policy", "no-referrer")
                .containsKey("Cache-Control");
    }

    private static Set<String> javascriptFiles() {
        return DashboardAssets.PAGE_FILES.stream().filter(n -> n.endsWith(".js")).collect(Collectors.toSet());
    }

    private static List<String> matches(String text, String regex) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    private static String text(String name) throws IOException {
        return new String(resource("dashboard/" + name), StandardCharsets.UTF_8);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = DashboardAssets.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static byte[] classPath(String name) throws IOException {
        try (InputStream in = DashboardAssets.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }
}
