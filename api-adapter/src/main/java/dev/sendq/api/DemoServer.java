package dev.sendq.api;

import dev.sendq.core.HoldReason;
import dev.sendq.core.HoldRule;
import dev.sendq.core.Lease;
import dev.sendq.core.MessageState;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.RateLimit;
import dev.sendq.core.RetryPolicy;
import dev.sendq.core.RetryReason;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.StoredMessage;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A runnable demo: an engine with simulated senders (several accounts, campaigns and ISPs;
 * workers that deliver, defer with realistic reasons and hold at realistic rates), the API and
 * the operator dashboard ({@link DashboardAssets}) on {@code 127.0.0.1:8080}, Prometheus metrics
 * on {@code /metrics}, the dashboard's address, and ready-to-paste {@code curl} requests for
 * every request it serves.
 *
 * <p>Each sender starts with hold rules that have reasons and labels (a campaign paused for its
 * complaint rate, an account under review, an ISP block that expires, a maintenance pause), a
 * throttled ISP (a rate limit on Yahoo, so its queue grows while the workers run), and a tenth
 * of its messages restored as if enqueued minutes to hours ago, so that the age buckets show a
 * spread at once.
 *
 * <pre>
 * java -jar api-adapter/target/sendq-demo.jar [--port 8080] [--bind 127.0.0.1] [--token T]
 *      [--senders 119,120] [--messages 20000] [--workers 4] [--seed 42] [--metrics on|off]
 * </pre>
 *
 * {@code --workers 0} freezes the queue once it is loaded, so repeated queries answer the same.
 */
public final class DemoServer {
    private static final String[] ISPS = {"Gmail", "Yahoo", "Microsoft", "Apple", "Other"};

    /** The parsed command line. */
    record Options(int port, String bind, String token, int[] senders, int messages, int workers, long seed,
                   boolean metrics) {
    }

    private DemoServer() {
    }

    /**
     * Runs the demo until the process is stopped.
     *
     * @param args the flags; {@code --help} lists them
     */
    public static void main(String[] args) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("sendq demo: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.println(usage());
            return;
        }
        try {
            Running r = start(o, System.out);
            Runtime.getRuntime().addShutdownHook(new Thread(r::close));
            new CountDownLatch(1).await();
        } catch (BindException e) {
            System.err.println("sendq demo: cannot listen on " + o.bind() + ":" + o.port() + ": " + e.getMessage()
                    + " (choose another --port or --bind)");
            System.exit(1);
        } catch (IllegalArgumentException e) {
            System.err.println("sendq demo: " + e.getMessage());
            System.exit(2);
        } catch (IOException e) {
            System.err.println("sendq demo: cannot start the server: " + e.getMessage());
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String usage() {
        return """
                usage: java -jar sendq-demo.jar [options]
                  --port N         port to listen on (default 8080; 0 = any free port)
                  --bind ADDR      address to bind (default 127.0.0.1)
                  --token T        API token (default: a random one, printed)
                  --senders IDS    comma-separated sender ids (default 119)
                  --messages N     messages loaded per sender (default 20000)
                  --workers N      delivery workers per sender (default 4; 0 = frozen queue)
                  --seed N         random seed of the simulation (default 42)
                  --metrics on|off serve Prometheus metrics on /metrics (default on)
                  --help           this text""";
    }

    static Options parse(String[] args) {
        int port = 8080;
        String bind = "127.0.0.1";
        String token = null;
        int[] senders = {119};
        int messages = 20_000;
        int workers = 4;
        long seed = 42;
        boolean metrics = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return null;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String v;
            int eq = a.indexOf('=');
            if (eq > 0) {
                v = a.substring(eq + 1);
                a = a.substring(0, eq);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                v = args[++i];
            }
            switch (a) {
                case "--port" -> port = intFlag(a, v, 0, 65535);
                case "--bind" -> {
                    if (v.isBlank() || !v.matches("[0-9A-Za-z.:\\-\\[\\]%]+")) {
                        throw new IllegalArgumentException("--bind must be an IP address or host name, got " + v);
                    }
                    bind = v;
                }
                case "--token" -> {
                    if (v.isBlank() || v.length() > SendqApi.MAX_TOKEN_LENGTH || v.contains(";") || v.contains("=")) {
                        throw new IllegalArgumentException("--token must be 1-256 characters without ';' or '='");
                    }
                    token = v;
                }
                case "--senders" -> {
                    String[] parts = v.split(",");
                    senders = new int[parts.length];
                    for (int k = 0; k < parts.length; k++) {
                        senders[k] = intFlag(a, parts[k].strip(), 1, Integer.MAX_VALUE);
                        for (int j = 0; j < k; j++) {
                            if (senders[j] == senders[k]) {
                                throw new IllegalArgumentException("--senders lists " + senders[k] + " twice");
                            }
                        }
                    }
                }
                case "--messages" -> messages = intFlag(a, v, 0, 10_000_000);
                case "--workers" -> workers = intFlag(a, v, 0, 256);
                case "--seed" -> {
                    try {
                        seed = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--seed must be an integer, got " + v);
                    }
                }
                case "--metrics" -> {
                    if (!v.equals("on") && !v.equals("off")) {
                        throw new IllegalArgumentException("--metrics must be on or off, got " + v);
                    }
                    metrics = v.equals("on");
                }
                default -> throw new IllegalArgumentException("unknown option: " + a);
            }
        }
        if (token == null) {
            byte[] b = new byte[18];
            new SecureRandom().nextBytes(b);
            token = HexFormat.of().formatHex(b);
        }
        return new Options(port, bind, token, senders, messages, workers, seed, metrics);
    }

    private static int intFlag(String name, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new IllegalArgumentException(name + " must be within " + min + ".." + max + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got " + v);
        }
    }

    /** A started demo: the engine, the server and the simulation threads. */
    static final class Running implements AutoCloseable {
        final QueueEngine engine;
        final HttpBinding http;
        final List<Thread> threads;

        Running(QueueEngine engine, HttpBinding http, List<Thread> threads) {
            this.engine = engine;
            this.http = http;
            this.threads = threads;
        }

        @Override
        public void close() {
            threads.forEach(Thread::interrupt);
            http.close();
        }
    }

    static Running start(Options o, PrintStream out) throws IOException {
        boolean frozen = o.workers() == 0;
        QueueEngine engine = QueueEngine.builder()
                .leaseDuration(frozen ? Duration.ofDays(365) : Duration.ofSeconds(30))
                .retryPolicy(frozen ? RetryPolicy.DEFAULT.withBackoff(Duration.ofDays(30), 1, Duration.ofDays(30))
                        .withLimits(100, Duration.ofDays(3650))
                        : RetryPolicy.DEFAULT.withBackoff(Duration.ofSeconds(20), 2, Duration.ofMinutes(5)))
                .build();
        AtomicLong ids = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long maintenanceRule = 0;
        for (int s = 0; s < o.senders().length; s++) {
            SenderQueue q = engine.addSender(o.senders()[s]);
            SplittableRandom r = new SplittableRandom(o.seed() + s);
            load(engine, q, o.messages(), r, ids, frozen);
            HoldRule maintenance = operate(q);
            if (s == 0) {
                maintenanceRule = maintenance.id();
            }
            for (int w = 0; w < o.workers(); w++) {
                threads.add(thread("sendq-demo-worker-" + q.id() + "-" + w,
                        () -> work(engine, q, r.split())));
            }
            if (!frozen) {
                int rate = Math.max(10, o.messages() / 60);
                threads.add(thread("sendq-demo-producer-" + q.id(), () -> produce(q, r.split(), ids, rate)));
            }
        }
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(InetAddress.getByName(o.bind()), o.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--bind: unknown address " + o.bind());
        }
        SendqApi api = SendqApi.create(engine, TokenStore.of(java.util.Map.of(o.token(), TokenScope.allSenders())));
        HttpBinding http = HttpBinding.startWithDashboard(api, address, 8);
        if (o.metrics()) {
            DemoMetrics.mount(http, engine);
        }
        threads.forEach(Thread::start);
        String base = "http://" + hostForUrl(o.bind()) + ":" + http.address().getPort();
        String url = base + SendqApi.STATS_PATH;
        int sender = o.senders()[0];
        out.println("sendq demo: " + o.senders().length + " sender(s), " + o.messages() + " messages each, "
                + (frozen ? "frozen (no workers)" : o.workers() + " workers each") + ", listening on " + url);
        out.println("token: " + o.token());
        out.println("dashboard: " + base + DashboardAssets.PAGE_PATH + "?sender=" + sender
                + " (paste the token into the page)");
        String json = "{\"token\": \"" + o.token() + "\", \"id\": " + sender;
        out.println();
        out.println("# JSON, one row per campaign:");
        curl(out, url, "application/json", json + ", \"group\": \"account_campaign\"}");
        out.println();
        out.println("# XML, totals:");
        curl(out, url, "application/xml", "<xml><token>" + o.token() + "</token><id>" + sender + "</id></xml>");
        out.println();
        out.println("# Hold account 412's mail to Gmail (answers the hold rule's rule_id), then release it (released):");
        String selector = json + ", \"account_id\": 412, \"isp\": \"Gmail\"}";
        curl(out, base + SendqApi.HOLD_PATH, "application/json", selector);
        curl(out, base + SendqApi.RELEASE_PATH, "application/json", selector);
        out.println();
        out.println("# Extensions. The hold rules in force, with what each holds now:");
        curl(out, base + SendqApi.HOLD_RULES_PATH, "application/json", json + "}");
        out.println();
        out.println("# What holding Microsoft would hold (dry run), then a rule with a reason, a label and an expiry:");
        String microsoft = json + ", \"isp\": \"Microsoft\", \"reason\": \"isp_block\", "
                + "\"label\": \"421 RP-001 from Outlook, ticket 5120\", \"until\": \""
                + Instant.now().plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS) + "\"";
        curl(out, base + SendqApi.ADD_HOLD_RULE_PATH, "application/json", microsoft + ", \"dry_run\": 1}");
        curl(out, base + SendqApi.ADD_HOLD_RULE_PATH, "application/json", microsoft + "}");
        out.println();
        out.println("# Lift the maintenance pause (rule " + maintenanceRule + "):");
        curl(out, base + SendqApi.LIFT_HOLD_RULE_PATH, "application/x-www-form-urlencoded",
                "token=" + o.token() + "&id=" + sender + "&rule_id=" + maintenanceRule);
        out.println();
        out.println("# How old the queue is, per ISP (JSON), and why messages wait in RETRY (XML):");
        curl(out, base + SendqApi.AGES_PATH, "application/json", json + ", \"group\": \"isp\"}");
        curl(out, base + SendqApi.RETRY_REASONS_PATH, "application/xml", "<xml><token>" + o.token() + "</token><id>"
                + sender + "</id><group>isp</group></xml>");
        out.println();
        out.println("# The rate limits, then Yahoo's raised to 5 per second with bursts of 10:");
        curl(out, base + SendqApi.RATE_LIMITS_PATH, "application/json", json + "}");
        curl(out, base + SendqApi.SET_RATE_LIMIT_PATH, "application/json", json
                + ", \"isp\": \"Yahoo\", \"permits\": 5, \"per_ms\": 1000, \"burst\": 10}");
        if (o.metrics()) {
            out.println();
            out.println("# Prometheus metrics (add -H 'Accept: application/openmetrics-text' for OpenMetrics):");
            out.println("curl -s " + base + DemoMetrics.PATH);
        }
        out.flush();
        return new Running(engine, http, threads);
    }

    private static void curl(PrintStream out, String url, String contentType, String body) {
        out.println("curl -s -X POST " + url + " -H 'Content-Type: " + contentType + "' \\");
        out.println("     -d '" + body + "'");
    }

    private static String hostForUrl(String bind) {
        if (bind.equals("0.0.0.0")) {
            return "127.0.0.1";
        }
        return bind.contains(":") ? "[" + bind + "]" : bind;
    }

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Loads a sender: campaigns of several accounts to several ISPs, some in flight, deferred and held. */
    static void load(QueueEngine engine, SenderQueue q, int messages, SplittableRandom r, AtomicLong ids,
                     boolean frozen) {
        int aged = messages / 10;
        long now = System.currentTimeMillis();
        for (int i = 0; i < aged; i++) {
            restoreAged(q, r, ids, now);
        }
        for (int i = aged; i < messages; i++) {
            enqueueOne(q, r, ids);
        }
        // One campaign held by an operator, as in the documented example's account 306.
        q.hold(Selector.campaign(306, 4914), HoldReason.COMPLAINT_RATE, "complaints at 0.4%, list under review",
                null);
        Lease lease = new Lease();
        int inFlight = messages / 20;
        for (int i = 0; i < inFlight && q.take(lease); i++) {
            double x = r.nextDouble();
            if (x < 0.4) {
                engine.defer(lease, Duration.ofMinutes(1 + r.nextInt(30)), retryReason(lease.isp(), r));
            } else if (x < 0.45) {
                engine.hold(lease);
            } else if (!frozen && x < 0.9) {
                engine.delivered(lease);
            } // else stays PROC (frozen: until its year-long lease ends)
        }
    }

    /**
     * The operators' doing at start: hold rules with reasons and labels, and a throttled ISP.
     *
     * @return the maintenance pause, which the printed lift request lifts
     */
    static HoldRule operate(SenderQueue q) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        q.hold(Selector.account(2020), HoldReason.ACCOUNT_REVIEW, "billing check, ticket 4411", null);
        q.hold(Selector.isp("Apple"), HoldReason.ISP_BLOCK, "iCloud 554 5.7.1, delisting requested",
                now.plus(6, ChronoUnit.HOURS));
        HoldRule maintenance = q.hold(Selector.campaign(1001, 10011), HoldReason.MAINTENANCE,
                "template fix before resuming", now.plus(30, ChronoUnit.MINUTES));
        q.setRateLimit(Selector.isp("Yahoo"), RateLimit.perSecond(2).withBurst(5));
        return maintenance;
    }

    /**
     * A message restored as if enqueued 5 minutes to 8 hours ago (log-uniform): a third of them
     * deferred since, due within the next half hour.
     */
    private static void restoreAged(SenderQueue q, SplittableRandom r, AtomicLong ids, long now) {
        int account = account(r);
        String isp = isp(r);
        long age = (long) Math.exp(r.nextDouble(Math.log(5), Math.log(480)));
        long enqueuedAt = now - age * 60_000 - r.nextInt(60_000);
        boolean retry = r.nextInt(3) == 0;
        q.restore(new StoredMessage(ids.incrementAndGet(), account, campaign(account, r), isp, null,
                retry ? MessageState.RETRY : MessageState.NEW, retry ? 1 + r.nextInt(4) : 0, enqueuedAt,
                retry ? now + 60_000 * (1 + r.nextInt(30)) : 0, retry ? retryReason(isp, r) : null));
    }

    /** Why a delivery to this ISP was deferred: Yahoo throttles, Microsoft answers 4xx, DNS and TLS fail anywhere. */
    private static RetryReason retryReason(String isp, SplittableRandom r) {
        double x = r.nextDouble();
        if (x < 0.15) {
            return RetryReason.CONNECTION_FAILURE;
        }
        if (x < 0.2) {
            return RetryReason.LOCAL_RATE_LIMIT;
        }
        return switch (isp) {
            case "Yahoo" -> x < 0.85 ? RetryReason.REMOTE_THROTTLING : RetryReason.REMOTE_TEMPORARY_FAILURE;
            case "Microsoft" -> x < 0.4 ? RetryReason.REMOTE_THROTTLING : RetryReason.REMOTE_TEMPORARY_FAILURE;
            default -> x < 0.95 ? RetryReason.REMOTE_TEMPORARY_FAILURE : RetryReason.UNSPECIFIED;
        };
    }

    private static void enqueueOne(SenderQueue q, SplittableRandom r, AtomicLong ids) {
        int account = account(r);
        q.enqueue(ids.incrementAndGet(), account, campaign(account, r), isp(r), null);
    }

    private static int account(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> 306;
            case 1 -> 412;
            case 2 -> 1001;
            default -> 2020;
        };
    }

    private static int campaign(int account, SplittableRandom r) {
        int campaign = account == 306 ? (r.nextBoolean() ? 4591 : 4914) : account * 10 + r.nextInt(3);
        return r.nextInt(10) == 0 ? 0 : campaign; // a tenth is transactional mail: no campaign
    }

    private static String isp(SplittableRandom r) {
        double x = r.nextDouble();
        return x < 0.45 ? ISPS[0] : x < 0.65 ? ISPS[1] : x < 0.85 ? ISPS[2] : x < 0.93 ? ISPS[3] : ISPS[4];
    }

    private static void produce(SenderQueue q, SplittableRandom r, AtomicLong ids, int perSecond) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (int i = 0; i < perSecond / 10; i++) {
                    enqueueOne(q, r, ids);
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A delivery worker: ~88% delivered, ~9% deferred (with a reason that depends on the ISP), ~2%
     * failed, ~1% held, each after a short "SMTP" pause.
     */
    private static void work(QueueEngine engine, SenderQueue q, SplittableRandom r) {
        Lease lease = new Lease();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (!q.take(lease, 500, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                Thread.sleep(5 + r.nextInt(20));
                double x = r.nextDouble();
                try {
                    if (x < 0.88) {
                        engine.delivered(lease);
                    } else if (x < 0.97) {
                        engine.defer(lease, retryReason(lease.isp(), r));
                    } else if (x < 0.99) {
                        engine.failed(lease);
                    } else {
                        engine.hold(lease);
                    }
                } catch (IllegalStateException e) {
                    // The lease expired or an operator held the message meanwhile: a real worker logs and moves on.
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
