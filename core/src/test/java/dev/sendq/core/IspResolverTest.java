package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;

/** Domain to ISP resolution, and ISP name interning. */
class IspResolverTest {

    private final IspResolver standard = IspResolver.standard();

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "gmail.com, Gmail", "googlemail.com, Gmail",
            "yahoo.com, Yahoo", "yahoo.co.uk, Yahoo", "ymail.com, Yahoo", "aol.com, Yahoo",
            "outlook.com, Microsoft", "hotmail.com, Microsoft", "live.com, Microsoft", "msn.com, Microsoft",
            "icloud.com, Apple", "me.com, Apple", "mac.com, Apple",
            "comcast.net, Comcast", "gmx.de, GMX", "web.de, Web.de", "mail.ru, Mail.ru", "yandex.ru, Yandex",
            "orange.fr, Orange", "free.fr, Free", "zoho.com, Zoho", "proton.me, Proton", "qq.com, QQ",
            "163.com, NetEase", "naver.com, Naver", "rambler.ru, Rambler", "charter.net, Charter", "cox.net, Cox"})
    void standardTable(String domain, String isp) {
        assertThat(standard.resolve(domain)).isEqualTo(isp);
    }

    @ParameterizedTest
    @CsvSource({"GMAIL.COM, Gmail", "GoogleMail.Com, Gmail", "Yahoo.COM, Yahoo", "HOTMAIL.com, Microsoft",
            "iCloud.com, Apple"})
    void standardTableIsCaseInsensitive(String domain, String isp) {
        assertThat(standard.resolve(domain)).isEqualTo(isp);
    }

    @ParameterizedTest
    @CsvSource({"mail.gmail.com, Gmail", "a.b.c.googlemail.com, Gmail", "eu.outlook.com, Microsoft",
            "MX.Yahoo.Com, Yahoo"})
    void subdomainsResolveToTheirParent(String domain, String isp) {
        assertThat(standard.resolve(domain)).isEqualTo(isp);
    }

    @ParameterizedTest
    @CsvSource({"example.com", "notgmail.com", "gmail.co", "gmail.com.evil.org", "com", "gmail", ".", "a.",
            "mygmail.com"})
    void unknownDomainsAreOther(String domain) {
        assertThat(standard.resolve(domain)).isEqualTo("Other");
    }

    @ParameterizedTest
    @NullAndEmptySource
    void nullOrEmptyIsOther(String domain) {
        assertThat(standard.resolve(domain)).isEqualTo("Other");
    }

    @Test
    void customTableWithFallback() {
        Map<String, String> table = new HashMap<>();
        table.put("Corp.Example.com", "CorpMail");
        table.put("example.org", "OrgMail");
        IspResolver r = IspResolver.of(table, "Elsewhere");
        assertThat(r.resolve("corp.example.com")).isEqualTo("CorpMail");
        assertThat(r.resolve("mx.CORP.example.com")).isEqualTo("CorpMail");
        assertThat(r.resolve("example.com")).isEqualTo("Elsewhere");
        assertThat(r.resolve("sub.example.org")).isEqualTo("OrgMail");
        assertThat(r.resolve("gmail.com")).as("the standard table is not consulted").isEqualTo("Elsewhere");
        assertThat(r.resolve(null)).isEqualTo("Elsewhere");
        assertThat(r.resolve("")).isEqualTo("Elsewhere");

        table.put("late.com", "Late");
        assertThat(r.resolve("late.com")).as("the table is copied").isEqualTo("Elsewhere");
    }

    @Test
    void customTableRefusesNulls() {
        assertThatThrownBy(() -> IspResolver.of(Map.of(), null)).isInstanceOf(NullPointerException.class);
        Map<String, String> withNull = new HashMap<>();
        withNull.put("a.com", null);
        assertThatThrownBy(() -> IspResolver.of(withNull, "Other")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void enqueueForDomainUsesTheEnginesResolver() {
        Fixture f = new Fixture(b -> b.ispResolver(IspResolver.of(Map.of("example.com", "ExampleMail"), "Misc")));
        f.q.enqueueForDomain(1, 1, 1, "mx.example.com", null);
        f.q.enqueueForDomain(2, 1, 1, "gmail.com", null);
        f.q.enqueueForDomain(3, 1, 1, null, null);
        assertThat(f.view(1).isp()).isEqualTo("ExampleMail");
        assertThat(f.view(2).isp()).isEqualTo("Misc");
        assertThat(f.view(3).isp()).isEqualTo("Misc");
        assertThat(f.engine.resolveIsp("EXAMPLE.com")).isEqualTo("ExampleMail");
        assertThat(f.q.stats(Selector.ALL, Grouping.ISP)).extracting(StatsRow::isp)
                .containsExactly("ExampleMail", "Misc");
    }

    @Test
    void theDefaultEngineResolverIsTheStandardOne() {
        Fixture f = new Fixture();
        f.q.enqueueForDomain(1, 1, 1, "GoogleMail.com", null);
        f.q.enqueueForDomain(2, 1, 1, "gmail.com", null);
        f.q.enqueueForDomain(3, 1, 1, "unknown.example", null);
        assertThat(f.view(1).isp()).isEqualTo("Gmail");
        assertThat(f.q.stats(Selector.ALL, Grouping.ISP)).containsExactly(
                new StatsRow(0, 0, "Gmail", 0, 2, 0, 0, 2),
                new StatsRow(0, 0, "Other", 0, 1, 0, 0, 1));
    }

    @Test
    void ispNamesAreInternedCaseInsensitivelyFirstSpellingCanonical() {
        Fixture f = new Fixture();
        f.q.enqueue(1, 1, 1, "gmail", null);
        f.q.enqueue(2, 1, 1, "GMAIL", null);
        f.q.enqueue(3, 1, 1, "Gmail", null);
        f.q.enqueueForDomain(4, 1, 1, "gmail.com", null); // resolves to "Gmail": same cell
        assertThat(f.q.cellCount()).isEqualTo(1);
        for (long id = 1; id <= 4; id++) {
            assertThat(f.view(id).isp()).isEqualTo("gmail");
        }
        assertThat(f.view(2).isp()).isSameAs(f.view(1).isp());
        assertThat(f.engine.canonicalIsp("GMAIL")).isEqualTo("gmail");
        assertThat(f.engine.canonicalIsp("Unseen")).isEqualTo("Unseen");
        assertThat(f.q.stats(Selector.ALL, Grouping.ISP)).containsExactly(
                new StatsRow(0, 0, "gmail", 0, 4, 0, 0, 4));
        Lease l = f.take(1);
        assertThat(l.isp()).isEqualTo("gmail");
    }

    @Test
    void interningIsEngineWide() {
        Fixture f = new Fixture();
        SenderQueue other = f.engine.addSender(2);
        other.enqueue(1, 1, 1, "YAHOO", null);
        f.q.enqueue(2, 1, 1, "Yahoo", null);
        assertThat(f.view(2).isp()).isEqualTo("YAHOO");
    }

    @Test
    void ispNamesAreTrimmed() {
        Fixture f = new Fixture();
        f.q.enqueue(1, 1, 1, "Gmail", null);
        f.q.enqueue(2, 1, 1, " Gmail ", null);
        assertThat(f.q.cellCount()).as("' Gmail ' is Gmail").isEqualTo(1);
        assertThat(f.view(2).isp()).isEqualTo("Gmail");
    }
}
