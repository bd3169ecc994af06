package dev.sendq.api;

import static dev.sendq.api.Fixtures.TOKEN;
import static dev.sendq.api.Fixtures.error;
import static dev.sendq.api.Fixtures.json;
import static dev.sendq.api.Fixtures.jsonWithToken;
import static dev.sendq.api.Fixtures.ok;
import static dev.sendq.api.Fixtures.row;
import static dev.sendq.api.Fixtures.utf8;
import static dev.sendq.api.Fixtures.xml;
import static dev.sendq.api.Fixtures.xmlWithToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sendq.core.Grouping;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.Selector;
import dev.sendq.core.StatsRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One test per parameter rule of the stats request: where parameters come from, how values are
 * coerced, which format answers, the filters and groupings, tokens and their scopes, and the
 * order in which errors win. Runs against the documented queue (sender 119) plus an empty
 * sender 120, with tokens {@code TOKEN=*;t1=*;t2=119}.
 */
class ParameterRulesTest {
    private QueueEngine engine;
    private SendqApi api;

    @BeforeEach
    void setUp() {
        engine = Fixtures.documentedEngine();
        api = Fixtures.api(engine);
    }

    private ApiResponse send(ApiRequest r) {
        return api.handle(r);
    }

    private static ApiRequest req(String query, String contentType, String authorization, String body) {
        return new ApiRequest("POST", Fixtures.PATH, query, contentType, authorization, body == null ? null : utf8(body));
    }

    private static final Map<String, String> TOTAL_ROW = row(0, 0, "", 80, 110, 110, 40);

    /** The core's own rows for a query, as the answer should carry them. */
    private List<Map<String, String>> coreRows(int sender, Selector filter, Grouping g) {
        List<Map<String, String>> rows = new ArrayList<>();
        for (StatsRow r : engine.sender(sender).stats(filter, g)) {
            rows.add(row(r.accountId(), r.campaignId(), r.isp(), r.hold(), r.newCount(), r.proc(), r.retry()));
        }
        return rows;
    }

    // ------------------------------------------------------------------ sources

    @Test
    void jsonObjectBody() {
        assertThat(ok(send(json(jsonWithToken("\"id\":119")))).data()).containsExactly(TOTAL_ROW);
    }

    @Test
    void jsonContentTypeWithUtf8CharsetParameterInAnySpelling() {
        for (String ct : List.of("application/json; charset=utf-8", "application/json;charset=UTF-8",
                "Application/JSON; charset=\"utf8\"", "application/json; charset=us-ascii")) {
            ApiResponse r = send(req(null, ct, null, jsonWithToken("\"id\":119")));
            assertThat(ok(r).data()).as(ct).containsExactly(TOTAL_ROW);
        }
    }

    @Test
    void xmlBodyAsApplicationXmlAndTextXml() {
        for (String ct : List.of("application/xml", "text/xml", "text/xml; charset=utf-8")) {
            Fixtures.Envelope e = ok(send(req(null, ct, null, xmlWithToken("<id>119</id>"))));
            assertThat(e.xml()).as(ct).isTrue();
            assertThat(e.data()).containsExactly(TOTAL_ROW);
        }
    }

    @Test
    void xmlBodyWithDeclarationCdataAndCommentsIsReadAsText() {
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- stats -->\n<xml>\n  <token>" + TOKEN
                + "</token>\n  <id><![CDATA[119]]></id>\n  <group>isp</group>\n</xml>\n";
        assertThat(ok(send(xml(body))).data()).isEqualTo(coreRows(119, Selector.ALL, Grouping.ISP));
    }

    @Test
    void formBody() {
        ApiResponse r = send(Fixtures.form("token=" + TOKEN + "&id=119&group=account_campaign&isp=g%6Dail"));
        assertThat(ok(r).data()).containsExactly(row(306, 4591, "Gmail", 0, 50, 50, 0), row(306, 4914, "Gmail", 61, 7, 5, 20));
    }

    @Test
    void formBodyDecodesPlusAndPercentEscapesAsUtf8() {
        // "P+%D0%BE%D1%87%D1%82%D0%B0" is "P очта" (a space and Cyrillic): an ISP never seen, echoed as decoded.
        ApiResponse r = send(Fixtures.form("token=" + TOKEN + "&id=119&isp=P+%D0%BE%D1%87%D1%82%D0%B0"));
        assertThat(ok(r).data()).containsExactly(row(0, 0, "P очта", 0, 0, 0, 0));
    }

    @Test
    void queryStringAloneWithoutBodyOrContentType() {
        ApiResponse r = send(Fixtures.query("token=" + TOKEN + "&id=119&group=account"));
        assertThat(ok(r).data()).containsExactly(row(306, 0, "", 80, 110, 110, 40));
    }

    @Test
    void queryStringAndBodyCombine() {
        ApiResponse r = send(req("token=" + TOKEN + "&format=xml", "application/json", null, "{\"id\":119}"));
        Fixtures.Envelope e = ok(r);
        assertThat(e.xml()).isTrue();
        assertThat(e.data()).containsExactly(TOTAL_ROW);
    }

    @Test
    void pathWithoutTrailingSlashIsTheSameRequest() {
        String noSlash = Fixtures.PATH.substring(0, Fixtures.PATH.length() - 1);
        ApiResponse r = send(new ApiRequest("POST", noSlash, null, "application/json", null,
                utf8(jsonWithToken("\"id\":119"))));
        assertThat(ok(r).data()).containsExactly(TOTAL_ROW);
        assertThat(api.handles(noSlash)).isTrue();
        assertThat(api.handles(Fixtures.PATH)).isTrue();
        assertThat(api.handles(Fixtures.PATH + "x")).isFalse();
        assertThat(api.handles("/api/v1.1/admin/senders/queue/stats//")).isFalse();
    }

    @Test
    void sameParameterTwiceFromTwoSourcesIsMalformed() {
        error(send(req("id=119", "application/json", null, jsonWithToken("\"id\":119"))), 400, 1);
        error(send(req("token=" + TOKEN, "application/x-www-form-urlencoded", null, "token=" + TOKEN + "&id=119")),
                400, 1);
    }

    // ------------------------------------------------------------------ coercion

    @Test
    void jsonNullReadsAsAbsent() {
        ApiResponse r = send(json(jsonWithToken("\"id\":119,\"account_id\":null,\"campaign_id\":null,"
                + "\"isp\":null,\"group\":null,\"format\":null")));
        assertThat(ok(r).data()).containsExactly(TOTAL_ROW);
        Fixtures.Envelope missing = error(send(json(jsonWithToken("\"id\":null"))), 400, 3);
        assertThat(missing.errorText()).isEqualTo("Missing required parameter: id");
    }

    @Test
    void intParametersAcceptJsonIntegersAndAsciiDigitStrings() {
        List<Map<String, String>> expected = List.of(row(306, 4914, "", 80, 10, 10, 40));
        assertThat(ok(send(json(jsonWithToken("\"id\":119,\"account_id\":306,\"campaign_id\":4914")))).data())
                .isEqualTo(expected);
        assertThat(ok(send(json(jsonWithToken("\"id\":\"119\",\"account_id\":\"306\",\"campaign_id\":\"4914\""))))
                .data()).isEqualTo(expected);
        assertThat(ok(send(json(jsonWithToken("\"id\":\"0119\",\"account_id\":\"00306\",\"campaign_id\":4914"))))
                .data()).isEqualTo(expected);
        assertThat(ok(send(xml(xmlWithToken("<id>119</id><account_id>306</account_id><campaign_id>4914</campaign_id>"))))
                .data()).isEqualTo(expected);
    }

    @Test
    void intParametersAcceptTheWholeIntRange() {
        // 2147483647 is a valid id: the sender does not exist (5), the value was accepted.
        error(send(json(jsonWithToken("\"id\":2147483647"))), 404, 5);
        error(send(json(jsonWithToken("\"id\":\"2147483647\""))), 404, 5);
        ApiResponse r = send(json(jsonWithToken("\"id\":119,\"account_id\":2147483647")));
        assertThat(ok(r).data()).containsExactly(row(Integer.MAX_VALUE, 0, "", 0, 0, 0, 0));
        error(send(json(jsonWithToken("\"id\":2147483648"))), 400, 4);
    }

    @Test
    void emptyStringIsAbsent() {
        ApiResponse r = send(json(jsonWithToken("\"id\":119,\"account_id\":\"\",\"campaign_id\":\"\",\"isp\":\"\","
                + "\"group\":\"\",\"format\":\"\"")));
        assertThat(ok(r).data()).containsExactly(TOTAL_ROW);
        assertThat(error(send(json(jsonWithToken("\"id\":\"\""))), 400, 3).errorText())
                .isEqualTo("Missing required parameter: id");
        assertThat(error(send(xml(xmlWithToken("<id></id>"))), 400, 3).errorText())
                .isEqualTo("Missing required parameter: id");
        assertThat(error(send(xml(xmlWithToken("<id/>"))), 400, 3).xml()).isTrue();
    }

    @Test
    void invalidIntValuesNameTheParameter() {
        for (String p : List.of("id", "account_id", "campaign_id")) {
            String others = p.equals("id") ? "" : ",\"id\":119";
            for (String v : List.of("1.5", "1.0", "1e2", "-1", "\"+1\"", "\"-1\"", "true", "[1]", "{\"a\":1}",
                    "\"12a\"", "\"\\u0661\\u0662\"", "2147483648", "\"99999999999\"")) {
                Fixtures.Envelope e = error(send(json(jsonWithToken("\"" + p + "\":" + v + others))), 400, 4);
                assertThat(e.errorText()).as(p + "=" + v).isEqualTo("Invalid value for parameter: " + p);
            }
        }
    }

    @Test
    void idZeroIsInvalidAndIdAbsentIsMissing() {
        assertThat(error(send(json(jsonWithToken("\"id\":0"))), 400, 4).errorText())
                .isEqualTo("Invalid value for parameter: id");
        assertThat(error(send(json(jsonWithToken(""))), 400, 3).errorText())
                .isEqualTo("Missing required parameter: id");
    }

    @Test
    void zeroAccountAndCampaignMeanAll() {
        ApiResponse r = send(json(jsonWithToken("\"id\":119,\"account_id\":0,\"campaign_id\":\"0\"")));
        assertThat(ok(r).data()).containsExactly(TOTAL_ROW);
    }

    @Test
    void textParametersMustBeTextNotNumbersOrObjects() {
        assertThat(error(send(json("{\"token\":12345,\"id\":119}")), 400, 4).errorText())
                .isEqualTo("Invalid value for parameter: token");
        assertThat(error(send(json(jsonWithToken("\"id\":119,\"isp\":7"))), 400, 4).errorText())
                .isEqualTo("Invalid value for parameter: isp");
        assertThat(error(send(json(jsonWithToken("\"id\":119,\"group\":[\"isp\"]"))), 400, 4).errorText())
                .isEqualTo("Invalid value for parameter: group");
        assertThat(error(send(xml(xmlWithToken("<id>119</id><isp><a>b</a></isp>"))), 400, 4).errorText())
                .isEqualTo("Invalid value for parameter: isp");
    }

    // ------------------------------------------------------------------ format

    @Test
    void answerFormatIsJsonByDefault() {
        assertThat(Fixtures.envelope(send(Fixtures.form("token=" + TOKEN + "&id=119"))).xml()).isFalse();
        assertThat(Fixtures.envelope(send(Fixtures.query("token=" + TOKEN + "&id=119"))).xml()).isFalse();
        assertThat(Fixtures.envelope(send(json(jsonWithToken("\"id\":119")))).xml()).isFalse();
    }

    @Test
    void answerFormatFollowsAnXmlBody() {
        assertThat(ok(send(xml(xmlWithToken("<id>119</id>")))).xml()).isTrue();
    }

    @Test
    void formatParameterOverridesTheBody() {
        assertThat(ok(send(xml(xmlWithToken("<id>119</id><format>json</format>")))).xml()).isFalse();
        assertThat(ok(send(json(jsonWithToken("\"id\":119,\"format\":\"xml\"")))).xml()).isTrue();
        assertThat(ok(send(Fixtures.form("token=" + TOKEN + "&id=119&format=xml"))).xml()).isTrue();
        assertThat(ok(send(Fixtures.query("format=xml&token=" + TOKEN + "&id=119"))).xml()).isTrue();
    }

    @Test
    void formatParameterAlsoSetsTheFormatOfLaterErrors() {
        Fixtures.Envelope e = error(send(json("{\"format\":\"xml\",\"id\":119,\"token\":\"nope\"}")), 401, 2);
        assertThat(e.xml()).isTrue();
        Fixtures.Envelope e2 = error(send(xml("<xml><format>json</format><id>119</id></xml>")), 400, 3);
        assertThat(e2.xml()).isFalse();
    }

    @Test
    void errorsOnAnXmlBodyAreAnsweredInXml() {
        assertThat(error(send(xml("<xml><id>119</id><token>" + TOKEN + "</token><id>1</id></xml>")), 400, 1).xml())
                .isTrue();
        assertThat(error(send(xml("<xml><token>" + TOKEN + "</token><id>119")), 400, 1).xml()).isTrue();
        assertThat(error(send(xml(xmlWithToken("<id>121</id>"))), 404, 5).xml()).isTrue();
        assertThat(error(send(new ApiRequest("GET", Fixtures.PATH, null, "text/xml", null, null)), 405, 7).xml())
                .isTrue();
        assertThat(error(send(xml("<xml>" + " ".repeat(SendqApi.DEFAULT_MAX_BODY_BYTES) + "</xml>")), 413, 8).xml())
                .isTrue();
    }

    @Test
    void invalidFormatIsAnsweredInTheBodysFormat() {
        assertThat(error(send(xml(xmlWithToken("<id>119</id><format>yaml</format>"))), 400, 4).xml()).isTrue();
        Fixtures.Envelope e = error(send(json(jsonWithToken("\"id\":119,\"format\":\"XML\""))), 400, 4);
        assertThat(e.xml()).isFalse();
        assertThat(e.errorText()).isEqualTo("Invalid value for parameter: format");
    }

    // ------------------------------------------------------------------ filters and groupings

    @Test
    void totalGroupingAlwaysAnswersOneRowEvenWhenEmpty() {
        assertThat(ok(send(json(jsonWithToken("\"id\":120")))).data()).containsExactly(row(0, 0, "", 0, 0, 0, 0));
        assertThat(ok(send(json(jsonWithToken("\"id\":119,\"account_id\":999")))).data())
                .containsExactly(row(999, 0, "", 0, 0, 0, 0));
    }

    @Test
    void otherGroupingsLeaveOutEmptyRows() {
        for (String g : List.of("account", "account_campaign", "isp")) {
            assertThat(ok(send(json(jsonWithToken("\"id\":120,\"group\":\"" + g + "\"")))).data()).as(g).isEmpty();
            assertThat(ok(send(json(jsonWithToken("\"id\":119,\"account_id\":999,\"group\":\"" + g + "\"")))).data())
                    .as(g).isEmpty();
        }
    }

    @Test
    void groupAccount() {
        assertThat(ok(send(json(jsonWithToken("\"id\":119,\"group\":\"account\"")))).data())
                .containsExactly(row(306, 0, "", 80, 110, 110, 40));
    }

    @Test
    void groupAccountCampaignWithCampaignFilter() {
        assertThat(ok(send(json(jsonWithToken("\"id\":119,\"group\":\"account_campaign\",\"campaign_id\":4591"))))
                .data()).containsExactly(row(306, 4591, "", 0, 100, 100, 0));
    }

    @Test
    void groupIspOrdersRowsByName() {
        assertThat(ok(send(json(jsonWithToken("\"id\":119,\"group\":\"isp\"")))).data()).containsExactly(
                row(0, 0, "Gmail", 61, 57, 55, 20),
                row(0, 0, "Microsoft", 19, 3, 5, 20),
                row(0, 0, "Yahoo", 0, 50, 50, 0));
    }

    @Test
    void groupIspEchoesTheAccountAndCampaignFilters() {
        assertThat(ok(send(json(jsonWithToken("\"id\":119,\"group\":\"isp\",\"account_id\":306,\"campaign_id\":4914"))))
                .data()).containsExactly(row(306, 4914, "Gmail", 61, 7, 5, 20), row(306, 4914, "Microsoft", 19, 3, 5, 20));
    }

    @Test
    void everyFilterAndGroupingAgreesWithTheCore() {
        int checked = 0;
        for (int account : new int[] {0, 306, 7}) {
            for (int campaign : new int[] {0, 4591, 4914}) {
                for (String isp : new String[] {"", "Gmail", "yahoo", "MICROSOFT", "Hotmail"}) {
                    for (Grouping g : Grouping.values()) {
                        String body = jsonWithToken("\"id\":119,\"account_id\":" + account + ",\"campaign_id\":"
                                + campaign + ",\"isp\":\"" + isp + "\",\"group\":\"" + g.parameter() + "\"");
                        assertThat(ok(send(json(body))).data()).as(body)
                                .isEqualTo(coreRows(119, new Selector(account, campaign, isp), g));
                        checked++;
                    }
                }
            }
        }
        assertThat(checked).isEqualTo(3 * 3 * 5 * 4);
    }

    @Test
    void ispFilterIsCaseInsensitiveAndEchoesTheCanonicalName() {
        for (String spelling : List.of("GMAIL", "gmail", "gMaIl", "Gmail")) {
            assertThat(ok(send(json(jsonWithToken("\"id\":119,\"isp\":\"" + spelling + "\"")))).data()).as(spelling)
                    .containsExactly(row(0, 0, "Gmail", 61, 57, 55, 20));
        }
        assertThat(ok(send(xml(xmlWithToken("<id>119</id><isp>yAhOo</isp><group>account_campaign</group>")))).data())
                .containsExactly(row(306, 4591, "Yahoo", 0, 50, 50, 0));
    }

    @Test
    void unseenIspEchoesAsGivenWithZeros() {
        assertThat(ok(send(json(jsonWithToken("\"id\":119,\"isp\":\"HotMail\"")))).data())
                .containsExactly(row(0, 0, "HotMail", 0, 0, 0, 0));
    }

    @Test
    void unicodeIspIsValidCountsZeroAndEchoesExactlyInJsonAndXml() {
        for (String isp : List.of("Почта", "网易", "Ünïcödé", "Mail\u2028Box", "😀mail")) {
            assertThat(ok(send(json(jsonWithToken("\"id\":119,\"isp\":\"" + isp + "\"")))).data()).as(isp)
                    .containsExactly(row(0, 0, isp, 0, 0, 0, 0));
            assertThat(ok(send(xml(xmlWithToken("<id>119</id><isp>" + isp + "</isp>")))).data()).as(isp)
                    .containsExactly(row(0, 0, isp, 0, 0, 0, 0));
        }
    }

    @Test
    void ispWithXmlSpecialCharactersIsEscapedInTheAnswer() {
        ApiResponse r = send(json(jsonWithToken("\"id\":119,\"isp\":\"a<b>&c\\\"d'\",\"format\":\"xml\"")));
        assertThat(ok(r).data()).containsExactly(row(0, 0, "a<b>&c\"d'", 0, 0, 0, 0));
        ApiResponse j = send(json(jsonWithToken("\"id\":119,\"isp\":\"a<b>&c\\\"d'\\\\\"")));
        assertThat(ok(j).data()).containsExactly(row(0, 0, "a<b>&c\"d'\\", 0, 0, 0, 0));
    }

    @Test
    void ispWithControlCharactersOrOverlongIsInvalid() {
        for (String v : List.of("a\\u0000b", "a\\tb", "a\\nb", "\\u007f", "\\u0085x")) {
            assertThat(error(send(json(jsonWithToken("\"id\":119,\"isp\":\"" + v + "\""))), 400, 4).errorText())
                    .as(v).isEqualTo("Invalid value for parameter: isp");
        }
        error(send(json(jsonWithToken("\"id\":119,\"isp\":\"" + "x".repeat(129) + "\""))), 400, 4);
        assertThat(ok(send(json(jsonWithToken("\"id\":119,\"isp\":\"" + "x".repeat(128) + "\"")))).data())
                .containsExactly(row(0, 0, "x".repeat(128), 0, 0, 0, 0));
    }

    @Test
    void groupValuesAreExactlyTheDocumentedOnes() {
        for (String g : List.of("TOTAL", "Account", "account campaign", "isps", "all", " isp")) {
            assertThat(error(send(json(jsonWithToken("\"id\":119,\"group\":\"" + g + "\""))), 400, 4).errorText())
                    .as(g).isEqualTo("Invalid value for parameter: group");
        }
    }

    // ------------------------------------------------------------------ tokens

    @Test
    void tokenMayComeAsBearerHeader() {
        assertThat(ok(send(req(null, "application/json", "Bearer " + TOKEN, "{\"id\":119}"))).data())
                .containsExactly(TOTAL_ROW);
        assertThat(ok(send(req(null, "application/json", "bearer " + TOKEN, "{\"id\":119}"))).data())
                .containsExactly(TOTAL_ROW);
        assertThat(ok(send(req("id=119", null, "Bearer t2", null))).data()).containsExactly(TOTAL_ROW);
    }

    @Test
    void bearerAndParameterMustAgree() {
        ok(send(req(null, "application/json", "Bearer " + TOKEN, jsonWithToken("\"id\":119"))));
        error(send(req(null, "application/json", "Bearer t1", jsonWithToken("\"id\":119"))), 401, 2);
        // Another scheme (a proxy's Basic credentials) is not ours: the token parameter decides.
        ok(send(req(null, "application/json", "Basic dXNlcjpwYXNz", jsonWithToken("\"id\":119"))));
    }

    @Test
    void missingTokenIsErrorThreeAndUnknownTokenErrorTwo() {
        assertThat(error(send(json("{\"id\":119}")), 400, 3).errorText()).isEqualTo("Missing required parameter: token");
        assertThat(error(send(json("{\"id\":119,\"token\":\"\"}")), 400, 3).errorText())
                .isEqualTo("Missing required parameter: token");
        assertThat(error(send(json("{\"id\":119,\"token\":\"" + TOKEN + "x\"}")), 401, 2).errorText())
                .isEqualTo("Invalid token");
        // Tokens are compared exactly: no case folding, no trimming.
        error(send(json("{\"id\":119,\"token\":\"" + TOKEN.toUpperCase(java.util.Locale.ROOT) + "\"}")), 401, 2);
        error(send(json("{\"id\":119,\"token\":\" " + TOKEN + "\"}")), 401, 2);
    }

    @Test
    void tooLongTokenIsInvalidWithoutLookingItUp() {
        String longToken = "t".repeat(SendqApi.MAX_TOKEN_LENGTH + 1);
        int[] lookups = {0};
        SendqApi counting = SendqApi.create(engine, t -> {
            lookups[0]++;
            return Optional.of(TokenScope.allSenders());
        });
        error(counting.handle(json("{\"id\":119,\"token\":\"" + longToken + "\"}")), 401, 2);
        assertThat(lookups[0]).isZero();
        ok(counting.handle(json("{\"id\":119,\"token\":\"" + "t".repeat(SendqApi.MAX_TOKEN_LENGTH) + "\"}")));
        assertThat(lookups[0]).isOne();
    }

    @Test
    void scopedTokens() {
        SendqApi scoped = SendqApi.create(engine, TokenStore.parse("t1=*;t2=119"));
        ok(scoped.handle(json("{\"token\":\"t2\",\"id\":119}")));
        ok(scoped.handle(json("{\"token\":\"t1\",\"id\":120}")));
        assertThat(error(scoped.handle(json("{\"token\":\"t2\",\"id\":120}")), 403, 6).errorText())
                .isEqualTo("Token not allowed for this sender");
        error(scoped.handle(json("{\"token\":\"t3\",\"id\":119}")), 401, 2);
    }

    @Test
    void scopeIsCheckedBeforeExistence() {
        SendqApi scoped = SendqApi.create(engine, TokenStore.parse("t1=*;t2=119"));
        // Sender 121 does not exist: an all-senders token learns that (5); a scoped one only that it may not ask (6).
        assertThat(error(scoped.handle(json("{\"token\":\"t1\",\"id\":121}")), 404, 5).errorText())
                .isEqualTo("Sender not found");
        error(scoped.handle(json("{\"token\":\"t2\",\"id\":121}")), 403, 6);
    }

    @Test
    void tokenStoreParseRejectsBadConfigurationsWithoutEchoingTokens() {
        for (String bad : List.of("secret", "secret=", "=*", "secret=abc", "secret=1;secret=2", "secret=0",
                "secret=-3")) {
            assertThatThrownBy(() -> TokenStore.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret"));
        }
        TokenStore s = TokenStore.parse(" a=* ; b = 1,2 ;; ");
        assertThat(s.find("a")).hasValueSatisfying(sc -> assertThat(sc.isAll()).isTrue());
        assertThat(s.find("b")).hasValueSatisfying(sc -> {
            assertThat(sc.allows(2)).isTrue();
            assertThat(sc.allows(3)).isFalse();
        });
        assertThat(s.find("c")).isEmpty();
    }

    // ------------------------------------------------------------------ precedence

    @Test
    void errorPrecedenceFollowsTheContract() {
        String big = " ".repeat(SendqApi.DEFAULT_MAX_BODY_BYTES + 1);
        // unknown path beats method
        error(send(new ApiRequest("GET", "/api/v1.1/admin/senders/queue/nope/", null, null, null, null)), 404, 1);
        // method beats body size
        error(send(new ApiRequest("PUT", Fixtures.PATH, null, "application/json", null, utf8(big))), 405, 7);
        // body size beats content type
        error(send(req(null, "text/plain", null, big)), 413, 8);
        // content type beats malformed body
        error(send(req(null, "text/plain", null, "{{{")), 415, 1);
        error(send(req(null, "application/json; charset=latin1", null, "{{{")), 415, 1);
        // malformed body beats format
        error(send(json("{\"format\":\"yaml\",")), 400, 1);
        // format beats missing token
        assertThat(error(send(json("{\"format\":\"yaml\",\"id\":119}")), 400, 4).errorText())
                .isEqualTo("Invalid value for parameter: format");
        // missing token beats unknown parameters
        error(send(json("{\"id\":119,\"colour\":\"red\"}")), 400, 3);
        // invalid token beats unknown parameters
        error(send(json("{\"token\":\"nope\",\"id\":119,\"colour\":\"red\"}")), 401, 2);
        // unknown parameter beats other values
        assertThat(error(send(json(jsonWithToken("\"id\":-1,\"group\":\"x\",\"colour\":\"red\""))), 400, 4).errorText())
                .isEqualTo("Unknown parameter: colour");
        // other values beat missing id
        assertThat(error(send(json(jsonWithToken("\"group\":\"x\""))), 400, 4).errorText())
                .isEqualTo("Invalid value for parameter: group");
        assertThat(error(send(json(jsonWithToken("\"account_id\":-1"))), 400, 4).errorText())
                .isEqualTo("Invalid value for parameter: account_id");
        // scope beats existence (sender 121 does not exist, t2 may read 119 only)
        error(send(json("{\"token\":\"t2\",\"id\":121}")), 403, 6);
    }

    @Test
    void unknownParameterIsNamedOnlyWhenItIsASafeName() {
        assertThat(error(send(json(jsonWithToken("\"id\":119,\"sender\":1"))), 400, 4).errorText())
                .isEqualTo("Unknown parameter: sender");
        Fixtures.Envelope e = error(send(json(jsonWithToken("\"id\":119,\"<script>\":1"))), 400, 4);
        assertThat(e.errorText()).isEqualTo("Unknown parameter");
        assertThat(error(send(json(jsonWithToken("\"id\":119,\"Token\":\"x\""))), 400, 4).errorText())
                .isEqualTo("Unknown parameter");
    }

    // ------------------------------------------------------------------ limits and failures

    @Test
    void bodyLimitIsConfigurable() {
        String body = jsonWithToken("\"id\":119");
        SendqApi small = SendqApi.create(engine, TokenStore.parse(Fixtures.TOKENS), body.length());
        assertThat(small.maxBodyBytes()).isEqualTo(body.length());
        ok(small.handle(json(body)));
        error(small.handle(json(body + " ")), 413, 8);
        assertThat(api.maxBodyBytes()).isEqualTo(SendqApi.DEFAULT_MAX_BODY_BYTES);
        assertThatThrownBy(() -> SendqApi.create(engine, TokenStore.parse("a=*"), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SendqApi.create(engine, TokenStore.parse("a=*"), SendqApi.DEFAULT_MAX_BODY_BYTES + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bodyAtExactlyTheLimitIsRead() {
        String body = jsonWithToken("\"id\":119");
        String padded = body + " ".repeat(SendqApi.DEFAULT_MAX_BODY_BYTES - body.length());
        assertThat(utf8(padded)).hasSize(SendqApi.DEFAULT_MAX_BODY_BYTES);
        assertThat(ok(send(json(padded))).data()).containsExactly(TOTAL_ROW);
    }

    @Test
    void oversizedHandlerAnswers413Or404Or405() {
        error(api.handleOversized(json("ignored")), 413, 8);
        error(api.handleOversized(new ApiRequest("GET", Fixtures.PATH, null, null, null, null)), 405, 7);
        error(api.handleOversized(new ApiRequest("POST", "/x", null, null, null, null)), 404, 1);
    }

    @Test
    void internalFailureIsError9WithoutDetail() {
        SendqApi broken = SendqApi.create(engine, t -> {
            throw new IllegalStateException("db password is hunter2 at dev.sendq.Secret");
        });
        ApiResponse r = broken.handle(json(jsonWithToken("\"id\":119")));
        Fixtures.Envelope e = error(r, 500, 9);
        assertThat(e.errorText()).isEqualTo("Internal error");
        assertThat(r.bodyText()).doesNotContain("hunter2", "IllegalState");
        // XML body: the internal error is answered in XML too.
        assertThat(error(broken.handle(xml(xmlWithToken("<id>119</id>"))), 500, 9).xml()).isTrue();
    }

    @Test
    void methodNotAllowedCarriesAllowHeader() {
        ApiResponse r = send(new ApiRequest("GET", Fixtures.PATH, "token=" + TOKEN + "&id=119", null, null, null));
        error(r, 405, 7);
        assertThat(r.headers()).containsEntry("Allow", "POST").hasSize(1);
        assertThat(send(json(jsonWithToken("\"id\":119"))).headers()).isEmpty();
    }
}
