package dev.sendq.core;

import java.util.Arrays;

/**
 * The leases of one sender in the order they were granted, which is the order they expire in
 * (one lease duration for the whole engine). Guarded by the sender's lock.
 *
 * <p>An entry is (message, attempt, expiry). Reports ({@code delivered} and {@code failed}) do
 * not take the sender's lock and so do not remove their entry: an entry whose message no longer
 * has that attempt in PROC is stale and is dropped when it reaches the head, or when the ring
 * is full and compacts before it grows. The ring therefore holds at most about twice the
 * leases in force, plus those granted after the oldest one still in force.
 */
final class LeaseRing {
    private Msg[] msgs = new Msg[16];
    private int[] attempts = new int[16];
    private long[] expiries = new long[16];
    private int head;
    private int size;

    void add(Msg m, int attempt, long expiresAt) {
        if (size == msgs.length) {
            compact();
            if (size > msgs.length * 3 / 4) {
                grow();
            }
        }
        int i = (head + size) & (msgs.length - 1);
        msgs[i] = m;
        attempts[i] = attempt;
        expiries[i] = expiresAt;
        size++;
    }

    /** Drops stale entries at the head; then whether an entry is left. */
    boolean pruneHead() {
        while (size > 0) {
            Msg m = msgs[head];
            if (m.word() == Msg.pack(attempts[head], Msg.PROC)) {
                return true;
            }
            pop();
        }
        return false;
    }

    long headExpiry() {
        return size == 0 ? Long.MAX_VALUE : expiries[head];
    }

    Msg headMsg() {
        return msgs[head];
    }

    int headAttempt() {
        return attempts[head];
    }

    void pop() {
        msgs[head] = null;
        head = (head + 1) & (msgs.length - 1);
        size--;
    }

    private void compact() {
        int n = msgs.length;
        int kept = 0;
        for (int k = 0; k < size; k++) {
            int i = (head + k) & (n - 1);
            Msg m = msgs[i];
            if (m.word() == Msg.pack(attempts[i], Msg.PROC)) {
                int j = (head + kept) & (n - 1);
                msgs[j] = m;
                attempts[j] = attempts[i];
                expiries[j] = expiries[i];
                kept++;
            }
        }
        for (int k = kept; k < size; k++) {
            msgs[(head + k) & (n - 1)] = null;
        }
        size = kept;
    }

    private void grow() {
        int n = msgs.length;
        Msg[] m2 = new Msg[n * 2];
        int[] a2 = new int[n * 2];
        long[] e2 = new long[n * 2];
        for (int k = 0; k < size; k++) {
            int i = (head + k) & (n - 1);
            m2[k] = msgs[i];
            a2[k] = attempts[i];
            e2[k] = expiries[i];
        }
        Arrays.fill(msgs, null);
        msgs = m2;
        attempts = a2;
        expiries = e2;
        head = 0;
    }
}
