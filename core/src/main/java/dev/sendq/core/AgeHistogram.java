package dev.sendq.core;

import java.util.Arrays;

/**
 * The live messages of one cell by enqueue minute and raw state (NEW, PROC, RETRY, HOLD as the
 * containers count them): one entry per minute that still has a message, sorted by minute.
 * From it a query reads, for any instant, how many messages of each state fall in each
 * {@link AgeBucket}, and the oldest NEW message's minute, in O(entries), without looking at a
 * message. Guarded by the sender's lock.
 *
 * <p>Ages are whole minutes of the engine's clock: a message enqueued at minute {@code e}
 * (epoch milliseconds / 60,000, rounded down) is {@code now - e} minutes old at minute
 * {@code now}. Most changes touch the newest entries, which are found from the end. An entry
 * whose counts all reach zero is dropped at once when it is the oldest or the newest (O(1): the
 * live entries are {@code [start, end)}), and otherwise left empty until the arrays fill up and
 * are compacted, so no change costs a shift of the entries.
 */
final class AgeHistogram {
    static final int STATES = 4; // NEW, PROC, RETRY, HOLD: the CellCounters slots 0..3

    private long[] minutes = new long[1];
    private long[] counts = new long[STATES];
    private int start;
    private int end;

    static long minute(long epochMillis) {
        return Math.floorDiv(epochMillis, 60_000L);
    }

    /** Moves one message of enqueue minute {@code minute} from slot {@code from} to {@code to}; a slot outside 0..3 is "none". */
    void move(long minute, int from, int to) {
        int i = find(minute);
        if (i < 0) {
            i = insert(-i - 1, minute);
        }
        int base = i * STATES;
        if (from >= 0 && from < STATES) {
            counts[base + from]--;
        }
        if (to >= 0 && to < STATES) {
            counts[base + to]++;
        }
        if (i == start || i == end - 1) {
            trim();
        }
    }

    private boolean empty(int i) {
        int base = i * STATES;
        return counts[base] == 0 && counts[base + 1] == 0 && counts[base + 2] == 0 && counts[base + 3] == 0;
    }

    /** Drops empty entries at both ends. */
    private void trim() {
        while (start < end && empty(start)) {
            start++;
        }
        while (end > start && empty(end - 1)) {
            end--;
        }
        if (start == end) {
            start = 0;
            end = 0;
        }
    }

    /** Every RETRY message became NEW at once (a hold rule's lift relabels the retry heap). */
    void retryToNew() {
        for (int i = start; i < end; i++) {
            int base = i * STATES;
            counts[base + CellCounters.NEW] += counts[base + CellCounters.RETRY];
            counts[base + CellCounters.RETRY] = 0;
        }
    }

    /**
     * Adds this cell's counts at minute {@code now} into {@code out[state * buckets + bucket]}.
     *
     * @param heldByRule whether a rule holds the cell: its NEW and RETRY then count as HOLD
     */
    void addTo(long now, boolean heldByRule, long[] out) {
        int buckets = AgeBucket.COUNT;
        for (int i = start; i < end; i++) {
            int b = AgeBucket.of(now - minutes[i]).ordinal();
            int base = i * STATES;
            for (int s = 0; s < STATES; s++) {
                long n = counts[base + s];
                if (n != 0) {
                    int st = heldByRule && (s == CellCounters.NEW || s == CellCounters.RETRY) ? CellCounters.HOLD : s;
                    out[st * buckets + b] += n;
                }
            }
        }
    }

    /** The enqueue minute of the oldest message counted in {@code state}, or {@code Long.MAX_VALUE}. */
    long oldestMinute(int state) {
        for (int i = start; i < end; i++) {
            if (counts[i * STATES + state] > 0) {
                return minutes[i];
            }
        }
        return Long.MAX_VALUE;
    }

    /** Entries (distinct minutes) held, empty ones left in the middle included. */
    int size() {
        return end - start;
    }

    /** The entry of {@code minute}, or {@code -(insertion point) - 1}; looks at the newest first. */
    private int find(long minute) {
        if (end > start) {
            long last = minutes[end - 1];
            if (last == minute) {
                return end - 1;
            }
            if (last < minute) {
                return -end - 1;
            }
        }
        return Arrays.binarySearch(minutes, start, end, minute);
    }

    private int insert(int at, long minute) {
        if (end == minutes.length) {
            at = compact(at);
        }
        System.arraycopy(minutes, at, minutes, at + 1, end - at);
        System.arraycopy(counts, at * STATES, counts, (at + 1) * STATES, (end - at) * STATES);
        minutes[at] = minute;
        Arrays.fill(counts, at * STATES, (at + 1) * STATES, 0L);
        end++;
        return at;
    }

    /**
     * Makes room at the end: moves the non-empty entries to the front (dropping empty ones), and
     * doubles the arrays if that freed less than a quarter of them. Returns where {@code at}, an
     * insertion point, now is.
     */
    private int compact(int at) {
        int live = 0;
        int newAt = -1;
        for (int i = start; i < end; i++) {
            if (i == at) {
                newAt = live;
            }
            if (!empty(i)) {
                minutes[live] = minutes[i];
                System.arraycopy(counts, i * STATES, counts, live * STATES, STATES);
                live++;
            }
        }
        if (newAt < 0) {
            newAt = live; // at == end
        }
        start = 0;
        end = live;
        if (live * 4 >= minutes.length * 3) {
            minutes = Arrays.copyOf(minutes, Math.max(2, minutes.length * 2));
            counts = Arrays.copyOf(counts, minutes.length * STATES);
        }
        return newAt;
    }
}
