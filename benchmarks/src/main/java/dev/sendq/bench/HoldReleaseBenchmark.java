package dev.sendq.bench;

import dev.sendq.core.HoldImpact;
import dev.sendq.core.HoldReason;
import dev.sendq.core.HoldRule;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Holding a whole campaign and letting it go again, against the number of its queued messages
 * ({@code messages}: 10,000; 1,000,000) and the number of cells of the sender ({@code cells}:
 * 100; 10,000; 100,000). The campaign has 5 cells (one per ISP) holding all of its messages;
 * every other cell of the sender has one message. sendq's hold rule costs O(cells of the sender)
 * and never touches a message, so at fixed cells the time must not grow with the messages:
 * <ul>
 * <li>{@code holdAndLift}: {@code hold(campaign, reason, label, null)} then {@code liftHold(id)};</li>
 * <li>{@code holdAndRelease}: the same hold, then {@code release(campaign)} (the rules of exactly
 *     that selector, as the release endpoint does);</li>
 * <li>{@code previewHold}: the dry run, how many messages a hold of the campaign would move;</li>
 * <li>{@code perMessageHoldAndLift}: the peer, what a queue without hold rules does: walk the
 *     campaign's messages (kept in a list of their own, so nothing else is visited) and move
 *     each to HOLD and back, with its cell's {@code LongAdder} counters (O(messages)).</li>
 * </ul>
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar HoldReleaseBenchmark -prof gc
 * </pre>
 *
 * The set-up ends with a full GC, so that the messages start in the old generation (see
 * {@link StatsQueryBenchmark}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class HoldReleaseBenchmark {
    static final String[] ISPS = {"Gmail", "Yahoo", "Microsoft", "Apple", "Other"};
    static final Selector CAMPAIGN = Selector.campaign(1, 1);

    /** A sender with one big campaign among {@code cells} cells. */
    @State(Scope.Thread)
    public static class Queue {
        @Param({"100", "10000", "100000"})
        int cells;

        /** Queued messages of the held campaign. */
        @Param({"10000", "1000000"})
        int messages;

        SenderQueue sender;

        @Setup(Level.Trial)
        public void setUp() {
            sender = QueueEngine.builder().build().addSender(1);
            long id = 0;
            for (int i = 0; i < messages; i++) {
                sender.enqueue(++id, 1, 1, ISPS[i % ISPS.length], null);
            }
            for (int i = ISPS.length; i < cells; i++) {
                sender.enqueue(++id, 2 + i / 50, i % 10, ISPS[(i / 10) % ISPS.length], null);
            }
            if (sender.cellCount() != Math.max(cells, ISPS.length)) {
                throw new IllegalStateException(sender.cellCount() + " cells, want " + cells);
            }
            System.gc(); // see the class comment
        }
    }

    /** Hold the campaign, then lift the rule by id. */
    @Benchmark
    public HoldRule holdAndLift(Queue q) {
        HoldRule r = q.sender.hold(CAMPAIGN, HoldReason.OPERATOR, "benchmark", null);
        return q.sender.liftHold(r.id());
    }

    /** Hold the campaign, then release it by its selector. */
    @Benchmark
    public List<HoldRule> holdAndRelease(Queue q) {
        q.sender.hold(CAMPAIGN, HoldReason.OPERATOR, "benchmark", null);
        return q.sender.release(CAMPAIGN);
    }

    /** How many messages a hold of the campaign would move now. */
    @Benchmark
    public HoldImpact previewHold(Queue q) {
        return q.sender.previewHold(CAMPAIGN);
    }

    /** One message as the peer keeps it: its state and its cell's counters (NEW, HOLD). */
    static final class Rec {
        static final int NEW = 0;
        static final int HOLD = 1;
        int state;
        final LongAdder[] cell;

        Rec(LongAdder[] cell) {
            this.cell = cell;
        }
    }

    /** The peer: the campaign's messages in a list of their own. */
    @State(Scope.Thread)
    public static class PerMessage {
        @Param({"10000", "1000000"})
        int messages;

        List<Rec> campaign;

        @Setup(Level.Trial)
        public void setUp() {
            LongAdder[][] cells = new LongAdder[ISPS.length][];
            for (int i = 0; i < cells.length; i++) {
                cells[i] = new LongAdder[] {new LongAdder(), new LongAdder()};
            }
            campaign = new ArrayList<>(messages);
            for (int i = 0; i < messages; i++) {
                LongAdder[] c = cells[i % ISPS.length];
                c[Rec.NEW].increment();
                campaign.add(new Rec(c));
            }
            System.gc(); // see the class comment
        }
    }

    /** The peer: every message of the campaign to HOLD, then every one back to NEW. */
    @Benchmark
    public int perMessageHoldAndLift(PerMessage p) {
        int moved = 0;
        for (Rec r : p.campaign) {
            if (r.state == Rec.NEW) {
                r.state = Rec.HOLD;
                r.cell[Rec.NEW].decrement();
                r.cell[Rec.HOLD].increment();
                moved++;
            }
        }
        for (Rec r : p.campaign) {
            if (r.state == Rec.HOLD) {
                r.state = Rec.NEW;
                r.cell[Rec.HOLD].decrement();
                r.cell[Rec.NEW].increment();
            }
        }
        return moved;
    }
}
