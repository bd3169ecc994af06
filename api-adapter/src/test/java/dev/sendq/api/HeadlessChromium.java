package dev.sendq.api;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * The system's Chromium (Debian's {@code chromium} and {@code chromium-driver}), headless, with a
 * fresh user data directory, driven by Selenium. No browser is downloaded: when the binaries are
 * missing, {@link #start} fails with the command that installs them ({@code .ci/run} runs it).
 * Other paths: {@code -Dsendq.chromium=...} and {@code -Dsendq.chromedriver=...}.
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path CHROMIUM = Path.of(System.getProperty("sendq.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("sendq.chromedriver", "/usr/bin/chromedriver"));

    /**
     * Selenium warns at every start that it has no DevTools bindings for this Chromium version:
     * these tests use none (the one CDP command goes through the driver), so it is silenced. Kept
     * here because java.util.logging holds loggers weakly.
     */
    private static final Logger CDP_VERSION_LOGGER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_VERSION_LOGGER.setLevel(Level.OFF);
    }

    final ChromeDriver driver;
    private final Path profile;

    private HeadlessChromium(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** Starts a browser whose window is {@code width} x {@code height} CSS pixels, in US English. */
    static HeadlessChromium start(int width, int height) throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new AssertionError("The dashboard's browser tests need Chromium at " + CHROMIUM + " and its driver at "
                    + CHROMEDRIVER + ", and " + (Files.isExecutable(CHROMIUM) ? "the driver" : "Chromium")
                    + " is missing. Install them with: apt-get install -y chromium chromium-driver (.ci/run does), "
                    + "or point -Dsendq.chromium and -Dsendq.chromedriver at them.");
        }
        Path profile = Files.createTempDirectory("sendq-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--lang=en-US",
                "--window-size=" + width + "," + height);
        options.setExperimentalOption("prefs", Map.of("intl.accept_languages", "en-US"));
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, Level.ALL.getName()));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withEnvironment(Map.of("LANG", "en_US.UTF-8"))
                .withLogOutput(java.io.OutputStream.nullOutputStream())
                .build();
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
            return new HeadlessChromium(driver, profile);
        } catch (RuntimeException e) {
            delete(profile);
            throw e;
        }
    }

    /** What the page wrote to the console (and the browser's own errors, such as failed loads) since last asked. */
    List<LogEntry> consoleLog() {
        return driver.manage().logs().get(LogType.BROWSER).getAll();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            delete(profile);
        }
    }

    /** Best effort: the browser may still be writing its profile as it exits. */
    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException | UncheckedIOException e) {
            // a temporary directory: left behind at worst
        }
    }
}
