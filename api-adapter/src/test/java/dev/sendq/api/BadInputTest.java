package dev.sendq.api;

import static dev.sendq.api.Fixtures.TOKEN;
import static dev.sendq.api.Fixtures.jsonWithToken;
import static dev.sendq.api.Fixtures.utf8;
import static dev.sendq.api.Fixtures.xmlWithToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sendq.core.HoldReason;
import dev.sendq.core.HoldRule;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.RateLimit;
import dev.sendq.core.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Distinct bad inputs, each answered with its exact error code and HTTP status, with no
 * {@code data}, nothing from inside (no stack trace, class, package or parser text), quickly,
 * and without moving any of the engine's counters. Every input is sent to each request's path
 * (stats, purge, hold, release and our extensions), whose answers must be the same: the requests
 * share one set of rules; each also refuses the parameters it does not take, and bad values of
 * its own. The engine has hold rules (one labelled, with an expiry) and rate limits on every
 * sender, so that a release, lift or rate-limit change that got through would show too. The same
 * lists are replayed over a real socket by {@link HttpBindingTest}.
 */
class BadInputTest {
    /** One bad input: the request, the body limit of the API it is sent to, and the answer expected. */
    record Case(String name, ApiRequest request, int maxBody, int status, int code) {
        /** Whether the answer must be XML: the body was declared XML. */
        boolean xmlAnswer() {
            String ct = request.contentType();
            if (ct == null) {
                return false;
            }
            String t = ct.split(";")[0].strip().toLowerCase(Locale.ROOT);
            return t.equals("application/xml") || t.equals("text/xml");
        }

        /**
         * The same bad input sent to another request: the stats path in the request, whatever its
         * case or suffix, becomes {@code target}; other paths stay as they are.
         */
        Case at(String target) {
            String stats = SendqApi.STATS_PATH.substring(0, SendqApi.STATS_PATH.length() - 1);
            String to = target.substring(0, target.length() - 1);
            String p = request.path();
            String moved = p;
            if (p.startsWith(stats)) {
                moved = to + p.substring(stats.length());
            } else if (p.startsWith(stats.toUpperCase(Locale.ROOT))) {
                moved = (to + p.substring(stats.length())).toUpperCase(Locale.ROOT);
            }
            ApiRequest r = request;
            return new Case(name, new ApiRequest(r.method(), moved, r.query(), r.contentType(), r.authorization(),
                    r.body()), maxBody, status, code);
        }
    }

    /** The path of every request: each bad input is sent to each. */
    static final List<String> PATHS = List.of(SendqApi.STATS_PATH, SendqApi.PURGE_PATH, SendqApi.HOLD_PATH,
            SendqApi.RELEASE_PATH, SendqApi.HOLD_RULES_PATH, SendqApi.ADD_HOLD_RULE_PATH, SendqApi.LIFT_HOLD_RULE_PATH,
            SendqApi.AGES_PATH, SendqApi.RETRY_REASONS_PATH, SendqApi.RATE_LIMITS_PATH, SendqApi.SET_RATE_LIMIT_PATH,
            SendqApi.REMOVE_RATE_LIMIT_PATH);
    /** The paths whose request requires a parameter of its own, and that parameter. */
    private static final Map<String, String> REQUIRED = Map.of(SendqApi.LIFT_HOLD_RULE_PATH, "rule_id",
            SendqApi.SET_RATE_LIMIT_PATH, "permits");
    /** The paths whose request takes no selector. */
    private static final Set<String> NO_SELECTOR = Set.of(SendqApi.HOLD_RULES_PATH, SendqApi.LIFT_HOLD_RULE_PATH,
            SendqApi.RATE_LIMITS_PATH);
    /** The paths whose request takes {@code group}. */
    private static final Set<String> GROUPED = Set.of(SendqApi.STATS_PATH, SendqApi.AGES_PATH,
            SendqApi.RETRY_REASONS_PATH);

    private static final int LIMIT = SendqApi.DEFAULT_MAX_BODY_BYTES;
    private static final List<Case> CASES = new ArrayList<>();
    private static final Map<String, List<Case>> BY_PATH = new LinkedHashMap<>();

    private static void add(String name, ApiRequest r, int status, int code) {
        add(name, r, LIMIT, status, code);
    }

    private static void add(String name, ApiRequest r, int maxBody, int status, int code) {
        CASES.add(new Case(name, r, maxBody, status, code));
    }

    private static ApiRequest req(String method, String path, String query, String ct, String auth, byte[] body) {
        return new ApiRequest(method, path, query, ct, auth, body);
    }

    private static ApiRequest json(String body) {
        return Fixtures.json(body);
    }

    private static ApiRequest xml(String body) {
        return Fixtures.xml(body);
    }

    private static ApiRequest form(String body) {
        return Fixtures.form(body);
    }

    private static ApiRequest ct(String contentType, String body) {
        return Fixtures.post(contentType, body);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] r = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, r, o, p.length);
            o += p.length;
        }
        return r;
    }

    static final String LAUGHS;

    static {
        StringBuilder dtd = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY lol \"lol\">");
        for (int i = 1; i <= 9; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"");
            dtd.append(("&lol" + (i == 1 ? "" : Integer.toString(i - 1)) + ";").repeat(10));
            dtd.append("\">");
        }
        LAUGHS = dtd.append("]>").append(xmlWithToken("<id>119</id><isp>&lol9;</isp>")).toString();

        String path = Fixtures.PATH;
        String good = jsonWithToken("\"id\":119");
        byte[] goodBytes = utf8(good);

        // ---- path and method
        add("unknown path", req("POST", "/api/v1.1/admin/senders/queue/statistics/", null, "application/json", null,
                goodBytes), 404, 1);
        add("path with extra segment", req("POST", path + "x/", null, "application/json", null, goodBytes), 404, 1);
        add("path in other case", req("POST", path.toUpperCase(Locale.ROOT), null, "application/json", null,
                goodBytes), 404, 1);
        add("method GET", req("GET", path, "token=" + TOKEN + "&id=119", null, null, null), 405, 7);
        add("method PUT", req("PUT", path, null, "application/json", null, goodBytes), 405, 7);
        add("method DELETE", req("DELETE", path, null, "application/json", null, goodBytes), 405, 7);
        add("method HEAD", req("HEAD", path, null, null, null, null), 405, 7);
        add("method PATCH with XML body", req("PATCH", path, null, "application/xml", null,
                utf8(xmlWithToken("<id>119</id>"))), 405, 7);
        add("method in lower case", req("post", path, null, "application/json", null, goodBytes), 405, 7);

        // ---- size
        add("JSON body one byte over 64 KiB", json(good + " ".repeat(LIMIT + 1 - good.length())), 413, 8);
        add("XML body of 1 MiB", xml(xmlWithToken("<id>119</id><isp>" + "x".repeat(1 << 20) + "</isp>")), 413, 8);
        add("body over a configured 100-byte limit", json(good + " ".repeat(101 - good.length())), 100, 413, 8);

        // ---- content type and charset
        add("text/plain body", ct("text/plain", good), 415, 1);
        add("octet-stream body", ct("application/octet-stream", good), 415, 1);
        add("body without content type", req("POST", path, null, null, null, goodBytes), 415, 1);
        add("multipart body", ct("multipart/form-data; boundary=x", "--x\r\n\r\n--x--"), 415, 1);
        add("JSON suffix media type", ct("application/vnd.api+json", good), 415, 1);
        add("charset iso-8859-1", ct("application/json; charset=iso-8859-1", good), 415, 1);
        add("charset utf-16", ct("application/json; charset=utf-16", good), 415, 1);
        add("empty charset", ct("application/json; charset=", good), 415, 1);
        add("form with charset latin1", ct("application/x-www-form-urlencoded; charset=latin1",
                "token=" + TOKEN + "&id=119"), 415, 1);

        // ---- malformed JSON
        add("empty body with JSON content type", json(""), 400, 1);
        add("whitespace-only JSON body", json(" \r\n\t "), 400, 1);
        add("truncated JSON", json("{\"token\":\"" + TOKEN + "\",\"id\":11"), 400, 1);
        add("truncated JSON string", json("{\"token\":\"abc"), 400, 1);
        add("JSON array root", json("[" + good + "]"), 400, 1);
        add("JSON string root", json("\"token\""), 400, 1);
        add("JSON number root", json("119"), 400, 1);
        add("JSON null root", json("null"), 400, 1);
        add("trailing JSON content", json(good + " {}"), 400, 1);
        add("trailing garbage after JSON", json(good + "x"), 400, 1);
        add("duplicate JSON key", json(jsonWithToken("\"id\":119,\"id\":119")), 400, 1);
        add("duplicate JSON key, different values", json("{\"token\":\"" + TOKEN + "\",\"token\":\"x\",\"id\":119}"),
                400, 1);
        add("single-quoted JSON", json("{'token':'" + TOKEN + "','id':119}"), 400, 1);
        add("unquoted JSON key", json("{token:\"" + TOKEN + "\",id:119}"), 400, 1);
        add("JSON comment", json("{/* hi */\"token\":\"" + TOKEN + "\",\"id\":119}"), 400, 1);
        add("JSON NaN", json(jsonWithToken("\"id\":NaN")), 400, 1);
        add("JSON leading zero number", json(jsonWithToken("\"id\":0119")), 400, 1);
        add("JSON hex number", json(jsonWithToken("\"id\":0x77")), 400, 1);
        add("JSON trailing comma", json(jsonWithToken("\"id\":119,")), 400, 1);
        add("JSON bad escape", json(jsonWithToken("\"id\":119,\"isp\":\"\\q\"")), 400, 1);
        add("JSON raw control character in string", json(jsonWithToken("\"id\":119,\"isp\":\"a\u0001b\"")), 400, 1);
        add("JSON nested 1000 deep", json(jsonWithToken("\"id\":119,\"x\":" + "[".repeat(1000) + "]".repeat(1000))),
                400, 1);
        add("JSON string of 5000 characters", json(jsonWithToken("\"id\":119,\"isp\":\"" + "x".repeat(5000) + "\"")),
                400, 1);
        add("JSON key of 100 characters", json(jsonWithToken("\"id\":119,\"" + "k".repeat(100) + "\":1")), 400, 1);
        add("JSON with 2000 members", json(jsonWithToken("\"id\":119" + manyMembers(2000))), 400, 1);
        add("JSON number of 40 digits", json(jsonWithToken("\"id\":" + "1".repeat(40))), 400, 1);
        add("invalid UTF-8 in JSON", req("POST", path, null, "application/json", null,
                concat(utf8(jsonWithToken("\"id\":119,\"isp\":\"")), new byte[] {(byte) 0xC3, (byte) 0x28},
                        utf8("\"}"))), 400, 1);
        add("NUL bytes as JSON", req("POST", path, null, "application/json", null, new byte[16]), 400, 1);

        // ---- malformed XML
        add("empty XML body", xml(""), 400, 1);
        add("truncated XML", xml("<xml><token>" + TOKEN + "</token><id>119"), 400, 1);
        add("mismatched XML tags", xml("<xml><token>" + TOKEN + "</id></xml>"), 400, 1);
        add("wrong XML root element", xml("<root><token>" + TOKEN + "</token><id>119</id></root>"), 400, 1);
        add("XML root in upper case", xml("<XML><token>" + TOKEN + "</token><id>119</id></XML>"), 400, 1);
        add("text directly in <xml>", xml("<xml>hello<token>" + TOKEN + "</token><id>119</id></xml>"), 400, 1);
        add("only text in <xml>", xml("<xml>119</xml>"), 400, 1);
        add("repeated XML element", xml(xmlWithToken("<id>119</id><id>119</id>")), 400, 1);
        add("repeated XML element, apart", xml("<xml><id>119</id><token>" + TOKEN + "</token><id>120</id></xml>"), 400,
                1);
        add("XML attribute and element with the same name", xml("<xml id=\"119\"><token>" + TOKEN
                + "</token><id>119</id></xml>"), 400, 1);
        add("two XML root elements", xml(xmlWithToken("<id>119</id>") + "<xml/>"), 400, 1);
        add("garbage after XML root", xml(xmlWithToken("<id>119</id>") + "trailing"), 400, 1);
        add("XXE file entity", xml("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
                + xmlWithToken("<id>119</id><isp>&xxe;</isp>")), 400, 1);
        add("XXE parameter entity", xml("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY % p SYSTEM "
                + "\"file:///etc/passwd\"> %p;]>" + xmlWithToken("<id>119</id><isp>&p;</isp>")), 400, 1);
        add("billion laughs", xml(LAUGHS), 400, 1);
        add("external DTD with its entity used", xml("<?xml version=\"1.0\"?><!DOCTYPE xml SYSTEM "
                + "\"http://127.0.0.1:9/evil.dtd\">" + xmlWithToken("<id>119</id><isp>&ext;</isp>")), 400, 1);
        add("undeclared XML entity", xml(xmlWithToken("<id>119</id><isp>&nbsp;</isp>")), 400, 1);
        add("XML character reference to a control character", xml(xmlWithToken("<id>119</id><isp>a&#1;b</isp>")),
                400, 1);
        add("raw control character in XML", xml(xmlWithToken("<id>119</id><isp>a\u0002b</isp>")), 400, 1);
        add("invalid UTF-8 in XML", req("POST", path, null, "application/xml", null,
                concat(utf8(xmlWithToken("<id>119</id><isp>")), new byte[] {(byte) 0xFF}, utf8("</isp></xml>"))), 400,
                1);
        add("XML nested 20 deep", xml(xmlWithToken("<id>119</id><isp>" + "<a>".repeat(20) + "</a>".repeat(20)
                + "</isp>")), 400, 1);
        add("XML with 3000 elements", xml(xmlWithToken("<id>119</id>" + manyElements(3000))), 400,
                1);
        add("unclosed XML comment", xml(xmlWithToken("<id>119</id><!-- ")), 400, 1);
        add("JSON body declared as XML", ct("application/xml", jsonWithToken("\"id\":119")), 400, 1);
        add("XML body declared as JSON", ct("application/json", xmlWithToken("<id>119</id>")), 400, 1);

        // ---- form and query strings
        add("form: bad percent escape %zz", form("token=" + TOKEN + "&id=11%zz"), 400, 1);
        add("form: truncated percent escape %4", form("token=" + TOKEN + "&id=119&isp=%4"), 400, 1);
        add("form: lone percent", form("token=" + TOKEN + "&id=119&isp=%"), 400, 1);
        add("form: %ff is not UTF-8", form("token=" + TOKEN + "&id=119&isp=%ff"), 400, 1);
        add("form: overlong UTF-8 %c0%af", form("token=" + TOKEN + "&id=119&isp=%c0%af"), 400, 1);
        add("form: lone surrogate %ed%a0%80", form("token=" + TOKEN + "&id=119&isp=%ed%a0%80"), 400, 1);
        add("form: raw non-ASCII", form("token=" + TOKEN + "&id=119&isp=Ärger"), 400, 1);
        add("form: duplicate parameter", form("token=" + TOKEN + "&id=119&id=119"), 400, 1);
        add("form: duplicate after decoding", form("token=" + TOKEN + "&id=119&%69d=119"), 400, 1);
        add("query: bad percent escape %zz", req("POST", path, "token=" + TOKEN + "&id=%zz", null, null, null), 400, 1);
        add("query: truncated percent escape %4", req("POST", path, "token=" + TOKEN + "&id=119&isp=%4", null, null,
                null), 400, 1);
        add("query: %ff is not UTF-8", req("POST", path, "token=" + TOKEN + "&id=119&isp=%ff", null, null, null), 400,
                1);
        add("query: duplicate parameter", req("POST", path, "token=" + TOKEN + "&id=119&id=120", null, null, null),
                400, 1);
        add("query and JSON body both give id", req("POST", path, "id=119", "application/json", null, goodBytes), 400,
                1);
        add("query and XML body both give token", req("POST", path, "token=" + TOKEN, "application/xml", null,
                utf8(xmlWithToken("<id>119</id>"))), 400, 1);
        add("query and form body both give token", req("POST", path, "token=" + TOKEN,
                "application/x-www-form-urlencoded", null, utf8("token=" + TOKEN + "&id=119")), 400, 1);

        // ---- format
        add("format yaml", json(jsonWithToken("\"id\":119,\"format\":\"yaml\"")), 400, 4);
        add("format in upper case", json(jsonWithToken("\"id\":119,\"format\":\"JSON\"")), 400, 4);
        add("format as a number", json(jsonWithToken("\"id\":119,\"format\":1")), 400, 4);
        add("format as an object in XML", xml(xmlWithToken("<id>119</id><format><a>xml</a></format>")), 400, 4);

        // ---- token
        add("token missing", json("{\"id\":119}"), 400, 3);
        add("token empty", json("{\"token\":\"\",\"id\":119}"), 400, 3);
        add("token wrong", json("{\"token\":\"wrong\",\"id\":119}"), 401, 2);
        add("token of 257 characters", json("{\"token\":\"" + "a".repeat(257) + "\",\"id\":119}"), 401, 2);
        add("token with NUL", json("{\"token\":\"" + TOKEN + "\\u0000\",\"id\":119}"), 401, 2);
        add("token as a JSON number", json("{\"token\":123,\"id\":119}"), 400, 4);
        add("token as a JSON boolean", json("{\"token\":true,\"id\":119}"), 400, 4);
        add("bearer differs from parameter", req("POST", path, null, "application/json", "Bearer t1", goodBytes), 401,
                2);
        add("Authorization Basic and no token parameter", req("POST", path, null, "application/json",
                "Basic dXNlcjpwYXNz", "{\"id\":119}".getBytes(StandardCharsets.UTF_8)), 400, 3);
        add("Authorization Bearer without token", req("POST", path, null, "application/json", "Bearer ",
                utf8("{\"id\":119}")), 401, 2);
        add("bearer token wrong", req("POST", path, null, "application/json", "Bearer nope", utf8("{\"id\":119}")), 401,
                2);

        // ---- unknown parameters
        add("unknown parameter", json(jsonWithToken("\"id\":119,\"colour\":\"red\"")), 400, 4);
        add("parameter name in upper case", json(jsonWithToken("\"ID\":119")), 400, 4);
        add("unknown XML element", xml(xmlWithToken("<id>119</id><sender>1</sender>")), 400, 4);
        add("unknown XML attribute", xml("<xml lang=\"en\"><token>" + TOKEN + "</token><id>119</id></xml>"), 400, 1);
        add("unknown form parameter", form("token=" + TOKEN + "&id=119&debug"), 400, 4);
        add("unknown query parameter", req("POST", path, "token=" + TOKEN + "&id=119&callback=x", null, null, null),
                400, 4);

        // ---- values
        add("group unknown", json(jsonWithToken("\"id\":119,\"group\":\"everything\"")), 400, 4);
        add("group in upper case", json(jsonWithToken("\"id\":119,\"group\":\"TOTAL\"")), 400, 4);
        add("group as a number", json(jsonWithToken("\"id\":119,\"group\":2")), 400, 4);
        add("id not a number", json(jsonWithToken("\"id\":\"abc\"")), 400, 4);
        add("id negative", json(jsonWithToken("\"id\":-1")), 400, 4);
        add("id negative string", json(jsonWithToken("\"id\":\"-119\"")), 400, 4);
        add("id with plus sign", json(jsonWithToken("\"id\":\"+119\"")), 400, 4);
        add("id fraction", json(jsonWithToken("\"id\":119.5")), 400, 4);
        add("id 119.0", json(jsonWithToken("\"id\":119.0")), 400, 4);
        add("id exponent", json(jsonWithToken("\"id\":1.19e2")), 400, 4);
        add("id exponent string", json(jsonWithToken("\"id\":\"1e2\"")), 400, 4);
        add("id boolean", json(jsonWithToken("\"id\":true")), 400, 4);
        add("id array", json(jsonWithToken("\"id\":[119]")), 400, 4);
        add("id object", json(jsonWithToken("\"id\":{\"value\":119}")), 400, 4);
        add("id 2^31", json(jsonWithToken("\"id\":2147483648")), 400, 4);
        add("id 2^31 as string", json(jsonWithToken("\"id\":\"2147483648\"")), 400, 4);
        add("id 2^63 (long overflow)", json(jsonWithToken("\"id\":9223372036854775808")), 400, 4);
        add("id with Arabic-Indic digits", json(jsonWithToken("\"id\":\"\u0661\u0661\u0669\"")), 400, 4);
        add("id with fullwidth digits", json(jsonWithToken("\"id\":\"\uFF11\uFF11\uFF19\"")), 400, 4);
        add("id with spaces", json(jsonWithToken("\"id\":\" 119 \"")), 400, 4);
        add("id zero", json(jsonWithToken("\"id\":0")), 400, 4);
        add("id hex string", form("token=" + TOKEN + "&id=0x77"), 400, 4);
        add("XML id negative", xml(xmlWithToken("<id>-1</id>")), 400, 4);
        add("XML id with surrounding spaces", xml(xmlWithToken("<id> 119 </id>")), 400, 4);
        add("XML id as attribute-only element", xml(xmlWithToken("<id value=\"119\"/>")), 400, 1);
        add("XML id with a child element", xml(xmlWithToken("<id><value>119</value></id>")), 400, 4);
        add("account_id negative", json(jsonWithToken("\"id\":119,\"account_id\":-306")), 400, 4);
        add("campaign_id text", json(jsonWithToken("\"id\":119,\"campaign_id\":\"x\"")), 400, 4);
        add("campaign_id fraction", form("token=" + TOKEN + "&id=119&campaign_id=4591.0"), 400, 4);
        add("isp with NUL", json(jsonWithToken("\"id\":119,\"isp\":\"Gm\\u0000ail\"")), 400, 4);
        add("isp with tab", json(jsonWithToken("\"id\":119,\"isp\":\"Gmail\\t\"")), 400, 4);
        add("isp with newline from form", form("token=" + TOKEN + "&id=119&isp=Gmail%0A"), 400, 4);
        add("isp with DEL", json(jsonWithToken("\"id\":119,\"isp\":\"Gmail\\u007f\"")), 400, 4);
        add("isp with C1 control U+009B", json(jsonWithToken("\"id\":119,\"isp\":\"\\u009bGmail\"")), 400, 4);
        add("isp of 129 characters", json(jsonWithToken("\"id\":119,\"isp\":\"" + "i".repeat(129) + "\"")), 400, 4);
        add("isp as a number", json(jsonWithToken("\"id\":119,\"isp\":5")), 400, 4);
        add("isp as an object", json(jsonWithToken("\"id\":119,\"isp\":{\"name\":\"Gmail\"}")), 400, 4);
        add("id missing", json(jsonWithToken("")), 400, 3);
        add("id empty", json(jsonWithToken("\"id\":\"\"")), 400, 3);
        add("id null", json(jsonWithToken("\"id\":null")), 400, 3);
        add("XML id empty element", xml(xmlWithToken("<id/>")), 400, 3);

        // ---- sender and scope
        add("sender not found", json(jsonWithToken("\"id\":121")), 404, 5);
        add("scoped token, other sender", json("{\"token\":\"t2\",\"id\":120}"), 403, 6);
        add("scoped token, missing sender", json("{\"token\":\"t2\",\"id\":121}"), 403, 6);

        // ---- the same inputs to every other request, and the parameters each does not take or needs
        BY_PATH.put(SendqApi.STATS_PATH, List.copyOf(CASES));
        for (String target : PATHS.subList(1, PATHS.size())) {
            List<Case> list = new ArrayList<>();
            String required = REQUIRED.get(target);
            for (Case c : CASES) {
                Case moved = c.at(target);
                if (required != null && (c.code() == 5 || c.code() == 6)) {
                    // Give it the parameter it needs, else it would be refused for its absence first.
                    String body = new String(c.request().body(), StandardCharsets.UTF_8);
                    moved = new Case(c.name(), Fixtures.post(target, c.request().contentType(),
                            "{\"" + required + "\":1," + body.substring(1)), c.maxBody(), c.status(), c.code());
                }
                list.add(moved);
            }
            String with = required == null ? "" : ",\"" + required + "\":1";
            if (!GROUPED.contains(target)) {
                list.add(new Case("group is no parameter of this request", Fixtures.post(target, "application/json",
                        jsonWithToken("\"id\":119,\"group\":\"total\"" + with)), LIMIT, 400, 4));
                list.add(new Case("group is no parameter of this request, even empty", Fixtures.post(target,
                        "application/x-www-form-urlencoded", "token=" + TOKEN + "&id=119&group="), LIMIT, 400, 4));
            }
            if (target.equals(SendqApi.PURGE_PATH) || NO_SELECTOR.contains(target)) {
                list.add(new Case("isp is no parameter of this request", Fixtures.post(target, "application/json",
                        jsonWithToken("\"id\":119,\"isp\":\"Gmail\"" + with)), LIMIT, 400, 4));
                list.add(new Case("isp is no parameter of this request, even empty", Fixtures.post(target,
                        "application/xml", xmlWithToken("<id>119</id><isp></isp>")), LIMIT, 400, 4));
            }
            if (NO_SELECTOR.contains(target)) {
                list.add(new Case("account_id is no parameter of this request", Fixtures.post(target,
                        "application/json", jsonWithToken("\"id\":119,\"account_id\":306" + with)), LIMIT, 400, 4));
                list.add(new Case("campaign_id is no parameter of this request, even 0", Fixtures.post(target,
                        "application/x-www-form-urlencoded", "token=" + TOKEN + "&id=119&campaign_id=0"), LIMIT, 400, 4));
            }
            list.addAll(ownCases(target));
            BY_PATH.put(target, List.copyOf(list));
        }
    }

    /** Bad values of a request's own parameters. */
    private static List<Case> ownCases(String target) {
        List<Case> list = new ArrayList<>();
        java.util.function.BiConsumer<String, String> bad = (name, members) -> list.add(new Case(name,
                Fixtures.post(target, "application/json", jsonWithToken("\"id\":119," + members)), LIMIT, 400, 4));
        switch (target) {
            case SendqApi.ADD_HOLD_RULE_PATH -> {
                bad.accept("reason unknown", "\"reason\":\"holiday\"");
                bad.accept("reason in upper case", "\"reason\":\"ISP_BLOCK\"");
                bad.accept("label of 201 characters", "\"label\":\"" + "l".repeat(201) + "\"");
                bad.accept("label with a newline", "\"label\":\"a\\nb\"");
                bad.accept("label with an unpaired surrogate", "\"label\":\"a\\udc00\"");
                bad.accept("until not an instant", "\"until\":\"next week\"");
                bad.accept("until without a zone", "\"until\":\"2100-01-01T00:00:00\"");
                bad.accept("until in the past", "\"until\":\"2001-01-01T00:00:00Z\"");
                bad.accept("until past year 9999", "\"until\":\"+10000-01-01T00:00:00Z\"");
                bad.accept("dry_run 2", "\"dry_run\":2");
                bad.accept("dry_run true", "\"dry_run\":true");
                list.add(new Case("label with a control character in XML", Fixtures.post(target, "application/xml",
                        xmlWithToken("<id>119</id><label>a&#x85;b</label>")), LIMIT, 400, 4));
            }
            case SendqApi.LIFT_HOLD_RULE_PATH -> {
                bad.accept("rule_id zero", "\"rule_id\":0");
                bad.accept("rule_id negative", "\"rule_id\":-3");
                bad.accept("rule_id not a number", "\"rule_id\":\"all\"");
                bad.accept("rule_id the sender does not have", "\"rule_id\":999999");
                bad.accept("rule_id over the long range", "\"rule_id\":99999999999999999999");
                list.add(new Case("rule_id missing", Fixtures.post(target, "application/json",
                        jsonWithToken("\"id\":119")), LIMIT, 400, 3));
            }
            case SendqApi.SET_RATE_LIMIT_PATH -> {
                bad.accept("permits zero", "\"permits\":0");
                bad.accept("permits over a billion", "\"permits\":1000000001");
                bad.accept("per_ms over a day", "\"permits\":1,\"per_ms\":86400001");
                bad.accept("burst zero", "\"permits\":1,\"burst\":0");
                list.add(new Case("permits missing", Fixtures.post(target, "application/json",
                        jsonWithToken("\"id\":119,\"per_ms\":1000")), LIMIT, 400, 3));
            }
            case SendqApi.REMOVE_RATE_LIMIT_PATH -> bad.accept("permits is no parameter of remove", "\"permits\":1");
            default -> { }
        }
        return list;
    }

    private static String manyMembers(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(",\"k").append(i).append("\":").append(i);
        }
        return b.toString();
    }

    private static String manyElements(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("<e").append(i).append("/>");
        }
        return b.toString();
    }

    /** The cases of the stats request, for other tests. */
    static List<Case> cases() {
        return cases(SendqApi.STATS_PATH);
    }

    /** The cases of the request at {@code path} (one of {@link #PATHS}), for other tests. */
    static List<Case> cases(String path) {
        return BY_PATH.get(path);
    }

    /** What to put before a case's name in reports: nothing for stats, else e.g. {@code "rules/add: "}. */
    static String label(String path) {
        if (path.equals(SendqApi.STATS_PATH)) {
            return "";
        }
        String prefix = "/api/v1.1/admin/senders/queue/";
        return path.substring(prefix.length(), path.length() - 1) + ": "; // e.g. "hold: ", "rules/add: "
    }

    static Stream<Arguments> badInputs() {
        return PATHS.stream().flatMap(p -> cases(p).stream().map(c -> Arguments.argumentSet(label(p) + c.name(), c)));
    }

    private static QueueEngine engine;
    private static SendqApi api;

    /** The documented queue under a hold rule for all of sender 119: NEW and RETRY count as HOLD. */
    private static final Map<String, String> HELD_TOTAL_ROW = Fixtures.row(0, 0, "", 80 + 110 + 40, 0, 110, 0);

    @BeforeAll
    static void setUp() {
        engine = Fixtures.documentedEngine();
        // A rule on each sender, with the selector most bad inputs name (all of it): a release that
        // got through would lift it, and the snapshot would show.
        engine.sender(119).hold(Selector.ALL);
        engine.sender(120).hold(Selector.ALL);
        // And a labelled rule with an expiry, and a rate limit: a lift, a set or a remove that got
        // through would show too.
        engine.sender(119).hold(Selector.isp("Gmail"), HoldReason.ISP_BLOCK, "421 from Gmail", Instant.parse(
                "2100-01-01T00:00:00Z"));
        engine.sender(119).setRateLimit(Selector.ALL, RateLimit.perSecond(1));
        engine.sender(120).setRateLimit(Selector.isp("Gmail"), RateLimit.perMinute(1).withBurst(3));
        api = Fixtures.api(engine);
    }

    /** The API with the body limit the case is about. */
    private static SendqApi apiFor(Case c) {
        return c.maxBody() == LIMIT ? api : SendqApi.create(engine, TokenStore.parse(Fixtures.TOKENS), c.maxBody());
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputIsAnsweredWithItsErrorAndChangesNothing(Case c) {
        List<Object> before = Fixtures.snapshot(engine);
        long t0 = System.nanoTime();
        ApiResponse r = apiFor(c).handle(c.request());
        long millis = (System.nanoTime() - t0) / 1_000_000;
        Fixtures.Envelope e = Fixtures.error(r, c.status(), c.code());
        assertThat(e.xml()).as("answered in the body's format").isEqualTo(c.xmlAnswer());
        assertThat(millis).as("answered quickly").isLessThan(2_000);
        assertThat(r.headers()).isEqualTo(c.status() == 405 ? Map.of("Allow", "POST") : Map.of());
        assertThat(r.bodyText()).doesNotContain(TOKEN).doesNotContain("root:");
        assertThat(Fixtures.snapshot(engine)).isEqualTo(before);
    }

    @Test
    void everyRequestIsCovered() {
        assertThat(java.util.Arrays.stream(RequestKind.values()).map(k -> k.path).toList())
                .as("a new request needs its bad inputs here").containsExactlyInAnyOrderElementsOf(PATHS);
    }

    @Test
    void thereAreAtLeastFortyDistinctBadInputsForEveryRequest() {
        for (String path : PATHS) {
            Set<String> names = new HashSet<>();
            Set<String> requests = new HashSet<>();
            for (Case c : cases(path)) {
                assertThat(names.add(c.name())).as("unique name %s", c.name()).isTrue();
                ApiRequest r = c.request();
                String key = r.method() + " " + r.path() + "?" + r.query() + " " + r.contentType() + " "
                        + r.authorization() + " " + new String(r.body(), StandardCharsets.ISO_8859_1) + " " + c.maxBody();
                assertThat(requests.add(key)).as("distinct request %s", c.name()).isTrue();
                if (!path.equals(SendqApi.STATS_PATH)) {
                    assertThat(r.path().toLowerCase(Locale.ROOT)).as("%s%s", label(path), c.name()).doesNotContain("/stats");
                }
            }
            assertThat(cases(path)).hasSizeGreaterThanOrEqualTo(CASES.size());
            assertThat(cases(path).stream().filter(c -> c.request().path().startsWith(path))).hasSizeGreaterThan(100);
        }
        assertThat(CASES).hasSizeGreaterThanOrEqualTo(40);
    }

    /**
     * XML never fetches anything: an external DTD, an external parameter entity, an external
     * general entity and an XInclude, all pointing at a local socket that records connections.
     * A DOCTYPE whose entities are never used is ignored (the request is answered); one whose
     * external entity is used is refused (400 / error 1).
     */
    @Test
    void xmlNeverFetchesExternalResources() throws Exception {
        try (java.net.ServerSocket trap = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            String base = "http://127.0.0.1:" + trap.getLocalPort();
            String body = xmlWithToken("<id>119</id>");
            List<String> ignoredOrRefused = List.of(
                    "<!DOCTYPE xml SYSTEM \"" + base + "/ext.dtd\">" + body,
                    "<!DOCTYPE xml PUBLIC \"-//X//Y//EN\" \"" + base + "/pub.dtd\">" + body,
                    "<!DOCTYPE xml [<!ENTITY % ext SYSTEM \"" + base + "/p.dtd\"> %ext;]>" + body,
                    "<!DOCTYPE xml SYSTEM \"file:///etc/passwd\">" + body);
            for (String x : ignoredOrRefused) {
                ApiResponse r = api.handle(Fixtures.xml(x));
                assertThat(r.status()).as(x).isIn(200, 400);
                if (r.status() == 400) {
                    Fixtures.error(r, 400, 1);
                } else {
                    assertThat(Fixtures.ok(r).data()).containsExactly(HELD_TOTAL_ROW);
                }
                assertThat(r.bodyText()).doesNotContain("root:");
            }
            Fixtures.error(api.handle(Fixtures.xml("<!DOCTYPE xml [<!ENTITY e SYSTEM \"" + base + "/e\">]>"
                    + xmlWithToken("<id>119</id><isp>&e;</isp>"))), 400, 1);
            Fixtures.error(api.handle(Fixtures.xml("<xml xmlns:xi=\"http://www.w3.org/2001/XInclude\"><token>" + TOKEN
                    + "</token><id>119</id><xi:include href=\"" + base + "/x\"/></xml>")), 400, 1);
            trap.setSoTimeout(300);
            assertThatThrownBy(trap::accept).as("nothing connected to %s", base)
                    .isInstanceOf(java.net.SocketTimeoutException.class);
        }
    }

    @Test
    void theEngineStillAnswersAfterEveryBadInput() {
        for (String path : PATHS) {
            for (Case c : cases(path)) {
                apiFor(c).handle(c.request());
            }
        }
        Fixtures.Envelope e = Fixtures.ok(api.handle(Fixtures.json(jsonWithToken("\"id\":119"))));
        assertThat(e.data()).containsExactly(HELD_TOTAL_ROW);
        assertThat(engine.sender(119).holdRules()).extracting(HoldRule::selector)
                .containsExactly(Selector.ALL, Selector.isp("Gmail"));
        assertThat(engine.sender(119).rateLimits()).containsOnlyKeys(Selector.ALL);
    }
}
