package dev.sendq.api;

import static dev.sendq.api.Fixtures.TOKEN;
import static dev.sendq.api.Fixtures.jsonWithToken;
import static dev.sendq.api.Fixtures.utf8;
import static dev.sendq.api.Fixtures.xmlWithToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sendq.core.Grouping;
import dev.sendq.core.Lease;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.StatsRow;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * End to end through {@link HttpBinding} on 127.0.0.1 (port 0), with a raw-socket client: the
 * answers, the headers, the body limit before reading, concurrent clients while the engine is
 * under load, and survival of every bad input of {@link BadInputTest} and of non-HTTP garbage.
 */
class HttpBindingTest {
    static {
        RawHttp.init();
    }

    private static final int TIMEOUT_MS = 10_000;

    // One server for the class: stopping a JDK server takes its whole grace period (1 s) on JDK 17,
    // and nothing here changes the frozen engine. Tests that need their own server start one.
    private static QueueEngine engine;
    private static SendqApi api;
    private static HttpBinding shared;
    private HttpBinding http;

    @BeforeAll
    static void startShared() throws IOException {
        engine = Fixtures.documentedEngine();
        api = Fixtures.api(engine);
        shared = HttpBinding.start(api, new InetSocketAddress("127.0.0.1", 0), 4);
    }

    @AfterAll
    static void stopShared() {
        shared.close();
    }

    @BeforeEach
    void useShared() {
        http = shared;
    }

    private RawHttp.Response send(byte[] request) throws IOException {
        RawHttp.Response r = RawHttp.exchange(http.address(), request, TIMEOUT_MS);
        assertThat(r).as("an answer").isNotNull();
        return r;
    }

    private RawHttp.Response post(String contentType, String body) throws IOException {
        return send(RawHttp.request("POST", Fixtures.PATH, Map.of("Content-Type", contentType), utf8(body), true));
    }

    private void assertGoodRequestStillAnswered() throws IOException {
        RawHttp.Response r = post("application/json", jsonWithToken("\"id\":119"));
        assertThat(Fixtures.ok(r.asApiResponse()).data()).containsExactly(Fixtures.row(0, 0, "", 80, 110, 110, 40));
    }

    // ------------------------------------------------------------------ answers

    @Test
    void listensOnTheLoopbackAddressAndTheRealPort() {
        assertThat(http.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(http.address().getPort()).isPositive();
    }

    @Test
    void answersTheDocumentedRequestsWithTheHandlersBytesAndSafeHeaders() throws IOException {
        String jsonBody = GoldenResponseTest.REQUEST_JSON.replace("\"id\": 119", "\"id\": 119, \"group\": \"account_campaign\"");
        RawHttp.Response j = post("application/json", jsonBody);
        assertThat(j.status()).isEqualTo(200);
        assertThat(j.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(j.header("Cache-Control")).isEqualTo("no-store");
        assertThat(j.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(j.header("Content-Length")).isEqualTo(Integer.toString(j.body().length));
        assertThat(j.bodyText()).isEqualTo(GoldenResponseTest.normaliseJson(GoldenResponseTest.RESPONSE_JSON));

        RawHttp.Response x = send(RawHttp.request("POST", Fixtures.PATH + "?group=account_campaign",
                Map.of("Content-Type", "text/xml"), utf8(GoldenResponseTest.REQUEST_XML), true));
        assertThat(x.status()).isEqualTo(200);
        assertThat(x.header("Content-Type")).isEqualTo("application/xml; charset=utf-8");
        assertThat(x.bodyText()).isEqualTo(GoldenResponseTest.normaliseXml(GoldenResponseTest.RESPONSE_XML));
    }

    @Test
    void queryStringBearerHeaderAndPathWithoutSlashTravelThroughTheBinding() throws IOException {
        String noSlash = Fixtures.PATH.substring(0, Fixtures.PATH.length() - 1);
        RawHttp.Response r = send(RawHttp.request("POST", noSlash + "?id=119&group=account&format=xml",
                Map.of("Authorization", "Bearer " + TOKEN), null, true));
        Fixtures.Envelope e = Fixtures.ok(r.asApiResponse());
        assertThat(e.xml()).isTrue();
        assertThat(e.data()).containsExactly(Fixtures.row(306, 0, "", 80, 110, 110, 40));
        RawHttp.Response wrong = send(RawHttp.request("POST", Fixtures.PATH + "?id=119",
                Map.of("Authorization", "Bearer nope"), null, true));
        Fixtures.error(wrong.asApiResponse(), 401, 2);
    }

    @Test
    void keepAliveConnectionServesRequestAfterRequest() throws IOException {
        try (RawHttp.KeepAlive c = new RawHttp.KeepAlive(http.address(), TIMEOUT_MS)) {
            for (int i = 0; i < 20; i++) {
                boolean xml = i % 2 == 0;
                RawHttp.Response r = xml
                        ? c.post("application/xml", utf8(xmlWithToken("<id>119</id><group>isp</group>")))
                        : c.post("application/json", utf8(jsonWithToken("\"id\":" + (i % 4 == 1 ? 121 : 119))));
                if (!xml && i % 4 == 1) {
                    Fixtures.error(r.asApiResponse(), 404, 5);
                } else {
                    assertThat(Fixtures.ok(r.asApiResponse()).data()).hasSize(xml ? 3 : 1);
                }
            }
        }
    }

    @Test
    void methodNotAllowedCarriesTheAllowHeader() throws IOException {
        for (String method : List.of("GET", "PUT", "DELETE", "PATCH", "OPTIONS")) {
            RawHttp.Response r = send(RawHttp.request(method, Fixtures.PATH, Map.of(), null, true));
            assertThat(r.status()).as(method).isEqualTo(405);
            assertThat(r.header("Allow")).as(method).isEqualTo("POST");
            Fixtures.error(r.asApiResponse(), 405, 7);
        }
        RawHttp.Response head = send(RawHttp.request("HEAD", Fixtures.PATH, Map.of(), null, true));
        assertThat(head.status()).isEqualTo(405);
        assertThat(head.header("Allow")).isEqualTo("POST");
        assertThat(head.body()).isEmpty();
    }

    @Test
    void unknownPathIs404WithTheEnvelope() throws IOException {
        RawHttp.Response r = send(RawHttp.request("POST", "/", Map.of("Content-Type", "application/json"),
                utf8(jsonWithToken("\"id\":119")), true));
        Fixtures.error(r.asApiResponse(), 404, 1);
    }

    // ------------------------------------------------------------------ body limit

    @Test
    void bodyAtTheLimitIsAnsweredAndOneByteMoreIs413() throws IOException {
        String body = jsonWithToken("\"id\":119");
        String atLimit = body + " ".repeat(SendqApi.DEFAULT_MAX_BODY_BYTES - body.length());
        Fixtures.ok(post("application/json", atLimit).asApiResponse());
        RawHttp.Response over = post("application/json", atLimit + " ");
        Fixtures.error(over.asApiResponse(), 413, 8);
        assertThat(over.header("Connection")).isEqualToIgnoringCase("close");
    }

    @Test
    void declaredBodyOverTheLimitIs413BeforeTheBodyIsSent() throws IOException {
        try (Socket s = new Socket("127.0.0.1", http.address().getPort())) {
            s.setSoTimeout(3_000);
            long t0 = System.nanoTime();
            s.getOutputStream().write(("POST " + Fixtures.PATH + " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    + "application/xml\r\nContent-Length: 1000000000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            // Read the answer's headers and body by its Content-Length; the server must not wait for 1 GB.
            byte[] head = readHeaders(s);
            RawHttp.Response r = RawHttp.parse(head, false);
            byte[] body = s.getInputStream().readNBytes(Integer.parseInt(r.header("Content-Length")));
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            Fixtures.Envelope e = Fixtures.error(new ApiResponse(413, r.header("Content-Type"), body, Map.of()), 413, 8);
            assertThat(e.xml()).isTrue();
            assertThat(millis).isLessThan(2_000);
        }
        assertGoodRequestStillAnswered();
    }

    @Test
    void chunkedBodyOverTheLimitIs413() throws IOException {
        StringBuilder b = new StringBuilder("POST " + Fixtures.PATH + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        for (int i = 0; i < 80; i++) {
            b.append("400\r\n").append(" ".repeat(1024)).append("\r\n");
        }
        b.append("0\r\n\r\n");
        Fixtures.error(send(b.toString().getBytes(StandardCharsets.ISO_8859_1)).asApiResponse(), 413, 8);
        assertGoodRequestStillAnswered();
    }

    @Test
    void chunkedBodyWithinTheLimitIsRead() throws IOException {
        String body = jsonWithToken("\"id\":119");
        String half = body.substring(0, 10);
        String rest = body.substring(10);
        String req = "POST " + Fixtures.PATH + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + Integer.toHexString(half.length()) + "\r\n" + half + "\r\n"
                + Integer.toHexString(rest.length()) + "\r\n" + rest + "\r\n0\r\n\r\n";
        Fixtures.ok(send(req.getBytes(StandardCharsets.ISO_8859_1)).asApiResponse());
    }

    private static byte[] readHeaders(Socket s) throws IOException {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0d0a0d0a) {
            int c = s.getInputStream().read();
            if (c < 0) {
                throw new IOException("closed in headers: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(c);
            last4 = (last4 << 8) | c;
        }
        return head.toByteArray();
    }

    // ------------------------------------------------------------------ bad input over the socket

    /** Cases the JDK server itself refuses (a URI it cannot parse) before the handler runs. */
    private static final Set<String> REFUSED_BY_THE_JDK_SERVER =
            Set.of("query: bad percent escape %zz", "query: truncated percent escape %4");

    @Test
    void survivesEveryBadInputOfBadInputTestOnEveryPath() throws IOException {
        List<Object> before = Fixtures.snapshot(engine);
        int replayed = 0;
        List<BadInputTest.Case> cases = BadInputTest.PATHS.stream().flatMap(p -> BadInputTest.cases(p).stream()).toList();
        for (BadInputTest.Case c : cases) {
            if (c.maxBody() != SendqApi.DEFAULT_MAX_BODY_BYTES) {
                continue;
            }
            ApiRequest q = c.request();
            String what = q.path() + ": " + c.name();
            Map<String, String> headers = new LinkedHashMap<>();
            if (q.contentType() != null) {
                headers.put("Content-Type", q.contentType());
            }
            if (q.authorization() != null) {
                headers.put("Authorization", q.authorization());
            }
            String target = q.path() + (q.query() == null ? "" : "?" + q.query());
            byte[] body = q.body().length == 0 && q.contentType() == null ? null : q.body();
            if (body != null && body.length > SendqApi.DEFAULT_MAX_BODY_BYTES) {
                // Declare the body but do not send it: the 413 must come without it.
                headers.put("Content-Length", Integer.toString(body.length));
                body = null;
            }
            RawHttp.Response r = send(RawHttp.request(q.method(), target, headers, body, true));
            assertThat(r.status()).as(what).isEqualTo(c.status());
            String ct = r.header("Content-Type");
            if (q.method().equals("HEAD")) {
                assertThat(r.body()).as(what).isEmpty();
            } else if (REFUSED_BY_THE_JDK_SERVER.contains(c.name())) {
                assertThat(ct).as(what).startsWith("text/html");
            } else {
                Fixtures.Envelope e = Fixtures.error(r.asApiResponse(), c.status(), c.code());
                assertThat(e.xml()).as(what).isEqualTo(c.xmlAnswer());
            }
            if (c.status() == 405) {
                assertThat(r.header("Allow")).as(what).isEqualTo("POST");
            }
            replayed++;
        }
        assertThat(replayed).isGreaterThanOrEqualTo(4 * 40);
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
        assertGoodRequestStillAnswered();
    }

    @Test
    void survivesNonHttpGarbageAndMalformedRequests() throws Exception {
        String p = Fixtures.PATH;
        Map<String, byte[]> garbage = new LinkedHashMap<>();
        garbage.put("text line", "hello there\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        garbage.put("text without end of line", "hello".getBytes(StandardCharsets.ISO_8859_1));
        byte[] random = new byte[4096];
        new SplittableRandom(7).nextBytes(random);
        garbage.put("random bytes", random);
        garbage.put("TLS client hello", new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03,
                0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        garbage.put("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        garbage.put("NUL bytes", new byte[64]);
        garbage.put("non-numeric Content-Length", ("POST " + p + " HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}")
                .getBytes(StandardCharsets.ISO_8859_1));
        garbage.put("negative Content-Length", ("POST " + p + " HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}")
                .getBytes(StandardCharsets.ISO_8859_1));
        garbage.put("two Content-Lengths", ("POST " + p + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                + "Content-Length: 99999\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
        garbage.put("header line without colon", ("POST " + p + " HTTP/1.1\r\nHost x\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        garbage.put("unknown HTTP version", ("POST " + p + " HTTP/9.9\r\nHost: x\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        garbage.put("100 KB request target", ("POST " + p + "?" + "a".repeat(100_000) + " HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        garbage.put("request line only", ("POST " + p).getBytes(StandardCharsets.ISO_8859_1));
        garbage.put("bare LF line ends", ("POST " + p + "?token=" + TOKEN + "&id=119 HTTP/1.1\nHost: x\n"
                + "Connection: close\n\n").getBytes(StandardCharsets.ISO_8859_1));

        // A server with a worker for every garbage connection: the JDK server reads request lines on its
        // workers, so fewer workers would be starved until the time limit (see ReportedBugsTest, bug 9b).
        http = HttpBinding.start(api, new InetSocketAddress("127.0.0.1", 0), garbage.size() + 2);
        ExecutorService pool = Executors.newFixedThreadPool(garbage.size());
        try {
            Map<String, Future<RawHttp.Response>> answers = new LinkedHashMap<>();
            for (Map.Entry<String, byte[]> g : garbage.entrySet()) {
                answers.put(g.getKey(), pool.submit(() -> {
                    try {
                        return RawHttp.exchange(http.address(), g.getValue(),
                                (RawHttp.MAX_REQ_TIME_SECONDS + 4) * 1000);
                    } catch (java.net.SocketException e) {
                        return null; // reset: the server dropped the connection
                    }
                }));
            }
            // Meanwhile the server answers good requests.
            assertGoodRequestStillAnswered();
            for (Map.Entry<String, Future<RawHttp.Response>> a : answers.entrySet()) {
                RawHttp.Response r = a.getValue().get(RawHttp.MAX_REQ_TIME_SECONDS + 8L, TimeUnit.SECONDS);
                if (r != null) {
                    // Either an answer of the API or the JDK server's own refusal: never a server error.
                    assertThat(r.status()).as(a.getKey()).isBetween(200, 499);
                    String ct = r.header("Content-Type");
                    if (ct != null && !ct.startsWith("text/html")) {
                        Fixtures.envelope(r.asApiResponse());
                        Fixtures.assertNoInternals(r.bodyText());
                    }
                }
            }
            assertGoodRequestStillAnswered();
        } finally {
            pool.shutdownNow();
            http.close();
        }
        http = shared;
        assertGoodRequestStillAnswered();
    }

    // ------------------------------------------------------------------ concurrency

    @Test
    void concurrentClientsWhileTheEngineIsUnderLoad() throws Exception {
        QueueEngine busy = QueueEngine.builder().leaseDuration(Duration.ofMillis(300)).build();
        SenderQueue[] senders = {busy.addSender(119), busy.addSender(120)};
        String[] isps = {"Gmail", "Yahoo", "Microsoft", "Apple", "Other"};
        AtomicLong ids = new AtomicLong();
        SplittableRandom seed = new SplittableRandom(42);
        for (SenderQueue q : senders) {
            for (int i = 0; i < 3000; i++) {
                int account = 300 + seed.nextInt(4);
                q.enqueue(ids.incrementAndGet(), account, seed.nextInt(3) == 0 ? 0 : account * 10 + seed.nextInt(3),
                        isps[seed.nextInt(isps.length)], null);
            }
        }
        SendqApi busyApi = SendqApi.create(busy, TokenStore.parse(Fixtures.TOKENS));
        http = HttpBinding.start(busyApi, new InetSocketAddress("127.0.0.1", 0), 4);
        try {
            loadAndCheck(busy, senders, isps, ids, seed);
        } finally {
            http.close();
        }
    }

    private void loadAndCheck(QueueEngine busy, SenderQueue[] senders, String[] isps, AtomicLong ids,
                              SplittableRandom seed) throws Exception {

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong transitions = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            SplittableRandom r = seed.split();
            Thread t = new Thread(() -> work(busy, senders, r, ids, isps, stop, transitions, failures), "load-" + w);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }

        int clients = 8;
        int perClient = 30;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicLong rowsSeen = new AtomicLong();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                SplittableRandom r = seed.split();
                done.add(pool.submit(() -> {
                    try (RawHttp.KeepAlive keep = client % 2 == 0 ? new RawHttp.KeepAlive(http.address(), TIMEOUT_MS)
                            : null) {
                        for (int i = 0; i < perClient; i++) {
                            Grouping g = Grouping.values()[r.nextInt(4)];
                            int sender = 119 + r.nextInt(2);
                            String filter = switch (r.nextInt(4)) {
                                case 0 -> ",\"account_id\":" + (300 + r.nextInt(4));
                                case 1 -> ",\"isp\":\"" + isps[r.nextInt(isps.length)].toUpperCase(Locale.ROOT) + "\"";
                                case 2 -> ",\"campaign_id\":3011";
                                default -> "";
                            };
                            boolean xml = r.nextBoolean();
                            String ct = xml ? "application/xml" : "application/json";
                            String body = xml
                                    ? xmlWithToken("<id>" + sender + "</id><group>" + g.parameter() + "</group>")
                                    : jsonWithToken("\"id\":" + sender + ",\"group\":\"" + g.parameter() + "\"" + filter);
                            RawHttp.Response resp = keep != null ? keep.post(ct, utf8(body))
                                    : RawHttp.exchange(http.address(), RawHttp.request("POST", Fixtures.PATH,
                                            Map.of("Content-Type", ct), utf8(body), true), TIMEOUT_MS);
                            Fixtures.Envelope e = Fixtures.ok(resp.asApiResponse());
                            assertThat(e.xml()).isEqualTo(xml);
                            if (g == Grouping.TOTAL) {
                                assertThat(e.data()).hasSize(1);
                            } else {
                                for (Map<String, String> row : e.data()) {
                                    assertThat(Long.parseLong(row.get("total"))).isPositive();
                                }
                                assertSorted(e.data());
                            }
                            rowsSeen.addAndGet(e.data().size());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            stop.set(true);
            for (Thread t : workers) {
                t.join(5_000);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(transitions.get()).as("the engine really was under load").isGreaterThan(100);
        assertThat(rowsSeen.get()).isGreaterThanOrEqualTo((long) clients * perClient);

        // Quiet now: the answers are exact, and equal the core's own rows.
        for (SenderQueue q : senders) {
            for (Grouping g : Grouping.values()) {
                RawHttp.Response r = post("application/json",
                        jsonWithToken("\"id\":" + q.id() + ",\"group\":\"" + g.parameter() + "\""));
                List<Map<String, String>> expected = new ArrayList<>();
                for (StatsRow s : q.stats(Selector.ALL, g)) {
                    expected.add(Fixtures.row(s.accountId(), s.campaignId(), s.isp(), s.hold(), s.newCount(), s.proc(),
                            s.retry()));
                }
                assertThat(Fixtures.ok(r.asApiResponse()).data()).as(q.id() + " " + g).isEqualTo(expected);
            }
        }
    }

    private static void assertSorted(List<Map<String, String>> rows) {
        Comparator<Map<String, String>> order = Comparator.<Map<String, String>>comparingInt(
                        m -> Integer.parseInt(m.get("account_id")))
                .thenComparingInt(m -> Integer.parseInt(m.get("campaign_id")))
                .thenComparing(m -> m.get("isp"));
        assertThat(rows).isSortedAccordingTo(order);
    }

    /** A delivery worker: takes, then delivers, defers, fails or holds; sometimes enqueues or pauses a campaign. */
    private static void work(QueueEngine engine, SenderQueue[] senders, SplittableRandom r, AtomicLong ids,
                             String[] isps, AtomicBoolean stop, AtomicLong transitions,
                             ConcurrentLinkedQueue<Throwable> failures) {
        Lease lease = new Lease();
        try {
            while (!stop.get()) {
                SenderQueue q = senders[r.nextInt(senders.length)];
                int x = r.nextInt(100);
                try {
                    if (x < 10) {
                        int account = 300 + r.nextInt(4);
                        q.enqueue(ids.incrementAndGet(), account, account * 10 + r.nextInt(3),
                                isps[r.nextInt(isps.length)], null);
                    } else if (x < 12) {
                        var rule = q.hold(Selector.campaign(301, 3011));
                        Thread.onSpinWait();
                        q.liftHold(rule.id());
                    } else if (q.take(lease, 5, TimeUnit.MILLISECONDS)) {
                        int y = r.nextInt(100);
                        if (y < 70) {
                            engine.delivered(lease);
                        } else if (y < 88) {
                            engine.defer(lease, Duration.ofMillis(20 + r.nextInt(50)));
                        } else if (y < 94) {
                            engine.failed(lease);
                        } else if (y < 97) {
                            engine.hold(lease);
                        } // else: left in PROC until its lease expires
                    }
                    transitions.incrementAndGet();
                } catch (IllegalStateException e) {
                    // the lease expired or a rule held the message meanwhile: a real worker moves on
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    // ------------------------------------------------------------------ life cycle

    @Test
    void startValidatesItsArgumentsAndCloseStopsListening() throws IOException {
        assertThatThrownBy(() -> HttpBinding.start(api, new InetSocketAddress("127.0.0.1", 0), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpBinding.start(null, new InetSocketAddress("127.0.0.1", 0), 1))
                .isInstanceOf(NullPointerException.class);
        HttpBinding loop = HttpBinding.startLoopback(api, 0);
        int port;
        try {
            assertThat(loop.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            port = loop.address().getPort();
            assertThat(RawHttp.exchange(loop.address(), RawHttp.postJson(jsonWithToken("\"id\":119")), TIMEOUT_MS)
                    .status()).isEqualTo(200);
        } finally {
            loop.close();
        }
        {
            assertThatThrownBy(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setSoTimeout(2_000);
                    s.getOutputStream().write(RawHttp.postJson(jsonWithToken("\"id\":119")));
                    if (s.getInputStream().read() < 0) {
                        throw new ConnectException("closed");
                    }
                }
            }).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aSecondServerOnTheSamePortFailsWithBindException() {
        assertThatThrownBy(() -> HttpBinding.start(api, http.address(), 1)).isInstanceOf(java.net.BindException.class);
    }
}
