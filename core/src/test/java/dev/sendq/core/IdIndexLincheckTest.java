package dev.sendq.core;

import java.util.HashSet;
import java.util.Set;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Lincheck on {@link IdIndex}: inserts, lock-free gets, lock-free removes and ends (a message's
 * state word taking an outcome, its slot emptied by {@link IdIndex#unlink} or not) are linearizable
 * against a map of ids, with one segment whose table starts at two slots, so that scenarios of
 * a few operations already resize it, and a remove or a get can interleave with a resize's
 * copy. The sequential specification is a set of ids ({@link SetOfIds}), so that a wrong
 * answer is caught even when every interleaving would give it.
 */
@Tag("slow")
class IdIndexLincheckTest {

    @Param(name = "id", gen = IntGen.class, conf = "1:5")
    public static class Ops {
        /**
         * Marks a message whose end emptied its slot (in a field the index does not use), so
         * that the validation can tell it from one left to inserts and resizes.
         */
        private static final int GONE_FROM_INDEX = -7;
        private final IdIndex index = new IdIndex(1, 2);

        /** An enqueue's insert of a new message: true if the id was free. */
        @Operation
        public boolean put(@Param(name = "id") int id) {
            return index.putIfAbsent(new Msg(id, null, null, 0, 0));
        }

        /** Whether a message has the id. */
        @Operation
        public boolean get(@Param(name = "id") int id) {
            Msg m = index.get(id);
            if (m != null && m.id != id) {
                throw new AssertionError("asked for " + id + ", found " + m.id);
            }
            return m != null;
        }

        /**
         * The end of the message that has the id, found first as an operation by id does: the
         * remove is of that very message, so a message put after the lookup is not touched.
         * Nothing is returned, since two such ends can both find the same message.
         */
        @Operation
        public void remove(@Param(name = "id") int id) {
            Msg m = index.get(id);
            if (m != null) {
                index.remove(m);
            }
        }

        /**
         * The end of the message that has the id as a worker's lock-free report makes it: its
         * state word takes an outcome, which is all the index needs to treat it as gone; then,
         * maybe after other operations, its slot is emptied as a batch of ended messages is
         * (with the slot read at the end, as the sender reads it).
         */
        @Operation
        public void end(@Param(name = "id") int id) {
            Msg m = index.get(id);
            if (m != null && m.casState(m.word(), Msg.pack(1, Msg.GONE))) {
                index.unlink(IdIndex.hash(id), m.slot, m);
                m.heapIndex = GONE_FROM_INDEX;
            }
        }

        /**
         * The end of a message under its sender's lock (a cancel, an expiry): its state word
         * takes an outcome first, then it is removed; the remove must find it although lookups
         * by id skip it by then.
         */
        @Operation
        public void endAndRemove(@Param(name = "id") int id) {
            Msg m = index.get(id);
            if (m != null && m.casState(m.word(), Msg.pack(1, Msg.GONE))) {
                index.remove(m);
                m.heapIndex = GONE_FROM_INDEX;
            }
        }

        /** The same end whose slot nobody empties: left to inserts of its id and to resizes. */
        @Operation
        public void endLazily(@Param(name = "id") int id) {
            Msg m = index.get(id);
            if (m != null) {
                m.casState(m.word(), Msg.pack(1, Msg.GONE));
            }
        }

        /**
         * Quiet: the count agrees with the ids found, and no message that an end removed (or
         * emptied the slot of) is still in the table.
         */
        @Validate
        public void sizeWhenQuiet() {
            for (Msg o : index.tableFor(1)) {
                if (o != null && o.heapIndex == GONE_FROM_INDEX) {
                    throw new AssertionError("message " + o.id + " was removed, but a slot still refers to it");
                }
            }
            int found = 0;
            for (int id = 1; id <= 5; id++) {
                if (index.get(id) != null) {
                    found++;
                }
            }
            if (index.size() != found) {
                throw new AssertionError("size " + index.size() + " when quiet, but " + found + " ids are found");
            }
        }
    }

    /** The sequential specification: a set of ids, as a map's keys. */
    public static class SetOfIds {
        private final Set<Integer> ids = new HashSet<>();

        public boolean put(int id) {
            return ids.add(id);
        }

        public boolean get(int id) {
            return ids.contains(id);
        }

        public void remove(int id) {
            ids.remove(id);
        }

        public void end(int id) {
            ids.remove(id);
        }

        public void endLazily(int id) {
            ids.remove(id);
        }

        public void endAndRemove(int id) {
            ids.remove(id);
        }
    }

    @Test
    void stress() {
        new StressOptions()
                .iterations(MessageLifecycleLincheckTest.scaled(30))
                .invocationsPerIteration(1_000)
                .threads(3)
                .actorsPerThread(4)
                .actorsBefore(3)
                .actorsAfter(2)
                .sequentialSpecification(SetOfIds.class)
                .check(Ops.class);
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .iterations(MessageLifecycleLincheckTest.scaled(30))
                .invocationsPerIteration(300)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(3)
                .actorsAfter(1)
                .sequentialSpecification(SetOfIds.class)
                .check(Ops.class);
    }
}
