package dev.sendq.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sendq.core.Grouping;
import dev.sendq.core.HoldRule;
import dev.sendq.core.Lease;
import dev.sendq.core.MessageState;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shared test support for the adapter tests: the documented queue (built through the core API,
 * as core's GoldenExampleTest does), request builders, a strict parser for the answer envelope
 * (JSON or XML) and a snapshot of everything a bad request must not change.
 */
final class Fixtures {
    /** The token of the documentation's request example. */
    static final String TOKEN = "abcdefghijklmnqrstuvwxyz";
    /** Scoped tokens used by the tests: TOKEN for every sender, "t2" for sender 119 only. */
    static final String TOKENS = TOKEN + "=*;t1=*;t2=119";
    static final String PATH = SendqApi.STATS_PATH;
    static final String JSON = "application/json";
    static final String XML = "application/xml";
    static final String FORM = "application/x-www-form-urlencoded";

    /** A clock that never moves: nothing time-driven can change the counters between two reads. */
    static final InstantSource FROZEN_CLOCK = InstantSource.fixed(Instant.ofEpochMilli(1_700_000_000_000L));

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Fixtures() {
    }

    // ------------------------------------------------------------------ the documented queue

    /** An engine on a frozen clock with the documented sender 119 and an empty sender 120. */
    static QueueEngine documentedEngine() {
        QueueEngine engine = QueueEngine.builder().clock(FROZEN_CLOCK).build();
        documentedQueue(engine);
        engine.addSender(120);
        return engine;
    }

    /** An API over {@link #documentedEngine()}-like engines with the test tokens. */
    static SendqApi api(QueueEngine engine) {
        return SendqApi.create(engine, TokenStore.parse(TOKENS));
    }

    /**
     * The documented state (sender 119, account 306; campaign 4591: hold 0, new 100, proc 100,
     * retry 0; campaign 4914: hold 80, new 10, proc 10, retry 40), reached by real transitions.
     * ISPs: 4591 alternates Gmail / Yahoo, 4914 is Microsoft every third message, else Gmail.
     */
    static SenderQueue documentedQueue(QueueEngine engine) {
        SenderQueue q = engine.addSender(119);
        Lease lease = new Lease();
        long id = 1;
        for (int i = 0; i < 200; i++) {
            q.enqueue(id++, 306, 4591, i % 2 == 0 ? "Gmail" : "Yahoo", null);
        }
        for (int i = 0; i < 100; i++) {
            assertThat(q.take(lease)).isTrue();
        }
        q.hold(Selector.campaign(306, 4914));
        for (int i = 0; i < 140; i++) {
            q.enqueue(id++, 306, 4914, i % 3 == 0 ? "Microsoft" : "Gmail", null);
        }
        List<HoldRule> rules = q.holdRules();
        q.liftHold(rules.get(0).id());
        HoldRule pause = q.hold(Selector.campaign(306, 4591));
        for (int i = 0; i < 60; i++) {
            assertThat(q.take(lease)).isTrue();
            assertThat(lease.campaignId()).isEqualTo(4914);
            if (i < 40) {
                engine.defer(lease, Duration.ofMinutes(10));
            } else if (i < 50) {
                engine.hold(lease);
            }
        }
        q.liftHold(pause.id());
        int held = 0;
        for (long m = 201; m <= 340 && held < 70; m++) {
            if (engine.message(m).orElseThrow().state() == MessageState.NEW) {
                engine.hold(m);
                held++;
            }
        }
        assertThat(held).isEqualTo(70);
        return q;
    }

    // ------------------------------------------------------------------ requests

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static ApiRequest post(String contentType, String body) {
        return post(PATH, contentType, body);
    }

    static ApiRequest post(String path, String contentType, String body) {
        return new ApiRequest("POST", path, null, contentType, null, body == null ? null : utf8(body));
    }

    static ApiRequest json(String body) {
        return post(JSON, body);
    }

    static ApiRequest xml(String body) {
        return post(XML, body);
    }

    static ApiRequest form(String body) {
        return post(FORM, body);
    }

    static ApiRequest query(String query) {
        return new ApiRequest("POST", PATH, query, null, null, null);
    }

    /** {@code {"token": TOKEN, <more>}}: {@code more} is JSON members without braces, or empty. */
    static String jsonWithToken(String more) {
        return "{\"token\":\"" + TOKEN + "\"" + (more.isEmpty() ? "" : "," + more) + "}";
    }

    /** {@code <xml><token>TOKEN</token><more></xml>}. */
    static String xmlWithToken(String more) {
        return "<xml><token>" + TOKEN + "</token>" + more + "</xml>";
    }

    // ------------------------------------------------------------------ answers

    /**
     * One answer, parsed strictly: field names in document order, rows as ordered text maps, and
     * the integer fields of an extension answer (such as {@code cancelled}) by name.
     */
    record Envelope(boolean xml, List<String> topLevelNames, int error, String errorText,
                    List<Map<String, String>> data, Map<String, String> fields) {
        boolean hasData() {
            return data != null;
        }
    }

    /** The documented field order of a row. */
    static final List<String> ROW_FIELDS =
            List.of("account_id", "campaign_id", "hold", "isp", "new", "proc", "retry", "total");

    /** Parses an answer as the format its content type names, asserting the envelope's shape. */
    static Envelope envelope(ApiResponse r) {
        String ct = r.contentType().toLowerCase(Locale.ROOT);
        if (ct.startsWith("application/xml")) {
            assertThat(ct).isEqualTo("application/xml; charset=utf-8");
            return parseXml(r.body());
        }
        assertThat(ct).isEqualTo("application/json; charset=utf-8");
        return parseJson(r.body());
    }

    static Envelope parseJson(byte[] body) {
        JsonNode root = MAPPER.readTree(body);
        assertThat(root.isObject()).as("JSON answer is an object: %s", new String(body, StandardCharsets.UTF_8))
                .isTrue();
        List<String> names = new ArrayList<>(root.propertyNames());
        List<Map<String, String>> data = null;
        Map<String, String> fields = new LinkedHashMap<>();
        for (String name : names) {
            if (!List.of("data", "error", "error_text").contains(name)) {
                assertScalar(name, root.get(name));
                fields.put(name, root.get(name).asString());
            }
        }
        if (root.has("data")) {
            assertThat(root.get("data").isArray()).isTrue();
            data = new ArrayList<>();
            for (JsonNode row : root.get("data")) {
                Map<String, String> m = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : row.properties()) {
                    JsonNode v = e.getValue();
                    assertScalar(e.getKey(), v);
                    m.put(e.getKey(), v.asString());
                }
                data.add(m);
            }
        }
        assertThat(root.get("error").isInt()).as("error is an int").isTrue();
        assertThat(root.get("error_text").isString()).as("error_text is a string").isTrue();
        return new Envelope(false, names, root.get("error").asInt(), root.get("error_text").asString(), data, fields);
    }

    /** The fields that are JSON strings; every other field of an answer is a JSON integer. */
    static final Set<String> STRING_FIELDS = Set.of("isp", "reason", "label", "until", "taken_at");

    private static void assertScalar(String name, JsonNode v) {
        if (STRING_FIELDS.contains(name)) {
            assertThat(v.isString()).as("%s is a JSON string", name).isTrue();
        } else {
            assertThat(v.isIntegralNumber()).as("%s is a JSON integer", name).isTrue();
        }
    }

    static Envelope parseXml(byte[] body) {
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setNamespaceAware(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            doc = b.parse(new ByteArrayInputStream(body));
        } catch (Exception e) {
            throw new AssertionError("answer is not well-formed XML: " + new String(body, StandardCharsets.UTF_8), e);
        }
        Element root = doc.getDocumentElement();
        assertThat(root.getTagName()).isEqualTo("xml");
        assertThat(root.getAttributes().getLength()).isZero();
        List<String> names = new ArrayList<>();
        List<Map<String, String>> data = null;
        Map<String, String> fields = new LinkedHashMap<>();
        String error = null;
        String errorText = null;
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeType() == Node.TEXT_NODE) {
                assertThat(n.getTextContent().isBlank()).as("no text directly in <xml>").isTrue();
                continue;
            }
            Element e = (Element) n;
            String name = e.getTagName();
            if (!name.equals("data") || names.isEmpty() || !names.get(names.size() - 1).equals("data")) {
                names.add(name);
            }
            switch (name) {
                case "data" -> {
                    if (data == null) {
                        data = new ArrayList<>();
                    }
                    Map<String, String> m = new LinkedHashMap<>();
                    for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
                        if (c instanceof Element ce) {
                            m.put(ce.getTagName(), ce.getTextContent());
                        }
                    }
                    data.add(m);
                }
                case "error" -> error = e.getTextContent();
                case "error_text" -> errorText = e.getTextContent();
                default -> {
                    if (e.getElementsByTagName("*").getLength() > 0 || fields.containsKey(name)) {
                        throw new AssertionError("unexpected element <" + name + "> in " + new String(body,
                                StandardCharsets.UTF_8));
                    }
                    fields.put(name, e.getTextContent());
                }
            }
        }
        assertThat(error).as("<error>").isNotNull();
        assertThat(errorText).as("<error_text>").isNotNull();
        return new Envelope(true, names, Integer.parseInt(error), errorText, data, fields);
    }

    /** Asserts a successful answer and checks every row's shape and arithmetic; returns it. */
    static Envelope ok(ApiResponse r) {
        Envelope e = envelope(r);
        assertThat(r.status()).as("status of %s", r.bodyText()).isEqualTo(200);
        assertThat(e.error()).isZero();
        assertThat(e.errorText()).isEqualTo("Successful operation");
        assertThat(e.topLevelNames()).containsExactly("data", "error", "error_text");
        for (Map<String, String> row : e.data()) {
            assertRowIsSane(row);
        }
        return e;
    }

    /**
     * Asserts the successful answer of an extension request: exactly {@code field}, {@code error}
     * and {@code error_text}, in that order; returns the field's value.
     */
    static long okWith(ApiResponse r, String field) {
        Envelope e = envelope(r);
        assertThat(r.status()).as("status of %s", r.bodyText()).isEqualTo(200);
        assertThat(e.error()).isZero();
        assertThat(e.errorText()).isEqualTo("Successful operation");
        assertThat(e.topLevelNames()).containsExactly(field, "error", "error_text");
        assertThat(r.headers()).isEmpty();
        return Long.parseLong(e.fields().get(field));
    }

    /**
     * Asserts the successful answer of an extension request with several integer fields: exactly
     * {@code fields}, {@code error} and {@code error_text}, in that order; returns the fields.
     */
    static Map<String, String> okWithFields(ApiResponse r, String... fields) {
        Envelope e = envelope(r);
        assertThat(r.status()).as("status of %s", r.bodyText()).isEqualTo(200);
        assertThat(e.error()).isZero();
        List<String> names = new ArrayList<>(List.of(fields));
        names.addAll(List.of("error", "error_text"));
        assertThat(e.topLevelNames()).isEqualTo(names);
        return e.fields();
    }

    /**
     * Asserts the successful answer of an extension request that reads a snapshot: {@code data}
     * (in XML, absent when there are no rows), {@code taken_at}, {@code generation}, {@code error},
     * {@code error_text}, in that order, every row with exactly {@code rowFields} in that order;
     * returns it.
     */
    static Envelope okSnapshot(ApiResponse r, List<String> rowFields) {
        Envelope e = envelope(r);
        assertThat(r.status()).as("status of %s", r.bodyText()).isEqualTo(200);
        assertThat(e.error()).isZero();
        assertThat(e.errorText()).isEqualTo("Successful operation");
        boolean rows = e.hasData();
        assertThat(rows || e.xml()).as("JSON always has data").isTrue();
        assertThat(e.topLevelNames()).isEqualTo(rows ? List.of("data", "taken_at", "generation", "error", "error_text")
                : List.of("taken_at", "generation", "error", "error_text"));
        assertThat(e.fields().get("taken_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{3})?Z");
        assertThat(Long.parseLong(e.fields().get("generation"))).isPositive();
        for (Map<String, String> row : rows ? e.data() : List.<Map<String, String>>of()) {
            assertThat(new ArrayList<>(row.keySet())).isEqualTo(rowFields);
        }
        return e;
    }

    /** The rows of a snapshot answer; none when XML has no {@code <data>}. */
    static List<Map<String, String>> rows(Envelope e) {
        return e.hasData() ? e.data() : List.of();
    }

    static void assertRowIsSane(Map<String, String> row) {
        assertThat(new ArrayList<>(row.keySet())).isEqualTo(ROW_FIELDS);
        long hold = Long.parseLong(row.get("hold"));
        long nw = Long.parseLong(row.get("new"));
        long proc = Long.parseLong(row.get("proc"));
        long retry = Long.parseLong(row.get("retry"));
        long total = Long.parseLong(row.get("total"));
        assertThat(hold).isNotNegative();
        assertThat(nw).isNotNegative();
        assertThat(proc).isNotNegative();
        assertThat(retry).isNotNegative();
        assertThat(total).isEqualTo(hold + nw + proc + retry);
    }

    /** Asserts an error answer: status, code, no data, a known text, no internals. */
    static Envelope error(ApiResponse r, int status, int code) {
        Envelope e = envelope(r);
        assertThat(r.status()).as("status of %s", r.bodyText()).isEqualTo(status);
        assertThat(e.error()).as("error code of %s", r.bodyText()).isEqualTo(code);
        assertThat(e.hasData()).as("no data on error").isFalse();
        assertThat(e.topLevelNames()).containsExactly("error", "error_text");
        assertNoInternals(r.bodyText());
        boolean unknownParameter = code == 4 && e.errorText().matches("Unknown parameter(: [a-z_]{1,32})?");
        assertThat(unknownParameter || Arrays.stream(ApiError.values())
                .filter(a -> a.code() == code && a.status() == status)
                .anyMatch(a -> e.errorText().startsWith(a.text())))
                .as("error_text '%s' is the standard text of error %d / %d", e.errorText(), code, status)
                .isTrue();
        return e;
    }

    /** Nothing from inside: no stack trace, exception, class or package name, parser position. */
    static void assertNoInternals(String text) {
        assertThat(text).doesNotContain("Exception", "exception", "tools.jackson", "com.ctc", "woodstox",
                "Woodstox", "java.", "javax.", "dev.sendq", "at dev.", "\tat ", "line:", "column", "Caused by",
                "Unexpected", "root:x:", "/bin/");
    }

    /** A row as the answer carries it, for comparisons. */
    static Map<String, String> row(int account, int campaign, String isp, long hold, long nw, long proc, long retry) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("account_id", Integer.toString(account));
        m.put("campaign_id", Integer.toString(campaign));
        m.put("hold", Long.toString(hold));
        m.put("isp", isp);
        m.put("new", Long.toString(nw));
        m.put("proc", Long.toString(proc));
        m.put("retry", Long.toString(retry));
        m.put("total", Long.toString(hold + nw + proc + retry));
        return m;
    }

    // ------------------------------------------------------------------ engine snapshot

    /**
     * Everything observable about an engine's counters: its size, its senders, and per sender
     * its cell count, hold rules (reasons, labels and expiries included) and rate limits, and
     * the stats, outcomes, ages and retry reasons under every grouping.
     */
    static List<Object> snapshot(QueueEngine engine) {
        List<Object> s = new ArrayList<>();
        s.add(engine.size());
        int[] ids = engine.senderIds();
        s.add(Arrays.toString(ids));
        for (int id : ids) {
            SenderQueue q = engine.sender(id);
            s.add(q.cellCount());
            s.add(q.holdRules());
            s.add(q.rateLimits());
            for (Grouping g : Grouping.values()) {
                s.add(q.stats(Selector.ALL, g));
                s.add(q.outcomes(Selector.ALL, g));
                s.add(q.ages(Selector.ALL, g).rows());
                s.add(q.retryReasons(Selector.ALL, g).rows());
            }
        }
        return s;
    }
}
