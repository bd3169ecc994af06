package dev.sendq.bench;

import dev.sendq.core.AgeBucket;
import dev.sendq.core.AgeRow;
import dev.sendq.core.Grouping;
import dev.sendq.core.MessageState;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.RetryReason;
import dev.sendq.core.RetryReasonRow;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * The age query ({@code ages}: messages per state and {@link AgeBucket}, oldest NEW) and the
 * retry-reason query ({@code retryReasons}) of the whole sender, per grouping, against the
 * number of cells (100; 10,000; 100,000), in sendq (per-cell histograms and counters) and by
 * grouping a list of the messages per query (O(messages)).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar AgeQueryBenchmark -prof gc
 * </pre>
 *
 * {@code messages} (1,000,000) are enqueued evenly over the 6 hours before the query (a
 * {@link ManualClock} moves while they are enqueued), into random cells, so that every bucket
 * has messages; a cell then holds one age entry per distinct enqueue minute of its messages
 * (up to 360: about 360 per cell at 100 cells, 100 at 10,000, 10 at 100,000), which is what
 * the age query reads besides the cells. As in {@link StatsQueryBenchmark}, a tenth of the
 * messages are taken (PROC), a tenth deferred (RETRY, due in an hour, reasons in turn), and
 * one account held; each account has 50 cells. The set-up ends with a full GC.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class AgeQueryBenchmark {
    static final long SPAN_MINUTES = 360;
    static final RetryReason[] REASONS = RetryReason.values();

    /** The implementations compared. */
    public enum Impl { SENDQ, GROUP_MESSAGE_LIST }

    /** One message as a list-based queue keeps it. */
    record Message(int account, int campaign, String isp, MessageState state, long enqueuedMinute, RetryReason reason) { }

    /** A queue of {@code messages} messages over {@code cells} cells. */
    @State(Scope.Benchmark)
    public static class Queue {
        @Param({"100", "10000", "100000"})
        int cells;

        @Param({"1000000"})
        int messages;

        @Param
        Grouping grouping;

        @Param
        Impl impl;

        SenderQueue sender;
        List<Message> list;
        long nowMinute;

        @Setup(Level.Trial)
        public void setUp() {
            SplittableRandom r = new SplittableRandom(42);
            long now = System.currentTimeMillis();
            long start = now - SPAN_MINUTES * 60_000;
            nowMinute = Math.floorDiv(now, 60_000L);
            int n = Math.max(cells, messages);
            if (impl == Impl.SENDQ) {
                ManualClock clock = new ManualClock(start);
                QueueEngine engine = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofDays(1)).build();
                sender = engine.addSender(1);
                StatsQueryBenchmark.Queue.fill(engine, sender, cells, messages, r,
                        i -> clock.advance(start + (now - start) * i / n - clock.millis()));
            } else {
                list = new ArrayList<>(messages);
                for (int i = 0; i < messages; i++) {
                    long t = start + (now - start) * i / n;
                    int cell = i < cells ? i : r.nextInt(cells);
                    int account = StatsQueryBenchmark.Queue.account(cell);
                    MessageState s = account == 1 ? MessageState.HOLD
                            : i % 10 == 0 ? MessageState.PROC : i % 10 == 1 ? MessageState.RETRY : MessageState.NEW;
                    list.add(new Message(account, StatsQueryBenchmark.Queue.campaign(cell),
                            StatsQueryBenchmark.Queue.isp(cell), s, Math.floorDiv(t, 60_000L),
                            s == MessageState.RETRY ? REASONS[(i / 10) % REASONS.length] : null));
                }
            }
            System.gc(); // see StatsQueryBenchmark
        }
    }

    /** The age query of the whole sender. */
    @Benchmark
    public Object ages(Queue q) {
        if (q.impl == Impl.SENDQ) {
            return q.sender.ages(Selector.ALL, q.grouping);
        }
        return ageList(q.list, q.grouping, q.nowMinute);
    }

    /** The retry-reason query of the whole sender. */
    @Benchmark
    public Object retryReasons(Queue q) {
        if (q.impl == Impl.SENDQ) {
            return q.sender.retryReasons(Selector.ALL, q.grouping);
        }
        return retryReasonList(q.list, q.grouping);
    }

    /** The group key of a message, as a list-based queue would build it per message. */
    static List<Object> key(Message m, Grouping g) {
        return switch (g) {
            case TOTAL -> List.of();
            case ACCOUNT -> List.of(m.account());
            case ACCOUNT_CAMPAIGN -> List.of(m.account(), m.campaign());
            case ISP -> List.of(m.isp());
        };
    }

    /** Account, campaign and ISP of a group key, as a row wants them. */
    private static Object[] rowKey(List<Object> k, Grouping g) {
        int account = g == Grouping.ACCOUNT || g == Grouping.ACCOUNT_CAMPAIGN ? (Integer) k.get(0) : 0;
        int campaign = g == Grouping.ACCOUNT_CAMPAIGN ? (Integer) k.get(1) : 0;
        String isp = g == Grouping.ISP ? (String) k.get(0) : "";
        return new Object[] {account, campaign, isp};
    }

    private static final Comparator<Object[]> ROW_ORDER = Comparator.<Object[]>comparingInt(k -> (Integer) k[0])
            .thenComparingInt(k -> (Integer) k[1]).thenComparing(k -> (String) k[2]);

    /** The straightforward per-query age grouping of a message list: state × bucket, and the oldest NEW minute. */
    static List<AgeRow> ageList(List<Message> list, Grouping g, long nowMinute) {
        int cols = MessageState.values().length * AgeBucket.COUNT; // state ordinal x bucket, as AgeRow
        Map<List<Object>, long[]> groups = new HashMap<>();
        for (Message m : list) {
            long[] c = groups.computeIfAbsent(key(m, g), k -> {
                long[] a = new long[cols + 1];
                a[cols] = Long.MAX_VALUE;
                return a;
            });
            c[m.state().ordinal() * AgeBucket.COUNT + AgeBucket.of(nowMinute - m.enqueuedMinute()).ordinal()]++;
            if (m.state() == MessageState.NEW) {
                c[cols] = Math.min(c[cols], m.enqueuedMinute());
            }
        }
        List<Object[]> keys = new ArrayList<>(groups.size());
        for (List<Object> k : groups.keySet()) {
            Object[] rk = rowKey(k, g);
            keys.add(new Object[] {rk[0], rk[1], rk[2], k});
        }
        keys.sort(ROW_ORDER);
        List<AgeRow> rows = new ArrayList<>(keys.size());
        for (Object[] k : keys) {
            long[] c = groups.get(k[3]);
            rows.add(new AgeRow((Integer) k[0], (Integer) k[1], (String) k[2],
                    c[cols] == Long.MAX_VALUE ? -1 : nowMinute - c[cols], Arrays.copyOf(c, cols)));
        }
        return rows;
    }

    /** The straightforward per-query retry-reason grouping of a message list. */
    static List<RetryReasonRow> retryReasonList(List<Message> list, Grouping g) {
        Map<List<Object>, long[]> groups = new HashMap<>();
        for (Message m : list) {
            if (m.state() == MessageState.RETRY) {
                groups.computeIfAbsent(key(m, g), k -> new long[REASONS.length])[m.reason().ordinal()]++;
            }
        }
        List<RetryReasonRow> rows = new ArrayList<>(groups.size());
        for (Map.Entry<List<Object>, long[]> e : groups.entrySet()) {
            Object[] rk = rowKey(e.getKey(), g);
            rows.add(new RetryReasonRow((Integer) rk[0], (Integer) rk[1], (String) rk[2], e.getValue()));
        }
        rows.sort(Comparator.comparingInt(RetryReasonRow::accountId).thenComparingInt(RetryReasonRow::campaignId)
                .thenComparing(RetryReasonRow::isp));
        return rows;
    }
}
