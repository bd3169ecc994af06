package dev.sendq.api;

import static dev.sendq.api.Fixtures.FORM;
import static dev.sendq.api.Fixtures.JSON;
import static dev.sendq.api.Fixtures.TOKEN;
import static dev.sendq.api.Fixtures.XML;
import static dev.sendq.api.Fixtures.error;
import static dev.sendq.api.Fixtures.jsonWithToken;
import static dev.sendq.api.Fixtures.okSnapshot;
import static dev.sendq.api.Fixtures.okWith;
import static dev.sendq.api.Fixtures.okWithFields;
import static dev.sendq.api.Fixtures.rows;
import static dev.sendq.api.Fixtures.xmlWithToken;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sendq.core.AgeBucket;
import dev.sendq.core.AgeRow;
import dev.sendq.core.Grouping;
import dev.sendq.core.HoldImpact;
import dev.sendq.core.HoldReason;
import dev.sendq.core.HoldRule;
import dev.sendq.core.Lease;
import dev.sendq.core.MessageState;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.RateLimit;
import dev.sendq.core.RetryReason;
import dev.sendq.core.RetryReasonRow;
import dev.sendq.core.RuleImpact;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.StoredMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our extension requests (hold rules with reasons, labels, expiries and impact; queue age; retry
 * reasons; rate limits): each succeeds in JSON, XML and form, and every field of its answer is
 * checked against the engine's own answer through the core API; effects are read back through
 * the core API. Runs on the documented queue (sender 119, an empty sender 120, a frozen clock
 * at {@link #NOW}) and, for ages and retry reasons, on a queue whose messages have known ages
 * and reasons. Each error row is checked here and, on every path, in {@link BadInputTest}.
 */
class ExtensionRequestsTest {
    private static final Instant NOW = Fixtures.FROZEN_CLOCK.instant();
    private static final String OK = "\"error\":0,\"error_text\":\"Successful operation\"";
    private static final String XML_OK = "<error>0</error><error_text>Successful operation</error_text></xml>";
    private static final String C4591 = "\"account_id\":306,\"campaign_id\":4591";
    private static final String FUTURE = "2100-01-02T03:04:05Z";

    static final List<String> RULE_FIELDS = List.of("rule_id", "account_id", "campaign_id", "isp", "reason", "label",
            "until", "from_new", "from_retry", "total");
    static final List<String> RETRY_FIELDS = List.of("account_id", "campaign_id", "isp", "remote_temporary_failure",
            "connection_failure", "local_rate_limit", "remote_throttling", "unspecified", "retry");
    static final List<String> LIMIT_FIELDS = List.of("account_id", "campaign_id", "isp", "permits", "per_ms", "burst");
    /** The age buckets' field suffixes, in {@link AgeBucket} order, written out as documented. */
    private static final List<String> BUCKETS = List.of("lt_5m", "5_10m", "10_20m", "20_40m", "40_80m", "80_160m",
            "160_320m", "ge_320m");
    /** The age rows' states, in the documented order of their fields. */
    private static final List<MessageState> AGE_STATES =
            List.of(MessageState.NEW, MessageState.PROC, MessageState.RETRY, MessageState.HOLD);
    static final List<String> AGE_FIELDS = ageFields();

    private QueueEngine engine;
    private SenderQueue q;
    private SendqApi api;

    @BeforeEach
    void setUp() {
        engine = Fixtures.documentedEngine();
        q = engine.sender(119);
        api = Fixtures.api(engine);
    }

    private static List<String> ageFields() {
        List<String> f = new ArrayList<>(List.of("account_id", "campaign_id", "isp"));
        for (MessageState s : AGE_STATES) {
            for (String b : BUCKETS) {
                f.add(s.name().toLowerCase(java.util.Locale.ROOT) + "_" + b);
            }
        }
        f.add("total");
        f.add("oldest_new_age_minutes");
        return List.copyOf(f);
    }

    private ApiResponse send(String path, String contentType, String body) {
        return api.handle(Fixtures.post(path, contentType, body));
    }

    /** Sends {@code {"token": TOKEN, <members><key>}} for each key and expects its error text (error 3 or 4). */
    private void assertRefused(String path, String members, Map<String, String> expected) {
        for (Map.Entry<String, String> b : expected.entrySet()) {
            ApiResponse r = send(path, JSON, jsonWithToken(members + b.getKey()));
            Fixtures.Envelope e = error(r, 400, b.getValue().startsWith("Missing") ? 3 : 4);
            assertThat(e.errorText()).as(b.getKey()).isEqualTo(b.getValue());
        }
    }

    // ------------------------------------------------------------------ expected rows, from the core API

    static Map<String, String> ruleRow(RuleImpact ri) {
        HoldRule r = ri.rule();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("rule_id", Long.toString(r.id()));
        m.put("account_id", Integer.toString(r.selector().accountId()));
        m.put("campaign_id", Integer.toString(r.selector().campaignId()));
        m.put("isp", r.selector().isp());
        m.put("reason", r.reason().wireName());
        m.put("label", r.label());
        m.put("until", r.until() == null ? "" : r.until().toString());
        m.put("from_new", Long.toString(ri.impact().fromNew()));
        m.put("from_retry", Long.toString(ri.impact().fromRetry()));
        m.put("total", Long.toString(ri.impact().total()));
        return m;
    }

    /** A new row that starts with {@code account_id, campaign_id, isp}. */
    private static Map<String, String> coordinates(int account, int campaign, String isp) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("account_id", Integer.toString(account));
        m.put("campaign_id", Integer.toString(campaign));
        m.put("isp", isp);
        return m;
    }

    static Map<String, String> ageRow(AgeRow r) {
        Map<String, String> m = coordinates(r.accountId(), r.campaignId(), r.isp());
        for (MessageState s : AGE_STATES) {
            for (AgeBucket b : AgeBucket.values()) {
                m.put(s.name().toLowerCase(java.util.Locale.ROOT) + "_" + BUCKETS.get(b.ordinal()),
                        Long.toString(r.count(s, b)));
            }
        }
        m.put("total", Long.toString(r.total()));
        m.put("oldest_new_age_minutes", Long.toString(r.oldestNewAgeMinutes()));
        return m;
    }

    static Map<String, String> retryRow(RetryReasonRow r) {
        Map<String, String> m = coordinates(r.accountId(), r.campaignId(), r.isp());
        m.put("remote_temporary_failure", Long.toString(r.count(RetryReason.REMOTE_TEMPORARY_FAILURE)));
        m.put("connection_failure", Long.toString(r.count(RetryReason.CONNECTION_FAILURE)));
        m.put("local_rate_limit", Long.toString(r.count(RetryReason.LOCAL_RATE_LIMIT)));
        m.put("remote_throttling", Long.toString(r.count(RetryReason.REMOTE_THROTTLING)));
        m.put("unspecified", Long.toString(r.count(RetryReason.UNSPECIFIED)));
        m.put("retry", Long.toString(r.total()));
        return m;
    }

    // ------------------------------------------------------------------ list hold rules

    @Test
    void listWithoutRulesIsAnEmptySnapshot() {
        ApiResponse r = send(SendqApi.HOLD_RULES_PATH, JSON, jsonWithToken("\"id\":119"));
        Fixtures.Envelope e = okSnapshot(r, RULE_FIELDS);
        assertThat(e.data()).isEmpty();
        long generation = Long.parseLong(e.fields().get("generation"));
        assertThat(r.bodyText()).isEqualTo("{\"data\":[],\"taken_at\":\"2023-11-14T22:13:20Z\",\"generation\":"
                + generation + "," + OK + "}");
        ApiResponse x = send(SendqApi.HOLD_RULES_PATH, XML, xmlWithToken("<id>119</id>"));
        assertThat(x.bodyText()).isEqualTo("<xml><taken_at>2023-11-14T22:13:20Z</taken_at><generation>"
                + (generation + 1) + "</generation>" + XML_OK);
    }

    @Test
    void listShowsEveryRuleWithItsLiveImpactInJsonXmlAndForm() {
        HoldRule review = q.hold(Selector.campaign(306, 4591), HoldReason.ACCOUNT_REVIEW, "billing <check> & \"más\" 😀",
                Instant.parse(FUTURE));
        HoldRule gmail = q.hold(Selector.isp("Gmail"), HoldReason.ISP_BLOCK, null, null);
        List<Map<String, String>> expected = q.holdImpact().rows().stream().map(ExtensionRequestsTest::ruleRow).toList();
        assertThat(expected.get(0)).containsEntry("from_new", "100").containsEntry("from_retry", "0")
                .containsEntry("reason", "account_review").containsEntry("until", FUTURE);
        assertThat(expected.get(1)).containsEntry("until", "").containsEntry("label", "").containsEntry("isp", "Gmail");
        for (ApiResponse r : List.of(
                send(SendqApi.HOLD_RULES_PATH, JSON, jsonWithToken("\"id\":119")),
                send(SendqApi.HOLD_RULES_PATH, XML, xmlWithToken("<id>119</id>")),
                send(SendqApi.HOLD_RULES_PATH, FORM, "token=" + TOKEN + "&id=119&format=xml"),
                api.handle(new ApiRequest("POST", SendqApi.HOLD_RULES_PATH, "id=119", null, "Bearer " + TOKEN, null)))) {
            Fixtures.Envelope e = okSnapshot(r, RULE_FIELDS);
            assertThat(e.data()).as(r.bodyText()).isEqualTo(expected);
            assertThat(e.fields().get("taken_at")).isEqualTo("2023-11-14T22:13:20Z");
        }
        assertThat(expected).extracting(m -> m.get("rule_id"))
                .containsExactly(Long.toString(review.id()), Long.toString(gmail.id()));
    }

    @Test
    void generationGrowsWithEverySnapshotOfTheSender() {
        long g1 = generation(send(SendqApi.HOLD_RULES_PATH, JSON, jsonWithToken("\"id\":119")));
        long g2 = generation(send(SendqApi.AGES_PATH, JSON, jsonWithToken("\"id\":119")));
        long g3 = generation(send(SendqApi.RETRY_REASONS_PATH, JSON, jsonWithToken("\"id\":119")));
        assertThat(g2).isGreaterThan(g1);
        assertThat(g3).isGreaterThan(g2);
        assertThat(generation(send(SendqApi.HOLD_RULES_PATH, JSON, jsonWithToken("\"id\":120")))).as("per sender")
                .isLessThan(g1 + 1);
    }

    private static long generation(ApiResponse r) {
        return Long.parseLong(Fixtures.envelope(r).fields().get("generation"));
    }

    // ------------------------------------------------------------------ add hold rules

    @Test
    void addInJsonWithReasonLabelAndUntil() {
        ApiResponse r = send(SendqApi.ADD_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":119," + C4591
                + ",\"isp\":\"GMAIL\",\"reason\":\"isp_block\",\"label\":\"  Gmail 421 4.7.28, ticket 88  \","
                + "\"until\":\"2100-01-02T04:04:05+01:00\""));
        long ruleId = okWith(r, "rule_id");
        assertThat(r.bodyText()).isEqualTo("{\"rule_id\":" + ruleId + "," + OK + "}");
        // The rule keeps the engine's canonical spelling of the ISP, as the stats answers echo it.
        assertThat(q.holdRules()).containsExactly(new HoldRule(ruleId, 119, new Selector(306, 4591, "Gmail"),
                HoldReason.ISP_BLOCK, "Gmail 421 4.7.28, ticket 88", Instant.parse(FUTURE)));
        assertThat(q.stats(new Selector(306, 4591, "Gmail"), Grouping.TOTAL).get(0).hold()).isEqualTo(50);
        Fixtures.Envelope list = okSnapshot(send(SendqApi.HOLD_RULES_PATH, JSON, jsonWithToken("\"id\":119")),
                RULE_FIELDS);
        assertThat(list.data()).containsExactly(ruleRow(q.holdImpact().rows().get(0)));
        assertThat(list.data().get(0)).containsEntry("until", FUTURE).containsEntry("isp", "Gmail")
                .containsEntry("from_new", "50").containsEntry("total", "50");
    }

    @Test
    void addInXmlAndAsAFormTakesTheDefaults() {
        ApiResponse x = send(SendqApi.ADD_HOLD_RULE_PATH, XML, xmlWithToken("<id>119</id><account_id>306</account_id>"
                + "<campaign_id>4914</campaign_id><label>maintenance &amp; more</label>"));
        long xmlRule = okWith(x, "rule_id");
        assertThat(x.bodyText()).isEqualTo("<xml><rule_id>" + xmlRule + "</rule_id>" + XML_OK);
        long formRule = okWith(send(SendqApi.ADD_HOLD_RULE_PATH, FORM, "token=" + TOKEN
                + "&id=119&isp=Yahoo&reason=maintenance&until=&label="), "rule_id");
        assertThat(q.holdRules()).containsExactly(
                new HoldRule(xmlRule, 119, Selector.campaign(306, 4914), HoldReason.OPERATOR, "maintenance & more", null),
                new HoldRule(formRule, 119, Selector.isp("Yahoo"), HoldReason.MAINTENANCE, "", null));
        assertThat(formRule).isGreaterThan(xmlRule);
        // Every reason's wire name is accepted.
        for (HoldReason reason : HoldReason.values()) {
            long id = okWith(send(SendqApi.ADD_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":120,\"reason\":\""
                    + reason.wireName() + "\"")), "rule_id");
            assertThat(engine.sender(120).holdRules()).last().isEqualTo(new HoldRule(id, 120, Selector.ALL, reason, "",
                    null));
        }
    }

    @Test
    void aLabelOfExactly200CharactersIsKept() {
        String label = "é".repeat(200);
        long id = okWith(send(SendqApi.ADD_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":119,\"label\":\"" + label
                + "\"")), "rule_id");
        assertThat(q.holdRules()).extracting(HoldRule::id, HoldRule::label)
                .containsExactly(org.assertj.core.api.Assertions.tuple(id, label));
    }

    @Test
    void dryRunAnswersThePreviewAndAddsNothing() {
        q.hold(Selector.isp("Microsoft"));
        HoldImpact preview = q.previewHold(Selector.campaign(306, 4914));
        assertThat(preview).as("Microsoft's cells are held already").isNotEqualTo(new HoldImpact(10, 40));
        List<Object> before = Fixtures.snapshot(engine);
        ApiResponse r = send(SendqApi.ADD_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":119,\"account_id\":306,"
                + "\"campaign_id\":4914,\"reason\":\"bounce_rate\",\"label\":\"x\",\"until\":\"" + FUTURE
                + "\",\"dry_run\":1"));
        assertThat(okWithFields(r, "from_new", "from_retry", "total")).isEqualTo(Map.of(
                "from_new", Long.toString(preview.fromNew()), "from_retry", Long.toString(preview.fromRetry()),
                "total", Long.toString(preview.total())));
        assertThat(r.bodyText()).isEqualTo("{\"from_new\":" + preview.fromNew() + ",\"from_retry\":"
                + preview.fromRetry() + ",\"total\":" + preview.total() + "," + OK + "}");
        ApiResponse x = send(SendqApi.ADD_HOLD_RULE_PATH, XML, xmlWithToken("<id>119</id><dry_run>1</dry_run>"));
        HoldImpact all = q.previewHold(Selector.ALL);
        assertThat(x.bodyText()).isEqualTo("<xml><from_new>" + all.fromNew() + "</from_new><from_retry>"
                + all.fromRetry() + "</from_retry><total>" + all.total() + "</total>" + XML_OK);
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
        okWith(send(SendqApi.ADD_HOLD_RULE_PATH, FORM, "token=" + TOKEN + "&id=119&dry_run=0"), "rule_id");
        assertThat(q.holdRules()).hasSize(2);
    }

    @Test
    void badValuesOfAddAreRefusedAndChangeNothing() {
        List<Object> before = Fixtures.snapshot(engine);
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("\"reason\":\"ISP_BLOCK\"", "Invalid value for parameter: reason");
        bad.put("\"reason\":\"holiday\"", "Invalid value for parameter: reason");
        bad.put("\"reason\":1", "Invalid value for parameter: reason");
        bad.put("\"label\":\"" + "x".repeat(201) + "\"", "Invalid value for parameter: label");
        bad.put("\"label\":\"a\\tb\"", "Invalid value for parameter: label");
        bad.put("\"label\":\"a\\nb\"", "Invalid value for parameter: label");
        bad.put("\"label\":\"a\\u0085b\"", "Invalid value for parameter: label");
        bad.put("\"label\":\"a\\ud800b\"", "Invalid value for parameter: label");
        bad.put("\"label\":\"\\uffff\"", "Invalid value for parameter: label");
        bad.put("\"label\":5", "Invalid value for parameter: label");
        bad.put("\"until\":\"tomorrow\"", "Invalid value for parameter: until");
        bad.put("\"until\":\"2100-01-02\"", "Invalid value for parameter: until");
        bad.put("\"until\":\"2100-01-02T03:04:05\"", "Invalid value for parameter: until");
        bad.put("\"until\":\"2020-01-01T00:00:00Z\"", "Invalid value for parameter: until");
        bad.put("\"until\":\"+10000-01-01T00:00:00Z\"", "Invalid value for parameter: until");
        bad.put("\"until\":4102444800", "Invalid value for parameter: until");
        bad.put("\"dry_run\":2", "Invalid value for parameter: dry_run");
        bad.put("\"dry_run\":true", "Invalid value for parameter: dry_run");
        bad.put("\"dry_run\":\"yes\"", "Invalid value for parameter: dry_run");
        bad.put("\"isp\":\"a\\u0001\"", "Invalid value for parameter: isp");
        assertRefused(SendqApi.ADD_HOLD_RULE_PATH, "\"id\":119,", bad);
        assertThat(error(send(SendqApi.ADD_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":119,\"group\":\"total\"")), 400,
                4).errorText()).isEqualTo("Unknown parameter: group");
        assertThat(error(send(SendqApi.ADD_HOLD_RULE_PATH, JSON, jsonWithToken("\"label\":\"\\u0000\"")), 400, 4)
                .errorText()).as("a value before a missing id").isEqualTo("Invalid value for parameter: label");
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
    }

    /**
     * {@code until} is checked against the server's clock while the request is validated, and
     * again by the engine, on its own clock, when the rule is added: an instant the engine finds
     * past is refused then, with the same error 4, and nothing is added.
     */
    @Test
    void untilPastOnTheEnginesClockIsRefusedWhenTheRuleIsAdded() {
        QueueEngine late = QueueEngine.builder().clock(InstantSource.fixed(Instant.parse("2200-01-01T00:00:00Z"))).build();
        late.addSender(119).enqueue(1, 306, 4591, "Gmail", null);
        SendqApi lateApi = Fixtures.api(late);
        List<Object> before = Fixtures.snapshot(late);
        ApiResponse r = lateApi.handle(Fixtures.post(SendqApi.ADD_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":119,"
                + "\"until\":\"" + FUTURE + "\"")));
        assertThat(error(r, 400, 4).errorText()).isEqualTo("Invalid value for parameter: until");
        assertThat(Fixtures.snapshot(late)).isEqualTo(before);
        assertThat(late.sender(119).holdRules()).isEmpty();
    }

    // ------------------------------------------------------------------ lift hold rules

    @Test
    void liftInJsonXmlAndFormReleasesTheRulesMessages() {
        Map<String, String> before = Fixtures.row(306, 4591, "", 0, 100, 100, 0);
        HoldRule a = q.hold(Selector.campaign(306, 4591), HoldReason.COMPLAINT_RATE, "spam traps", null);
        HoldRule b = q.hold(Selector.campaign(306, 4591));
        HoldRule c = q.hold(Selector.isp("Yahoo"));
        ApiResponse r = send(SendqApi.LIFT_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":119,\"rule_id\":" + a.id()));
        assertThat(r.bodyText()).isEqualTo("{\"released\":1," + OK + "}");
        assertThat(q.holdRules()).containsExactly(b, c);
        ApiResponse x = send(SendqApi.LIFT_HOLD_RULE_PATH, XML, xmlWithToken("<id>119</id><rule_id>" + b.id()
                + "</rule_id>"));
        assertThat(x.bodyText()).isEqualTo("<xml><released>1</released>" + XML_OK);
        assertThat(okWith(send(SendqApi.LIFT_HOLD_RULE_PATH, FORM, "token=" + TOKEN + "&id=119&rule_id=" + c.id()),
                "released")).isEqualTo(1);
        assertThat(q.holdRules()).isEmpty();
        Map<String, String> after = Fixtures.ok(send(SendqApi.STATS_PATH, JSON, jsonWithToken("\"id\":119," + C4591)))
                .data().get(0);
        assertThat(after).isEqualTo(before);
    }

    @Test
    void liftOfARuleTheSenderDoesNotHaveIsAnInvalidValueAndChangesNothing() {
        HoldRule mine = q.hold(Selector.campaign(306, 4591));
        HoldRule other = engine.sender(120).hold(Selector.ALL);
        List<Object> before = Fixtures.snapshot(engine);
        for (String ruleId : List.of(Long.toString(other.id()), Long.toString(other.id() + 100), "9223372036854775807")) {
            ApiResponse r = send(SendqApi.LIFT_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":119,\"rule_id\":" + ruleId));
            assertThat(error(r, 400, 4).errorText()).as(ruleId).isEqualTo("Invalid value for parameter: rule_id");
        }
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("\"rule_id\":0", "Invalid value for parameter: rule_id");
        bad.put("\"rule_id\":-1", "Invalid value for parameter: rule_id");
        bad.put("\"rule_id\":1.5", "Invalid value for parameter: rule_id");
        bad.put("\"rule_id\":\"x\"", "Invalid value for parameter: rule_id");
        bad.put("\"rule_id\":9223372036854775808", "Invalid value for parameter: rule_id");
        bad.put("\"rule_id\":" + mine.id() + ",\"account_id\":306", "Unknown parameter: account_id");
        bad.put("\"rule_id\":\"\"", "Missing required parameter: rule_id");
        bad.put("\"rule_id\":null", "Missing required parameter: rule_id");
        assertRefused(SendqApi.LIFT_HOLD_RULE_PATH, "\"id\":119,", bad);
        // Precedence: values, then id, then rule_id; then the token's scope and the sender.
        assertThat(error(send(SendqApi.LIFT_HOLD_RULE_PATH, JSON, jsonWithToken("")), 400, 3).errorText())
                .isEqualTo("Missing required parameter: id");
        assertThat(error(send(SendqApi.LIFT_HOLD_RULE_PATH, JSON, jsonWithToken("\"rule_id\":\"x\"")), 400, 4)
                .errorText()).isEqualTo("Invalid value for parameter: rule_id");
        error(send(SendqApi.LIFT_HOLD_RULE_PATH, JSON, "{\"token\":\"t2\",\"id\":120,\"rule_id\":" + other.id() + "}"),
                403, 6);
        error(send(SendqApi.LIFT_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":121,\"rule_id\":" + mine.id())), 404, 5);
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
        // Lifting twice: the second time the rule is gone.
        okWith(send(SendqApi.LIFT_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":119,\"rule_id\":" + mine.id())), "released");
        error(send(SendqApi.LIFT_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":119,\"rule_id\":" + mine.id())), 400, 4);
    }

    // ------------------------------------------------------------------ ages and retry reasons

    /**
     * Sender 119 on a frozen clock at {@link #NOW}: one message in PROC and one deferred for a
     * remote temporary failure (both just enqueued), then restored messages of known ages: NEW
     * in 306/4591/Gmail at 0, 1, 7, 15 and 400 minutes; RETRY in 306/4591/Yahoo at 30 minutes
     * (remote throttling) and 90 (connection failure); HOLD in 412/4120/Microsoft at 200.
     */
    static QueueEngine agedEngine() {
        QueueEngine e = QueueEngine.builder().clock(Fixtures.FROZEN_CLOCK).build();
        SenderQueue s = e.addSender(119);
        e.addSender(120);
        Lease lease = new Lease();
        s.enqueue(1, 1001, 0, "Other", null);
        assertThat(s.take(lease)).isTrue();
        s.enqueue(2, 2020, 20201, "Gmail", null);
        assertThat(s.take(lease)).isTrue();
        assertThat(lease.messageId()).isEqualTo(2);
        e.defer(lease, Duration.ofMinutes(10), RetryReason.REMOTE_TEMPORARY_FAILURE);
        long now = NOW.toEpochMilli();
        long due = now + 600_000;
        long id = 10;
        for (int age : new int[] {0, 1, 7, 15, 400}) {
            s.restore(new StoredMessage(id++, 306, 4591, "Gmail", null, MessageState.NEW, 0, now - age * 60_000L, 0));
        }
        s.restore(new StoredMessage(id++, 306, 4591, "Yahoo", null, MessageState.RETRY, 1, now - 30 * 60_000L, due,
                RetryReason.REMOTE_THROTTLING));
        s.restore(new StoredMessage(id++, 306, 4591, "Yahoo", null, MessageState.RETRY, 3, now - 90 * 60_000L, due,
                RetryReason.CONNECTION_FAILURE));
        s.restore(new StoredMessage(id, 412, 4120, "Microsoft", null, MessageState.HOLD, 1, now - 200 * 60_000L, 0));
        return e;
    }

    private void useAgedEngine() {
        engine = agedEngine();
        q = engine.sender(119);
        api = Fixtures.api(engine);
    }

    @Test
    void agesInJsonXmlAndFormMatchTheEngineForEveryGroupingAndFilter() {
        useAgedEngine();
        List<String> filters = List.of("", "\"isp\":\"GMAIL\"", "\"account_id\":306", C4591 + ",\"isp\":\"yahoo\"",
                "\"isp\":\"Nowhere\"");
        for (Grouping g : Grouping.values()) {
            for (String f : filters) {
                Selector sel = selectorOf(f);
                List<Map<String, String>> expected = q.ages(sel, g).rows().stream().map(ExtensionRequestsTest::ageRow)
                        .toList();
                String members = "\"id\":119,\"group\":\"" + g.parameter() + "\"" + (f.isEmpty() ? "" : "," + f);
                Fixtures.Envelope j = okSnapshot(send(SendqApi.AGES_PATH, JSON, jsonWithToken(members)), AGE_FIELDS);
                assertThat(j.data()).as("%s %s", g, f).isEqualTo(expected);
                Fixtures.Envelope x = okSnapshot(send(SendqApi.AGES_PATH, JSON, jsonWithToken(members
                        + ",\"format\":\"xml\"")), AGE_FIELDS);
                assertThat(rows(x)).as("XML %s %s", g, f).isEqualTo(expected);
            }
        }
        Map<String, String> gmail = okSnapshot(send(SendqApi.AGES_PATH, FORM, "token=" + TOKEN
                + "&id=119&account_id=306&isp=gmail&group=isp"), AGE_FIELDS).data().get(0);
        Map<String, String> want = zeroAgeRow(306, 0, "Gmail");
        want.put("new_lt_5m", "2");
        want.put("new_5_10m", "1");
        want.put("new_10_20m", "1");
        want.put("new_ge_320m", "1");
        want.put("total", "5");
        want.put("oldest_new_age_minutes", "400");
        assertThat(gmail).isEqualTo(want);
    }

    @Test
    void agesTotalRowOfTheAgedQueue() {
        useAgedEngine();
        ApiResponse r = send(SendqApi.AGES_PATH, XML, xmlWithToken("<id>119</id>"));
        Map<String, String> want = zeroAgeRow(0, 0, "");
        want.put("new_lt_5m", "2");
        want.put("new_5_10m", "1");
        want.put("new_10_20m", "1");
        want.put("new_ge_320m", "1");
        want.put("proc_lt_5m", "1");
        want.put("retry_lt_5m", "1");
        want.put("retry_20_40m", "1");
        want.put("retry_80_160m", "1");
        want.put("hold_160_320m", "1");
        want.put("total", "10");
        want.put("oldest_new_age_minutes", "400");
        assertThat(okSnapshot(r, AGE_FIELDS).data()).containsExactly(want);
        assertThat(r.bodyText()).startsWith("<xml><data><account_id>0</account_id><campaign_id>0</campaign_id><isp></isp>"
                + "<new_lt_5m>2</new_lt_5m><new_5_10m>1</new_5_10m>");
        // A group with no NEW message answers -1.
        Map<String, String> yahoo = okSnapshot(send(SendqApi.AGES_PATH, JSON, jsonWithToken("\"id\":119,"
                + "\"isp\":\"Yahoo\"")), AGE_FIELDS).data().get(0);
        assertThat(yahoo).containsEntry("oldest_new_age_minutes", "-1").containsEntry("retry_20_40m", "1");
        // The empty sender: one total row of zeros.
        assertThat(okSnapshot(send(SendqApi.AGES_PATH, JSON, jsonWithToken("\"id\":120")), AGE_FIELDS).data())
                .containsExactly(zeroAgeRow(0, 0, ""));
    }

    private static Map<String, String> zeroAgeRow(int account, int campaign, String isp) {
        Map<String, String> m = coordinates(account, campaign, isp);
        for (String f : AGE_FIELDS.subList(3, AGE_FIELDS.size())) {
            m.put(f, "0");
        }
        m.put("oldest_new_age_minutes", "-1");
        return m;
    }

    @Test
    void retryReasonsInJsonXmlAndFormMatchTheEngine() {
        useAgedEngine();
        for (Grouping g : Grouping.values()) {
            for (String f : List.of("", "\"isp\":\"yahoo\"", "\"account_id\":2020", "\"account_id\":999")) {
                List<Map<String, String>> expected = q.retryReasons(selectorOf(f), g).rows().stream()
                        .map(ExtensionRequestsTest::retryRow).toList();
                String members = "\"id\":119,\"group\":\"" + g.parameter() + "\"" + (f.isEmpty() ? "" : "," + f);
                assertThat(okSnapshot(send(SendqApi.RETRY_REASONS_PATH, JSON, jsonWithToken(members)), RETRY_FIELDS)
                        .data()).as("%s %s", g, f).isEqualTo(expected);
                assertThat(rows(okSnapshot(send(SendqApi.RETRY_REASONS_PATH, XML, xmlWithToken(xmlMembers(members))),
                        RETRY_FIELDS))).as("XML %s %s", g, f).isEqualTo(expected);
            }
        }
        ApiResponse r = send(SendqApi.RETRY_REASONS_PATH, FORM, "token=" + TOKEN + "&id=119");
        Fixtures.Envelope e = okSnapshot(r, RETRY_FIELDS);
        assertThat(e.data()).containsExactly(Map.of("account_id", "0", "campaign_id", "0", "isp", "",
                "remote_temporary_failure", "1", "connection_failure", "1", "local_rate_limit", "0",
                "remote_throttling", "1", "unspecified", "0", "retry", "3"));
        assertThat(r.bodyText()).startsWith("{\"data\":[{\"account_id\":0,\"campaign_id\":0,\"isp\":\"\","
                + "\"remote_temporary_failure\":1,\"connection_failure\":1,\"local_rate_limit\":0,"
                + "\"remote_throttling\":1,\"unspecified\":0,\"retry\":3}],\"taken_at\":\"2023-11-14T22:13:20Z\"");
        assertThat(q.stats(Selector.ALL, Grouping.TOTAL).get(0).retry()).isEqualTo(3);
    }

    @Test
    void retryReasonsOfTheDocumentedQueueAreUnspecified() {
        Fixtures.Envelope e = okSnapshot(send(SendqApi.RETRY_REASONS_PATH, JSON, jsonWithToken("\"id\":119,"
                + "\"group\":\"account_campaign\"")), RETRY_FIELDS);
        assertThat(e.data()).extracting(m -> m.get("campaign_id") + ":" + m.get("unspecified") + "/" + m.get("retry"))
                .containsExactly("4914:40/40");
    }

    private static Selector selectorOf(String jsonMembers) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!jsonMembers.isEmpty()) {
            for (String part : jsonMembers.split(",")) {
                String[] kv = part.split(":", 2);
                m.put(kv[0].replace("\"", ""), kv[1].replace("\"", ""));
            }
        }
        return new Selector(Integer.parseInt((String) m.getOrDefault("account_id", "0")),
                Integer.parseInt((String) m.getOrDefault("campaign_id", "0")), (String) m.getOrDefault("isp", ""));
    }

    /** JSON members such as {@code "id":119,"isp":"x"} as XML elements. */
    private static String xmlMembers(String jsonMembers) {
        StringBuilder b = new StringBuilder();
        for (String part : jsonMembers.split(",")) {
            String[] kv = part.split(":", 2);
            String name = kv[0].replace("\"", "");
            b.append('<').append(name).append('>').append(kv[1].replace("\"", "")).append("</").append(name).append('>');
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ rate limits

    @Test
    void setListAndRemoveRateLimits() {
        ApiResponse set = send(SendqApi.SET_RATE_LIMIT_PATH, JSON, jsonWithToken("\"id\":119,\"isp\":\"yahoo\","
                + "\"permits\":10,\"per_ms\":60000,\"burst\":5"));
        assertThat(set.bodyText()).isEqualTo("{\"replaced\":0," + OK + "}");
        assertThat(q.rateLimits()).isEqualTo(Map.of(Selector.isp("Yahoo"), new RateLimit(10, Duration.ofMinutes(1), 5)));
        ApiResponse again = send(SendqApi.SET_RATE_LIMIT_PATH, XML, xmlWithToken("<id>119</id><isp>YAHOO</isp>"
                + "<permits>20</permits>"));
        assertThat(again.bodyText()).isEqualTo("<xml><replaced>1</replaced>" + XML_OK);
        assertThat(okWith(send(SendqApi.SET_RATE_LIMIT_PATH, FORM, "token=" + TOKEN
                + "&id=119&account_id=306&campaign_id=4591&permits=100&per_ms=1000&burst=10"), "replaced")).isZero();
        assertThat(q.rateLimits()).containsExactly(
                Map.entry(Selector.isp("Yahoo"), RateLimit.perSecond(20)),
                Map.entry(Selector.campaign(306, 4591), RateLimit.perSecond(100).withBurst(10)));

        ApiResponse list = send(SendqApi.RATE_LIMITS_PATH, JSON, jsonWithToken("\"id\":119"));
        Fixtures.Envelope e = Fixtures.envelope(list);
        assertThat(list.status()).isEqualTo(200);
        assertThat(e.topLevelNames()).containsExactly("data", "error", "error_text");
        assertThat(list.bodyText()).isEqualTo("{\"data\":[{\"account_id\":0,\"campaign_id\":0,\"isp\":\"Yahoo\","
                + "\"permits\":20,\"per_ms\":1000,\"burst\":1},{\"account_id\":306,\"campaign_id\":4591,\"isp\":\"\","
                + "\"permits\":100,\"per_ms\":1000,\"burst\":10}]," + OK + "}");
        Fixtures.Envelope x = Fixtures.envelope(send(SendqApi.RATE_LIMITS_PATH, XML, xmlWithToken("<id>119</id>")));
        assertThat(x.data()).isEqualTo(e.data());
        assertThat(x.data()).allSatisfy(row -> assertThat(new ArrayList<>(row.keySet())).isEqualTo(LIMIT_FIELDS));

        assertThat(okWith(send(SendqApi.REMOVE_RATE_LIMIT_PATH, JSON, jsonWithToken("\"id\":119,\"isp\":\"Yahoo\"")),
                "removed")).isEqualTo(1);
        assertThat(okWith(send(SendqApi.REMOVE_RATE_LIMIT_PATH, FORM, "token=" + TOKEN + "&id=119&isp=Yahoo"),
                "removed")).isZero();
        assertThat(q.rateLimits()).containsOnlyKeys(Selector.campaign(306, 4591));
        assertThat(send(SendqApi.RATE_LIMITS_PATH, JSON, jsonWithToken("\"id\":120")).bodyText())
                .isEqualTo("{\"data\":[]," + OK + "}");
    }

    @Test
    void badRateLimitsAreRefusedAndChangeNothing() {
        q.setRateLimit(Selector.isp("Gmail"), RateLimit.perSecond(5));
        List<Object> before = Fixtures.snapshot(engine);
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("\"permits\":0", "Invalid value for parameter: permits");
        bad.put("\"permits\":1000000001", "Invalid value for parameter: permits");
        bad.put("\"permits\":1000000000,\"per_ms\":1", "Invalid value for parameter: permits");
        bad.put("\"permits\":1.5", "Invalid value for parameter: permits");
        bad.put("\"permits\":1,\"per_ms\":0", "Invalid value for parameter: per_ms");
        bad.put("\"permits\":1,\"per_ms\":86400001", "Invalid value for parameter: per_ms");
        bad.put("\"permits\":1,\"burst\":0", "Invalid value for parameter: burst");
        bad.put("\"permits\":1,\"burst\":\"x\"", "Invalid value for parameter: burst");
        bad.put("\"permits\":1,\"group\":\"isp\"", "Unknown parameter: group");
        bad.put("\"per_ms\":1000", "Missing required parameter: permits");
        bad.put("\"permits\":\"\"", "Missing required parameter: permits");
        assertRefused(SendqApi.SET_RATE_LIMIT_PATH, "\"id\":119,\"isp\":\"Gmail\",", bad);
        assertThat(error(send(SendqApi.RATE_LIMITS_PATH, JSON, jsonWithToken("\"id\":119,\"isp\":\"Gmail\"")), 400, 4)
                .errorText()).isEqualTo("Unknown parameter: isp");
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
    }

    // ------------------------------------------------------------------ shared rules

    static final List<String> EXTENSION_PATHS = List.of(SendqApi.HOLD_RULES_PATH, SendqApi.ADD_HOLD_RULE_PATH,
            SendqApi.LIFT_HOLD_RULE_PATH, SendqApi.AGES_PATH, SendqApi.RETRY_REASONS_PATH, SendqApi.RATE_LIMITS_PATH,
            SendqApi.SET_RATE_LIMIT_PATH, SendqApi.REMOVE_RATE_LIMIT_PATH);

    /** The members that make a request to {@code path} on sender {@code id} valid. */
    private static String validMembers(String path, int id, long ruleId) {
        return "\"id\":" + id + switch (path) {
            case SendqApi.LIFT_HOLD_RULE_PATH -> ",\"rule_id\":" + ruleId;
            case SendqApi.SET_RATE_LIMIT_PATH -> ",\"permits\":7";
            default -> "";
        };
    }

    @Test
    void scopedTokensActOnlyOnTheirSendersOnEveryExtensionPath() {
        for (String path : EXTENSION_PATHS) {
            long ruleId = q.hold(Selector.account(999)).id();
            List<Object> before = Fixtures.snapshot(engine);
            error(send(path, JSON, "{\"token\":\"t2\"," + validMembers(path, 120, ruleId) + "}"), 403, 6);
            error(send(path, JSON, "{\"token\":\"t2\"," + validMembers(path, 121, ruleId) + "}"), 403, 6);
            error(send(path, JSON, jsonWithToken(validMembers(path, 121, ruleId))), 404, 5);
            error(send(path, JSON, "{\"token\":\"nope\"," + validMembers(path, 119, ruleId) + "}"), 401, 2);
            error(send(path, JSON, "{" + validMembers(path, 119, ruleId) + "}"), 400, 3);
            assertThat(Fixtures.snapshot(engine)).as(path).isEqualTo(before);
            ApiResponse ok = send(path, JSON, "{\"token\":\"t2\"," + validMembers(path, 119, ruleId) + "}");
            assertThat(ok.status()).as("%s: %s", path, ok.bodyText()).isEqualTo(200);
        }
    }

    @Test
    void everyExtensionPathIsServedWithAndWithoutTheTrailingSlashAndOnlyByPost() {
        for (String path : EXTENSION_PATHS) {
            String bare = path.substring(0, path.length() - 1);
            assertThat(api.handles(path)).as(path).isTrue();
            assertThat(api.handles(bare)).as(bare).isTrue();
            long ruleId = q.hold(Selector.account(999)).id();
            ApiResponse r = send(bare, JSON, jsonWithToken(validMembers(path, 119, ruleId)));
            assertThat(r.status()).as("%s: %s", bare, r.bodyText()).isEqualTo(200);
            ApiResponse get = api.handle(new ApiRequest("GET", path, "token=" + TOKEN + "&id=119", null, null, null));
            error(get, 405, 7);
            assertThat(get.headers()).isEqualTo(Map.of("Allow", "POST"));
        }
        assertThat(api.handles("/api/v1.1/admin/senders/queue/rules/remove/")).isFalse();
        assertThat(api.handles("/api/v1.1/admin/senders/queue/ages/")).isFalse();
    }

    @Test
    void theDocumentedStatsAnswerIsUnchangedByTheExtensions() {
        q.hold(Selector.isp("Yahoo"), HoldReason.ISP_BLOCK, "label", Instant.parse(FUTURE));
        q.setRateLimit(Selector.isp("Yahoo"), RateLimit.perSecond(1));
        Fixtures.Envelope e = Fixtures.ok(send(SendqApi.STATS_PATH, JSON, jsonWithToken("\"id\":119,\"group\":\"isp\"")));
        assertThat(e.topLevelNames()).containsExactly("data", "error", "error_text");
        assertThat(e.data()).isEqualTo(q.stats(Selector.ALL, Grouping.ISP).stream()
                .map(r -> Fixtures.row(r.accountId(), r.campaignId(), r.isp(), r.hold(), r.newCount(), r.proc(), r.retry()))
                .toList());
    }

    @Test
    void untilIsCheckedAgainstTheServersClockFirst() {
        String inAnHour = NOW.plus(Duration.ofHours(1)).toString();
        assertThat(inAnHour).as("the frozen clock is before the system clock").isLessThan(Instant.now().toString());
        ApiResponse r = send(SendqApi.ADD_HOLD_RULE_PATH, JSON, jsonWithToken("\"id\":119,\"until\":\"" + inAnHour
                + "\""));
        assertThat(error(r, 400, 4).errorText()).as("past on the server's clock").isEqualTo(
                "Invalid value for parameter: until");
        assertThat(q.holdRules()).isEmpty();
    }
}
