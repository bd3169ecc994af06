package dev.sendq.api;

import static dev.sendq.api.Fixtures.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sendq.core.QueueEngine;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The documentation's request and response examples ("Get sender queue information", seed page
 * {@code get-sender-queue-information.txt}), reproduced byte for byte up to insignificant
 * whitespace. Per SPEC.md the documented response is what {@code group=account_campaign}
 * answers for the documented queue; the default {@code group=total} answers one row.
 */
class GoldenResponseTest {
    // ---- verbatim from the seed page ----------------------------------------------------------
    static final String REQUEST_JSON = """
            {
            "token": "abcdefghijklmnqrstuvwxyz",
            "id": 119
            }""";

    static final String REQUEST_XML = """
            <xml>
            <token>abcdefghijklmnqrstuvwxyz</token>
            <id>119</id>
            </xml>""";

    static final String RESPONSE_JSON = """
            {
            "data": [
            {
            "account_id": 306,
            "campaign_id": 4591,
            "hold": 0,
            "isp": "",
            "new": 100,
            "proc": 100,
            "retry": 0,
            "total": 200
            },
            {
            "account_id": 306,
            "campaign_id": 4914,
            "hold": 80,
            "isp": "",
            "new": 10,
            "proc": 10,
            "retry": 40,
            "total": 140
            }
            ],
            "error": 0,
            "error_text": "Successful operation"
            }""";

    static final String RESPONSE_XML = """
            <xml>
            <data>
            <account_id>306</account_id>
            <campaign_id>4591</campaign_id>
            <hold>0</hold>
            <isp></isp>
            <new>100</new>
            <proc>100</proc>
            <retry>0</retry>
            <total>200</total>
            </data>
            <data>
            <account_id>306</account_id>
            <campaign_id>4914</campaign_id>
            <hold>80</hold>
            <isp></isp>
            <new>10</new>
            <proc>10</proc>
            <retry>40</retry>
            <total>140</total>
            </data>
            <error>0</error>
            <error_text>Successful operation</error_text>
            </xml>""";
    // -------------------------------------------------------------------------------------------

    private SendqApi api;

    @BeforeEach
    void setUp() {
        QueueEngine engine = Fixtures.documentedEngine();
        api = Fixtures.api(engine);
    }

    /** JSON without the whitespace between tokens (whitespace inside strings is kept). */
    static String normaliseJson(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean inString = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                b.append(c);
                if (c == '\\') {
                    b.append(s.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
                b.append(c);
            } else if (!Character.isWhitespace(c)) {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** XML without whitespace-only text between tags and around the document. */
    static String normaliseXml(String s) {
        return s.strip().replaceAll(">\\s+<", "><");
    }

    private ApiResponse send(ApiRequest r) {
        return api.handle(r);
    }

    @Test
    void normalisersOnlyRemoveInsignificantWhitespace() {
        assertThat(normaliseJson("{ \"a b\" : [ 1 , \"x \\\" y\" ] }")).isEqualTo("{\"a b\":[1,\"x \\\" y\"]}");
        assertThat(normaliseXml(" <a>\n <b> x y </b>\n</a> ")).isEqualTo("<a><b> x y </b></a>");
    }

    @Test
    void jsonRequestExampleWithGroupInQueryAnswersTheJsonResponseExampleExactly() {
        ApiResponse r = send(new ApiRequest("POST", Fixtures.PATH, "group=account_campaign", "application/json", null,
                REQUEST_JSON.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).isEqualTo("application/json; charset=utf-8");
        assertThat(r.headers()).isEmpty();
        assertThat(normaliseJson(r.bodyText())).isEqualTo(normaliseJson(RESPONSE_JSON));
    }

    @Test
    void jsonRequestExampleWithGroupInBodyAnswersTheJsonResponseExampleExactly() {
        String body = REQUEST_JSON.replace("\"id\": 119", "\"id\": 119,\n\"group\": \"account_campaign\"");
        assertThat(body).contains("account_campaign");
        ApiResponse r = send(Fixtures.json(body));
        assertThat(normaliseJson(r.bodyText())).isEqualTo(normaliseJson(RESPONSE_JSON));
        // The answer carries no whitespace of its own: exactly the normalised example.
        assertThat(r.bodyText()).isEqualTo(normaliseJson(RESPONSE_JSON));
    }

    @Test
    void xmlRequestExampleWithGroupInBodyAnswersTheXmlResponseExampleExactly() {
        String body = REQUEST_XML.replace("<id>119</id>", "<id>119</id>\n<group>account_campaign</group>");
        assertThat(body).contains("account_campaign");
        ApiResponse r = send(Fixtures.xml(body));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).isEqualTo("application/xml; charset=utf-8");
        assertThat(normaliseXml(r.bodyText())).isEqualTo(normaliseXml(RESPONSE_XML));
    }

    @Test
    void xmlRequestExampleWithGroupInQueryAnswersTheXmlResponseExampleExactly() {
        ApiResponse r = send(new ApiRequest("POST", Fixtures.PATH, "group=account_campaign", "text/xml", null,
                REQUEST_XML.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.contentType()).isEqualTo("application/xml; charset=utf-8");
        assertThat(normaliseXml(r.bodyText())).isEqualTo(normaliseXml(RESPONSE_XML));
        // The empty ISP is written as the documentation writes it.
        assertThat(r.bodyText()).contains("<isp></isp>").doesNotContain("<isp/>");
    }

    @Test
    void jsonRequestExampleAsDocumentedAnswersTheSingleTotalRow() {
        ApiResponse r = send(Fixtures.json(REQUEST_JSON));
        Fixtures.Envelope e = Fixtures.ok(r);
        assertThat(e.data()).containsExactly(row(0, 0, "", 80, 110, 110, 40));
        assertThat(r.bodyText()).isEqualTo("{\"data\":[{\"account_id\":0,\"campaign_id\":0,\"hold\":80,\"isp\":\"\","
                + "\"new\":110,\"proc\":110,\"retry\":40,\"total\":340}],\"error\":0,"
                + "\"error_text\":\"Successful operation\"}");
    }

    @Test
    void xmlRequestExampleAsDocumentedAnswersTheSingleTotalRowInXml() {
        ApiResponse r = send(Fixtures.xml(REQUEST_XML));
        Fixtures.Envelope e = Fixtures.ok(r);
        assertThat(e.xml()).isTrue();
        assertThat(e.data()).containsExactly(row(0, 0, "", 80, 110, 110, 40));
        assertThat(r.bodyText()).isEqualTo("<xml><data><account_id>0</account_id><campaign_id>0</campaign_id>"
                + "<hold>80</hold><isp></isp><new>110</new><proc>110</proc><retry>40</retry><total>340</total>"
                + "</data><error>0</error><error_text>Successful operation</error_text></xml>");
    }

    @Test
    void explicitGroupTotalAnswersTheSameAsTheDefault() {
        String deflt = send(Fixtures.json(REQUEST_JSON)).bodyText();
        String total = send(new ApiRequest("POST", Fixtures.PATH, "group=total", "application/json", null,
                REQUEST_JSON.getBytes(StandardCharsets.UTF_8))).bodyText();
        assertThat(total).isEqualTo(deflt);
    }

    @Test
    void documentedExampleParsesToTheDocumentedRows() {
        // The same content through the strict parsers: row field order, types and values.
        Fixtures.Envelope json = Fixtures.parseJson(RESPONSE_JSON.getBytes(StandardCharsets.UTF_8));
        Fixtures.Envelope xml = Fixtures.parseXml(RESPONSE_XML.getBytes(StandardCharsets.UTF_8));
        List<?> rows = List.of(row(306, 4591, "", 0, 100, 100, 0), row(306, 4914, "", 80, 10, 10, 40));
        assertThat(json.data()).isEqualTo(rows);
        assertThat(xml.data()).isEqualTo(rows);
        assertThat(json.topLevelNames()).containsExactly("data", "error", "error_text");
        assertThat(xml.topLevelNames()).containsExactly("data", "error", "error_text");
    }
}
