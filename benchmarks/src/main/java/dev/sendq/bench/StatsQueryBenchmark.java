package dev.sendq.bench;

import dev.sendq.core.Grouping;
import dev.sendq.core.Lease;
import dev.sendq.core.MessageState;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.RetryReason;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.StatsRow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
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
 * The stats query, per grouping, against the number of cells (100; 10,000; 100,000) and the
 * number of queued messages (10,000; 1,000,000), in sendq (counters, O(cells)) and by grouping a
 * list of the messages per query (what a queue without counters must do, O(messages)).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar StatsQueryBenchmark -prof gc
 * </pre>
 *
 * A tenth of the messages are taken (PROC), a tenth deferred (RETRY), one account held (HOLD).
 * The number of cells is the same whatever the number of messages (with fewer messages than
 * cells, the surplus cells exist but are empty), so that the two message counts compare at
 * fixed cells. Each account has 50 cells: 10 campaigns x 5 ISPs.
 *
 * <p>The set-up ends with a full GC, so that the queued messages start the measurement in the
 * old generation, as a long-running engine's do; without it the first young collections of the
 * measurement copy the million messages the set-up just made, and charge that to the query.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class StatsQueryBenchmark {
    static final String[] ISPS = {"Gmail", "Yahoo", "Microsoft", "Apple", "Other"};

    /** The implementations compared. */
    public enum Impl { SENDQ, GROUP_MESSAGE_LIST }

    /** One message as a list-based queue keeps it. */
    record Message(int account, int campaign, String isp, MessageState state) { }

    /** A queue of {@code messages} messages over {@code cells} cells. */
    @State(Scope.Benchmark)
    public static class Queue {
        @Param({"100", "10000", "100000"})
        int cells;

        @Param({"10000", "1000000"})
        int messages;

        @Param
        Grouping grouping;

        @Param
        Impl impl;

        SenderQueue sender;
        List<Message> list;

        @Setup(Level.Trial)
        public void setUp() {
            SplittableRandom r = new SplittableRandom(42);
            if (impl == Impl.SENDQ) {
                QueueEngine engine = QueueEngine.builder().leaseDuration(Duration.ofDays(1)).build();
                sender = engine.addSender(1);
                fill(engine, sender, cells, messages, r, i -> { });
            } else {
                list = new ArrayList<>(messages);
                for (int i = 0; i < messages; i++) {
                    int cell = i < cells ? i : r.nextInt(cells);
                    MessageState s = account(cell) == 1 ? MessageState.HOLD
                            : i % 10 == 0 ? MessageState.PROC : i % 10 == 1 ? MessageState.RETRY : MessageState.NEW;
                    list.add(new Message(account(cell), campaign(cell), isp(cell), s));
                }
            }
            System.gc(); // see the class comment
        }

        /**
         * Fills {@code sender} as the class comment says: every cell exists, with a message of
         * the first {@code cells} and the rest in random cells (the surplus cancelled when there are
         * fewer messages than cells), a tenth taken, a tenth deferred by an hour (reasons in turn),
         * account 1 held. {@code beforeEnqueue} is called with {@code i} before the {@code i}-th
         * enqueue, and with their number after the last (to move a clock).
         */
        static void fill(QueueEngine engine, SenderQueue sender, int cells, int messages, SplittableRandom r,
                         IntConsumer beforeEnqueue) {
            int n = Math.max(cells, messages);
            for (int i = 0; i < n; i++) {
                beforeEnqueue.accept(i);
                int cell = i < cells ? i : r.nextInt(cells);
                sender.enqueue(i + 1, account(cell), campaign(cell), isp(cell), null);
            }
            beforeEnqueue.accept(n);
            for (int i = messages; i < n; i++) {
                engine.cancel(i + 1);
            }
            Lease lease = new Lease();
            RetryReason[] reasons = RetryReason.values();
            for (int i = 0; i < messages / 5 && sender.take(lease); i++) {
                if (i % 2 == 0) {
                    engine.defer(lease, Duration.ofHours(1), reasons[(i / 2) % reasons.length]);
                }
            }
            sender.hold(Selector.account(1));
            if (sender.cellCount() != cells) {
                throw new IllegalStateException(sender.cellCount() + " cells, want " + cells);
            }
        }

        static int account(int cell) {
            return 1 + cell / 50;
        }

        static int campaign(int cell) {
            return cell % 10;
        }

        /** Distinct from the campaign: (cell / 10) % 5, so that the 50 cells of an account are 50 cells. */
        static String isp(int cell) {
            return ISPS[(cell / 10) % ISPS.length];
        }
    }

    /** One stats query over the whole sender, as the endpoint asks it. */
    @Benchmark
    public List<StatsRow> query(Queue q) {
        if (q.impl == Impl.SENDQ) {
            return q.sender.stats(Selector.ALL, q.grouping);
        }
        return groupList(q.list, q.grouping);
    }

    /** A message's group under {@code g}, as a list of its key's parts. */
    static List<Object> key(Grouping g, int account, int campaign, String isp) {
        return switch (g) {
            case TOTAL -> List.of();
            case ACCOUNT -> List.of(account);
            case ACCOUNT_CAMPAIGN -> List.of(account, campaign);
            case ISP -> List.of(isp);
        };
    }

    /**
     * The rows of a query's answer under {@code g}, for the queue the set-up makes: one per
     * group that holds a message. With fewer messages than cells only the first
     * {@code messages} cells do, so the two message counts can answer with different numbers of
     * rows (the report compares like with like).
     */
    public static int rows(int cells, int messages, Grouping g) {
        Set<List<Object>> groups = new HashSet<>();
        for (int cell = 0; cell < Math.min(cells, messages); cell++) {
            groups.add(key(g, Queue.account(cell), Queue.campaign(cell), Queue.isp(cell)));
        }
        return groups.size();
    }

    /** The straightforward per-query grouping of a message list. */
    static List<StatsRow> groupList(List<Message> list, Grouping g) {
        Map<List<Object>, long[]> groups = new HashMap<>();
        for (Message m : list) {
            groups.computeIfAbsent(key(g, m.account(), m.campaign(), m.isp()), k -> new long[4])[m.state().ordinal()]++;
        }
        List<StatsRow> rows = new ArrayList<>(groups.size());
        for (Map.Entry<List<Object>, long[]> e : groups.entrySet()) {
            List<Object> k = e.getKey();
            long[] c = e.getValue();
            int account = g == Grouping.ACCOUNT || g == Grouping.ACCOUNT_CAMPAIGN ? (Integer) k.get(0) : 0;
            int campaign = g == Grouping.ACCOUNT_CAMPAIGN ? (Integer) k.get(1) : 0;
            String isp = g == Grouping.ISP ? (String) k.get(0) : "";
            rows.add(StatsRow.of(account, campaign, isp, c[3], c[0], c[1], c[2]));
        }
        rows.sort(Comparator.comparingInt(StatsRow::accountId).thenComparingInt(StatsRow::campaignId)
                .thenComparing(StatsRow::isp));
        return rows;
    }
}
