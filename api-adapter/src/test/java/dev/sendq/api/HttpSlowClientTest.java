package dev.sendq.api;

import static dev.sendq.api.Fixtures.jsonWithToken;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow and idle clients are cut off by the JDK server's request time limit, while other clients
 * are answered meanwhile. The limit is a JVM-wide property read when the first server starts:
 * {@link RawHttp#init()} sets it to {@value RawHttp#MAX_REQ_TIME_SECONDS} s (HttpBinding's
 * default is 10 s) before {@link HttpBinding} is first used in this JVM.
 */
class HttpSlowClientTest {
    static {
        RawHttp.init();
    }

    /** The JDK server checks its time limits once a second: allow that, and some slack for a busy machine. */
    private static final long CUT_OFF_BOUND_MILLIS = (RawHttp.MAX_REQ_TIME_SECONDS + 4) * 1000L;

    private static HttpBinding http;
    /** Blocking readers and writers: not on the common pool, which has one thread on a 2-core machine. */
    private static final ExecutorService IO = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "slow-client");
        t.setDaemon(true);
        return t;
    });

    @BeforeAll
    static void start() throws IOException {
        http = HttpBinding.start(Fixtures.api(Fixtures.documentedEngine()), new InetSocketAddress("127.0.0.1", 0), 4);
    }

    @AfterAll
    static void stop() {
        IO.shutdownNow();
        http.close();
    }

    /** Waits until the server closes {@code s}; returns the milliseconds since {@code t0}, and what was read. */
    private static CompletableFuture<String> closedBy(Socket s, long t0) {
        return CompletableFuture.supplyAsync(() -> {
            StringBuilder read = new StringBuilder();
            try {
                s.setSoTimeout((int) CUT_OFF_BOUND_MILLIS + 5_000);
                InputStream in = s.getInputStream();
                int c;
                while ((c = in.read()) >= 0) {
                    read.append((char) c);
                }
            } catch (SocketTimeoutException e) {
                return "still open after " + (System.nanoTime() - t0) / 1_000_000 + " ms";
            } catch (SocketException e) {
                // reset by the server: closed too
            } catch (IOException e) {
                return "error " + e;
            }
            return "closed after " + (System.nanoTime() - t0) / 1_000_000 + " ms; read: " + read;
        }, IO);
    }

    private static long closedMillis(String outcome) {
        assertThat(outcome).startsWith("closed after ");
        return Long.parseLong(outcome.substring("closed after ".length(), outcome.indexOf(" ms")));
    }

    private static void assertOthersAnswered(long untilNanos) throws IOException, InterruptedException {
        int answered = 0;
        while (System.nanoTime() < untilNanos) {
            long t0 = System.nanoTime();
            RawHttp.Response r = RawHttp.exchange(http.address(), RawHttp.postJson(jsonWithToken("\"id\":119")), 5_000);
            assertThat(r).isNotNull();
            Fixtures.ok(r.asApiResponse());
            assertThat((System.nanoTime() - t0) / 1_000_000).as("a good request is answered promptly").isLessThan(1_500);
            answered++;
            Thread.sleep(250);
        }
        assertThat(answered).isPositive();
    }

    @Test
    void bodyDribbledOneBytePerSecondIsCutOffWhileOthersAreAnswered() throws Exception {
        try (Socket slow = new Socket("127.0.0.1", http.address().getPort())) {
            long t0 = System.nanoTime();
            OutputStream out = slow.getOutputStream();
            out.write(("POST " + Fixtures.PATH + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 200\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            CompletableFuture<String> closed = closedBy(slow, t0);
            CompletableFuture<Void> dribble = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 200 && !closed.isDone(); i++) {
                        out.write(' ');
                        out.flush();
                        Thread.sleep(1_000);
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed the connection: what the test waits for
                }
            }, IO);
            assertOthersAnswered(t0 + (RawHttp.MAX_REQ_TIME_SECONDS - 1) * 1_000_000_000L);
            String outcome = closed.get(CUT_OFF_BOUND_MILLIS + 6_000, TimeUnit.MILLISECONDS);
            long millis = closedMillis(outcome);
            assertThat(millis).as(outcome).isLessThanOrEqualTo(CUT_OFF_BOUND_MILLIS)
                    .as("cut off by the time limit, not refused at once").isGreaterThanOrEqualTo(
                            (RawHttp.MAX_REQ_TIME_SECONDS - 1) * 1000L);
            assertThat(outcome).as("no answer to an unfinished request").doesNotContain("HTTP/1.1 200");
            dribble.cancel(true);
        }
        Fixtures.ok(RawHttp.exchange(http.address(), RawHttp.postJson(jsonWithToken("\"id\":119")), 5_000)
                .asApiResponse());
    }

    @Test
    void unfinishedHeadersAndSilentConnectionsAreCutOff() throws Exception {
        try (Socket headers = new Socket("127.0.0.1", http.address().getPort());
             Socket silent = new Socket("127.0.0.1", http.address().getPort())) {
            long t0 = System.nanoTime();
            headers.getOutputStream().write(("POST " + Fixtures.PATH + " HTTP/1.1\r\nHost: x\r\nContent-Ty")
                    .getBytes(StandardCharsets.ISO_8859_1));
            headers.getOutputStream().flush();
            CompletableFuture<String> headersClosed = closedBy(headers, t0);
            CompletableFuture<String> silentClosed = closedBy(silent, t0);
            assertOthersAnswered(t0 + (RawHttp.MAX_REQ_TIME_SECONDS - 1) * 1_000_000_000L);
            String h = headersClosed.get(CUT_OFF_BOUND_MILLIS + 6_000, TimeUnit.MILLISECONDS);
            String s = silentClosed.get(CUT_OFF_BOUND_MILLIS + 6_000, TimeUnit.MILLISECONDS);
            assertThat(closedMillis(h)).as(h).isLessThanOrEqualTo(CUT_OFF_BOUND_MILLIS);
            assertThat(closedMillis(s)).as(s).isLessThanOrEqualTo(CUT_OFF_BOUND_MILLIS);
            assertThat(h).doesNotContain("HTTP/1.1 200");
        }
    }
}
