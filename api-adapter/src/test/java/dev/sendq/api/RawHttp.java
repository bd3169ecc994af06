package dev.sendq.api;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately small HTTP/1.1 client over raw sockets, so that tests can send anything
 * (bad methods, malformed request lines, lying Content-Length headers, slow bodies) and see
 * exactly what the server answers. (The module does not read java.net.http, so tests compiled
 * into it cannot use the JDK's HttpClient without changing the build.)
 *
 * <p>Also the one place that fixes the JDK server's JVM-wide time limits for the tests
 * ({@code maxReqTime} {@value #MAX_REQ_TIME_SECONDS} s, {@code clockTick} 1 s): they are read once,
 * when the first server starts, so every test class that starts a server calls {@link #init()}
 * from its static initialiser, before {@link HttpBinding} is first used.
 */
final class RawHttp {
    /** The request time limit the tests run the JDK server with, in seconds. */
    static final int MAX_REQ_TIME_SECONDS = 3;

    static {
        System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQ_TIME_SECONDS));
        // Connections that never send a byte are closed by the server's idle task, which runs every
        // clockTick (10 s by default, which HttpBinding keeps): tick every second so that tests need not wait.
        System.setProperty("sun.net.httpserver.clockTick", "1000");
    }

    private RawHttp() {
    }

    /** Makes sure the time limits above are set (runs the static initialiser). */
    static void init() {
        // the static initialiser does the work
    }

    /** A parsed answer: status, headers (names lower-cased), body. */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The answer as the handler would have returned it, for the envelope checks. */
        ApiResponse asApiResponse() {
            String ct = header("content-type");
            return new ApiResponse(status, ct == null ? "" : ct, body, Map.of());
        }
    }

    /** A request with {@code Host}, {@code Connection: close} and, if there is a body, its length. */
    static byte[] request(String method, String target, Map<String, String> headers, byte[] body, boolean close) {
        StringBuilder b = new StringBuilder();
        b.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        b.append("Host: 127.0.0.1\r\n");
        headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            b.append("Content-Length: ").append(body.length).append("\r\n");
        }
        if (close) {
            b.append("Connection: close\r\n");
        }
        b.append("\r\n");
        byte[] head = b.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body == null) {
            return head;
        }
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /** A POST of a JSON body to the stats path, connection closed after the answer. */
    static byte[] postJson(String body) {
        return request("POST", SendqApi.STATS_PATH, Map.of("Content-Type", "application/json"),
                body.getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * Sends {@code request} on a new connection and reads one answer: up to its Content-Length
     * if it has one, else until the server closes the connection.
     *
     * @return the answer, or {@code null} if the server closed without answering
     */
    static Response exchange(InetSocketAddress server, byte[] request, int timeoutMillis) throws IOException {
        try (Socket s = new Socket(server.getAddress(), server.getPort())) {
            s.setSoTimeout(timeoutMillis);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // The server may refuse early (e.g. 413) and close while we are still writing.
            }
            byte[] all = readAnswer(s.getInputStream());
            return all.length == 0 ? null : parse(all, false);
        }
    }

    /** Reads one answer; a reset after some bytes counts as the end. */
    static byte[] readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        byte[] crlf2 = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        try {
            int n;
            while ((n = in.read(b)) >= 0) {
                buf.write(b, 0, n);
                byte[] sofar = buf.toByteArray();
                int end = indexOf(sofar, crlf2);
                if (end >= 0) {
                    String head = new String(sofar, 0, end, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
                    int i = head.indexOf("\r\ncontent-length:");
                    if (i >= 0) {
                        int eol = head.indexOf("\r\n", i + 2);
                        long len = Long.parseLong(head.substring(i + 17, eol < 0 ? head.length() : eol).strip());
                        if (sofar.length >= end + 4 + len) {
                            return sofar;
                        }
                    }
                }
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            if (buf.size() == 0) {
                throw e;
            }
        }
        return buf.toByteArray();
    }

    /** Parses a whole answer; with {@code exact}, the body is exactly Content-Length bytes. */
    static Response parse(byte[] all, boolean exact) throws IOException {
        int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (end < 0) {
            throw new IOException("no end of headers in: " + new String(all, StandardCharsets.ISO_8859_1));
        }
        String head = new String(all, 0, end, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (!statusLine[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + lines[0]);
        }
        int status = Integer.parseInt(statusLine[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, c).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(c + 1).strip());
        }
        int from = end + 4;
        int len = all.length - from;
        if (exact) {
            List<String> cl = headers.get("content-length");
            len = cl == null ? 0 : Integer.parseInt(cl.get(0));
        }
        byte[] body = new byte[len];
        System.arraycopy(all, from, body, 0, len);
        return new Response(status, headers, body);
    }

    private static int indexOf(byte[] a, byte[] pat) {
        outer:
        for (int i = 0; i + pat.length <= a.length; i++) {
            for (int j = 0; j < pat.length; j++) {
                if (a[i + j] != pat[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** One keep-alive connection: requests one after another, answers read by Content-Length. */
    static final class KeepAlive implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        KeepAlive(InetSocketAddress server, int timeoutMillis) throws IOException {
            socket = new Socket(server.getAddress(), server.getPort());
            socket.setSoTimeout(timeoutMillis);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        /** Sends a POST (no {@code Connection: close}) and reads exactly one answer. */
        Response post(String contentType, byte[] body) throws IOException {
            out.write(request("POST", SendqApi.STATS_PATH, Map.of("Content-Type", contentType), body, false));
            out.flush();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int c = in.read();
                if (c < 0) {
                    throw new EOFException("connection closed in the answer's headers");
                }
                head.write(c);
                matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
                        ? matched + 1 : (c == '\r' ? 1 : 0);
            }
            Response r = parse(head.toByteArray(), false);
            String cl = r.header("content-length");
            byte[] body2 = in.readNBytes(cl == null ? 0 : Integer.parseInt(cl));
            return new Response(r.status(), r.headers(), body2);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
