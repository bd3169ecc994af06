package dev.sendq.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The operator dashboard's static files: a page that watches one sender's queue live through
 * the API's own requests (stats, hold, release, purge, and the hold-rule and queue-age
 * extensions where the server has them). Transport-agnostic like {@link SendqApi}: a path in,
 * an {@link ApiResponse} out, so that any server can mount the page next to the handler;
 * {@link HttpBinding#startWithDashboard} mounts it on the JDK's.
 *
 * <p>Served paths: the page at {@value #PAGE_PATH}, its scripts, style sheet and icon under
 * {@value #ASSET_PREFIX}, and the chart library (uPlot, from the {@code org.webjars.npm:uplot}
 * WebJar on the class path) under {@code /dashboard/vendor/}. Only those exact paths are served:
 * there is no file-system or class-path lookup by request path, so no directory listing and no
 * path traversal; any other path under the prefix is 404. Every answer carries a
 * {@code Content-Security-Policy} that allows scripts, styles and requests from the page's own
 * origin only (no inline script or style, no other host), {@code X-Content-Type-Options: nosniff},
 * {@code X-Frame-Options: DENY} and {@code Referrer-Policy: no-referrer}.
 *
 * <p>The files are read once, when the class is first used. Without the WebJar on the class
 * path (a host application may exclude it) the page is still served and says that its chart is
 * unavailable. Thread-safe; stateless.
 */
public final class DashboardAssets {
    /** The path of the page. */
    public static final String PAGE_PATH = "/";
    /** The prefix of the page's scripts, style sheets and icon. */
    public static final String ASSET_PREFIX = "/dashboard/";

    /** What the page may load: its own origin only, no inline code, no framing, no form posts. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** The page's own files, in {@code dev/sendq/api/dashboard/} of this module. */
    static final Set<String> PAGE_FILES = Set.of("index.html", "dashboard.css", "icon.svg", "app.js", "client.js",
            "format.js", "dom.js", "figures.js", "chart.js", "tables.js", "rules.js", "heatmap.js");
    /** The WebJar's files served under {@code /dashboard/vendor/}, from its {@code dist/} folder. */
    static final Set<String> VENDOR_FILES = Set.of("uPlot.iife.min.js", "uPlot.min.css");

    private static final String WEBJAR_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

    private static final Map<String, ApiResponse> FILES = load();

    private DashboardAssets() {
    }

    /**
     * Whether {@code path} (raw, without the query string) belongs to the dashboard: the page or
     * anything under {@value #ASSET_PREFIX}, served or not. A server mounting the dashboard routes
     * these here and everything else to {@link SendqApi}.
     */
    public static boolean handles(String path) {
        return path != null && (path.equals(PAGE_PATH) || path.startsWith(ASSET_PREFIX));
    }

    /**
     * Answers a request for a dashboard path: 200 with the file and its content type for a GET
     * or HEAD of a served path (the server leaves the body out for HEAD), 405 with
     * {@code Allow: GET, HEAD} for another method, 404 for any other path. Never throws.
     *
     * @param method the HTTP method
     * @param path   the raw request path, without the query string
     * @return the answer, with the security headers above
     */
    public static ApiResponse serve(String method, String path) {
        ApiResponse file = path == null ? null : FILES.get(path);
        if (file == null) {
            return plain(404, "Not found", Map.of());
        }
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return plain(405, "Method not allowed (GET or HEAD)", Map.of("Allow", "GET, HEAD"));
        }
        return file;
    }

    /** The uPlot version of the WebJar on the class path, or {@code null} if it is not there. */
    static String vendorVersion() {
        try (InputStream in = DashboardAssets.class.getClassLoader().getResourceAsStream(WEBJAR_POM)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            return null;
        }
    }

    private static Map<String, ApiResponse> load() {
        Map<String, ApiResponse> files = new LinkedHashMap<>();
        for (String name : PAGE_FILES) {
            byte[] bytes = read(DashboardAssets.class.getResourceAsStream("dashboard/" + name), name);
            if (bytes == null) {
                throw new IllegalStateException("the dashboard file " + name + " is missing from the jar");
            }
            String path = name.equals("index.html") ? PAGE_PATH : ASSET_PREFIX + name;
            files.put(path, ok(name, bytes));
        }
        String version = vendorVersion();
        if (version != null) {
            String dist = "META-INF/resources/webjars/uplot/" + version + "/dist/";
            for (String name : VENDOR_FILES) {
                byte[] bytes = read(DashboardAssets.class.getClassLoader().getResourceAsStream(dist + name), name);
                if (bytes != null) {
                    files.put(ASSET_PREFIX + "vendor/" + name, ok(name, bytes));
                }
            }
        }
        return Map.copyOf(files);
    }

    private static byte[] read(InputStream in, String name) {
        if (in == null) {
            return null;
        }
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard file " + name, e);
        }
    }

    private static ApiResponse ok(String name, byte[] bytes) {
        return new ApiResponse(200, contentType(name), bytes, headers("no-cache", Map.of()));
    }

    private static ApiResponse plain(int status, String text, Map<String, String> extra) {
        return new ApiResponse(status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8),
                headers("no-store", extra));
    }

    private static Map<String, String> headers(String cacheControl, Map<String, String> extra) {
        Map<String, String> h = new LinkedHashMap<>(extra);
        h.put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        h.put("X-Content-Type-Options", "nosniff");
        h.put("X-Frame-Options", "DENY");
        h.put("Referrer-Policy", "no-referrer");
        h.put("Cache-Control", cacheControl);
        return h;
    }

    static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (name.endsWith(".svg")) {
            return "image/svg+xml";
        }
        throw new IllegalArgumentException("no content type for " + name);
    }
}
