package dev.sendq.api;

import static dev.sendq.api.Fixtures.FORM;
import static dev.sendq.api.Fixtures.JSON;
import static dev.sendq.api.Fixtures.TOKEN;
import static dev.sendq.api.Fixtures.XML;
import static dev.sendq.api.Fixtures.error;
import static dev.sendq.api.Fixtures.jsonWithToken;
import static dev.sendq.api.Fixtures.okWith;
import static dev.sendq.api.Fixtures.row;
import static dev.sendq.api.Fixtures.utf8;
import static dev.sendq.api.Fixtures.xmlWithToken;
import static dev.sendq.api.SendqApi.HOLD_PATH;
import static dev.sendq.api.SendqApi.PURGE_PATH;
import static dev.sendq.api.SendqApi.RELEASE_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.sendq.core.Grouping;
import dev.sendq.core.HoldRule;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The three requests that follow the stats request's conventions: Clear (purge), Hold and
 * Release sender queue. Each succeeds in JSON, XML and form; its effect is read back through
 * the stats answer and the core API; the rules it shares with the stats request (unknown
 * parameters, tokens and scopes, format, error precedence) hold for it too. Every error row of
 * the table, on every path, is in {@link BadInputTest}. Runs on the documented queue (sender
 * 119: account 306, campaign 4591 hold 0 / new 100 / proc 100 / retry 0, campaign 4914
 * hold 80 / new 10 / proc 10 / retry 40) and an empty sender 120, with tokens
 * {@code TOKEN=*;t1=*;t2=119}.
 */
class SiblingRequestsTest {
    private static final String C4591 = "\"account_id\":306,\"campaign_id\":4591";
    private static final String C4914 = "\"account_id\":306,\"campaign_id\":4914";
    private static final String OK = "\"error\":0,\"error_text\":\"Successful operation\"";
    private static final String XML_OK = "<error>0</error><error_text>Successful operation</error_text></xml>";

    private QueueEngine engine;
    private SenderQueue q;
    private SendqApi api;

    @BeforeEach
    void setUp() {
        engine = Fixtures.documentedEngine();
        q = engine.sender(119);
        api = Fixtures.api(engine);
    }

    private ApiResponse send(String path, String contentType, String body) {
        return api.handle(Fixtures.post(path, contentType, body));
    }

    /** The single total row the stats request answers for sender 119 and these JSON members. */
    private Map<String, String> stats(String members) {
        String body = jsonWithToken("\"id\":119" + (members.isEmpty() ? "" : "," + members));
        List<Map<String, String>> rows = Fixtures.ok(api.handle(Fixtures.json(body))).data();
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    private static long n(Map<String, String> row, String field) {
        return Long.parseLong(row.get(field));
    }

    /** What a hold rule makes of a row: NEW and RETRY count as HOLD, PROC finishes its attempt. */
    private static Map<String, String> held(Map<String, String> r) {
        return row((int) n(r, "account_id"), (int) n(r, "campaign_id"), r.get("isp"),
                n(r, "hold") + n(r, "new") + n(r, "retry"), 0, n(r, "proc"), 0);
    }

    private long cancelledOutcomes(Selector s) {
        return q.outcomes(s, Grouping.TOTAL).get(0).cancelled();
    }

    // ------------------------------------------------------------------ hold

    @Test
    void holdInJsonAddsARuleThatMovesNewAndRetryToHold() {
        Map<String, String> before4591 = stats(C4591);
        assertThat(stats(C4914)).isEqualTo(row(306, 4914, "", 80, 10, 10, 40));
        ApiResponse r = send(HOLD_PATH, JSON, jsonWithToken("\"id\":119," + C4914));
        long ruleId = okWith(r, "rule_id");
        assertThat(r.bodyText()).isEqualTo("{\"rule_id\":" + ruleId + "," + OK + "}");
        assertThat(q.holdRules()).containsExactly(new HoldRule(ruleId, 119, Selector.campaign(306, 4914), null));
        assertThat(stats(C4914)).isEqualTo(row(306, 4914, "", 130, 0, 10, 0));
        assertThat(stats(C4591)).as("another campaign").isEqualTo(before4591);
    }

    @Test
    void holdInXmlWithAnIspIsAnsweredInXmlAndHoldsOnlyThatIsp() {
        Map<String, String> gmail = stats("\"account_id\":306,\"isp\":\"Gmail\"");
        Map<String, String> yahoo = stats("\"account_id\":306,\"isp\":\"Yahoo\"");
        assertThat(n(gmail, "new") + n(gmail, "retry")).as("something to hold").isPositive();
        ApiResponse r = send(HOLD_PATH, XML, xmlWithToken("<id>119</id><account_id>306</account_id><isp>gmail</isp>"));
        long ruleId = okWith(r, "rule_id");
        assertThat(r.contentType()).isEqualTo("application/xml; charset=utf-8");
        assertThat(r.bodyText()).isEqualTo("<xml><rule_id>" + ruleId + "</rule_id>" + XML_OK);
        HoldRule rule = q.holdRules().get(0);
        assertThat(rule.id()).isEqualTo(ruleId);
        assertThat(rule.selector()).isEqualTo(new Selector(306, 0, "Gmail")); // the canonical spelling
        assertThat(stats("\"account_id\":306,\"isp\":\"Gmail\"")).isEqualTo(held(gmail));
        assertThat(stats("\"account_id\":306,\"isp\":\"Yahoo\"")).isEqualTo(yahoo);
    }

    @Test
    void holdAsAFormOfTheWholeSenderHoldsEverythingNowAndLater() {
        long ruleId = okWith(send(HOLD_PATH, FORM, "token=" + TOKEN + "&id=119"), "rule_id");
        assertThat(q.holdRules()).extracting(HoldRule::id, HoldRule::selector).containsExactly(tuple(ruleId, Selector.ALL));
        assertThat(stats("")).isEqualTo(row(0, 0, "", 230, 0, 110, 0));
        q.enqueue(10_000, 412, 7, "Apple", null);
        assertThat(stats("")).as("a new message is enqueued in HOLD").isEqualTo(row(0, 0, "", 231, 0, 110, 0));
        assertThat(engine.sender(120).holdRules()).as("the other sender").isEmpty();
    }

    @Test
    void eachHoldAddsItsOwnRule() {
        long first = okWith(send(HOLD_PATH, JSON, jsonWithToken("\"id\":119," + C4591)), "rule_id");
        long second = okWith(send(HOLD_PATH, JSON, jsonWithToken("\"id\":119," + C4591)), "rule_id");
        assertThat(second).isGreaterThan(first);
        assertThat(q.holdRules()).extracting(HoldRule::id).containsExactly(first, second);
        assertThat(stats(C4591)).isEqualTo(row(306, 4591, "", 100, 0, 100, 0));
    }

    // ------------------------------------------------------------------ release

    @Test
    void releaseInJsonLiftsTheRuleAndItsMessagesReturnToNew() {
        okWith(send(HOLD_PATH, JSON, jsonWithToken("\"id\":119," + C4914)), "rule_id");
        ApiResponse r = send(RELEASE_PATH, JSON, jsonWithToken("\"id\":119," + C4914));
        assertThat(okWith(r, "released")).isEqualTo(1);
        assertThat(r.bodyText()).isEqualTo("{\"released\":1," + OK + "}");
        assertThat(q.holdRules()).isEmpty();
        // The 80 held one by one stay held; the 40 deferred come back ready, as NEW.
        assertThat(stats(C4914)).isEqualTo(row(306, 4914, "", 80, 50, 10, 0));
    }

    @Test
    void releaseInXmlLiftsOnlyTheRulesOfExactlyThatSelector() {
        okWith(send(HOLD_PATH, JSON, jsonWithToken("\"id\":119,\"account_id\":306")), "rule_id");
        HoldRule campaignRule = q.hold(Selector.campaign(306, 4591));
        ApiResponse r = send(RELEASE_PATH, XML, xmlWithToken("<id>119</id><account_id>306</account_id>"));
        assertThat(okWith(r, "released")).isEqualTo(1);
        assertThat(r.bodyText()).isEqualTo("<xml><released>1</released>" + XML_OK);
        assertThat(q.holdRules()).containsExactly(campaignRule);
        assertThat(stats(C4591)).as("still held by its own rule").isEqualTo(row(306, 4591, "", 100, 0, 100, 0));
        assertThat(stats(C4914)).isEqualTo(row(306, 4914, "", 80, 50, 10, 0));
    }

    @Test
    void releaseAsAFormMatchesTheIspCaseInsensitivelyAndLiftsEveryRuleOfTheSelector() {
        Map<String, String> gmail = stats("\"isp\":\"Gmail\"");
        okWith(send(HOLD_PATH, JSON, jsonWithToken("\"id\":119,\"isp\":\"Gmail\"")), "rule_id");
        okWith(send(HOLD_PATH, FORM, "token=" + TOKEN + "&id=119&isp=gmail"), "rule_id");
        assertThat(stats("\"isp\":\"Gmail\"")).isEqualTo(held(gmail));
        assertThat(okWith(send(RELEASE_PATH, FORM, "token=" + TOKEN + "&id=119&isp=GMAIL"), "released")).isEqualTo(2);
        assertThat(q.holdRules()).isEmpty();
        Map<String, String> after = stats("\"isp\":\"Gmail\"");
        assertThat(after).isEqualTo(row(0, 0, "Gmail", n(gmail, "hold"), n(gmail, "new") + n(gmail, "retry"),
                n(gmail, "proc"), 0));
    }

    @Test
    void releaseOfASelectorWithoutRulesLiftsNothingAndChangesNothing() {
        q.hold(Selector.campaign(306, 4591));
        List<Object> before = Fixtures.snapshot(engine);
        assertThat(okWith(send(RELEASE_PATH, JSON, jsonWithToken("\"id\":119")), "released")).isZero();
        assertThat(okWith(send(RELEASE_PATH, JSON, jsonWithToken("\"id\":119,\"account_id\":306")), "released"))
                .as("a wider selector is another selector").isZero();
        assertThat(okWith(send(RELEASE_PATH, JSON, jsonWithToken("\"id\":120," + C4591)), "released"))
                .as("the same selector on another sender").isZero();
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
        assertThat(stats(C4914)).as("messages held one by one are not rules").isEqualTo(row(306, 4914, "", 80, 10, 10,
                40));
    }

    // ------------------------------------------------------------------ purge

    @Test
    void purgeInJsonCancelsNewRetryAndHoldButLetsProcFinish() {
        long size = engine.size();
        ApiResponse r = send(PURGE_PATH, JSON, jsonWithToken("\"id\":119," + C4914));
        assertThat(okWith(r, "cancelled")).isEqualTo(80 + 10 + 40);
        assertThat(r.bodyText()).isEqualTo("{\"cancelled\":130," + OK + "}");
        assertThat(stats(C4914)).isEqualTo(row(306, 4914, "", 0, 0, 10, 0));
        assertThat(cancelledOutcomes(Selector.campaign(306, 4914))).isEqualTo(130);
        assertThat(cancelledOutcomes(Selector.campaign(306, 4591))).isZero();
        assertThat(stats(C4591)).isEqualTo(row(306, 4591, "", 0, 100, 100, 0));
        assertThat(engine.size()).isEqualTo(size - 130);
    }

    @Test
    void purgeInXmlOfTheWholeSender() {
        ApiResponse r = send(PURGE_PATH, XML, xmlWithToken("<id>119</id>"));
        assertThat(okWith(r, "cancelled")).isEqualTo(230);
        assertThat(r.bodyText()).isEqualTo("<xml><cancelled>230</cancelled>" + XML_OK);
        assertThat(stats("")).isEqualTo(row(0, 0, "", 0, 0, 110, 0));
        assertThat(cancelledOutcomes(Selector.ALL)).isEqualTo(230);
        assertThat(engine.size()).as("only the messages in PROC are left").isEqualTo(110);
    }

    @Test
    void purgeAsAFormOfOneCampaignThenOfNothing() {
        assertThat(okWith(send(PURGE_PATH, FORM, "token=" + TOKEN + "&id=119&account_id=306&campaign_id=4591"),
                "cancelled")).isEqualTo(100);
        assertThat(stats(C4591)).isEqualTo(row(306, 4591, "", 0, 0, 100, 0));
        assertThat(stats(C4914)).isEqualTo(row(306, 4914, "", 80, 10, 10, 40));
        List<Object> before = Fixtures.snapshot(engine);
        assertThat(okWith(send(PURGE_PATH, FORM, "token=" + TOKEN + "&id=119&account_id=999"), "cancelled")).isZero();
        assertThat(okWith(send(PURGE_PATH, FORM, "token=" + TOKEN + "&id=120"), "cancelled")).isZero();
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
    }

    @Test
    void purgeCancelsMessagesHeldByARuleAndLeavesTheRule() {
        HoldRule rule = q.hold(Selector.campaign(306, 4591));
        assertThat(okWith(send(PURGE_PATH, JSON, jsonWithToken("\"id\":119," + C4591)), "cancelled")).isEqualTo(100);
        assertThat(q.holdRules()).containsExactly(rule);
        q.enqueue(10_000, 306, 4591, "Gmail", null);
        assertThat(stats(C4591)).isEqualTo(row(306, 4591, "", 1, 0, 100, 0));
    }

    // ------------------------------------------------------------------ parameters shared with stats

    @Test
    void ispIsNoParameterOfPurgeWhateverItsValueOrSource() {
        List<Object> before = Fixtures.snapshot(engine);
        List<ApiRequest> requests = List.of(
                Fixtures.post(PURGE_PATH, JSON, jsonWithToken("\"id\":119,\"isp\":\"Gmail\"")),
                Fixtures.post(PURGE_PATH, JSON, jsonWithToken("\"id\":119,\"isp\":\"\"")),
                Fixtures.post(PURGE_PATH, XML, xmlWithToken("<id>119</id><isp>Gmail</isp>")),
                Fixtures.post(PURGE_PATH, FORM, "token=" + TOKEN + "&id=119&isp=Gmail"),
                new ApiRequest("POST", PURGE_PATH, "token=" + TOKEN + "&id=119&isp=Gmail", null, null, null));
        for (ApiRequest req : requests) {
            Fixtures.Envelope e = error(api.handle(req), 400, 4);
            assertThat(e.errorText()).isEqualTo("Unknown parameter: isp");
            assertThat(e.xml()).isEqualTo(req.contentType() != null && req.contentType().equals(XML));
        }
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
    }

    @Test
    void groupIsAParameterOfStatsOnly() {
        List<Object> before = Fixtures.snapshot(engine);
        for (String path : List.of(PURGE_PATH, HOLD_PATH, RELEASE_PATH)) {
            ApiResponse r = send(path, JSON, jsonWithToken("\"id\":119,\"group\":\"total\""));
            assertThat(error(r, 400, 4).errorText()).as(path).isEqualTo("Unknown parameter: group");
        }
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
    }

    @Test
    void everyRequestIsServedWithAndWithoutTheTrailingSlash() {
        for (String path : List.of(SendqApi.STATS_PATH, PURGE_PATH, HOLD_PATH, RELEASE_PATH)) {
            String bare = path.substring(0, path.length() - 1);
            assertThat(api.handles(path)).as(path).isTrue();
            assertThat(api.handles(bare)).as(bare).isTrue();
            assertThat(api.handles(path + "/")).as(path + "/").isFalse();
            assertThat(api.handles(bare.toUpperCase(Locale.ROOT))).isFalse();
        }
        assertThat(api.handles("/api/v1.1/admin/senders/queue/")).isFalse();
        assertThat(api.handles("/api/v1.1/admin/senders/queue/clear/")).isFalse();
        assertThat(api.handles(null)).isFalse();
        String bareHold = HOLD_PATH.substring(0, HOLD_PATH.length() - 1);
        long ruleId = okWith(send(bareHold, JSON, jsonWithToken("\"id\":119," + C4591)), "rule_id");
        String bareRelease = RELEASE_PATH.substring(0, RELEASE_PATH.length() - 1);
        assertThat(okWith(send(bareRelease, JSON, jsonWithToken("\"id\":119," + C4591)), "released")).isEqualTo(1);
        String barePurge = PURGE_PATH.substring(0, PURGE_PATH.length() - 1);
        assertThat(okWith(send(barePurge, JSON, jsonWithToken("\"id\":119," + C4591)), "cancelled")).isEqualTo(100);
        assertThat(ruleId).isPositive();
    }

    @Test
    void tokenFormatAndScopeFollowTheStatsRules() {
        // Bearer header and query string, no body, format=xml in the query.
        ApiResponse r = api.handle(new ApiRequest("POST", HOLD_PATH, "id=119&campaign_id=4591&format=xml", null,
                "Bearer " + TOKEN, null));
        long ruleId = okWith(r, "rule_id");
        assertThat(r.bodyText()).isEqualTo("<xml><rule_id>" + ruleId + "</rule_id>" + XML_OK);
        // format=json wins over an XML body.
        ApiResponse j = send(RELEASE_PATH, XML, xmlWithToken("<id>119</id><campaign_id>4591</campaign_id>"
                + "<format>json</format>"));
        assertThat(j.bodyText()).isEqualTo("{\"released\":1," + OK + "}");
        // A token scoped to sender 119 may act on it, not on another sender, existing or not.
        assertThat(okWith(send(PURGE_PATH, JSON, "{\"token\":\"t2\",\"id\":119,\"account_id\":999}"), "cancelled"))
                .isZero();
        List<Object> before = Fixtures.snapshot(engine);
        for (String path : List.of(PURGE_PATH, HOLD_PATH, RELEASE_PATH)) {
            error(send(path, JSON, "{\"token\":\"t2\",\"id\":120}"), 403, 6);
            error(send(path, JSON, "{\"token\":\"t2\",\"id\":121}"), 403, 6);
            error(send(path, JSON, jsonWithToken("\"id\":121")), 404, 5);
            error(api.handle(new ApiRequest("POST", path, null, JSON, "Bearer t1", utf8(jsonWithToken("\"id\":119")))),
                    401, 2);
            error(api.handle(new ApiRequest("POST", path, "id=119", null, "Bearer nope", null)), 401, 2);
        }
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
    }

    @Test
    void errorPrecedenceIsTheStatsRequestsOnEveryPath() {
        List<Object> before = Fixtures.snapshot(engine);
        for (String path : List.of(PURGE_PATH, HOLD_PATH, RELEASE_PATH)) {
            String big = " ".repeat(SendqApi.DEFAULT_MAX_BODY_BYTES + 1);
            error(api.handle(new ApiRequest("PUT", path, null, JSON, null, utf8(big))), 405, 7);
            error(send(path, "text/plain", big), 413, 8);
            error(send(path, "text/plain", "{{{"), 415, 1);
            error(send(path, JSON, "{\"format\":\"yaml\","), 400, 1);
            assertThat(error(send(path, JSON, "{\"format\":\"yaml\",\"id\":119}"), 400, 4).errorText())
                    .isEqualTo("Invalid value for parameter: format");
            error(send(path, JSON, "{\"id\":119,\"colour\":\"red\"}"), 400, 3);
            error(send(path, JSON, "{\"token\":\"nope\",\"id\":119,\"colour\":\"red\"}"), 401, 2);
            assertThat(error(send(path, JSON, jsonWithToken("\"id\":-1,\"account_id\":-1,\"colour\":\"red\"")), 400, 4)
                    .errorText()).as(path).isEqualTo("Unknown parameter: colour");
            assertThat(error(send(path, JSON, jsonWithToken("\"account_id\":-1")), 400, 4).errorText()).as(path)
                    .isEqualTo("Invalid value for parameter: account_id");
            assertThat(error(send(path, JSON, jsonWithToken("\"id\":-1,\"campaign_id\":1.5")), 400, 4).errorText())
                    .as(path).isEqualTo("Invalid value for parameter: campaign_id");
            assertThat(error(send(path, JSON, jsonWithToken("\"campaign_id\":1")), 400, 3).errorText()).as(path)
                    .isEqualTo("Missing required parameter: id");
            error(send(path, JSON, "{\"token\":\"t2\",\"id\":121}"), 403, 6);
        }
        for (String path : List.of(HOLD_PATH, RELEASE_PATH)) {
            assertThat(error(send(path, JSON, jsonWithToken("\"isp\":\"a\\u0000b\"")), 400, 4).errorText()).as(path)
                    .isEqualTo("Invalid value for parameter: isp");
        }
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
    }

    @Test
    void aStatsRequestNeverActs() {
        // A stats request never acts: the same body that holds, sent to stats, only counts.
        List<Object> before = Fixtures.snapshot(engine);
        Fixtures.ok(send(SendqApi.STATS_PATH, JSON, jsonWithToken("\"id\":119," + C4914)));
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
    }

    // ------------------------------------------------------------------ through the HTTP binding

    @Test
    void holdReleaseAndPurgeThroughTheHttpBinding() throws IOException {
        RawHttp.init();
        try (HttpBinding http = HttpBinding.start(api, new InetSocketAddress("127.0.0.1", 0), 2)) {
            InetSocketAddress a = http.address();
            RawHttp.Response hold = RawHttp.exchange(a, RawHttp.request("POST", HOLD_PATH,
                    Map.of("Content-Type", JSON), utf8(jsonWithToken("\"id\":119," + C4914)), true), 10_000);
            assertThat(hold.status()).isEqualTo(200);
            assertThat(hold.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
            assertThat(hold.header("Cache-Control")).isEqualTo("no-store");
            long ruleId = okWith(hold.asApiResponse(), "rule_id");
            assertThat(q.holdRules()).extracting(HoldRule::id).containsExactly(ruleId);
            assertThat(stats(C4914)).isEqualTo(row(306, 4914, "", 130, 0, 10, 0));

            String bareRelease = RELEASE_PATH.substring(0, RELEASE_PATH.length() - 1);
            RawHttp.Response release = RawHttp.exchange(a, RawHttp.request("POST",
                    bareRelease + "?id=119&account_id=306&campaign_id=4914&format=xml",
                    Map.of("Authorization", "Bearer " + TOKEN), null, true), 10_000);
            assertThat(release.bodyText()).isEqualTo("<xml><released>1</released>" + XML_OK);
            assertThat(stats(C4914)).isEqualTo(row(306, 4914, "", 80, 50, 10, 0));

            RawHttp.Response purge = RawHttp.exchange(a, RawHttp.request("POST", PURGE_PATH,
                    Map.of("Content-Type", "text/xml"), utf8(xmlWithToken("<id>119</id>" + "<account_id>306</account_id>"
                            + "<campaign_id>4914</campaign_id>")), true), 10_000);
            assertThat(okWith(purge.asApiResponse(), "cancelled")).isEqualTo(130);
            assertThat(cancelledOutcomes(Selector.campaign(306, 4914))).isEqualTo(130);

            List<Object> before = Fixtures.snapshot(engine);
            for (String path : List.of(PURGE_PATH, HOLD_PATH, RELEASE_PATH)) {
                RawHttp.Response get = RawHttp.exchange(a, RawHttp.request("GET", path + "?token=" + TOKEN + "&id=119",
                        Map.of(), null, true), 10_000);
                error(get.asApiResponse(), 405, 7);
                assertThat(get.header("Allow")).isEqualTo("POST");
                RawHttp.Response large = RawHttp.exchange(a, RawHttp.request("POST", path, Map.of("Content-Type", JSON,
                        "Content-Length", "1000000"), null, true), 10_000);
                error(large.asApiResponse(), 413, 8);
            }
            assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
        }
    }
}
