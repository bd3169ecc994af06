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
 * collide: enqueues (also duplicate, reused and invalid ids), takes by four simulated workers, every
 * worker report, operator holds/releases/cancels by id and by selector, hold rules with and
 * without expiry, clock advances (often exactly onto a lease expiry, a rule expiry or a retry's
 * due time, or one millisecond either side), maintenance, stale reports and unknown ids.
 *
 * <p>Every operation is applied to both: the model says whether it must succeed or which
 * exception it must throw, and the engine must agree. After every step, for every sender, the
 * stats and outcome rows of all four groupings (unfiltered and with random filters) and of every
 * single cell (one ISP grouped by account and campaign), {@code size()}, the hold rules, and the
 * view of every message must equal the model's recount. A refused operation therefore cannot
 * move a counter unnoticed.
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
        ADVANCE(7), ADVANCE_TO_DEADLINE(4), RUN_MAINTENANCE(1), HOLD_RULES_QUERY(1), MESSAGE_VIEW(1),
        STALE_REPORT(2), UNKNOWN_ID(1);

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
            .filter(op -> op != Op.ADVANCE && op != Op.ADVANCE_TO_DEADLINE).toList();

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
            "time:rule-expired", "time:lease-expired", "time:retry-released-by-lift");

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
        for (int i = 0; i < sequences; i++) {
            runSequence(baseSeed, i, seeds.nextLong());
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("ModelBasedTest: base seed %d, %d sequences x %d steps in %d ms%n  ops %s%n  events %s%n",
                baseSeed, sequences, Integer.getInteger("sendq.steps", STEPS), millis, opCounts, events);

        for (Op op : Op.values()) {
            assertThat(opCounts.getOrDefault(op, 0L)).as("times %s was exercised", op)
                    .isGreaterThanOrEqualTo(MIN_OPS_PER_KIND);
        }
        for (String e : REQUIRED_EVENTS) {
            assertThat(events.getOrDefault(e, 0L)).as("times '%s' happened", e).isGreaterThanOrEqualTo(MIN_EVENTS);
        }
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
                case ADVANCE, ADVANCE_TO_DEADLINE -> {
                    if (op == Op.ADVANCE) {
                        advanceRandomly();
                    } else {
                        advanceToDeadline();
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
            }
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
                    + (taken ? lease : "nothing") + ", eligible " + eligible);
            if (eligible.isEmpty()) {
                assertThat(taken).as("take with nothing eligible").isFalse();
                if (refs[w] != null) {
                    assertThat(lease.messageId()).as("lease kept after an empty take").isEqualTo(refs[w].messageId());
                    assertThat(lease.attempt()).isEqualTo(refs[w].attempt());
                }
                count(model.hasRuleHeldWork(sender) ? "take:only-rule-held-work" : "take:nothing-eligible");
                return;
            }
            assertThat(taken).as("take with eligible messages %s", eligible).isTrue();
            long id = lease.messageId();
            assertThat(eligible).as("the taken message must be eligible").contains(id);
            ReferenceModel.Message m = model.messages.get(id);
            count(m.place == Place.RETRY ? "take:from-RETRY" : "take:from-NEW");
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
                    log("defer(" + who + " " + lease + ")");
                    expect(model.defer(ref, null), () -> engine.defer(lease));
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
                    log("defer(" + who + " " + lease + ", " + delay + " ms)");
                    expect(model.defer(ref, model.now + delay), () -> engine.defer(lease, Duration.ofMillis(delay)));
                }
                case DEFER_UNTIL -> {
                    long until = model.now + switch (rnd.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> -rnd.nextLong(1, 120_000);
                        default -> rnd.nextLong(1, 15 * 60_000);
                    };
                    log("deferUntil(" + who + " " + lease + ", " + until + ")");
                    expect(model.defer(ref, until), () -> engine.deferUntil(lease, Instant.ofEpochMilli(until)));
                }
                case HOLD_LEASE -> {
                    log("hold(" + who + " " + lease + ")");
                    expect(model.holdLease(ref), () -> engine.hold(lease));
                }
                default -> throw new AssertionError(op);
            }
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
            List<ReferenceModel.Message> live = model.messages.values().stream().filter(m -> m.sender == sender).toList();
            Selector sel;
            if (!live.isEmpty() && rnd.nextInt(10) < 4) {
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
            log("sender " + sender + ": hold(" + sel + ", until " + until + ")");
            Expect e = model.checkHoldRule(until);
            HoldRule[] made = new HoldRule[1];
            expect(e, () -> made[0] = queues.get(sender)
                    .hold(sel, until == null ? null : Instant.ofEpochMilli(until)));
            if (e.failure() == null) {
                HoldRule rule = made[0];
                log("  -> rule " + rule.id());
                assertThat(rule.senderId()).isEqualTo(sender);
                assertThat(rule.selector()).isEqualTo(sel);
                assertThat(rule.until()).isEqualTo(until == null ? null : Instant.ofEpochMilli(until));
                assertThat(model.rules.stream().map(Rule::id)).as("rule ids are unique").doesNotContain(rule.id());
                assertThat(model.retiredRuleIds).as("rule ids are unique").doesNotContain(rule.id());
                model.addRule(new Rule(rule.id(), sender, sel, until));
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
                // every cell on its own: one ISP, grouped by (account, campaign)
                for (String isp : model.isps(sender)) {
                    compare(sender, q, Selector.isp(isp), Grouping.ACCOUNT_CAMPAIGN);
                }
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
        }

        void compare(int sender, SenderQueue q, Selector f, Grouping g) {
            assertThat(q.stats(f, g)).as("sender %d stats(%s, %s)", sender, f, g)
                    .isEqualTo(model.stats(sender, f, g));
            assertThat(q.outcomes(f, g)).as("sender %d outcomes(%s, %s)", sender, f, g)
                    .isEqualTo(model.outcomes(sender, f, g));
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
                List<HoldRule> expected = model.rules(e.getKey()).stream()
                        .map(r -> new HoldRule(r.id(), r.sender(), r.selector(),
                                r.until() == null ? null : Instant.ofEpochMilli(r.until())))
                        .toList();
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
