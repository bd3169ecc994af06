package dev.sendq.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operator dashboard in real headless Chromium against a running, frozen demo server
 * ({@code --workers 0}, so counts move only when the test acts): the page shows what the
 * endpoint answers (figures, tables, hold rules, queue age), a hold and a release from the page
 * move the counts as the endpoint says, a rule added with a reason shows its live impact and
 * lifts, a clear asks first, errors (a wrong token, an unknown sender, a server that went away) are
 * shown in the page, the tables sort by mouse and keyboard, polling pauses while the tab is
 * hidden, and a screenshot of the page.
 *
 * <p>Every wait is on a condition of the page (WebDriverWait), never a sleep. Senders: 119 is
 * only read; 120 (hold, release), 121 (clear), 122 (screenshot) and 123 (a rule with a reason)
 * each belong to one test.
 *
 * <p>The screenshot goes to {@code target/dashboard.png}, and also to the path in
 * {@code -Dsendq.dashboard.screenshot} when given (the README's is made with
 * {@code -Dsendq.dashboard.screenshot=../docs/dashboard.png}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {
    static {
        RawHttp.init();
    }

    private static final String TOKEN = "dashboard-test-token";
    private static final List<String> FIGURES = List.of("new", "proc", "retry", "hold", "total");
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static DemoServer.Running demo;
    private static HeadlessChromium chromium;
    private static ChromeDriver driver;
    private static String base;

    @BeforeAll
    static void start() throws IOException {
        demo = DemoServer.start(DemoServer.parse(new String[] {"--port", "0", "--workers", "0", "--messages", "20000",
                "--token", TOKEN, "--senders", "119,120,121,122,123", "--seed", "42"}), quiet());
        base = "http://127.0.0.1:" + demo.http.address().getPort();
        chromium = HeadlessChromium.start(1440, 1000);
        driver = chromium.driver;
    }

    @AfterAll
    static void stop() {
        try {
            if (chromium != null) {
                chromium.close();
            }
        } finally {
            if (demo != null) {
                demo.close();
            }
        }
    }

    /** A new tab for each test: its session storage starts empty, as an operator's new tab does. */
    @BeforeEach
    void freshTab() {
        String previous = driver.getWindowHandle();
        driver.switchTo().newWindow(WindowType.TAB);
        String fresh = driver.getWindowHandle();
        driver.switchTo().window(previous).close();
        driver.switchTo().window(fresh);
        chromium.consoleLog(); // forget what earlier tests logged
    }

    // ------------------------------------------------------------------ tests

    @Test
    void showsTheSameCountsAsTheEndpointForAFrozenQueue() {
        open(base, 119);
        watch(TOKEN, 119);
        waitUntilLive();

        Map<String, Long> total = counts(endpoint(119, "total").get(0));
        assertThat(figures()).isEqualTo(total);
        assertThat(total.get("total")).isEqualTo(20_000);
        assertThat(text(By.id("count-total"))).as("thousands separator").isEqualTo("20,000");

        assertThat(table("by-account")).isEqualTo(byKey(endpoint(119, "account"), r -> r.get("account_id")));
        assertThat(table("by-campaign")).isEqualTo(byKey(endpoint(119, "account_campaign"),
                r -> r.get("account_id") + "/" + r.get("campaign_id")));
        assertThat(table("by-isp")).isEqualTo(byKey(endpoint(119, "isp"), r -> r.get("isp").toLowerCase(Locale.ROOT)));

        // The hold rules in force with what each holds now, and the queue's age, as their requests answer.
        Map<String, String> rules = new TreeMap<>();
        for (JsonNode r : endpointJson(SendqApi.HOLD_RULES_PATH, 119, "").get("data")) {
            rules.put(r.get("rule_id").asString(), String.format(Locale.US, "%,d", r.get("total").asLong()));
        }
        assertThat(rules).hasSize(4);
        assertThat(ruleRows()).isEqualTo(rules);
        assertThat(heatmap()).isEqualTo(ageTotals(119, "isp", "isp", "total"));
        assertThat(text(By.cssSelector("#age tfoot td"))).isEqualTo("20,000");
        new Select(driver.findElement(By.id("age-state"))).selectByValue("retry");
        assertThat(text(By.cssSelector("#age tfoot td"))).as("all RETRY messages")
                .isEqualTo(String.format(Locale.US, "%,d", total.get("retry")));
        new Select(driver.findElement(By.id("age-group"))).selectByValue("account");
        waitUntil("rows by account", d -> text(By.cssSelector("#age thead tr:last-child th")).equals("Account"));
        assertThat(heatmap()).isEqualTo(ageTotals(119, "account", "account_id", "retry"));

        // The token stays in the tab: not in the URL, not in localStorage.
        assertThat(driver.getCurrentUrl()).isEqualTo(base + "/?sender=119").doesNotContain(TOKEN);
        assertThat(script("return localStorage.length")).isEqualTo(0L);
        assertThat(script("return sessionStorage.getItem('sendq.dashboard.token')")).isEqualTo(TOKEN);
        assertNoConsoleErrors();
    }

    @Test
    void aHoldFromThePageMovesTheCountsAsTheEndpointSays() {
        open(base, 120);
        watch(TOKEN, 120);
        waitUntilLive();
        Map<String, Long> before = counts(endpoint(120, "total").get(0));
        Map<String, Long> account = counts(accountRow(endpoint(120, "account"), "412"));
        assertThat(figures()).isEqualTo(before);
        assertThat(account.get("new") + account.get("retry")).as("account 412 has NEW and RETRY mail").isPositive();

        click(By.cssSelector("#by-account tr[data-key='412'] button[aria-label='Hold account 412']"));
        waitForText(By.id("notice"), "Held account 412 (rule ");
        // Its NEW and RETRY messages now count as HOLD; nothing else moves.
        Map<String, Long> held = new LinkedHashMap<>(before);
        held.put("new", before.get("new") - account.get("new"));
        held.put("retry", before.get("retry") - account.get("retry"));
        held.put("hold", before.get("hold") + account.get("new") + account.get("retry"));
        waitUntil("the figures show the hold", d -> figures().equals(held));
        assertThat(counts(endpoint(120, "total").get(0))).as("the endpoint after the hold").isEqualTo(held);
        waitUntil("account 412's row shows the hold", d -> table("by-account").get("412")
                .equals(List.of(0L, account.get("proc"), 0L, account.get("hold") + account.get("new") + account.get("retry"),
                        account.get("total"))));

        click(By.cssSelector("#by-account tr[data-key='412'] button[aria-label='Release account 412']"));
        waitForText(By.id("notice"), "Released account 412: lifted 1 hold rule.");
        // Released: the held NEW messages are NEW again and the held RETRY ones become NEW, ready at once.
        Map<String, Long> released = new LinkedHashMap<>(before);
        released.put("new", before.get("new") + account.get("retry"));
        released.put("retry", before.get("retry") - account.get("retry"));
        waitUntil("the figures show the release", d -> figures().equals(released));
        assertThat(counts(endpoint(120, "total").get(0))).as("the endpoint after the release").isEqualTo(released);
        assertNoConsoleErrors();
    }

    @Test
    void aClearAsksFirstAndCancelsOnlyWhenConfirmed() {
        open(base, 121);
        watch(TOKEN, 121);
        waitUntilLive();
        Map<String, String> target = endpoint(121, "account_campaign").stream()
                .filter(r -> !r.get("campaign_id").equals("0") && !r.get("account_id").equals("306"))
                .findFirst().orElseThrow();
        String a = target.get("account_id");
        String c = target.get("campaign_id");
        Map<String, Long> row = counts(target);
        long queued = row.get("new") + row.get("retry") + row.get("hold");
        By clear = By.cssSelector("#by-campaign tr[data-key='" + a + "/" + c + "'] button[aria-label='Clear account " + a
                + " campaign " + c + "']");

        click(clear);
        waitUntil("the confirmation", d -> isOpen("confirm"));
        assertThat(text(By.id("confirm-text"))).contains("account " + a + ", campaign " + c)
                .contains(String.format(Locale.US, "%,d NEW, RETRY and HOLD message", queued));
        assertThat(driver.switchTo().activeElement().getAttribute("id")).as("focus starts on Cancel")
                .isEqualTo("confirm-cancel");
        click(By.id("confirm-cancel"));
        waitUntil("the confirmation closes", d -> !isOpen("confirm"));

        click(clear);
        waitUntil("the confirmation", d -> isOpen("confirm"));
        new Actions(driver).sendKeys(Keys.ESCAPE).perform();
        waitUntil("Escape closes it", d -> !isOpen("confirm"));
        assertThat(counts(campaignRow(endpoint(121, "account_campaign"), a, c))).as("nothing cleared yet").isEqualTo(row);

        click(clear);
        waitUntil("the confirmation", d -> isOpen("confirm"));
        click(By.id("confirm-ok"));
        waitForText(By.id("notice"), String.format(Locale.US, "Cleared account %s, campaign %s: %,d messages cancelled.",
                a, c, queued));
        List<Long> left = List.of(0L, row.get("proc"), 0L, 0L, row.get("proc"));
        waitUntil("the row keeps only its PROC messages", d -> {
            List<Long> shown = table("by-campaign").get(a + "/" + c);
            return row.get("proc") == 0 ? shown == null : left.equals(shown);
        });
        List<Map<String, String>> after = endpoint(121, "account_campaign").stream()
                .filter(r -> r.get("account_id").equals(a) && r.get("campaign_id").equals(c)).toList();
        assertThat(after.stream().map(DashboardBrowserTest::counts).map(m -> m.get("total")).toList())
                .isEqualTo(row.get("proc") == 0 ? List.of() : List.of(row.get("proc")));
        assertNoConsoleErrors();
    }

    @Test
    void aRuleWithAReasonShowsItsLiveImpactAndLifts() {
        open(base, 123);
        watch(TOKEN, 123);
        waitUntilLive();
        Map<String, Long> before = counts(endpoint(123, "total").get(0));
        Map<String, Long> cell = counts(endpoint(123, "total", ", \"account_id\": 412, \"isp\": \"Gmail\"").get(0));
        long moves = cell.get("new") + cell.get("retry");
        String label = "<b>bounces</b> & \"co\"";
        driver.findElement(By.id("hold-account")).sendKeys("412");
        driver.findElement(By.id("hold-isp")).sendKeys("gmail");
        new Select(driver.findElement(By.id("hold-reason"))).selectByValue("bounce_rate");
        driver.findElement(By.id("hold-label")).sendKeys(label);
        new Select(driver.findElement(By.id("hold-for"))).selectByValue("3600");

        click(By.id("hold-preview"));
        waitForText(By.id("notice"), String.format(Locale.US, "Holding account 412, ISP gmail would hold %,d messages now "
                + "(%,d NEW, %,d RETRY). Nothing was held.", moves, cell.get("new"), cell.get("retry")));
        assertThat(counts(endpoint(123, "total").get(0))).as("a preview holds nothing").isEqualTo(before);

        click(By.id("hold-add"));
        waitForText(By.id("notice"), "Held account 412, ISP gmail (rule ");
        String ruleId = text(By.id("notice")).replaceAll(".*\\(rule (\\d+)\\)\\.$", "$1");
        By rule = By.cssSelector("#rules tr[data-rule='" + ruleId + "']");
        waitUntil("the new rule's row", d -> !d.findElements(rule).isEmpty());
        WebElement row = driver.findElement(rule);
        assertThat(row.getText()).contains("account 412, ISP Gmail", "until ", "bounce rate", label);
        assertThat(row.findElements(By.tagName("b"))).as("the label is text, not HTML").isEmpty();
        assertThat(number(row.findElement(By.cssSelector("td[data-field='total']")).getText())).isEqualTo(moves);
        Map<String, Long> held = new LinkedHashMap<>(before);
        held.put("new", before.get("new") - cell.get("new"));
        held.put("retry", before.get("retry") - cell.get("retry"));
        held.put("hold", before.get("hold") + moves);
        waitUntil("the figures show the rule", d -> figures().equals(held));
        assertThat(counts(endpoint(123, "total").get(0))).isEqualTo(held);

        click(By.cssSelector("#rules tr[data-rule='" + ruleId + "'] button"));
        waitForText(By.id("notice"), "Lifted rule " + ruleId + " (account 412, ISP Gmail).");
        waitUntil("the rule's row goes", d -> d.findElements(rule).isEmpty());
        Map<String, Long> lifted = new LinkedHashMap<>(before);
        lifted.put("new", before.get("new") + cell.get("retry"));
        lifted.put("retry", before.get("retry") - cell.get("retry"));
        waitUntil("the figures show the lift", d -> figures().equals(lifted));
        assertThat(counts(endpoint(123, "total").get(0))).isEqualTo(lifted);
        assertNoConsoleErrors();
    }

    @Test
    void aWrongTokenShowsTheErrorMessage() {
        open(base, 119);
        watch("not-the-token", 119);
        waitForText(By.id("error"), "Invalid token: the server does not accept it. Check the token and press Watch.");
        assertThat(text(By.id("status"))).startsWith("Stopped");
        assertThat(figureTexts()).containsOnly("—");
        assertThat(text(By.tagName("h1"))).contains("sendq");
    }

    @Test
    void anUnknownSenderShowsTheErrorMessage() {
        open(base, 999);
        watch(TOKEN, 999);
        waitForText(By.id("error"), "Sender 999 not found on this server.");
        assertThat(figureTexts()).containsOnly("—");
    }

    @Test
    void aServerThatGoesAwayShowsTheErrorMessageAndTheLastFigures() throws IOException {
        DemoServer.Running other = DemoServer.start(DemoServer.parse(new String[] {"--port", "0", "--workers", "0",
                "--messages", "1500", "--token", TOKEN, "--seed", "3"}), quiet());
        String otherBase = "http://127.0.0.1:" + other.http.address().getPort();
        try {
            open(otherBase, 119);
            watch(TOKEN, 119);
            waitUntilLive();
            assertThat(text(By.id("count-total"))).isEqualTo("1,500");
        } finally {
            other.close();
        }
        waitForText(By.id("error"), "Cannot reach the sendq server at 127.0.0.1:" + other.http.address().getPort()
                + ": is it running?");
        assertThat(text(By.id("status"))).isEqualTo("Trying again every 5 s…");
        assertThat(text(By.id("count-total"))).as("the last figures stay, greyed").isEqualTo("1,500");
        assertThat(driver.findElement(By.id("figures")).getAttribute("class")).contains("stale");
    }

    @Test
    void tablesSortByMouseAndKeyboard() {
        open(base, 119);
        watch(TOKEN, 119);
        waitUntilLive();
        assertThat(column("by-isp", 4)).as("by total, largest first").isSortedAccordingTo((x, y) -> Long.compare(y, x));

        WebElement byName = driver.findElement(By.cssSelector("#by-isp thead th:first-child button"));
        byName.sendKeys(Keys.ENTER);
        waitUntil("sorted by ISP", d -> "ascending".equals(attribute(By.cssSelector("#by-isp thead th:first-child"),
                "aria-sort")));
        assertThat(keys("by-isp")).containsExactly("apple", "gmail", "microsoft", "other", "yahoo");
        assertThat(driver.switchTo().activeElement().getText()).as("focus stays on the header").startsWith("ISP");
        driver.switchTo().activeElement().sendKeys(Keys.SPACE);
        waitUntil("reversed", d -> "descending".equals(attribute(By.cssSelector("#by-isp thead th:first-child"),
                "aria-sort")));
        assertThat(keys("by-isp")).containsExactly("yahoo", "other", "microsoft", "gmail", "apple");

        click(By.cssSelector("#by-account thead th:nth-child(5) button")); // Hold
        waitUntil("sorted by hold", d -> "descending".equals(attribute(By.cssSelector("#by-account thead th:nth-child(5)"),
                "aria-sort")));
        assertThat(column("by-account", 3)).isSortedAccordingTo((x, y) -> Long.compare(y, x));
    }

    /**
     * Headless Chromium keeps its one tab visible, so the test hides it the way the browser would
     * tell the page: {@code document.hidden} and a {@code visibilitychange} event.
     */
    @Test
    void pollingPausesWhileTheTabIsHidden() {
        open(base, 119);
        watch(TOKEN, 119);
        waitUntilLive();
        waitUntil("two polls", d -> points() >= 2);
        script("Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
                + "document.dispatchEvent(new Event('visibilitychange'));");
        waitUntil("a poll under way when it was hidden ends", d -> "idle".equals(attribute(By.tagName("body"),
                "data-poll")));
        assertThat(text(By.id("status"))).isEqualTo("Paused while this tab is hidden (sender 119).");
        int paused = points();
        // Two poll periods and more: no new point may come (a wait that must time out, not a sleep).
        assertThatThrownBy(() -> new WebDriverWait(driver, Duration.ofMillis(4500), Duration.ofMillis(100))
                .until(d -> points() > paused)).isInstanceOf(TimeoutException.class);
        assertThat(text(By.id("status"))).isEqualTo("Paused while this tab is hidden (sender 119).");

        script("delete document.hidden; document.dispatchEvent(new Event('visibilitychange'));");
        waitUntil("a poll as soon as it is shown", d -> points() > paused);
        waitUntilLive();
    }

    @Test
    void screenshotOfALiveQueue() throws IOException {
        open(base, 122);
        watch(TOKEN, 122);
        waitUntilLive();
        waitUntil("a few points on the chart", d -> points() >= 2);
        driver.findElement(By.id("hold-isp")).sendKeys("Yahoo");
        new Select(driver.findElement(By.id("hold-reason"))).selectByValue("isp_block");
        driver.findElement(By.id("hold-label")).sendKeys("421 deferrals from Yahoo");
        click(By.id("hold-add"));
        waitForText(By.id("notice"), "Held ISP Yahoo (rule ");
        int held = points();
        waitUntil("more points after the hold", d -> points() >= held + 2);

        // The whole page in one picture: a viewport as tall as the page.
        long height = (Long) script("return Math.ceil(document.documentElement.scrollHeight)");
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", 1440,
                "height", Math.min(height, 4000), "deviceScaleFactor", 1, "mobile", false));
        waitUntil("the page fits the viewport", d -> (Long) script("return window.innerHeight") >= height);
        byte[] png;
        try {
            png = driver.getScreenshotAs(OutputType.BYTES);
        } finally {
            driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        }
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        Files.write(Files.createDirectories(Path.of("target")).resolve("dashboard.png"), png);
        String extra = System.getProperty("sendq.dashboard.screenshot");
        if (extra != null && !extra.isBlank()) {
            Files.write(Path.of(extra), png);
        }
        assertNoConsoleErrors();
    }

    // ------------------------------------------------------------------ page helpers

    private static void open(String server, int sender) {
        driver.get(server + "/?sender=" + sender);
        waitForText(By.id("status"), "Enter the API token and a sender id, then press Watch.");
    }

    private static void watch(String token, int sender) {
        WebElement t = driver.findElement(By.id("token"));
        t.clear();
        t.sendKeys(token);
        WebElement s = driver.findElement(By.id("sender"));
        s.clear();
        s.sendKeys(Integer.toString(sender));
        s.sendKeys(Keys.ENTER);
    }

    private static void waitUntilLive() {
        waitUntil("the page is live", d -> text(By.id("status")).startsWith("Live: sender "));
    }

    private static <T> T waitUntil(String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT, Duration.ofMillis(50))
                .ignoring(StaleElementReferenceException.class)
                .withMessage(() -> what + "; the page said: " + text(By.id("status")) + " / "
                        + text(By.id("error")) + " / " + text(By.id("notice")))
                .until(condition::apply);
    }

    private static void waitForText(By by, String expected) {
        waitUntil("\"" + expected + "\" in " + by, d -> {
            WebElement e = d.findElement(by);
            return e.isDisplayed() && e.getText().startsWith(expected);
        });
    }

    private static void click(By by) {
        waitUntil(by + " can be clicked", d -> d.findElement(by).isEnabled());
        driver.findElement(by).click();
    }

    private static boolean isOpen(String dialogId) {
        return Boolean.TRUE.equals(script("return document.getElementById(arguments[0]).open", dialogId));
    }

    private static String text(By by) {
        return driver.findElement(by).getText();
    }

    private static String attribute(By by, String name) {
        return driver.findElement(by).getAttribute(name);
    }

    private static Object script(String js, Object... args) {
        return driver.executeScript(js, args);
    }

    private static int points() {
        return Integer.parseInt(attribute(By.id("chart"), "data-points"));
    }

    private static List<String> figureTexts() {
        return FIGURES.stream().map(f -> text(By.id("count-" + f))).toList();
    }

    /** The five figures as numbers (-1 for a dash). */
    private static Map<String, Long> figures() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String f : FIGURES) {
            m.put(f, number(text(By.id("count-" + f))));
        }
        return m;
    }

    /** A table's rows by their key: [new, proc, retry, hold, total] as shown. */
    private static Map<String, List<Long>> table(String id) {
        Map<String, List<Long>> rows = new TreeMap<>();
        for (Map<String, String> r : tableRows(id)) {
            rows.put(r.get("key"), FIGURES.stream().map(f -> number(r.get(f))).toList());
        }
        return rows;
    }

    /** The rows of a table, in the order shown: key and the text of each cell, read in one script. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, String>> tableRows(String id) {
        return (List<Map<String, String>>) script("""
                return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr[data-key]')).map((tr) => {
                  const m = {key: tr.dataset.key};
                  tr.querySelectorAll('td[data-field]').forEach((td) => { m[td.dataset.field] = td.textContent; });
                  return m;
                });""", id);
    }

    /** The hold rules shown: rule id and the "held now" figure. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> ruleRows() {
        return new TreeMap<>((Map<String, String>) script("""
                return Object.fromEntries(Array.from(document.querySelectorAll('#rules tr[data-rule]'))
                  .map((tr) => [tr.dataset.rule, tr.querySelector("td[data-field='total']").textContent]));"""));
    }

    /** The heat map's rows: name and total. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> heatmap() {
        return new TreeMap<>((Map<String, String>) script("""
                return Object.fromEntries(Array.from(document.querySelectorAll('#age tbody tr'))
                  .map((tr) => [tr.querySelector('th').textContent, tr.querySelector('td').textContent]));"""));
    }

    private static List<String> keys(String id) {
        return tableRows(id).stream().map(r -> r.get("key")).toList();
    }

    /** One column of a table, in the order shown, as numbers: 0 new, 1 proc, 2 retry, 3 hold, 4 total. */
    private static List<Long> column(String id, int figure) {
        return tableRows(id).stream().map(r -> number(r.get(FIGURES.get(figure)))).toList();
    }

    private static long number(String shown) {
        String digits = shown == null ? "" : shown.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? -1 : Long.parseLong(digits);
    }

    private static void assertNoConsoleErrors() {
        List<String> problems = new ArrayList<>();
        for (LogEntry e : chromium.consoleLog()) {
            String m = e.getMessage();
            if (e.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()
                    || m.contains("Content Security Policy")) {
                problems.add(e.getLevel() + " " + m);
            }
        }
        assertThat(problems).as("console errors and CSP reports").isEmpty();
    }

    // ------------------------------------------------------------------ the endpoint

    /** The endpoint's stats rows of a sender, grouped. */
    private static List<Map<String, String>> endpoint(int sender, String group) {
        return endpoint(sender, group, "");
    }

    /** The endpoint's stats rows of a sender, grouped, with more JSON members (", \"isp\": \"Gmail\""). */
    private static List<Map<String, String>> endpoint(int sender, String group, String more) {
        return Fixtures.ok(post(SendqApi.STATS_PATH, sender, ", \"group\": \"" + group + "\"" + more).asApiResponse())
                .data();
    }

    /** An extension request's answer, parsed: its rows carry strings and fields that stats rows do not. */
    private static JsonNode endpointJson(String path, int sender, String more) {
        RawHttp.Response r = post(path, sender, more);
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static RawHttp.Response post(String path, int sender, String more) {
        byte[] body = ("{\"id\": " + sender + more + "}").getBytes(StandardCharsets.UTF_8);
        try {
            return RawHttp.exchange(demo.http.address(), RawHttp.request("POST", path,
                    Map.of("Content-Type", "application/json", "Authorization", "Bearer " + TOKEN), body, true), 10_000);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The age request's rows as the heat map names them ("Gmail", "account 306"), each with its
     * count in {@code state} ("total" for all states), rows with none left out.
     */
    private static Map<String, String> ageTotals(int sender, String group, String field, String state) {
        Map<String, String> m = new TreeMap<>();
        for (JsonNode r : endpointJson(SendqApi.AGES_PATH, sender, ", \"group\": \"" + group + "\"").get("data")) {
            long n = 0;
            if (state.equals("total")) {
                n = r.get("total").asLong();
            } else {
                for (Map.Entry<String, JsonNode> e : r.properties()) {
                    n += e.getKey().startsWith(state + "_") ? e.getValue().asLong() : 0;
                }
            }
            if (n > 0) {
                m.put((field.equals("isp") ? "" : "account ") + r.get(field).asString(), String.format(Locale.US, "%,d", n));
            }
        }
        return m;
    }

    private static Map<String, String> accountRow(List<Map<String, String>> rows, String account) {
        return rows.stream().filter(r -> r.get("account_id").equals(account)).findFirst().orElseThrow();
    }

    private static Map<String, String> campaignRow(List<Map<String, String>> rows, String account, String campaign) {
        return rows.stream().filter(r -> r.get("account_id").equals(account) && r.get("campaign_id").equals(campaign))
                .findFirst().orElseThrow();
    }

    private static Map<String, Long> counts(Map<String, String> row) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String f : FIGURES) {
            m.put(f, Long.parseLong(row.get(f)));
        }
        return m;
    }

    private static Map<String, List<Long>> byKey(List<Map<String, String>> rows, Function<Map<String, String>, String> key) {
        Map<String, List<Long>> m = new TreeMap<>();
        for (Map<String, String> r : rows) {
            m.put(key.apply(r), List.copyOf(counts(r).values()));
        }
        return m;
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
