package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sendq.core.ReferenceModel.Expect;
import dev.sendq.core.ReferenceModel.LeaseRef;
import dev.sendq.core.ReferenceModel.Place;
import dev.sendq.core.ReferenceModel.Rule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Model-based test of the queue engine against {@link ReferenceModel}, a naive single-threaded
 * recount of the same contract.
 *
 * <p>Method: a seeded {@link SplittableRandom} draws {@value #SEQUENCES} sequences of
 * {@value #STEPS} steps. Each sequence builds a fresh engine (one or two senders, a
 * {@link ManualClock}, a lease duration and retry policy drawn from the seed, no jitter) and a
 * fresh model, then draws weighted random operations from a small universe (accounts 1-3,
 * campaigns 0/7/8, three ISPs in several spellings, padded too) so that cells, rules and leases
 * collide: enqueues (also duplicate, reused and invalid ids), restores of stored messages in every
 * state (old, recent and future enqueue times, retry reasons), takes by four simulated workers,
 * every worker report (defers with random retry reasons, or none), operator holds/releases/cancels
 * by id and by selector, hold rules with and without expiry, with random reasons and labels
 * (also labels refused as too long or with control characters), rate limits set, changed and
 * removed on ISP, cell, account and sender scopes (also invalid ones), clock advances (often
 * exactly onto a lease expiry, a rule expiry, a retry's due time or a limit's next permit, or one
 * millisecond either side; sometimes minutes, or onto the instant a message enters its next age
 * bucket), maintenance, stale reports and unknown ids.
 *
 * <p>Every operation is applied to both: the model says whether it must succeed or which
 * exception it must throw, and the engine must agree. A take must hand out a message the model
 * allows (eligible, and conforming to every rate limit of its cell by the model's own GCRA; in its
 * cell, the due retry due first, else a NEW one), and nothing when the model allows nothing. The
 * model does not replay the engine's round-robin, so which allowed cell is served is not checked.
 * After every step, for every sender, the stats and outcome rows of all four groupings
 * (unfiltered and with random filters) and of every single cell (one ISP grouped by account and
 * campaign), the retry reasons and ages of all four groupings (unfiltered and with a random
 * filter) and of every single cell, a stats snapshot, the impact of every hold rule, the preview
 * of a random hold, the rate limits, {@code size()}, the hold rules, and the view of every
 * message must equal the model's recount; every snapshot must be of its sender, taken at the
 * clock's instant, and the sender's next generation. A refused operation therefore cannot move a
 * counter unnoticed.
 *
 * <p>Half of the clock advances are followed, within the same step and before any stats call,
 * by one more operation of any kind: each must itself apply what time made due (expired rules
 * lifted, expired leases back to NEW) before it acts, as the model does.
 *
 * <p>On failure (a mismatch, an unexpected exception, or an engine call that hangs: each sequence
 * runs on a helper thread with a watchdog) the message names the base seed, the sequence's seed,
 * the step and the recent operations. {@code -Dsendq.seed=<long>|random} changes the base seed,
 * {@code -Dsendq.sequenceSeed=<long>} replays one sequence, {@code -Dsendq.sequences} and
 * {@code -Dsendq.steps} make a longer soak. Finally the test asserts that every operation kind
 * and every interesting outcome was exercised, so it cannot silently skip work.
 */
class ModelBasedTest {
    private static final int SEQUENCES = 500;
    private static final int STEPS = 200;
    private static final long DEFAULT_BASE_SEED = 0x5E4D_C0DE_2024L;
    private static final long START_MILLIS = 1_700_000_000_000L;
    private static final int WORKERS = 4;
    private static final int MIN_OPS_PER_KIND = 300;
    private static final int MIN_EVENTS = 20;
    private static final long SEQUENCE_TIMEOUT_SECONDS = 60;

    private static final String[] ISPS = {"Gmail", "Yahoo", "Other"};
    private static final String[] ISP_VARIANTS = {"gmail", "GMAIL", "yahoo", "oTHER", " Yahoo ", "gmail "};
    private static final String[] FILTER_ISPS = {"", "", "Gmail", "gmail", "YAHOO", "Other", "Hotmail"};
    private static final String[] RULE_ISPS = {"", "", "Gmail", "gmail", "Yahoo", "other", "Hotmail"};

    /** The operations a step draws, with their weights. */
    enum Op {
        ENQUEUE(18), ENQUEUE_DUPLICATE(2), ENQUEUE_REUSED_ID(1), ENQUEUE_INVALID(1),
        TAKE(14), DELIVERED(5), FAILED(3), DEFER_POLICY(4), DEFER_DELAY(4), DEFER_UNTIL(3), HOLD_LEASE(2),
        HOLD_ID(3), RELEASE_ID(3), CANCEL_ID(2), CANCEL_SELECTOR(1),
        HOLD_RULE(3), LIFT_HOLD(2), RELEASE_SELECTOR(2),
        ADVANCE(7), ADVANCE_TO_DEADLINE(4), ADVANCE_MINUTES(1), RUN_MAINTENANCE(1), HOLD_RULES_QUERY(1),
        MESSAGE_VIEW(1), STALE_REPORT(2), UNKNOWN_ID(1),
        RESTORE(2), SET_RATE_LIMIT(3), REMOVE_RATE_LIMIT(1);

        final int weight;

        Op(int weight) {
            this.weight = weight;
        }
    }

    private static final List<Op> REPORTS = List.of(Op.DELIVERED, Op.FAILED, Op.DEFER_POLICY, Op.DEFER_DELAY,
            Op.DEFER_UNTIL, Op.HOLD_LEASE);
    /**
     * What may follow a clock advance within one step, before any stats call: every other
     * operation, since each must apply what time made due on its sender before it acts.
     */
    private static final List<Op> AFTER_ADVANCE = Arrays.stream(Op.values())
            .filter(op -> op != Op.ADVANCE && op != Op.ADVANCE_TO_DEADLINE && op != Op.ADVANCE_MINUTES).toList();

    /** Outcomes each of which the whole run must have produced at least {@value #MIN_EVENTS} times. */
    private static final List<String> REQUIRED_EVENTS = List.of(
            "enqueue:new", "enqueue:reused-id", "enqueue:into-held-cell", "enqueue:duplicate", "enqueue:invalid",
            "take:from-NEW", "take:from-RETRY", "take:nothing-eligible", "take:only-rule-held-work",
            "delivered:ok", "delivered:lease-timed-out", "delivered:stale-lease", "delivered:empty-lease",
            "failed:ok", "failed:lease-timed-out", "failed:stale-lease",
            "defer:retry", "defer:due-now", "defer:into-held-cell", "defer:expired-max-attempts",
            "defer:expired-max-age", "defer:lease-timed-out", "defer:stale-lease", "defer:negative-delay",
            "hold-lease:ok", "hold-lease:lease-timed-out", "hold-lease:stale-lease",
            "hold-id:from-NEW", "hold-id:from-RETRY", "hold-id:from-PROC", "hold-id:already-held",
            "hold-id:held-by-rule", "hold-id:unknown",
            "release-id:ok", "release-id:into-held-cell", "release-id:not-held", "release-id:held-by-rule",
            "release-id:unknown",
            "cancel-id:from-NEW", "cancel-id:from-RETRY", "cancel-id:from-HOLD", "cancel-id:proc",
            "cancel-id:unknown",
            "cancel-selector:some", "cancel-selector:none",
            "hold-rule:forever", "hold-rule:until", "hold-rule:until-not-future",
            "lift-hold:ok", "lift-hold:unknown", "release-selector:some", "release-selector:none",
            "advance:exactly-to-deadline", "advance:just-before-deadline", "advance:just-after-deadline",
            "after-advance:TAKE", "after-advance:DEFER_DELAY", "after-advance:DELIVERED",
            "after-advance:HOLD_RULES_QUERY", "after-advance:MESSAGE_VIEW", "after-advance:HOLD_ID",
            "after-advance:CANCEL_ID", "after-advance:ENQUEUE",
            "time:rule-expired", "time:lease-expired", "time:retry-released-by-lift",
            "hold-rule:invalid-label", "hold-rule:label-kept", "hold-rule:label-stripped", "hold-rule:no-label",
            "hold-rule:legacy-overload",
            "restore:NEW", "restore:PROC", "restore:RETRY", "restore:HOLD", "restore:into-held-cell",
            "restore:duplicate", "restore:invalid",
            "rate-limit:new", "rate-limit:changed", "rate-limit:invalid", "rate-limit:removed",
            "rate-limit:remove-unknown",
            "take:refused-by-limit", "take:from-limited-cell", "take:passed-over-a-limited-cell",
            "advance:minutes", "advance:to-age-boundary", "advance:just-before-age-boundary",
            "after-advance:SET_RATE_LIMIT", "after-advance:RESTORE",
            "ages:UNDER_5M", "ages:M5_10", "ages:M10_20", "ages:M20_40", "ages:M40_80", "ages:M80_160",
            "ages:M160_320", "ages:OLDER", "ages:oldest-new-in-held-cell",
            "retry-reasons:REMOTE_TEMPORARY_FAILURE", "retry-reasons:CONNECTION_FAILURE",
            "retry-reasons:LOCAL_RATE_LIMIT", "retry-reasons:REMOTE_THROTTLING", "retry-reasons:UNSPECIFIED",
            "retry-reasons:held-by-rule", "hold-impact:overlapping-rules", "preview-hold:some");

    private final Map<Op, Long> opCounts = new EnumMap<>(Op.class);
    private final Map<String, Long> events = new TreeMap<>();
    private volatile Thread runnerThread;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "model-based-sequence");
        t.setDaemon(true); // a hung engine must not keep the JVM alive
        runnerThread = t;
        return t;
    });

    @AfterEach
    void stopRunner() {
        runner.shutdownNow();
    }

    @Test
    void engineMatchesReferenceModel() {
        String replay = System.getProperty("sendq.sequenceSeed");
        if (replay != null) {
            runSequence(0, 0, Long.parseLong(replay.trim()));
            return;
        }
        String base = System.getProperty("sendq.seed");
        long baseSeed = base == null || base.isBlank() ? DEFAULT_BASE_SEED
                : base.trim().equals("random") ? new SplittableRandom().nextLong() : Long.parseLong(base.trim());
        int sequences = Integer.getInteger("sendq.sequences", SEQUENCES);
        SplittableRandom seeds = new SplittableRandom(baseSeed);
        long started = System.nanoTime();
        Duration cpuBefore = processCpu();
        for (int i = 0; i < sequences; i++) {
            runSequence(baseSeed, i, seeds.nextLong());
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        long cpuMillis = processCpu().minus(cpuBefore).toMillis(); // on a shared machine, steadier than the wall clock
        System.out.printf("ModelBasedTest: base seed %d, %d sequences x %d steps in %d ms (CPU of the JVM "
                        + "meanwhile: %d ms)%n  ops %s%n  events %s%n", baseSeed, sequences,
                Integer.getInteger("sendq.steps", STEPS), millis, cpuMillis, opCounts, events);

        for (Op op : Op.values()) {
            assertThat(opCounts.getOrDefault(op, 0L)).as("times %s was exercised", op)
                    .isGreaterThanOrEqualTo(MIN_OPS_PER_KIND);
        }
        for (String e : REQUIRED_EVENTS) {
            assertThat(events.getOrDefault(e, 0L)).as("times '%s' happened", e).isGreaterThanOrEqualTo(MIN_EVENTS);
        }
    }

    private static Duration processCpu() {
        return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /**
     * Runs one sequence on the runner thread, so that an engine that hangs (a loop, a deadlock)
     * fails the test with the seed instead of stalling the build.
     */
    private void runSequence(long baseSeed, int index, long seed) {
        Sequence s = new Sequence(seed, Integer.getInteger("sendq.steps", STEPS));
        Throwable failure;
        try {
            runner.submit(s::run).get(SEQUENCE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return;
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (TimeoutException e) {
            StringBuilder where = new StringBuilder();
            for (StackTraceElement frame : runnerThread.getStackTrace()) {
                where.append("\n    at ").append(frame);
            }
            failure = new AssertionError("no answer after " + SEQUENCE_TIMEOUT_SECONDS
                    + " s: the engine hangs; the sequence's thread is" + where);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        }
        String recent;
        try {
            recent = String.join("\n  ", List.copyOf(s.recent));
        } catch (RuntimeException e) { // a hung sequence may be inside log(); best effort
            recent = "(unavailable: " + e + ")";
        }
        throw new AssertionError("model-based test failed: base seed=" + baseSeed + ", sequence #" + index
                + " seed=" + seed + " (replay: -Dsendq.sequenceSeed=" + seed + "), step=" + s.step
                + "\nrecent operations (oldest first):\n  " + recent
                + "\n" + s.model + "\n" + failure.getMessage(), failure);
    }

    private void count(String event) {
        events.merge(event, 1L, Long::sum);
    }

    /** One sequence: a fresh engine and model, driven by one seed. */
    private final class Sequence {
        final SplittableRandom rnd;
        final ManualClock clock = new ManualClock(START_MILLIS);
        final QueueEngine engine;
        final ReferenceModel model;
        final int[] senderIds;
        final Map<Integer, SenderQueue> queues = new TreeMap<>();
        final Lease[] leases = new Lease[WORKERS];
        final LeaseRef[] refs = new LeaseRef[WORKERS];
        final Deque<String> recent = new ArrayDeque<>();
        /** The last snapshot generation seen per sender. */
        final Map<Integer, Long> generations = new TreeMap<>();
        final int steps;
        long nextId = 1;
        volatile int step;

        Sequence(long seed, int steps) {
            this.steps = steps;
            rnd = new SplittableRandom(seed);
            long leaseMillis = pick(30_000L, 30_000L, 10_000L, 45_000L);
            RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(pick(5, 5, 2)), pick(2.0, 2.0, 1.5),
                    Duration.ofSeconds(60), 0.0, pick(4, 4, 2, 3, 6), Duration.ofMinutes(pick(10, 10, 3, 20)));
            engine = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofMillis(leaseMillis))
                    .retryPolicy(policy).build();
            model = new ReferenceModel(clock.millis(), leaseMillis, policy);
            senderIds = rnd.nextBoolean() ? new int[] {1} : new int[] {1, 2};
            for (int id : senderIds) {
                queues.put(id, engine.addSender(id));
            }
            for (int i = 0; i < WORKERS; i++) {
                leases[i] = new Lease();
            }
            log("config: lease " + leaseMillis + " ms, " + policy + ", senders " + queues.keySet());
        }

        void run() {
            int totalWeight = 0;
            for (Op op : Op.values()) {
                totalWeight += op.weight;
            }
            for (step = 0; step < steps; step++) {
                int r = rnd.nextInt(totalWeight);
                Op op = Op.values()[0];
                for (Op o : Op.values()) {
                    if ((r -= o.weight) < 0) {
                        op = o;
                        break;
                    }
                }
                perform(op);
                verify();
            }
            tally("time:rule-expired", model.rulesExpired);
            tally("time:lease-expired", model.leasesExpired);
            tally("time:retry-released-by-lift", model.retriesReleasedByLift);
        }

        // ------------------------------------------------------------------ operations

        void perform(Op op) {
            opCounts.merge(op, 1L, Long::sum);
            switch (op) {
                case ENQUEUE -> enqueue(nextId++, account(), campaign(), isp());
                case ENQUEUE_DUPLICATE -> {
                    List<Long> live = new ArrayList<>(model.messages.keySet());
                    enqueue(live.isEmpty() ? nextId++ : oneOf(live), account(), campaign(), isp());
                }
                case ENQUEUE_REUSED_ID -> {
                    List<Long> gone = departedNotLive();
                    enqueue(gone.isEmpty() ? nextId++ : oneOf(gone), account(), campaign(), isp());
                }
                case ENQUEUE_INVALID -> {
                    switch (rnd.nextInt(4)) {
                        case 0 -> enqueue(nextId++, pick(0, -3), campaign(), isp());
                        case 1 -> enqueue(nextId++, account(), -1, isp());
                        case 2 -> enqueue(nextId++, account(), campaign(), "");
                        default -> enqueue(nextId++, account(), campaign(), "  ");
                    }
                }
                case TAKE -> take();
                case DELIVERED, FAILED, DEFER_POLICY, DEFER_DELAY, DEFER_UNTIL, HOLD_LEASE -> {
                    int w = pickWorker();
                    report(op, leases[w], refs[w], "worker " + w);
                }
                case STALE_REPORT -> staleReport();
                case HOLD_ID -> {
                    long id = pickId(m -> m.place == Place.PROC, 25);
                    log("hold(" + id + ")");
                    expect(model.holdMessage(id), () -> engine.hold(id));
                }
                case RELEASE_ID -> {
                    long id = pickId(m -> m.place == Place.HELD, 60);
                    log("release(" + id + ")");
                    expect(model.releaseMessage(id), () -> engine.release(id));
                }
                case CANCEL_ID -> {
                    long id = pickId(m -> true, 0);
                    log("cancel(" + id + ")");
                    expect(model.cancelMessage(id), () -> engine.cancel(id));
                }
                case UNKNOWN_ID -> unknownId();
                case CANCEL_SELECTOR -> {
                    int sender = sender();
                    Selector sel = ruleSelector();
                    log("sender " + sender + ": cancel(" + sel + ")");
                    long cancelled = queues.get(sender).cancel(sel);
                    long expected = model.cancel(sender, sel);
                    assertThat(cancelled).as("cancel(%s) count", sel).isEqualTo(expected);
                    count(expected > 0 ? "cancel-selector:some" : "cancel-selector:none");
                }
                case HOLD_RULE -> holdRule();
                case LIFT_HOLD -> liftHold();
                case RELEASE_SELECTOR -> releaseSelector();
                case ADVANCE, ADVANCE_TO_DEADLINE, ADVANCE_MINUTES -> {
                    if (op == Op.ADVANCE) {
                        advanceRandomly();
                    } else if (op == Op.ADVANCE_TO_DEADLINE) {
                        advanceToDeadline();
                    } else {
                        advanceMinutes();
                    }
                    if (rnd.nextBoolean()) {
                        Op next = oneOf(AFTER_ADVANCE);
                        count("after-advance:" + next);
                        perform(next);
                    }
                }
                case RUN_MAINTENANCE -> {
                    log("runMaintenance()");
                    engine.runMaintenance();
                    model.maintain();
                }
                case HOLD_RULES_QUERY -> {
                    log("holdRules()");
                    checkHoldRules();
                }
                case MESSAGE_VIEW -> {
                    long id = pickId(m -> true, 0);
                    log("message(" + id + ")");
                    checkView(id);
                }
                case RESTORE -> restore();
                case SET_RATE_LIMIT -> setRateLimit();
                case REMOVE_RATE_LIMIT -> removeRateLimit();
            }
        }

        void restore() {
            int sender = sender();
            int r = rnd.nextInt(20);
            List<Long> live = new ArrayList<>(model.messages.keySet());
            List<Long> gone = departedNotLive();
            long id = r == 0 && !live.isEmpty() ? oneOf(live) : r == 1 && !gone.isEmpty() ? oneOf(gone) : nextId++;
            int account = rnd.nextInt(30) == 0 ? 0 : account();
            String isp = rnd.nextInt(30) == 0 ? " " : isp();
            MessageState state = pick(MessageState.values());
            long now = model.now;
            long enqueuedAt = switch (rnd.nextInt(12)) {
                case 0, 1 -> now;
                case 2, 3, 4 -> now - rnd.nextLong(1, 5 * 60_000);
                case 5, 6 -> now - rnd.nextLong(5 * 60_000, 60 * 60_000);
                case 7, 8 -> now - rnd.nextLong(60 * 60_000, 400 * 60_000);
                case 9 -> now - rnd.nextLong(400 * 60_000, 2_000 * 60_000);
                case 10 -> now - 60_000L * rnd.nextInt(400); // on a minute of the clock
                default -> now + rnd.nextLong(1, 120_000);   // another machine's clock ran ahead
            };
            long dueAt = state != MessageState.RETRY ? rnd.nextLong(0, now) : switch (rnd.nextInt(5)) {
                case 0 -> now;
                case 1 -> now - rnd.nextLong(1, 60_000);
                default -> now + rnd.nextLong(1, 5 * 60_000);
            };
            RetryReason reason = rnd.nextInt(6) == 0 ? null : pick(RetryReason.values());
            StoredMessage stored = new StoredMessage(id, account, campaign(), isp, "payload-" + id, state,
                    rnd.nextInt(6), enqueuedAt, dueAt, reason);
            log("sender " + sender + ": restore(" + stored + ")");
            expect(model.restore(sender, stored), () -> queues.get(sender).restore(stored));
        }

        void setRateLimit() {
            int sender = sender();
            Selector scope = knownOrNewLimitScope(sender, 5);
            RateLimit limit;
            try {
                limit = rateLimit();
            } catch (IllegalArgumentException e) {
                log("sender " + sender + ": setRateLimit(" + scope + ", invalid: " + e.getMessage() + ")");
                count("rate-limit:invalid");
                return;
            }
            log("sender " + sender + ": setRateLimit(" + scope + ", " + limit + ")");
            RateLimit old = queues.get(sender).setRateLimit(scope, limit);
            RateLimit expected = model.setRateLimit(sender, scope, limit);
            assertThat(old).as("setRateLimit(%s) returns the limit it replaced", scope).isEqualTo(expected);
            count(expected == null ? "rate-limit:new" : "rate-limit:changed");
        }

        void removeRateLimit() {
            int sender = sender();
            Selector scope = knownOrNewLimitScope(sender, 7);
            log("sender " + sender + ": removeRateLimit(" + scope + ")");
            RateLimit old = queues.get(sender).removeRateLimit(scope);
            RateLimit expected = model.removeRateLimit(sender, scope);
            assertThat(old).as("removeRateLimit(%s) returns the limit it removed", scope).isEqualTo(expected);
            count(expected == null ? "rate-limit:remove-unknown" : "rate-limit:removed");
        }

        /** The scope of one of the sender's limits ({@code tenths} of the time, ISP maybe recased), else a new one. */
        Selector knownOrNewLimitScope(int sender, int tenths) {
            List<ReferenceModel.Limit> known = model.limits.stream().filter(l -> l.sender == sender).toList();
            if (!known.isEmpty() && rnd.nextInt(10) < tenths) {
                Selector s = oneOf(known).scope;
                return new Selector(s.accountId(), s.campaignId(),
                        rnd.nextBoolean() ? s.isp().toUpperCase(Locale.ROOT) : s.isp());
            }
            return switch (rnd.nextInt(10)) {
                case 0, 1, 2, 3, 4 -> Selector.isp(isp());
                case 5, 6, 7, 8 -> new Selector(account(), pick(7, 8, 0), isp()); // a cell (campaign 0: all of them)
                default -> rnd.nextBoolean() ? Selector.ALL : Selector.account(account());
            };
        }

        /** A rate limit, from one every 7 ms to one a minute, with small bursts; now and then an invalid one. */
        RateLimit rateLimit() {
            return switch (rnd.nextInt(25)) {
                case 0 -> new RateLimit(0, Duration.ofSeconds(1), 1);
                case 1 -> new RateLimit(1, Duration.ZERO, 1);
                case 2 -> new RateLimit(1, Duration.ofSeconds(1), 0);
                case 3 -> new RateLimit(2_000_000, Duration.ofMillis(1), 1); // more than one per nanosecond
                default -> new RateLimit(pick(1L, 1L, 2L, 3L, 5L),
                        pick(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(10),
                                Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMillis(333),
                                Duration.ofMillis(7)),
                        pick(1L, 1L, 1L, 2L, 3L, 5L));
            };
        }

        void enqueue(long id, int account, int campaign, String isp) {
            int sender = sender();
            Object payload = "payload-" + id;
            log("sender " + sender + ": enqueue(" + id + ", " + account + ", " + campaign + ", \"" + isp + "\")");
            expect(model.enqueue(sender, id, account, campaign, isp, payload),
                    () -> queues.get(sender).enqueue(id, account, campaign, isp, payload));
        }

        void take() {
            int sender = sender();
            int w = rnd.nextInt(WORKERS);
            Lease lease = leases[w];
            List<Long> eligible = model.eligibleIds(sender);
            List<Long> allowed = model.allowedIds(sender);
            SenderQueue q = queues.get(sender);
            int variant = rnd.nextInt(10);
            boolean taken;
            try {
                // the waiting variants with no (or a 1 µs) wait must answer like the plain one
                taken = variant < 7 ? q.take(lease)
                        : variant < 9 ? q.take(lease, Duration.ZERO) : q.take(lease, 1, TimeUnit.MICROSECONDS);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            log("sender " + sender + ": take(worker " + w + (variant < 7 ? "" : ", no wait") + ") -> "
                    + (taken ? lease : "nothing") + ", eligible " + eligible + ", allowed by the limits " + allowed);
            if (allowed.isEmpty()) {
                assertThat(taken).as("take with nothing eligible (%s) or allowed by the limits", eligible).isFalse();
                if (refs[w] != null) {
                    assertThat(lease.messageId()).as("lease kept after an empty take").isEqualTo(refs[w].messageId());
                    assertThat(lease.attempt()).isEqualTo(refs[w].attempt());
                }
                count(!eligible.isEmpty() ? "take:refused-by-limit"
                        : model.hasRuleHeldWork(sender) ? "take:only-rule-held-work" : "take:nothing-eligible");
                return;
            }
            assertThat(taken).as("take with messages allowed by the limits %s", allowed).isTrue();
            long id = lease.messageId();
            assertThat(allowed).as("the taken message must be eligible and allowed by every limit of its cell")
                    .contains(id);
            ReferenceModel.Message m = model.messages.get(id);
            assertThat(model.rightPickInCell(m)).as("a cell hands out its due retry first, else a NEW message: %s", m)
                    .isTrue();
            count(m.place == Place.RETRY ? "take:from-RETRY" : "take:from-NEW");
            if (!model.limitsOf(m).isEmpty()) {
                count("take:from-limited-cell");
            }
            if (allowed.size() < eligible.size()) {
                count("take:passed-over-a-limited-cell");
            }
            LeaseRef ref = model.take(id);
            refs[w] = ref;
            assertThat(lease.senderId()).isEqualTo(sender);
            assertThat(lease.attempt()).as("lease attempt").isEqualTo(ref.attempt());
            assertThat(lease.expiresAtMillis()).as("lease expiry").isEqualTo(ref.expiresAt());
            assertThat(List.of(lease.accountId(), lease.campaignId(), lease.isp(), lease.payload()))
                    .isEqualTo(List.of(m.account, m.campaign, m.isp, m.payload));
        }

        void report(Op op, Lease lease, LeaseRef ref, String who) {
            switch (op) {
                case DELIVERED -> {
                    log("delivered(" + who + " " + lease + ")");
                    expect(model.report(ref, Outcome.DELIVERED), () -> engine.delivered(lease));
                }
                case FAILED -> {
                    log("failed(" + who + " " + lease + ")");
                    expect(model.report(ref, Outcome.FAILED), () -> engine.failed(lease));
                }
                case DEFER_POLICY -> {
                    RetryReason reason = retryReason();
                    log("defer(" + who + " " + lease + ", " + reason + ")");
                    expect(model.defer(ref, null, orUnspecified(reason)),
                            () -> deferCall(reason, () -> engine.defer(lease), r -> engine.defer(lease, r)));
                }
                case DEFER_DELAY -> {
                    if (rnd.nextInt(20) == 0) {
                        log("defer(" + who + " " + lease + ", -1 ms)");
                        expect(Expect.fail(IllegalArgumentException.class, "defer:negative-delay"),
                                () -> engine.defer(lease, Duration.ofMillis(-1)));
                        return;
                    }
                    long delay = switch (rnd.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> rnd.nextLong(1, 20_000);
                        case 2 -> rnd.nextLong(20_000, 180_000);
                        default -> rnd.nextLong(180_000, 25 * 60_000);
                    };
                    RetryReason reason = retryReason();
                    log("defer(" + who + " " + lease + ", " + delay + " ms, " + reason + ")");
                    Duration d = Duration.ofMillis(delay);
                    expect(model.defer(ref, model.now + delay, orUnspecified(reason)),
                            () -> deferCall(reason, () -> engine.defer(lease, d), r -> engine.defer(lease, d, r)));
                }
                case DEFER_UNTIL -> {
                    long until = model.now + switch (rnd.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> -rnd.nextLong(1, 120_000);
                        default -> rnd.nextLong(1, 15 * 60_000);
                    };
                    RetryReason reason = retryReason();
                    log("deferUntil(" + who + " " + lease + ", " + until + ", " + reason + ")");
                    Instant due = Instant.ofEpochMilli(until);
                    expect(model.defer(ref, until, orUnspecified(reason)),
                            () -> deferCall(reason, () -> engine.deferUntil(lease, due),
                                    r -> engine.deferUntil(lease, due, r)));
                }
                case HOLD_LEASE -> {
                    log("hold(" + who + " " + lease + ")");
                    expect(model.holdLease(ref), () -> engine.hold(lease));
                }
                default -> throw new AssertionError(op);
            }
        }

        /** A defer through the overload without a reason when {@code reason} is null, else with it. */
        void deferCall(RetryReason reason, Runnable withoutReason, Consumer<RetryReason> withReason) {
            if (reason == null) {
                withoutReason.run();
            } else {
                withReason.accept(reason);
            }
        }

        RetryReason orUnspecified(RetryReason reason) {
            return reason == null ? RetryReason.UNSPECIFIED : reason;
        }

        /** A report on a lease that is no longer in force, or on one that was never filled. */
        void staleReport() {
            List<Integer> stale = new ArrayList<>();
            for (int i = 0; i < WORKERS; i++) {
                if (refs[i] != null && !model.inForce(refs[i])) {
                    stale.add(i);
                }
            }
            Op kind = oneOf(REPORTS);
            if (stale.isEmpty() || rnd.nextInt(10) == 0) {
                report(kind, new Lease(), null, "empty lease");
            } else {
                int w = oneOf(stale);
                report(kind, leases[w], refs[w], "stale worker " + w);
            }
        }

        void unknownId() {
            List<Long> gone = departedNotLive();
            long id = !gone.isEmpty() && rnd.nextBoolean() ? oneOf(gone) : nextId + 1_000_000 + rnd.nextInt(1000);
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    log("hold(unknown " + id + ")");
                    expect(model.holdMessage(id), () -> engine.hold(id));
                }
                case 1 -> {
                    log("release(unknown " + id + ")");
                    expect(model.releaseMessage(id), () -> engine.release(id));
                }
                default -> {
                    log("cancel(unknown " + id + ")");
                    expect(model.cancelMessage(id), () -> engine.cancel(id));
                }
            }
        }

        void holdRule() {
            int sender = sender();
            List<ReferenceModel.Message> live = liveOf(sender);
            Selector sel;
            List<ReferenceModel.Message> leased = live.stream().filter(m -> m.place == Place.PROC).toList();
            int where = rnd.nextInt(10);
            if (!leased.isEmpty() && where < 2) {
                ReferenceModel.Message m = oneOf(leased); // its worker will report into a held cell
                sel = new Selector(m.account, rnd.nextBoolean() ? m.campaign : 0, rnd.nextBoolean() ? m.isp : "");
            } else if (!live.isEmpty() && where < 5) {
                ReferenceModel.Message m = oneOf(live); // a rule that surely holds something
                sel = new Selector(rnd.nextBoolean() ? m.account : 0, rnd.nextBoolean() ? m.campaign : 0,
                        rnd.nextBoolean() ? m.isp : "");
            } else {
                sel = ruleSelector();
            }
            int r = rnd.nextInt(20);
            Long until = r < 6 ? null
                    : r < 12 ? (Long) (model.now + rnd.nextLong(1, 40_000))
                    : r < 17 ? (Long) (model.now + rnd.nextLong(40_000, 6 * 60_000))
                    : (Long) (model.now - (r == 17 ? 0 : rnd.nextLong(1, 60_000)));
            int variant = rnd.nextInt(10);
            HoldReason reason = variant < 8 ? pick(HoldReason.values()) : HoldReason.OPERATOR;
            String label = variant < 8 ? label() : null;
            log("sender " + sender + ": hold(" + sel + ", " + (variant < 8 ? reason + ", " + quoted(label) : "legacy")
                    + ", until " + until + ")");
            Expect e = model.checkHoldRule(label, until);
            HoldRule[] made = new HoldRule[1];
            Instant untilInstant = until == null ? null : Instant.ofEpochMilli(until);
            SenderQueue q = queues.get(sender);
            expect(e, () -> made[0] = variant < 8 ? q.hold(sel, reason, label, untilInstant)
                    : variant == 8 || until != null ? q.hold(sel, untilInstant) : q.hold(sel));
            if (e.failure() == null) {
                HoldRule rule = made[0];
                String kept = ReferenceModel.keptLabel(label);
                log("  -> rule " + rule.id());
                assertThat(rule.senderId()).isEqualTo(sender);
                assertThat(rule.selector()).as("the selector, its ISP spelled canonically").isEqualTo(model.known(sel));
                assertThat(rule.until()).isEqualTo(untilInstant);
                assertThat(rule.reason()).isEqualTo(reason);
                assertThat(rule.label()).as("the label a rule keeps").isEqualTo(kept);
                assertThat(model.rules.stream().map(Rule::id)).as("rule ids are unique").doesNotContain(rule.id());
                assertThat(model.retiredRuleIds).as("rule ids are unique").doesNotContain(rule.id());
                model.addRule(new Rule(rule.id(), sender, sel, reason, kept, until));
                count(variant >= 8 ? "hold-rule:legacy-overload"
                        : label == null || label.isEmpty() ? "hold-rule:no-label"
                        : kept.equals(label) ? "hold-rule:label-kept" : "hold-rule:label-stripped");
            }
        }

        void liftHold() {
            int sender = sender();
            int r = rnd.nextInt(10);
            long ruleId;
            if (r < 6 && !model.rules.isEmpty()) {
                ruleId = oneOf(model.rules).id();
            } else if (r < 8 && !model.retiredRuleIds.isEmpty()) {
                ruleId = oneOf(model.retiredRuleIds);
            } else {
                ruleId = 1_000_000 + rnd.nextInt(1000);
            }
            log("sender " + sender + ": liftHold(" + ruleId + ")");
            HoldRule[] lifted = new HoldRule[1];
            Expect e = model.liftHold(sender, ruleId);
            expect(e, () -> lifted[0] = queues.get(sender).liftHold(ruleId));
            if (e.failure() == null) {
                assertThat(lifted[0].id()).isEqualTo(ruleId);
            }
        }

        void releaseSelector() {
            int sender = sender();
            Selector sel;
            if (!model.rules.isEmpty() && rnd.nextInt(10) < 7) {
                Selector s = oneOf(model.rules).selector();
                String isp = rnd.nextBoolean() ? s.isp().toUpperCase(Locale.ROOT) : s.isp();
                sel = new Selector(s.accountId(), s.campaignId(), isp);
            } else {
                sel = ruleSelector();
            }
            log("sender " + sender + ": release(" + sel + ")");
            List<Long> lifted = queues.get(sender).release(sel).stream().map(HoldRule::id).toList();
            List<Long> expected = model.releaseRules(sender, sel);
            assertThat(lifted).as("rules lifted by release(%s)", sel).isEqualTo(expected);
            count(expected.isEmpty() ? "release-selector:none" : "release-selector:some");
        }

        void advanceRandomly() {
            long ms = switch (rnd.nextInt(20)) {
                case 0, 1 -> 0;
                case 2, 3, 4, 5, 6 -> rnd.nextLong(1, 1000);
                case 7, 8, 9, 10, 11, 12, 13 -> rnd.nextLong(1000, 20_000);
                default -> rnd.nextLong(20_000, 120_001);
            };
            advance(ms, "advance(" + ms + " ms)");
        }

        void advanceToDeadline() {
            List<Long> deadlines = model.deadlines();
            if (deadlines.isEmpty()) {
                advanceRandomly();
                return;
            }
            long deadline = oneOf(deadlines);
            int r = rnd.nextInt(10);
            long target = r < 7 ? deadline : r < 9 ? deadline - 1 : deadline + 1;
            target = Math.max(target, model.now);
            count(target == deadline ? "advance:exactly-to-deadline"
                    : target < deadline ? "advance:just-before-deadline" : "advance:just-after-deadline");
            advance(target - model.now, "advance to " + target + " (deadline " + deadline + ")");
        }

        /**
         * Minutes at once, so that messages move between age buckets: often exactly onto the
         * instant a live message enters its next bucket (or one millisecond before it).
         */
        void advanceMinutes() {
            List<Long> boundaries = model.bucketBoundaries();
            if (!boundaries.isEmpty() && rnd.nextInt(10) < 4) {
                long boundary = oneOf(boundaries);
                boolean before = rnd.nextInt(4) == 0;
                count(before ? "advance:just-before-age-boundary" : "advance:to-age-boundary");
                long target = Math.max(model.now, before ? boundary - 1 : boundary);
                advance(target - model.now, "advance to " + target + " (age bucket boundary " + boundary + ")");
                return;
            }
            long minutes = switch (rnd.nextInt(20)) {
                case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 -> rnd.nextLong(1, 10);
                case 10, 11, 12, 13, 14, 15, 16 -> rnd.nextLong(10, 60);
                default -> rnd.nextLong(60, 400);
            };
            count("advance:minutes");
            advance(minutes * 60_000 + rnd.nextLong(-999, 1_000), "advance(" + minutes + " min)");
        }

        void advance(long ms, String what) {
            clock.advanceMillis(ms);
            model.now = clock.millis();
            log(what + " -> now " + model.now);
        }

        // ------------------------------------------------------------------ checks

        /** Runs the call and asserts the engine did what the model expects. */
        void expect(Expect e, Runnable call) {
            RuntimeException thrown = null;
            try {
                call.run();
            } catch (RuntimeException ex) {
                thrown = ex;
            }
            count(e.event());
            if (e.failure() == null) {
                if (thrown != null) {
                    throw new AssertionError("expected success (" + e.event() + ") but the engine threw " + thrown,
                            thrown);
                }
                return;
            }
            assertThat(thrown).as("expected %s (%s)", e.failure().getSimpleName(), e.event())
                    .isInstanceOf(e.failure());
            if (e.failure() == IllegalArgumentException.class) {
                assertThat(thrown).isNotInstanceOf(DuplicateMessageException.class);
            }
        }

        /** Everything observable must equal the model's recount. */
        void verify() {
            model.maintain();
            for (Map.Entry<Integer, SenderQueue> e : queues.entrySet()) {
                int sender = e.getKey();
                SenderQueue q = e.getValue();
                List<Selector> filters = List.of(Selector.ALL, filterSelector(), filterSelector());
                for (Selector f : filters) {
                    for (Grouping g : Grouping.values()) {
                        compare(sender, q, f, g);
                    }
                }
                for (Selector f : filters.subList(0, 2)) {
                    for (Grouping g : Grouping.values()) {
                        compareInsight(sender, q, f, g);
                    }
                }
                // every cell on its own: one ISP, grouped by (account, campaign)
                for (String isp : model.isps(sender)) {
                    compare(sender, q, Selector.isp(isp), Grouping.ACCOUNT_CAMPAIGN);
                    compareInsight(sender, q, Selector.isp(isp), Grouping.ACCOUNT_CAMPAIGN);
                }
                Snapshot<StatsRow> stats = q.statsSnapshot(filters.get(1), Grouping.ISP);
                checkSnapshot(sender, stats, "statsSnapshot");
                assertThat(stats.rows()).as("sender %d statsSnapshot rows", sender)
                        .isEqualTo(model.stats(sender, filters.get(1), Grouping.ISP));
                Snapshot<RuleImpact> impact = q.holdImpact();
                checkSnapshot(sender, impact, "holdImpact");
                List<RuleImpact> expectedImpact = model.holdImpact(sender);
                assertThat(impact.rows()).as("sender %d holdImpact()", sender).isEqualTo(expectedImpact);
                if (overlapping(expectedImpact)) {
                    count("hold-impact:overlapping-rules");
                }
                Selector preview = previewSelector(sender);
                HoldImpact expectedPreview = model.previewHold(sender, preview);
                assertThat(q.previewHold(preview)).as("sender %d previewHold(%s)", sender, preview)
                        .isEqualTo(expectedPreview);
                if (expectedPreview.total() > 0) {
                    count("preview-hold:some");
                }
                assertThat(new ArrayList<>(q.rateLimits().entrySet())).as("sender %d rateLimits()", sender)
                        .isEqualTo(model.rateLimits(sender));
            }
            checkHoldRules();
            assertThat(engine.size()).as("size()").isEqualTo(model.size());
            for (long id : model.messages.keySet()) {
                checkView(id);
            }
            List<Long> gone = departedNotLive();
            for (Long id : gone.subList(Math.max(0, gone.size() - 10), gone.size())) {
                assertThat(engine.message(id)).as("message(%d) left the engine", id).isEmpty();
            }
            tallyInsight();
        }

        void compare(int sender, SenderQueue q, Selector f, Grouping g) {
            assertThat(q.stats(f, g)).as("sender %d stats(%s, %s)", sender, f, g)
                    .isEqualTo(model.stats(sender, f, g));
            assertThat(q.outcomes(f, g)).as("sender %d outcomes(%s, %s)", sender, f, g)
                    .isEqualTo(model.outcomes(sender, f, g));
        }

        /** The retry reasons and the ages, and their snapshots' sender, instant and generation. */
        void compareInsight(int sender, SenderQueue q, Selector f, Grouping g) {
            Snapshot<RetryReasonRow> reasons = q.retryReasons(f, g);
            checkSnapshot(sender, reasons, "retryReasons");
            assertThat(reasons.rows()).as("sender %d retryReasons(%s, %s)", sender, f, g)
                    .isEqualTo(model.retryReasons(sender, f, g));
            Snapshot<AgeRow> ages = q.ages(f, g);
            checkSnapshot(sender, ages, "ages");
            assertThat(ages.rows()).as("sender %d ages(%s, %s) at minute %d", sender, f, g,
                    Math.floorDiv(model.now, 60_000L)).isEqualTo(model.ages(sender, f, g));
        }

        /** A snapshot is of its sender, read now, and the next of the sender's generations. */
        void checkSnapshot(int sender, Snapshot<?> s, String what) {
            long last = generations.getOrDefault(sender, 0L);
            assertThat(s.senderId()).as("%s senderId", what).isEqualTo(sender);
            assertThat(s.takenAt()).as("%s takenAt", what).isEqualTo(clock.instant());
            assertThat(s.generation()).as("%s generation after %d", what, last).isEqualTo(last + 1);
            generations.put(sender, s.generation());
        }

        /** Whether two rules of the impact list select a common cell that holds something. */
        boolean overlapping(List<RuleImpact> impact) {
            for (int i = 0; i < impact.size(); i++) {
                for (int j = i + 1; j < impact.size(); j++) {
                    Selector a = impact.get(i).rule().selector();
                    Selector b = impact.get(j).rule().selector();
                    for (ReferenceModel.Message m : model.messages.values()) {
                        boolean holdable = m.place == Place.READY || m.place == Place.RETRY;
                        if (holdable && m.sender == impact.get(i).rule().senderId()
                                && ReferenceModel.selects(a, m) && ReferenceModel.selects(b, m)) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        /** Which buckets, reasons and corner cases the model's answers covered in this step. */
        void tallyInsight() {
            long nowMinute = Math.floorDiv(model.now, 60_000L);
            boolean[] buckets = new boolean[AgeBucket.COUNT];
            boolean[] reasons = new boolean[RetryReason.values().length];
            boolean newInHeldCell = false;
            boolean retryInHeldCell = false;
            for (ReferenceModel.Message m : model.messages.values()) {
                buckets[model.bucket(m)] = true;
                boolean held = model.heldByRule(m);
                if (m.place == Place.RETRY && !held) {
                    reasons[m.retryReason.ordinal()] = true;
                }
                newInHeldCell |= m.place == Place.READY && held
                        && nowMinute - Math.floorDiv(m.enqueuedAt, 60_000L) > 0;
                retryInHeldCell |= m.place == Place.RETRY && held;
            }
            for (AgeBucket b : AgeBucket.values()) {
                if (buckets[b.ordinal()]) {
                    count("ages:" + b);
                }
            }
            for (RetryReason r : RetryReason.values()) {
                if (reasons[r.ordinal()]) {
                    count("retry-reasons:" + r);
                }
            }
            if (newInHeldCell) {
                count("ages:oldest-new-in-held-cell");
            }
            if (retryInHeldCell) {
                count("retry-reasons:held-by-rule");
            }
        }

        void checkView(long id) {
            model.maintain();
            ReferenceModel.Message m = model.messages.get(id);
            if (m == null) {
                assertThat(engine.message(id)).as("message(%d) is not in the engine", id).isEmpty();
                return;
            }
            MessageView expected = new MessageView(m.id, m.sender, m.account, m.campaign, m.isp, m.payload,
                    model.reported(m), m.attempts, m.enqueuedAt, m.place == Place.RETRY ? m.dueAt : 0);
            assertThat(engine.message(id)).as("message(%d)", id).contains(expected);
        }

        void checkHoldRules() {
            for (Map.Entry<Integer, SenderQueue> e : queues.entrySet()) {
                List<HoldRule> expected = model.rules(e.getKey()).stream().map(Rule::asHoldRule).toList();
                assertThat(e.getValue().holdRules()).as("sender %d holdRules()", e.getKey()).isEqualTo(expected);
            }
        }

        // ------------------------------------------------------------------ random choices

        int sender() {
            return senderIds[rnd.nextInt(senderIds.length)];
        }

        int account() {
            return 1 + rnd.nextInt(3);
        }

        int campaign() {
            return pick(0, 7, 8);
        }

        String isp() {
            return rnd.nextInt(20) < 17 ? ISPS[rnd.nextInt(ISPS.length)] : ISP_VARIANTS[rnd.nextInt(ISP_VARIANTS.length)];
        }

        /** A retry reason, or {@code null} for the overload without one. */
        RetryReason retryReason() {
            return rnd.nextInt(4) == 0 ? null : pick(RetryReason.values());
        }

        /** A hold rule's label: none, ordinary, padded, at and over the length limit, with control characters. */
        String label() {
            return switch (rnd.nextInt(20)) {
                case 0, 1, 2 -> null;
                case 3 -> "";
                case 4 -> "  ops: Gmail 421 block, ticket 4711  ";
                case 5 -> "x".repeat(HoldRule.MAX_LABEL_LENGTH);
                case 6 -> " " + "y".repeat(HoldRule.MAX_LABEL_LENGTH) + "\t\n"; // 200 once stripped
                case 7 -> "z".repeat(HoldRule.MAX_LABEL_LENGTH + 1);
                case 8 -> "line\nbreak";
                case 9 -> "tab\tinside";
                case 10 -> "del\u007F";
                case 11 -> "next line\u0085inside"; // C1 control, not a blank: kept, so refused
                case 12 -> "trailing newline\n";
                case 13 -> "\u001Cleading file separator"; // a blank to strip()
                case 14 -> "héllo wörld – 🚧 maintenance ✉";
                case 15 -> "zero\u200Bwidth";
                case 16 -> "   ";
                default -> "incident " + rnd.nextInt(1000);
            };
        }

        String quoted(String s) {
            return s == null ? "null" : "\"" + s.replace("\n", "\\n").replace("\t", "\\t") + "\"";
        }

        List<ReferenceModel.Message> liveOf(int sender) {
            return model.messages.values().stream().filter(m -> m.sender == sender).toList();
        }

        /** A selector to preview a hold with: one around a live message of the sender, or a rule-like one. */
        Selector previewSelector(int sender) {
            List<ReferenceModel.Message> live = liveOf(sender);
            if (!live.isEmpty() && rnd.nextBoolean()) {
                ReferenceModel.Message m = oneOf(live);
                return new Selector(rnd.nextBoolean() ? m.account : 0, rnd.nextBoolean() ? m.campaign : 0,
                        rnd.nextBoolean() ? m.isp.toUpperCase(Locale.ROOT) : "");
            }
            return ruleSelector();
        }

        Selector filterSelector() {
            return new Selector(pick(0, 0, 1, 2, 3, 4), pick(0, 0, 7, 8, 9),
                    FILTER_ISPS[rnd.nextInt(FILTER_ISPS.length)]);
        }

        Selector ruleSelector() {
            return new Selector(pick(0, 1, 2, 3), pick(0, 7, 8), RULE_ISPS[rnd.nextInt(RULE_ISPS.length)]);
        }

        /**
         * A worker whose lease is in force most of the time (when there is one), often one whose
         * message's cell a hold rule matches (maybe a rule that expires at this very instant), else any.
         */
        int pickWorker() {
            List<Integer> inForce = new ArrayList<>();
            List<Integer> inHeldCell = new ArrayList<>();
            for (int i = 0; i < WORKERS; i++) {
                if (model.inForce(refs[i])) {
                    inForce.add(i);
                    if (model.heldByRule(model.messages.get(refs[i].messageId()))) {
                        inHeldCell.add(i);
                    }
                }
            }
            int r = rnd.nextInt(10);
            if (!inHeldCell.isEmpty() && r < 4) {
                return oneOf(inHeldCell);
            }
            return !inForce.isEmpty() && r < 8 ? oneOf(inForce) : rnd.nextInt(WORKERS);
        }

        /** A live message id, preferring ones that pass {@code preferred} {@code percent}% of the time. */
        long pickId(Predicate<ReferenceModel.Message> preferred, int percent) {
            List<ReferenceModel.Message> all = new ArrayList<>(model.messages.values());
            if (all.isEmpty()) {
                return nextId + 1_000_000;
            }
            List<ReferenceModel.Message> some = all.stream().filter(preferred).toList();
            return (!some.isEmpty() && rnd.nextInt(100) < percent ? oneOf(some) : oneOf(all)).id;
        }

        List<Long> departedNotLive() {
            return model.departedIds.stream().filter(id -> !model.messages.containsKey(id)).distinct().toList();
        }

        <T> T oneOf(List<T> list) {
            return list.get(rnd.nextInt(list.size()));
        }

        @SafeVarargs
        final <T> T pick(T... values) {
            return values[rnd.nextInt(values.length)];
        }

        void tally(String event, long n) {
            if (n > 0) {
                events.merge(event, n, Long::sum);
            }
        }

        void log(String what) {
            if (recent.size() == 25) {
                recent.removeFirst();
            }
            recent.addLast(step + ": " + what);
        }
    }
}
