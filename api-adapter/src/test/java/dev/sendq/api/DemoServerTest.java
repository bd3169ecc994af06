package dev.sendq.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sendq.api.prometheus.StrictExposition;
import dev.sendq.core.Grouping;
import dev.sendq.core.HoldImpact;
import dev.sendq.core.HoldReason;
import dev.sendq.core.HoldRule;
import dev.sendq.core.RateLimit;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.StatsRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The runnable demo: its command line, a frozen start ({@code --workers 0}) that answers the
 * same to repeated queries and prints working curl lines, and a clear failure when the port is
 * taken.
 */
class DemoServerTest {
    static {
        RawHttp.init();
    }

    private static final String TOKEN = "demo-token-1";
    private static DemoServer.Running frozen;
    private static String printed;

    @BeforeAll
    static void startFrozen() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DemoServer.Options o = DemoServer.parse(new String[] {"--port", "0", "--workers", "0", "--messages", "3000",
                "--token", TOKEN, "--senders", "119,120", "--seed", "7"});
        frozen = DemoServer.start(o, new PrintStream(out, true, StandardCharsets.UTF_8));
        printed = out.toString(StandardCharsets.UTF_8);
    }

    @AfterAll
    static void stopFrozen() {
        frozen.close();
    }

    // ------------------------------------------------------------------ command line

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "--bogus 1                | unknown option: --bogus",
            "--port                   | --port needs a value",
            "--port abc               | --port must be an integer, got abc",
            "--port 65536             | --port must be within 0..65535, got 65536",
            "--port -1                | --port must be within 0..65535, got -1",
            "--port=8080.5            | --port must be an integer, got 8080.5",
            "--port=                  | \"--port must be an integer, got \"",
            "8080                     | unexpected argument: 8080",
            "--workers 257            | --workers must be within 0..256, got 257",
            "--messages -1            | --messages must be within 0..10000000, got -1",
            "--senders 119,x          | --senders must be an integer, got x",
            "--senders 0              | --senders must be within 1..2147483647, got 0",
            "--seed 1.5               | --seed must be an integer, got 1.5",
            "--token a;b              | --token must be 1-256 characters without ';' or '='",
            "--metrics yes            | --metrics must be on or off, got yes",
    })
    void parseRejectsBadFlagsWithAClearMessage(String args, String message) {
        assertThatThrownBy(() -> DemoServer.parse(args.strip().split(" ")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Exception", "java."));
    }

    @Test
    void parseRejectsAnOverlongOrBlankToken() {
        assertThatThrownBy(() -> DemoServer.parse(new String[] {"--token", "t".repeat(257)}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--token");
        assertThatThrownBy(() -> DemoServer.parse(new String[] {"--token", " "}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--token");
    }

    @Test
    void parseDefaultsAndBothFlagSpellings() {
        DemoServer.Options d = DemoServer.parse(new String[0]);
        assertThat(d.port()).isEqualTo(8080);
        assertThat(d.bind()).isEqualTo("127.0.0.1");
        assertThat(d.senders()).containsExactly(119);
        assertThat(d.workers()).isEqualTo(4);
        assertThat(d.token()).matches("[0-9a-f]{36}");
        assertThat(DemoServer.parse(new String[0]).token()).as("a fresh random token").isNotEqualTo(d.token());
        DemoServer.Options o = DemoServer.parse(new String[] {"--port=0", "--senders", " 5, 6 ", "--token=abc"});
        assertThat(o.port()).isZero();
        assertThat(o.senders()).containsExactly(5, 6);
        assertThat(o.token()).isEqualTo("abc");
        assertThat(DemoServer.parse(new String[] {"--help"})).isNull();
        assertThat(DemoServer.parse(new String[] {"--port", "1", "-h"})).isNull();
        assertThat(DemoServer.usage()).contains("--port", "--bind", "--token", "--senders", "--messages", "--workers",
                "--seed", "--metrics", "--help");
        assertThat(d.metrics()).as("metrics on by default").isTrue();
        assertThat(DemoServer.parse(new String[] {"--metrics", "off"}).metrics()).isFalse();
    }

    // ------------------------------------------------------------------ frozen demo

    @Test
    void printsTheTokenTheRealPortAndCurlLines() {
        int port = frozen.http.address().getPort();
        assertThat(printed).contains("token: " + TOKEN)
                .contains("http://127.0.0.1:" + port + SendqApi.STATS_PATH)
                .contains("dashboard: http://127.0.0.1:" + port + "/?sender=119 (paste the token into the page)")
                .contains("frozen (no workers)")
                .contains("curl -s -X POST");
    }

    /**
     * Runs the printed curl lines, in order, on a demo of their own (the hold, release, add, lift
     * and rate-limit lines change the queue), each answer checked against the engine.
     */
    @Test
    void theCurlLinesItPrintsWork() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DemoServer.Running demo = DemoServer.start(DemoServer.parse(new String[] {"--port", "0", "--workers", "0",
                "--messages", "3000", "--token", TOKEN, "--seed", "7"}), new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            String lines = out.toString(StandardCharsets.UTF_8);
            String base = "http://127.0.0.1:" + demo.http.address().getPort();
            Matcher m = Pattern.compile("curl -s -X POST (\\S+) -H 'Content-Type: ([^']+)' \\\\\\R\\s+-d '([^']+)'")
                    .matcher(lines);
            SenderQueue q = demo.engine.sender(119);
            List<String> paths = new ArrayList<>();
            while (m.find()) {
                assertThat(m.group(1)).startsWith(base);
                String path = m.group(1).substring(base.length());
                paths.add(path);
                List<Map<String, String>> agesBefore = ages(q);
                RawHttp.Response r = RawHttp.exchange(demo.http.address(), RawHttp.request("POST", path,
                        Map.of("Content-Type", m.group(2)), m.group(3).getBytes(StandardCharsets.UTF_8), true), 10_000);
                switch (path) {
                    case SendqApi.STATS_PATH -> {
                        Fixtures.Envelope e = Fixtures.ok(r.asApiResponse());
                        assertThat(e.xml()).isEqualTo(m.group(2).contains("xml"));
                        assertThat(e.data()).isNotEmpty();
                    }
                    case SendqApi.HOLD_PATH -> {
                        long ruleId = Fixtures.okWith(r.asApiResponse(), "rule_id");
                        assertThat(q.holdRules()).extracting(HoldRule::id).contains(ruleId);
                        StatsRow held = q.stats(new Selector(412, 0, "Gmail"), Grouping.TOTAL).get(0);
                        assertThat(held.hold()).isPositive();
                        assertThat(held.newCount() + held.retry()).isZero();
                    }
                    case SendqApi.RELEASE_PATH -> {
                        assertThat(Fixtures.okWith(r.asApiResponse(), "released")).isEqualTo(1);
                        assertThat(q.holdRules()).extracting(HoldRule::selector).containsExactly(
                                Selector.campaign(306, 4914), Selector.account(2020), Selector.isp("Apple"),
                                Selector.campaign(1001, 10011));
                        assertThat(q.stats(new Selector(412, 0, "Gmail"), Grouping.TOTAL).get(0).newCount()).isPositive();
                    }
                    default -> checkExtension(q, path, r.asApiResponse(), m.group(3), agesBefore);
                }
            }
            assertThat(paths).as("curl lines in:%n%s", lines).containsExactly(SendqApi.STATS_PATH, SendqApi.STATS_PATH,
                    SendqApi.HOLD_PATH, SendqApi.RELEASE_PATH, SendqApi.HOLD_RULES_PATH, SendqApi.ADD_HOLD_RULE_PATH,
                    SendqApi.ADD_HOLD_RULE_PATH, SendqApi.LIFT_HOLD_RULE_PATH, SendqApi.AGES_PATH,
                    SendqApi.RETRY_REASONS_PATH, SendqApi.RATE_LIMITS_PATH, SendqApi.SET_RATE_LIMIT_PATH);
        } finally {
            demo.close();
        }
    }

    /**
     * Checks the answer of a printed extension request against the engine, through the core API;
     * {@code agesBefore} are the engine's age rows read just before the request.
     */
    private static void checkExtension(SenderQueue q, String path, ApiResponse r, String body,
                                       List<Map<String, String>> agesBefore) {
        switch (path) {
            case SendqApi.HOLD_RULES_PATH -> {
                Fixtures.Envelope e = Fixtures.okSnapshot(r, ExtensionRequestsTest.RULE_FIELDS);
                assertThat(e.data()).isEqualTo(q.holdImpact().rows().stream().map(ExtensionRequestsTest::ruleRow)
                        .toList());
                assertThat(e.data()).extracting(row -> row.get("reason")).containsExactly("complaint_rate",
                        "account_review", "isp_block", "maintenance");
                assertThat(e.data()).allSatisfy(row -> assertThat(row.get("label")).isNotEmpty());
                assertThat(e.data()).filteredOn(row -> !row.get("isp").equals("Apple"))
                        .allSatisfy(row -> assertThat(Long.parseLong(row.get("total"))).isPositive());
            }
            case SendqApi.ADD_HOLD_RULE_PATH -> {
                if (body.contains("dry_run")) {
                    HoldImpact preview = q.previewHold(Selector.isp("Microsoft"));
                    assertThat(Fixtures.okWithFields(r, "from_new", "from_retry", "total")).isEqualTo(Map.of(
                            "from_new", Long.toString(preview.fromNew()),
                            "from_retry", Long.toString(preview.fromRetry()),
                            "total", Long.toString(preview.total())));
                    assertThat(preview.total()).isPositive();
                } else {
                    long ruleId = Fixtures.okWith(r, "rule_id");
                    HoldRule rule = q.holdRules().get(q.holdRules().size() - 1);
                    assertThat(rule.id()).isEqualTo(ruleId);
                    assertThat(rule.reason()).isEqualTo(HoldReason.ISP_BLOCK);
                    assertThat(rule.label()).isEqualTo("421 RP-001 from Outlook, ticket 5120");
                    assertThat(rule.until()).isAfter(Instant.now().plusSeconds(3600));
                }
            }
            case SendqApi.LIFT_HOLD_RULE_PATH -> {
                assertThat(Fixtures.okWith(r, "released")).isEqualTo(1);
                assertThat(q.holdRules()).extracting(HoldRule::reason).doesNotContain(HoldReason.MAINTENANCE);
            }
            case SendqApi.AGES_PATH -> {
                Fixtures.Envelope e = Fixtures.okSnapshot(r, ExtensionRequestsTest.AGE_FIELDS);
                // Ages are whole minutes: a minute may have turned between the request and one of the reads.
                assertThat(e.data()).isIn(agesBefore, ages(q));
                long older = e.data().stream().mapToLong(row -> Long.parseLong(row.get("new_40_80m"))
                        + Long.parseLong(row.get("new_80_160m")) + Long.parseLong(row.get("new_160_320m"))
                        + Long.parseLong(row.get("new_ge_320m"))).sum();
                assertThat(older).as("restored messages are 40 minutes to 8 hours old").isPositive();
                assertThat(e.data()).allSatisfy(row -> assertThat(Long.parseLong(row.get("oldest_new_age_minutes")))
                        .isGreaterThanOrEqualTo(-1));
            }
            case SendqApi.RETRY_REASONS_PATH -> {
                Fixtures.Envelope e = Fixtures.okSnapshot(r, ExtensionRequestsTest.RETRY_FIELDS);
                assertThat(e.xml()).isTrue();
                assertThat(e.data()).isEqualTo(q.retryReasons(Selector.ALL, Grouping.ISP).rows().stream()
                        .map(ExtensionRequestsTest::retryRow).toList());
                assertThat(e.data()).filteredOn(row -> row.get("isp").equals("Yahoo")).singleElement()
                        .satisfies(row -> assertThat(Long.parseLong(row.get("remote_throttling"))).isPositive());
            }
            case SendqApi.RATE_LIMITS_PATH -> assertThat(r.bodyText()).startsWith("{\"data\":[{\"account_id\":0,"
                    + "\"campaign_id\":0,\"isp\":\"Yahoo\",\"permits\":2,\"per_ms\":1000,\"burst\":5}],");
            case SendqApi.SET_RATE_LIMIT_PATH -> {
                assertThat(Fixtures.okWith(r, "replaced")).isEqualTo(1);
                assertThat(q.rateLimits()).isEqualTo(Map.of(Selector.isp("Yahoo"),
                        RateLimit.perSecond(5).withBurst(10)));
            }
            default -> throw new AssertionError("unexpected path " + path);
        }
    }

    private static List<Map<String, String>> ages(SenderQueue q) {
        return q.ages(Selector.ALL, Grouping.ISP).rows().stream().map(ExtensionRequestsTest::ageRow).toList();
    }

    @Test
    void frozenDemoAnswersTheSameToRepeatedQueries() throws Exception {
        List<String> bodies = List.of(
                "{\"token\":\"" + TOKEN + "\",\"id\":119,\"group\":\"account_campaign\"}",
                "{\"token\":\"" + TOKEN + "\",\"id\":120,\"group\":\"isp\",\"format\":\"xml\"}",
                "{\"token\":\"" + TOKEN + "\",\"id\":119}");
        List<String> first = new ArrayList<>();
        for (String b : bodies) {
            first.add(query(b));
        }
        for (int round = 0; round < 5; round++) {
            Thread.sleep(100);
            for (int i = 0; i < bodies.size(); i++) {
                assertThat(query(bodies.get(i))).as("round %d of %s", round, bodies.get(i)).isEqualTo(first.get(i));
            }
        }
        // What it holds: every loaded message is still there (frozen: none delivered), and the held campaign
        // 306/4914 shows no NEW or RETRY message (they count as HOLD).
        for (int sender : new int[] {119, 120}) {
            SenderQueue q = frozen.engine.sender(sender);
            assertThat(q.totals().total()).isEqualTo(3000);
            assertThat(q.outcomes(Selector.ALL, Grouping.TOTAL).get(0).total()).isZero();
        }
        Fixtures.Envelope e = Fixtures.parseJson(first.get(0).getBytes(StandardCharsets.UTF_8));
        assertThat(e.data()).anySatisfy(row -> {
            assertThat(row).containsEntry("account_id", "306").containsEntry("campaign_id", "4914")
                    .containsEntry("new", "0").containsEntry("retry", "0");
            assertThat(Long.parseLong(row.get("hold"))).isPositive();
        });
        List<Map<String, String>> core = new ArrayList<>();
        for (StatsRow r : frozen.engine.sender(119).stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN)) {
            core.add(Fixtures.row(r.accountId(), r.campaignId(), r.isp(), r.hold(), r.newCount(), r.proc(), r.retry()));
        }
        assertThat(e.data()).isEqualTo(core);
    }

    @Test
    void theDemoServesItsMetricsWithCampaignsCappedAtFive() throws IOException {
        Matcher m = Pattern.compile("curl -s (http://\\S+/metrics)\\R").matcher(printed);
        assertThat(m.find()).as("a metrics curl line in:%n%s", printed).isTrue();
        String path = URI.create(m.group(1)).getPath();
        RawHttp.Response r = RawHttp.exchange(frozen.http.address(), RawHttp.request("GET", path,
                Map.of("Accept", "application/openmetrics-text"), null, true), 10_000);
        assertThat(r.status()).isEqualTo(200);
        StrictExposition.Scrape s = StrictExposition.parse(r.header("content-type"), r.bodyText());
        for (int sender : new int[] {119, 120}) {
            StatsRow totals = frozen.engine.sender(sender).totals();
            String id = Integer.toString(sender);
            assertThat(s.value("sendq_queued_messages", "sender", id, "state", "hold")).isEqualTo(totals.hold());
            assertThat(s.value("sendq_queued_messages", "sender", id, "state", "new")).isEqualTo(totals.newCount());
            assertThat(s.value("sendq_queued_messages", "sender", id, "state", "proc")).isEqualTo(totals.proc());
            assertThat(s.value("sendq_queued_messages", "sender", id, "state", "retry")).isEqualTo(totals.retry());
            double campaigns = s.samples("sendq_campaign_queued_messages").stream()
                    .filter(x -> x.label("sender").equals(id)).mapToDouble(StrictExposition.Sample::value).sum();
            assertThat(campaigns).as("top 5 campaigns + other = the sender").isEqualTo(totals.total());
        }
        assertThat(s.samples("sendq_campaign_queued_messages")).hasSize(2 * (5 + 1) * 4);
        assertThat(s.samples("sendq_isp_queued_messages")).isNotEmpty();
        assertThat(s.samples("sendq_account_queued_messages")).isNotEmpty();
    }

    private static String query(String body) throws IOException {
        RawHttp.Response r = RawHttp.exchange(frozen.http.address(), RawHttp.postJson(body), 10_000);
        Fixtures.ok(r.asApiResponse());
        return r.bodyText();
    }

    @Test
    void demoRefusesOtherTokens() throws IOException {
        RawHttp.Response r = RawHttp.exchange(frozen.http.address(),
                RawHttp.postJson("{\"token\":\"" + Fixtures.TOKEN + "\",\"id\":119}"), 10_000);
        Fixtures.error(r.asApiResponse(), 401, 2);
    }

    // ------------------------------------------------------------------ port in use

    @Test
    void secondStartOnTheSamePortFailsWithBindException() {
        int port = frozen.http.address().getPort();
        DemoServer.Options o = DemoServer.parse(new String[] {"--port", Integer.toString(port), "--messages", "0",
                "--workers", "0"});
        assertThatThrownBy(() -> DemoServer.start(o, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8))).isInstanceOf(BindException.class);
    }

    @Test
    void mainMapsAPortInUseToAClearMessageAndExitCode1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            DemoProcess.Result r = DemoProcess.run(30, "--port", Integer.toString(port), "--messages", "0");
            assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
            assertThat(r.err().strip()).isEqualTo("sendq demo: cannot listen on 127.0.0.1:" + port
                    + ": Address already in use (choose another --port or --bind)");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void mainMapsABadFlagToItsMessageTheUsageAndExitCode2() throws Exception {
        DemoProcess.Result r = DemoProcess.run(30, "--port", "http");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("sendq demo: --port must be an integer, got http").contains("usage:")
                .doesNotContain("Exception", "\tat ");
    }

    @Test
    void closeStopsTheServer() throws Exception {
        DemoServer.Running r = DemoServer.start(DemoServer.parse(new String[] {"--port", "0", "--messages", "100",
                "--workers", "1", "--token", TOKEN}), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        InetSocketAddress a = r.http.address();
        try {
            Fixtures.ok(RawHttp.exchange(a, RawHttp.postJson("{\"token\":\"" + TOKEN + "\",\"id\":119}"), 10_000)
                    .asApiResponse());
            assertThat(r.threads).isNotEmpty().allSatisfy(t -> assertThat(t.isAlive()).isTrue());
        } finally {
            r.close();
        }
        for (Thread t : r.threads) {
            t.join(5_000);
            assertThat(t.isAlive()).as(t.getName()).isFalse();
        }
        assertThatThrownBy(() -> RawHttp.exchange(a, RawHttp.postJson("{}"), 2_000)).isInstanceOf(IOException.class);
    }
}
