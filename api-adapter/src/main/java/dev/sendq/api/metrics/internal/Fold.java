package dev.sendq.api.metrics.internal;

import dev.sendq.api.metrics.Breakdown;
import dev.sendq.api.metrics.MetricsOptions;
import dev.sendq.core.MessageState;
import dev.sendq.core.Outcome;
import dev.sendq.core.OutcomeRow;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.StatsRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The top-N fold of one {@link Breakdown} of one sender: reads the sender's stats and outcome
 * rows for that breakdown (O(cells of the sender)), gives the N busiest keys their own series
 * and sums every other key into one {@value MetricsOptions#OTHER} series, so that the number of
 * series never exceeds N + 1 whatever the number of keys.
 *
 * <p>The busiest keys are those with the most live messages (NEW + PROC + RETRY + HOLD), then
 * the most finished ones, then the lowest key; an ISP whose name is {@value MetricsOptions#OTHER}
 * is always folded, so that its series cannot collide with the folded one.
 *
 * <p>Finished-message counters stay monotonic although keys enter and leave the top N: a key's
 * counter starts at 0 when it enters (except on the first read, when nothing has been exported
 * yet and every key starts from its engine count), and what it had counted when it leaves stays
 * out of {@code other}. See the concurrency note inside.
 *
 * <p>Thread-safe: {@link #read} is serialised per fold, and reads the counters inside, so that
 * the bookkeeping always moves forward in counter time.
 */
public final class Fold {
    /*
     * Bookkeeping of the finished (cumulative) counters. Let v(k) be the engine's count of key k
     * (one outcome), M the members (keys with their own series), base(k) what k had when it
     * entered, R the "retired" sum. Exported: member k shows v(k) - base(k); other shows
     *   sum over non-members of v  +  sum over members of base  -  R.
     * Every exported series, `other` included, is non-decreasing:
     *  - with M fixed, each term only grows with v;
     *  - k enters: it leaves the first sum (-v(k)) and adds base(k) = v(k): other unchanged, and
     *    k's series starts at 0 (what k counted before stays in other);
     *  - k leaves: it joins the first sum (+v(k)), drops base(k), and R grows by what k's series
     *    last showed, last(k) - base(k): other grows by v(k) - last(k) >= 0, exactly what k
     *    counted since its series' last sample, so no increase is lost to a vanished series.
     * The sum of all exported series is the sender's total minus R. On the very first read
     * nothing has been exported, so members enter with base 0 and every series is exact.
     * Live counts need none of this: they are gauges, and other is the plain sum of the rest.
     * Reads are serialised (synchronized) and read the counters inside the lock, so that two
     * concurrent scrapes cannot apply an older reading after a newer one.
     */
    private static final int STATES = MessageState.values().length;
    private static final int OUTCOMES = Outcome.values().length;

    private final Breakdown breakdown;
    private final int top;
    private final List<String> otherLabels;
    private final Map<Key, Member> members = new HashMap<>();
    private final long[] retired = new long[OUTCOMES];
    private boolean ranked;
    private long admissions;

    /** A key of the breakdown: the row's account, campaign and ISP (0 / "" where not grouped). */
    record Key(int account, int campaign, String isp) implements Comparable<Key> {
        @Override
        public int hashCode() {
            return (account * 31 + campaign) * 31 + isp.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.account == account && k.campaign == campaign && k.isp.equals(isp);
        }

        @Override
        public int compareTo(Key o) {
            int c = Integer.compare(account, o.account);
            if (c == 0) {
                c = Integer.compare(campaign, o.campaign);
            }
            return c != 0 ? c : isp.compareTo(o.isp);
        }
    }

    /** A key's counts in one read. */
    private static final class Entry {
        final Key key;
        final long[] live = new long[STATES];
        final long[] finished = new long[OUTCOMES];
        long liveTotal;
        long finishedTotal;

        Entry(Key key) {
            this.key = key;
        }
    }

    /** A member's admission number and baselines: its counts when it entered, and when its series was last read. */
    private static final class Member {
        final long generation;
        final long[] base;
        final long[] last;

        Member(long generation, long[] base) {
            this.generation = generation;
            this.base = base;
            this.last = base.clone();
        }
    }

    /** Busiest first: live total, then finished total, both descending, then key ascending. */
    private static final Comparator<Entry> BUSIEST_FIRST = (a, b) -> {
        int c = Long.compare(b.liveTotal, a.liveTotal);
        if (c == 0) {
            c = Long.compare(b.finishedTotal, a.finishedTotal);
        }
        return c != 0 ? c : a.key.compareTo(b.key);
    };

    /**
     * A fold of {@code breakdown} keeping {@code top} keys.
     *
     * @throws IllegalArgumentException if {@code top} is not within 1..{@value MetricsOptions#MAX_TOP}
     */
    public Fold(Breakdown breakdown, int top) {
        if (top < 1 || top > MetricsOptions.MAX_TOP) {
            throw new IllegalArgumentException("top must be within 1.." + MetricsOptions.MAX_TOP + ", got " + top);
        }
        this.breakdown = breakdown;
        this.top = top;
        this.otherLabels = Collections.nCopies(breakdown.labelNames().size(), MetricsOptions.OTHER);
    }

    /**
     * Reads the sender's rows for this breakdown and folds them.
     *
     * @param sender the sender
     * @param rerank whether to choose the top keys again (else the members of the last ranking
     *               keep their series; the first read always ranks)
     * @return the series: members in key order, then {@code other}
     */
    public synchronized Folded read(SenderQueue sender, boolean rerank) {
        Map<Key, Entry> entries = entries(sender);
        if (rerank || !ranked) {
            rank(entries);
            ranked = true;
        }
        List<Key> keys = new ArrayList<>(members.keySet());
        Collections.sort(keys);
        List<Series> series = new ArrayList<>(keys.size() + 1);
        long[] otherLive = new long[STATES];
        long[] otherFinished = new long[OUTCOMES];
        for (Key k : keys) {
            Member m = members.get(k);
            Entry e = entries.get(k);
            long[] live = e == null ? new long[STATES] : e.live;
            long[] shown = new long[OUTCOMES];
            for (int i = 0; i < OUTCOMES; i++) {
                m.last[i] = Math.max(m.last[i], e == null ? 0 : e.finished[i]);
                shown[i] = m.last[i] - m.base[i];
                otherFinished[i] += m.base[i];
            }
            series.add(new Series(labels(k), live, shown, false, m.generation));
        }
        for (Entry e : entries.values()) {
            if (!members.containsKey(e.key)) {
                add(otherLive, e.live);
                add(otherFinished, e.finished);
            }
        }
        for (int i = 0; i < OUTCOMES; i++) {
            otherFinished[i] = Math.max(0, otherFinished[i] - retired[i]);
        }
        series.add(new Series(otherLabels, otherLive, otherFinished, true, 0));
        return new Folded(breakdown, series);
    }

    private Map<Key, Entry> entries(SenderQueue sender) {
        List<StatsRow> live = sender.stats(Selector.ALL, breakdown.grouping());
        List<OutcomeRow> finished = sender.outcomes(Selector.ALL, breakdown.grouping());
        Map<Key, Entry> entries = new HashMap<>(Math.max(16, (live.size() + finished.size()) * 4 / 3));
        for (StatsRow r : live) {
            Entry e = entries.computeIfAbsent(new Key(r.accountId(), r.campaignId(), r.isp()), Entry::new);
            for (MessageState s : MessageState.values()) {
                e.live[s.ordinal()] = r.count(s);
            }
            e.liveTotal = r.total();
        }
        for (OutcomeRow r : finished) {
            Entry e = entries.computeIfAbsent(new Key(r.accountId(), r.campaignId(), r.isp()), Entry::new);
            for (Outcome o : Outcome.values()) {
                e.finished[o.ordinal()] = r.count(o);
            }
            e.finishedTotal = r.total();
        }
        return entries;
    }

    private void rank(Map<Key, Entry> entries) {
        PriorityQueue<Entry> best = new PriorityQueue<>(top + 1, BUSIEST_FIRST.reversed()); // least busy at the head
        for (Entry e : entries.values()) {
            if (breakdown == Breakdown.ISP && e.key.isp().equals(MetricsOptions.OTHER)) {
                continue;
            }
            best.offer(e);
            if (best.size() > top) {
                best.poll();
            }
        }
        Set<Key> chosen = new HashSet<>();
        for (Entry e : best) {
            chosen.add(e.key);
        }
        for (Iterator<Map.Entry<Key, Member>> it = members.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Member> me = it.next();
            if (!chosen.contains(me.getKey())) {
                Member m = me.getValue();
                for (int i = 0; i < OUTCOMES; i++) {
                    retired[i] += m.last[i] - m.base[i];
                }
                it.remove();
            }
        }
        for (Key k : chosen) {
            if (!members.containsKey(k)) {
                members.put(k, new Member(++admissions, ranked ? entries.get(k).finished.clone() : new long[OUTCOMES]));
            }
        }
    }

    private List<String> labels(Key k) {
        return switch (breakdown) {
            case ISP -> List.of(k.isp());
            case ACCOUNT -> List.of(Integer.toString(k.account()));
            case CAMPAIGN -> List.of(Integer.toString(k.account()), Integer.toString(k.campaign()));
        };
    }

    private static void add(long[] sum, long[] v) {
        for (int i = 0; i < sum.length; i++) {
            sum[i] += v[i];
        }
    }

    @Override
    public synchronized String toString() {
        return "Fold[" + breakdown + ", top " + top + ", members " + members.size() + ", retired "
                + Arrays.toString(retired) + "]";
    }
}
