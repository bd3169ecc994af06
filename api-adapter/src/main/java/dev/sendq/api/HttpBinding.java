package dev.sendq.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hosts a {@link SendqApi} on the JDK's built-in HTTP server ({@code jdk.httpserver}), hardened:
 * a bounded pool of worker threads, request bodies capped before they are read (413), and
 * time limits so that slow or idle clients are cut off instead of holding a thread.
 *
 * <p>The JDK server's limits are JVM-wide system properties, read once when the server classes
 * load. Unless the application has set them, the first use of this class sets:
 * {@code sun.net.httpserver.maxReqTime=10} (seconds to send a request),
 * {@code sun.net.httpserver.maxRspTime=10} (seconds to take a response),
 * {@code sun.net.httpserver.clockTick=1000} (how often, in ms, those limits are checked),
 * {@code sun.net.httpserver.idleInterval=30} (seconds an idle keep-alive connection is kept),
 * {@code sun.net.httpserver.maxIdleConnections=64},
 * {@code sun.net.httpserver.drainAmount=0} (an unread body, e.g. after a 413, is not drained:
 * the connection is closed instead of holding a thread) and
 * {@code jdk.httpserver.maxConnections=1024}.
 *
 * <p>Limits of the JDK server that this binding cannot lift: it reads each request on a worker
 * thread, so at most {@code max(64, 16 * threads)} slow clients are served at once, each for
 * at most {@code maxReqTime}; and it answers some malformed requests itself (an unparseable request
 * line, a bad {@code Content-Length}) with its own short {@code text/html} 400 page before the
 * handler sees them.
 *
 * <p>Besides the API it can serve read-only routes, such as a Prometheus scrape, at exact paths
 * ({@link #route(String, GetRoute)}); it knows nothing of what they serve, so it loads no
 * metrics library.
 *
 * <p>{@link #startWithDashboard} also serves the operator dashboard ({@link DashboardAssets}) at
 * {@code /}; {@link #start} serves the API alone.
 *
 * <p>Binds to loopback unless told otherwise. Thread-safe; {@link #close()} stops it.
 */
public final class HttpBinding implements AutoCloseable {
    static {
        defaultProperty("sun.net.httpserver.maxReqTime", "10");
        defaultProperty("sun.net.httpserver.maxRspTime", "10");
        defaultProperty("sun.net.httpserver.idleInterval", "30");
        defaultProperty("sun.net.httpserver.maxIdleConnections", "64");
        defaultProperty("sun.net.httpserver.clockTick", "1000");
        defaultProperty("sun.net.httpserver.drainAmount", "0");
        defaultProperty("jdk.httpserver.maxConnections", "1024");
    }

    private static final System.Logger LOG = System.getLogger(HttpBinding.class.getName());

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final SendqApi api;
    private final boolean dashboard;

    private HttpBinding(HttpServer server, ThreadPoolExecutor executor, SendqApi api, boolean dashboard) {
        this.server = server;
        this.executor = executor;
        this.api = api;
        this.dashboard = dashboard;
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    /**
     * Starts a server for {@code api} on {@code address} with {@code threads} worker threads kept
     * ready, and up to {@code max(64, 16 * threads)} under load (slow clients included).
     *
     * @throws java.net.BindException if the address is in use
     * @throws IOException            if the server cannot start
     */
    public static HttpBinding start(SendqApi api, InetSocketAddress address, int threads) throws IOException {
        return start(api, address, threads, false);
    }

    /**
     * Starts a server as {@link #start(SendqApi, InetSocketAddress, int)} does, which also serves
     * the operator dashboard ({@link DashboardAssets}): the page at {@code /} and its files under
     * {@code /dashboard/}, to GET and HEAD. Every other path goes to {@code api}. The page holds no
     * secret: it asks the operator for a token and sends it with each API request.
     *
     * @throws java.net.BindException if the address is in use
     * @throws IOException            if the server cannot start
     */
    public static HttpBinding startWithDashboard(SendqApi api, InetSocketAddress address, int threads)
            throws IOException {
        return start(api, address, threads, true);
    }

    private static HttpBinding start(SendqApi api, InetSocketAddress address, int threads, boolean dashboard)
            throws IOException {
        Objects.requireNonNull(api, "api");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1");
        }
        HttpServer server = HttpServer.create(address, 128);
        // The JDK server reads each request on a pool thread, so a slow client holds one until
        // maxReqTime. Up to `threads` threads are kept; bursts (and slow clients) get extra
        // threads up to 16x that, handed over directly, so a good request never queues behind
        // a slow one. Past that, connections are refused.
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, Math.max(64, threads * 16), 30,
                TimeUnit.SECONDS, new SynchronousQueue<>(), daemonThreads("sendq-http-"),
                new ThreadPoolExecutor.AbortPolicy());
        server.setExecutor(executor);
        server.createContext("/", exchange -> serve(api, dashboard, exchange));
        server.start();
        return new HttpBinding(server, executor, api, dashboard);
    }

    /** Starts on {@code 127.0.0.1:port} with 8 worker threads. */
    public static HttpBinding startLoopback(SendqApi api, int port) throws IOException {
        return start(api, new InetSocketAddress("127.0.0.1", port), 8);
    }

    /**
     * Also serves {@code route} at exactly {@code path} (GET and HEAD; other methods are answered
     * 405 with {@code Allow: GET, HEAD}), e.g. {@code route("/metrics", new PrometheusRoute(registry))}.
     * Any other path, including longer ones that start with {@code path}, is still the API's.
     * May be called while the server runs.
     *
     * @param path  an absolute path such as {@code /metrics}, not one of the API's
     * @param route the route
     * @return this binding
     * @throws IllegalArgumentException if the path is not absolute, has a query, is the API's or
     *                                  is already routed
     */
    public HttpBinding route(String path, GetRoute route) {
        Objects.requireNonNull(route, "route");
        if (path == null || !path.startsWith("/") || path.length() < 2 || path.contains("?") || path.contains("#")
                || api.handles(path)) {
            throw new IllegalArgumentException("route path must be absolute, not \"/\" and not an API path: " + path);
        }
        server.createContext(path, exchange -> {
            if (exchange.getRequestURI().getRawPath().equals(path)) {
                serveRoute(route, exchange);
            } else {
                serve(api, dashboard, exchange);
            }
        });
        return this;
    }

    /** The address the server listens on (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops accepting, closes every connection (exchanges in progress are cut), stops the threads. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static void serve(SendqApi api, boolean dashboard, HttpExchange exchange) throws IOException {
        try (exchange) {
            ApiResponse response;
            String path = exchange.getRequestURI().getRawPath();
            byte[] body = readBody(exchange, api.maxBodyBytes());
            if (dashboard && DashboardAssets.handles(path) && !api.handles(path)) {
                response = DashboardAssets.serve(exchange.getRequestMethod(), path);
                if (body == null) {
                    exchange.getResponseHeaders().set("Connection", "close");
                }
            } else if (body == null) {
                // Over the limit: answer 413 without reading the rest, and do not keep the connection.
                response = api.handleOversized(new ApiRequest(exchange.getRequestMethod(), path, null,
                        exchange.getRequestHeaders().getFirst("Content-Type"), null, null));
                exchange.getResponseHeaders().set("Connection", "close");
            } else {
                response = api.handle(new ApiRequest(exchange.getRequestMethod(), path,
                        exchange.getRequestURI().getRawQuery(),
                        exchange.getRequestHeaders().getFirst("Content-Type"),
                        exchange.getRequestHeaders().getFirst("Authorization"), body));
            }
            send(exchange, response);
        }
    }

    private static ApiResponse plain(int status, String text, Map<String, String> headers) {
        return new ApiResponse(status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8),
                headers);
    }

    private static void send(HttpExchange exchange, ApiResponse response) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        for (Map.Entry<String, String> h : response.headers().entrySet()) {
            exchange.getResponseHeaders().set(h.getKey(), h.getValue());
        }
        byte[] bytes = response.body();
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(response.status(), head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static void serveRoute(GetRoute route, HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            ApiResponse response;
            if (!method.equals("GET") && !method.equals("HEAD")) {
                response = plain(405, "Method not allowed (GET only)", Map.of("Allow", "GET, HEAD"));
            } else {
                try {
                    response = route.get(exchange.getRequestURI().getRawQuery(),
                            exchange.getRequestHeaders().getFirst("Accept"));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "route " + exchange.getHttpContext().getPath() + " failed", e);
                    response = plain(500, "Internal error", Map.of());
                }
            }
            send(exchange, response);
        }
    }

    /** The body, or {@code null} if it is longer than {@code max} bytes (declared or sent). */
    private static byte[] readBody(HttpExchange exchange, int max) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > max) {
                    return null;
                }
            } catch (NumberFormatException e) {
                return null;
            }
        }
        InputStream in = exchange.getRequestBody();
        byte[] buf = in.readNBytes(max + 1);
        return buf.length > max ? null : buf;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
