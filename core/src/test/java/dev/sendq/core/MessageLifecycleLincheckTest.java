package dev.sendq.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lincheck on the per-message state change: one message of one sender, driven through the real
 * engine by workers (take, delivered, failed, defer, hold on their own lease), an operator (hold,
 * release, cancel by id; a hold rule on and off) and time (the lease runs out, maintenance).
 *
 * <p>The sequential specification is the engine itself, run on one thread: Lincheck compares
 * every concurrent history with sequential executions of the same operations on a fresh
 * instance. Every operation returns what a caller can observe (the outcome, or the simple name
 * of the exception that refused it), so a refusal of the wrong kind is a failure too.
 *
 * <p>What is linearizable here, and what is not read: a message's state word is changed by CAS
 * only, and {@link QueueEngine#message} reads it (and its container) under the sender's lock,
 * so {@link OneMessage#state} is an operation. Counters are not: a lock-free report moves them
 * after its CAS, so a stats read may lag the state by an in-flight transition (allowed by
 * {@link SenderQueue#stats}' contract). They are checked when quiet, by {@link Validate}.
 *
 * <p>Bugs this test found are reproduced alone in {@code ConcurrencyRegressionTest} (BUG-1,
 * BUG-2, BUG-5: refusals of the wrong kind, and an {@code AssertionError}, when an operator's
 * {@code hold(id)} raced a lock-free report or the message's leaving).
 */
@Tag("slow")
class MessageLifecycleLincheckTest {

    @Param.Params({@Param(name = "w", gen = ThreadIdGen.class)})
    public static class OneMessage {
        static final long ID = 1;
        static final long LEASE_MS = 50;
        /** Deferrals are due at once; the third attempt's deferral expires the message. */
        static final RetryPolicy POLICY = new RetryPolicy(Duration.ZERO, 1.0, Duration.ZERO, 0.0, 3,
                Duration.ofDays(1));

        private final ManualClock clock = new ManualClock();
        private final QueueEngine engine = QueueEngine.builder()
                .clock(clock)
                .leaseDuration(Duration.ofMillis(LEASE_MS))
                .retryPolicy(POLICY)
                .build();
        private final SenderQueue q = engine.addSender(7);
        /** One lease per Lincheck thread; the init and post parts run alone, so sharing one is safe. */
        private final Lease[] leases = {new Lease(), new Lease(), new Lease(), new Lease()};
        /** The message, kept to read its outcome once it has left the engine's index. */
        private final Msg msg;

        public OneMessage() {
            q.enqueue(ID, 306, 4591, "Gmail", null);
            msg = engine.index.get(ID);
        }

        private Lease lease(int w) {
            return leases[Math.floorMod(w, leases.length)];
        }

        // ------------------------------------------------------------ workers, on their own lease

        @Operation
        public String take(@Param(name = "w") int w) {
            Lease l = lease(w);
            return q.take(l) ? "taken#" + l.attempt() : "none";
        }

        @Operation
        public String delivered(@Param(name = "w") int w) {
            return report(w, engine::delivered);
        }

        @Operation
        public String failed(@Param(name = "w") int w) {
            return report(w, engine::failed);
        }

        @Operation
        public String defer(@Param(name = "w") int w) {
            return report(w, l -> engine.defer(l, Duration.ZERO));
        }

        @Operation
        public String holdLease(@Param(name = "w") int w) {
            return report(w, engine::hold);
        }

        private String report(int w, java.util.function.Consumer<Lease> r) {
            Lease l = lease(w);
            if (!l.isFilled()) {
                return "empty";
            }
            try {
                r.accept(l);
                return "ok";
            } catch (RuntimeException e) {
                return refused(e);
            }
        }

        // ------------------------------------------------------------ operator

        @Operation
        public String hold() {
            return byId(() -> engine.hold(ID));
        }

        @Operation
        public String release() {
            return byId(() -> engine.release(ID));
        }

        @Operation
        public String cancel() {
            return byId(() -> engine.cancel(ID));
        }

        @Operation
        public String ruleOn() {
            q.hold(Selector.ALL);
            return "ok";
        }

        @Operation
        public int ruleOff() {
            return q.release(Selector.ALL).size();
        }

        private String byId(Runnable r) {
            try {
                r.run();
                return "ok";
            } catch (RuntimeException e) {
                return refused(e);
            }
        }

        // ------------------------------------------------------------ time, and reading

        /** Every lease granted so far runs out. */
        @Operation
        public void leaseTimeout() {
            clock.advanceMillis(LEASE_MS);
        }

        @Operation
        public void maintenance() {
            engine.runMaintenance();
        }

        /** The message's state and attempts as a caller sees them, or how it left. */
        @Operation
        public String state() {
            Optional<MessageView> v = engine.message(ID);
            if (v.isPresent()) {
                return v.get().state() + "#" + v.get().attempts();
            }
            long w = msg.word();
            int phase = Msg.phase(w);
            if (phase < Msg.GONE) {
                // Out of the index but not gone: impossible; show it so that it fails.
                return "lost:" + Long.toHexString(w);
            }
            return "gone:" + Outcome.of(phase - Msg.GONE) + "#" + Msg.attempts(w);
        }

        /** A refusal, by the simple name of its exception: a refusal of the wrong kind fails too. */
        String refused(RuntimeException e) {
            if (e instanceof IllegalTransitionException || e instanceof UnknownMessageException) {
                return e.getClass().getSimpleName();
            }
            throw e; // anything else is a bug: let Lincheck show it
        }

        /** When quiet, the cell's counters count exactly this one message where it is (or went). */
        @Validate
        public void countersExactWhenQuiet() {
            Cell c = msg.cell;
            long[] buf = new long[CellCounters.SLOTS];
            c.readLive(buf);
            long[] outcomes = new long[CellCounters.SLOTS];
            c.readOutcomes(outcomes);
            long w = msg.word();
            int phase = Msg.phase(w);
            long[] want = new long[CellCounters.SLOTS];
            if (phase >= Msg.GONE) {
                want[CellCounters.DELIVERED + phase - Msg.GONE] = 1;
                if (engine.size() != 0) {
                    throw new AssertionError("gone message still indexed: " + msg);
                }
            } else {
                // Read without engine.message(), which would run maintenance: validation must not
                // change what the operations after it see. Quiet, so no lock is needed.
                MessageState raw = msg.rawState();
                if (raw == null || engine.index.get(ID) != msg) {
                    throw new AssertionError("live message lost: " + msg);
                }
                want[Cell.slot(c.reported(raw))] = 1;
            }
            for (int s = CellCounters.NEW; s <= CellCounters.HOLD; s++) {
                if (buf[s] != want[s]) {
                    throw new AssertionError("live slot " + s + " = " + buf[s] + ", want " + want[s] + " for " + msg);
                }
            }
            for (int s = CellCounters.DELIVERED; s <= CellCounters.CANCELLED; s++) {
                if (outcomes[s - CellCounters.DELIVERED] != want[s]) {
                    throw new AssertionError("outcome slot " + s + " = " + outcomes[s - CellCounters.DELIVERED]
                            + ", want " + want[s] + " for " + msg);
                }
            }
        }
    }

    @Test
    void stress() {
        new StressOptions()
                .iterations(scaled(8))
                .invocationsPerIteration(500)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .check(OneMessage.class);
    }

    /**
     * Model checking: the races the engine must resolve, as small custom scenarios whose
     * interleavings the model checker walks through, plus a couple of random scenarios. Every
     * operation takes the sender's lock (a ReentrantLock, whose AQS the model checker steps
     * through) or an index monitor, so an invocation costs milliseconds: 60 per scenario (BUG-2
     * and BUG-5 of {@code ConcurrencyRegressionTest} showed up within 25), and
     * {@code -Dsendq.lincheck.scale=10} multiplies them for a longer hunt.
     */
    @Test
    void modelChecking() throws Exception {
        ModelCheckingOptions o = new ModelCheckingOptions()
                .iterations(scaled(2))
                .invocationsPerIteration(scaled(60))
                .threads(2)
                .actorsPerThread(2)
                .actorsBefore(1)
                .actorsAfter(1);
        // delivered against the lease timeout: maintenance, or another worker's take
        o.addCustomScenario(scenario(List.of(op("take", 0), op("leaseTimeout")),
                List.of(List.of(op("delivered", 0)), List.of(op("take", 1), op("failed", 1))),
                List.of(op("state"))));
        // a worker's report against an operator's hold and cancel
        o.addCustomScenario(scenario(List.of(op("take", 0)),
                List.of(List.of(op("defer", 0)), List.of(op("hold"), op("cancel"))),
                List.of(op("state"))));
        o.addCustomScenario(scenario(List.of(op("take", 0)),
                List.of(List.of(op("delivered", 0)), List.of(op("hold"), op("release"))),
                List.of(op("state"))));
        // take and a worker's hold against a hold rule
        o.addCustomScenario(scenario(List.of(op("take", 0)),
                List.of(List.of(op("holdLease", 0), op("release")), List.of(op("ruleOn"), op("take", 1))),
                List.of(op("ruleOff"), op("state"))));
        o.check(OneMessage.class);
    }

    /** {@code n} times {@code -Dsendq.lincheck.scale} (default 1): longer hunts on demand. */
    static int scaled(int n) {
        return n * Integer.getInteger("sendq.lincheck.scale", 1);
    }

    /** One operation of {@link OneMessage} with its arguments, for a custom scenario. */
    static Actor op(String name, Object... args) throws NoSuchMethodException {
        return op(OneMessage.class, name, args);
    }

    /** One operation of a Lincheck test class, its parameters all {@code int}, for a custom scenario. */
    static Actor op(Class<?> testClass, String name, Object... args) throws NoSuchMethodException {
        Class<?>[] types = new Class<?>[args.length];
        Arrays.fill(types, int.class);
        return new Actor(testClass.getMethod(name, types), List.of(args));
    }

    static ExecutionScenario scenario(List<Actor> init, List<List<Actor>> parallel, List<Actor> post) {
        return new ExecutionScenario(init, parallel, post, null);
    }
}
