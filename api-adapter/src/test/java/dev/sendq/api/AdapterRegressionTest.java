package dev.sendq.api;

import static dev.sendq.api.Fixtures.TOKEN;
import static dev.sendq.api.Fixtures.jsonWithToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sendq.core.QueueEngine;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Regression tests: minimal reproductions of the bugs found while writing the adapter tests,
 * each stating what should happen (each failed before its fix).
 */
class AdapterRegressionTest {
    static {
        RawHttp.init();
    }

    private QueueEngine engine;
    private SendqApi api;

    @BeforeEach
    void setUp() {
        engine = Fixtures.documentedEngine();
        api = Fixtures.api(engine);
    }

    /**
     * Bug 1: an ISP with an unpaired surrogate ({@code "\ud800"}) is accepted; answered as XML it
     * makes the writer throw, so the client gets 500 / error 9 (and the server logs a stack trace
     * at ERROR level). It should be an invalid value (400 / error 4), in either format.
     */
    @Test
    void bug1_ispWithUnpairedSurrogateIsInvalidInBothFormats() {
        List<Object> before = Fixtures.snapshot(engine);
        ApiResponse xml = api.handle(Fixtures.json(jsonWithToken("\"id\":119,\"isp\":\"\\ud800\",\"format\":\"xml\"")));
        ApiResponse json = api.handle(Fixtures.json(jsonWithToken("\"id\":119,\"isp\":\"G\\udc00\"")));
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
        Fixtures.error(xml, 400, 4);
        Fixtures.error(json, 400, 4);
    }

    /**
     * Bug 2: an ISP of U+FFFE (or U+FFFF) is accepted and echoed in XML as {@code &#xfffe;},
     * which is not a legal XML character: the answer is not well-formed XML. It should be an
     * invalid value (400 / error 4), like control characters.
     */
    @Test
    void bug2_ispWithXmlIllegalNonCharacterIsInvalid() {
        ApiResponse r = api.handle(Fixtures.json(jsonWithToken("\"id\":119,\"isp\":\"\\ufffe\",\"format\":\"xml\"")));
        Fixtures.error(r, 400, 4);
    }

    /**
     * Bug 3: percent-decoding of form bodies and query strings takes any Unicode hex digit
     * ({@link Character#digit(char, int)}), so {@code %٣١%٣١%٣٩} (Arabic-Indic digits) decodes to
     * "119" and {@code %ＡＡ} (fullwidth letters) to byte 0xAA. Only ASCII hex digits are valid: 400 / error 1.
     */
    @Test
    void bug3_percentEscapesTakeOnlyAsciiHexDigits() {
        String arabic = "%\u0663\u0661%\u0663\u0661%\u0663\u0669"; // "%31%31%39" in Arabic-Indic digits
        Fixtures.error(api.handle(Fixtures.form("token=" + TOKEN + "&id=" + arabic)), 400, 1);
        Fixtures.error(api.handle(Fixtures.query("token=" + TOKEN + "&id=" + arabic)), 400, 1);
        Fixtures.error(api.handle(Fixtures.form("token=" + TOKEN + "&id=119&isp=%\uFF14\uFF11")), 400, 1);
    }

    /**
     * Bug 4: a body declared XML with a charset other than UTF-8 is refused (415, right) but
     * answered in JSON: "errors on an XML body are answered in XML". {@code formatOf} uses
     * {@code mediaType}, which maps a bad charset to "unsupported/charset" before the type is
     * looked at.
     */
    @Test
    void bug4_unsupportedCharsetOnAnXmlBodyIsAnsweredInXml() {
        ApiResponse r = api.handle(Fixtures.post("application/xml; charset=iso-8859-1", Fixtures.xmlWithToken("<id>119</id>")));
        assertThat(Fixtures.error(r, 415, 1).xml()).isTrue();
    }

    /**
     * Bug 5: a parameter with an empty name ({@code =5} in a form) is answered
     * "Unknown parameter: " (a dangling colon and space): the "printable" check accepts the
     * empty string. It should be "Unknown parameter".
     */
    @Test
    void bug5_emptyParameterNameIsNotEchoedAsAnEmptyName() {
        ApiResponse r = api.handle(Fixtures.form("=5&token=" + TOKEN + "&id=119"));
        assertThat(Fixtures.envelope(r).errorText()).isEqualTo("Unknown parameter");
        Fixtures.error(r, 400, 4);
    }

    /**
     * Bug 10: error precedence. The contract puts an unsupported content type or charset (415)
     * before a malformed body or query (400), but {@code RequestReader.read} parses the query
     * string before it looks at the content type: {@code ?id=%zz} with a text/plain body answers
     * 400 instead of 415.
     */
    @Test
    void bug10_unsupportedContentTypeWinsOverAMalformedQuery() {
        ApiResponse r = api.handle(new ApiRequest("POST", Fixtures.PATH, "id=%zz", "text/plain", null,
                "hello".getBytes(StandardCharsets.UTF_8)));
        Fixtures.error(r, 415, 1);
        ApiResponse dup = api.handle(new ApiRequest("POST", Fixtures.PATH, "id=1&id=2",
                "application/json; charset=latin1", null, "{}".getBytes(StandardCharsets.UTF_8)));
        Fixtures.error(dup, 415, 1);
    }

    /**
     * Bug 11 (minor): a JSON {@code -0} is read as the integer 0, so {@code "account_id": -0}
     * is accepted as "all accounts" although signs are invalid values (error 4). The sign is lost
     * once Jackson has built an IntNode; the number's text must be checked when it is read.
     */
    @Test
    void bug11_negativeZeroIsAnInvalidValue() {
        Fixtures.Envelope e = Fixtures.error(api.handle(Fixtures.json(jsonWithToken("\"id\":119,\"account_id\":-0"))),
                400, 4);
        assertThat(e.errorText()).isEqualTo("Invalid value for parameter: account_id");
    }

    /**
     * Bug 12: docs/api.md lists "DTDs and entities" under error 1, and STYLE/SPEC call an
     * external DTD a bad input, but a DOCTYPE whose entities are never referenced is silently
     * skipped (Jackson's default XML factory has DTD support off, so Woodstox skips the internal
     * subset and the DOCTYPE's SYSTEM id) and the request is answered 200. Nothing is fetched
     * (see BadInputTest#xmlNeverFetchesExternalResources); the bug is that it is accepted.
     */
    @Test
    void bug12_xmlWithADoctypeIsRefused() {
        Fixtures.error(api.handle(Fixtures.xml("<!DOCTYPE xml SYSTEM \"http://127.0.0.1:9/x.dtd\">"
                + Fixtures.xmlWithToken("<id>119</id>"))), 400, 1);
        Fixtures.error(api.handle(Fixtures.xml("<!DOCTYPE xml [<!ENTITY a \"b\">]>"
                + Fixtures.xmlWithToken("<id>119</id>"))), 400, 1);
    }

    /**
     * Bug 13: the 415 is for "a body whose content type is not one of the above" (docs/api.md;
     * SPEC: "content type not JSON/XML/form with a body"), but a request with an empty body and
     * any other Content-Type (e.g. {@code text/plain}, which some clients and proxies add by
     * default) is refused 415 even though all its parameters are in the query string.
     */
    @Test
    void bug13_emptyBodyWithAnotherContentTypeIsNotRefused() {
        ApiResponse r = api.handle(new ApiRequest("POST", Fixtures.PATH, "token=" + TOKEN + "&id=119", "text/plain",
                null, new byte[0]));
        assertThat(Fixtures.ok(r).data()).containsExactly(Fixtures.row(0, 0, "", 80, 110, 110, 40));
    }

    /**
     * Bug 6: {@code --senders 119,119} passes {@link DemoServer#parse}; {@link DemoServer#start}
     * then throws "sender 119 already exists", which main does not catch: a stack trace and exit
     * code 1 instead of a usage error (exit 2).
     */
    @Test
    void bug6_demoRejectsRepeatedSenderIdsWhenParsing() {
        assertThatThrownBy(() -> DemoServer.parse(new String[] {"--senders", "119,119"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--senders");
    }

    /**
     * Bug 7: {@code --bind} with an address that cannot be parsed or resolved makes
     * {@link DemoServer#start} throw IllegalArgumentException, which main does not catch: the user
     * sees "Exception in thread main ..." and a stack trace instead of a "sendq demo: ..." line.
     */
    @Test
    void bug7_demoReportsABadBindAddressWithoutAStackTrace() throws Exception {
        DemoProcess.Result r = DemoProcess.run(30, "--port", "0", "--messages", "0", "--bind", "1:2:3:zz");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).startsWith("sendq demo: ").doesNotContain("Exception", "\tat ");
    }

    /**
     * Bug 8: every {@link java.net.BindException} is reported as "address already in use", also
     * "Cannot assign requested address" (an address that is not on this machine, e.g.
     * 192.0.2.1 from TEST-NET-1), which sends the user looking for another process.
     */
    @Test
    void bug8_demoDoesNotCallEveryBindFailureAddressInUse() throws Exception {
        DemoProcess.Result r = DemoProcess.run(30, "--port", "0", "--messages", "0", "--bind", "192.0.2.1");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("sendq demo: cannot listen on 192.0.2.1").doesNotContain("already in use");
    }

    /**
     * Bug 9a: a client that declares a body over the limit (Content-Length: 100000000) gets its
     * 413 at once, but the worker thread then blocks in the JDK server's drain of the unread body
     * (up to {@code sun.net.httpserver.drainAmount}, 64 KiB) until the client sends it or the
     * request time limit ends. With one worker, one such client stalls everyone, and a request
     * waiting behind it is reset when its own time limit runs out. (Setting
     * {@code sun.net.httpserver.drainAmount=0} in HttpBinding fixes this case.)
     */
    @Test
    void bug9a_oversizedDeclaredBodyDoesNotHoldTheWorker() throws Exception {
        try (HttpBinding http = HttpBinding.start(api, new InetSocketAddress("127.0.0.1", 0), 1);
             Socket liar = new Socket("127.0.0.1", http.address().getPort())) {
            liar.setSoTimeout(5_000);
            liar.getOutputStream().write(("POST " + Fixtures.PATH + " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    + "application/json\r\nContent-Length: 100000000\r\n\r\n{").getBytes(StandardCharsets.ISO_8859_1));
            assertThat(new String(liar.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1))
                    .isEqualTo("HTTP/1.1 413");
            assertGoodRequestAnsweredWithin(http.address(), 1_500);
        }
    }

    /**
     * Bug 9b: as many slow clients as worker threads (headers sent, body never finished) hold
     * every worker until the request time limit; requests queued meanwhile are not answered and
     * are reset when their own time limit runs out. "Slow or idle clients must not starve" the
     * server (STYLE.md).
     */
    @Test
    void bug9b_slowClientsAsManyAsWorkersDoNotStarveOthers() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try (HttpBinding http = HttpBinding.start(api, new InetSocketAddress("127.0.0.1", 0), 2)) {
            for (int i = 0; i < 2; i++) {
                Socket s = new Socket("127.0.0.1", http.address().getPort());
                slow.add(s);
                OutputStream out = s.getOutputStream();
                out.write(("POST " + Fixtures.PATH + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\n\r\n{").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            Thread.sleep(200);
            assertGoodRequestAnsweredWithin(http.address(), 1_500);
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    private static void assertGoodRequestAnsweredWithin(InetSocketAddress server, int millis) throws Exception {
        long t0 = System.nanoTime();
        RawHttp.Response r;
        try {
            r = RawHttp.exchange(server, RawHttp.postJson(jsonWithToken("\"id\":119")), millis);
        } catch (java.io.IOException e) {
            throw new AssertionError("a good request was not answered within " + millis + " ms ("
                    + (System.nanoTime() - t0) / 1_000_000 + " ms: " + e + ")", e);
        }
        assertThat(r).isNotNull();
        assertThat(r.status()).isEqualTo(200);
    }
}
