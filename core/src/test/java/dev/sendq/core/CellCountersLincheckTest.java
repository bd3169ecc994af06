package dev.sendq.core;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lincheck on {@link CellCounters}, in both of its shapes: the single {@code base} stripe a cell
 * starts with, and the striped shape it inflates to under contention.
 *
 * <p>What is checked, and why only that:
 * <ul>
 *   <li><b>An outcome slot's sum is linearizable.</b> Outcome slots only ever receive +1 (a
 *       report is {@code move(PROC, outcome)}, which adds exactly 1 to the outcome slot). A
 *       sum reads base and stripes one after another, so it sees some subset of the increments
 *       in flight: with +1 steps every such count lies between the value at the start and at
 *       the end of the read, and is a value the slot really held in between. (With larger
 *       deltas that breaks: a reader can see a +2 on one stripe but not an earlier +1 on
 *       another, a total the slot never held; the Javadoc of {@link CellCounters} promises no more.)</li>
 *   <li><b>A live slot's sum is not linearizable</b> and is not read during the run: a move's
 *       decrement and increment are two atomics, possibly on different stripes, so a reader
 *       can see a message in both slots, in neither, or a negative count. The contract for
 *       those is "exact when quiet", so a {@link Validate} function, which Lincheck runs when
 *       no operation is in flight, compares every slot with a ledger that each operation
 *       updates atomically.</li>
 * </ul>
 */
@Tag("slow")
class CellCountersLincheckTest {

    /**
     * The operations, on a cell that starts with a single stripe (it may inflate mid-run, rarely).
     * Slots: NEW, PROC, RETRY, HOLD are 0..3; DELIVERED..CANCELLED are 4..7. Two outcome slots
     * are enough to tell slots apart and keep scenarios small.
     */
    @Param.Params({
            @Param(name = "live", gen = IntGen.class, conf = "0:3"),
            @Param(name = "outcome", gen = IntGen.class, conf = "4:5")})
    public static class Compact {
        final CellCounters counters = new CellCounters();
        /** What each slot must sum to when quiet: updated with each operation, atomically. */
        private final AtomicLongArray ledger = new AtomicLongArray(CellCounters.SLOTS);

        /** enqueue: one message into NEW. */
        @Operation
        public void enqueue() {
            counters.add(CellCounters.NEW, 1);
            ledger.incrementAndGet(CellCounters.NEW);
        }

        /**
         * A restore: one message entering any live state from outside the cell (PROC has no slot
         * of its own, and NEW's slot is relative to the entries: each state enters differently).
         */
        @Operation
        public void restore(@Param(name = "live") int state) {
            counters.add(state, 1);
            ledger.incrementAndGet(state);
        }

        /** Restored outcome counts: an outcome grows with no message behind it. */
        @Operation
        public void restoreOutcomes(@Param(name = "outcome") int outcome) {
            counters.add(outcome, 2);
            ledger.addAndGet(outcome, 2);
        }

        /** A live-to-live move, e.g. take (NEW to PROC), defer (PROC to RETRY), hold, release. */
        @Operation
        public void move(@Param(name = "live") int from, @Param(name = "live") int to) {
            counters.move(from, to);
            ledger.decrementAndGet(from);
            ledger.incrementAndGet(to);
        }

        /** A report: PROC to an outcome slot (delivered, failed, expired, cancelled). */
        @Operation
        public void report(@Param(name = "outcome") int outcome) {
            counters.move(CellCounters.PROC, outcome);
            ledger.decrementAndGet(CellCounters.PROC);
            ledger.incrementAndGet(outcome);
        }

        /** An outcome slot's sum: linearizable, since those slots only grow by 1. */
        @Operation
        public long outcome(@Param(name = "outcome") int outcome) {
            return counters.sum(outcome);
        }

        /** Quiet: every slot sums exactly to the ledger. */
        @Validate
        public void exactWhenQuiet() {
            for (int s = 0; s < CellCounters.SLOTS; s++) {
                long got = counters.sum(s);
                long want = ledger.get(s);
                if (got != want) {
                    throw new AssertionError("slot " + s + " sums to " + got + " when quiet, expected " + want
                            + " (inflated: " + counters.inflated() + ")");
                }
            }
        }
    }

    /**
     * The same operations on a cell inflated before the run, so that every update goes to a
     * stripe picked by the thread's hash. Inflation normally takes eight lost CASes on one cell,
     * which a scenario of a few operations almost never produces; the test calls the class's own
     * private {@code inflate()} (by reflection, the real code path) instead of copying it. With
     * {@link CellCounters#NSTRIPES} stripes (4 on 2 CPUs) and three threads, threads often share
     * a stripe too, so the lost-CAS path (finish with getAndAdd, maybe re-salt) runs as well.
     */
    public static class Inflated extends Compact {
        public Inflated() {
            inflate(counters);
        }
    }

    static void inflate(CellCounters c) {
        try {
            Method m = CellCounters.class.getDeclaredMethod("inflate");
            m.setAccessible(true);
            m.invoke(c);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("CellCounters.inflate() is gone: update this test", e);
        }
        if (!c.inflated()) {
            throw new AssertionError("inflate() did not inflate");
        }
    }

    @Test
    void compactStress() {
        stress().check(Compact.class);
    }

    @Test
    void inflatedStress() {
        stress().check(Inflated.class);
    }

    @Test
    void compactModelChecking() {
        modelChecking().check(Compact.class);
    }

    @Test
    void inflatedModelChecking() {
        modelChecking().check(Inflated.class);
    }

    private static StressOptions stress() {
        return new StressOptions()
                .iterations(MessageLifecycleLincheckTest.scaled(6))
                .invocationsPerIteration(500)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1);
    }

    private static ModelCheckingOptions modelChecking() {
        return new ModelCheckingOptions()
                .iterations(MessageLifecycleLincheckTest.scaled(5))
                .invocationsPerIteration(150)
                .threads(3)
                .actorsPerThread(2)
                .actorsBefore(1)
                .actorsAfter(1);
    }
}
