package dev.sendq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counters of one cell: its messages per live state and its cumulative outcomes, updated
 * lock-free and without allocation by every transition, summed by readers.
 *
 * <p>Any thread may call any method. {@link #move}, {@link #add} are wait-free (a bounded number
 * of atomic instructions, whatever other threads do). {@link #sum} is wait-free and returns
 * exactly the slot's value when no update is in flight. Under concurrent updates it returns a
 * value the slot held at some moment of the call for a slot that only ever grows by 1 (the
 * outcomes, as reports move them), and otherwise a value within the updates in flight during
 * the call (it may even be transiently negative; callers clamp).
 */
class CellCounters {
    /*
     * Concurrency: adaptive striping, in the spirit of LongAdder, but per cell rather than per
     * counter, so that one transition (a decrement and an increment) touches one cell's 64
     * bytes. (Arrays are only 8-byte aligned, so those usually straddle two lines: the live
     * slots share one, and EXPIRED and CANCELLED may share the next with a neighbour's first
     * slots. A CAS compares values, not lines, so that sharing costs time, never correctness.)
     *
     * A cell starts with one stripe, `base`: its 8 longs (64 bytes) in the counts array of its
     * block in the sender's CellIndex, next to its neighbours', so that a query streams them (a
     * quiet neighbour shares a line at most; a contended pair inflates). A move adds to the old
     * slot, then CASes the new one; a CAS that fails is finished with getAndAdd (so an update
     * never retries more than once: wait-free) and counted in `contention`. A cell whose
     * contention passes INFLATE_AFTER gets `stripes`, NSTRIPES padded stripes of its own; each
     * thread then updates the stripe its (thread id, salt) hash picks, and a CAS failure there
     * (two threads hashed to one stripe) re-draws the salt after REHASH_AFTER collisions. Sums read base plus every stripe. A value
     * lives at exactly one slot of one stripe per update, and stripes are never dropped or
     * copied, so no update can be lost: a quiet cell sums exactly. A count can look negative
     * only while a message's increment and decrement landed on different stripes and the reader
     * read them at different times; readers clamp.
     *
     * Why not LongAdder per slot: four LongAdders inflate independently and a transition then
     * touches two padded cells far apart; 10,000 spread cells at 2 threads all end up inflated.
     * Here inflation needs sustained contention (a hot cell), so spread cells stay one line.
     */
    static final int NEW = 0;
    static final int PROC = 1;
    static final int RETRY = 2;
    static final int HOLD = 3;
    static final int DELIVERED = 4;
    static final int FAILED = 5;
    static final int EXPIRED = 6;
    static final int CANCELLED = 7;
    static final int SLOTS = 8;

    /** Longs per stripe: 128 bytes, so two stripes never share an adjacent-line prefetch pair. */
    private static final int STRIDE = 16;
    static final int NSTRIPES = nstripes(Runtime.getRuntime().availableProcessors());
    private static final int INFLATE_AFTER = 8;
    private static final int REHASH_AFTER = 4;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle STRIPE_REFS = MethodHandles.arrayElementVarHandle(long[][].class);
    private static final VarHandle STRIPES;

    static {
        try {
            STRIPES = MethodHandles.lookup().findVarHandle(CellCounters.class, "stripes", long[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The block of the sender's {@link CellIndex} that holds this cell's counters, and its place there. */
    final CellIndex.Block block;
    final int at;
    /** The block's counts; this cell's base stripe is {@code base[off .. off + SLOTS)}. */
    private final long[] base;
    private final int off;
    /**
     * The stripes, for writers: set after they are published in {@code block.stripes[at]}, which
     * is where readers look (see {@link #inflate}).
     */
    @SuppressWarnings("unused") // written through STRIPES
    private volatile long[] stripes;
    /** Racy hints, read and written plainly: a lost update only delays an inflation or a rehash. */
    private int contention;
    private int salt;

    /** Counters at place {@code at} of {@code block}, as a sender's cell has them. */
    CellCounters(CellIndex.Block block, int at) {
        this.block = block;
        this.at = at;
        base = block.counts;
        off = at * SLOTS;
    }

    /** Counters of their own, in a block of one (for tests). */
    CellCounters() {
        this(new CellIndex.Block(0, 1), 0);
    }

    /**
     * {@code n} counters laid out as a sender lays out its cells' (in {@link CellIndex} blocks,
     * side by side), for benchmarks and tests.
     */
    static CellCounters[] dense(int n) {
        CellCounters[] out = new CellCounters[n];
        CellIndex.Block b = null;
        for (int i = 0; i < n; i++) {
            int k = CellIndex.blockOf(i);
            if (b == null || b.first != CellIndex.first(k)) {
                b = new CellIndex.Block(CellIndex.first(k), CellIndex.first(k + 1) - CellIndex.first(k));
            }
            out[i] = new CellCounters(b, i - b.first);
        }
        return out;
    }

    static int nstripes(int cpus) {
        int n = Integer.highestOneBit(Math.max(2, cpus) - 1) << 1; // next power of two >= cpus
        return Math.min(n * 2, 256);
    }

    /** Moves one message from slot {@code from} to slot {@code to}. */
    final void move(int from, int to) {
        // The first update is a plain atomic add: it asks for the line exclusively at once (a CAS
        // would first load it shared, then upgrade: two coherence steps on a cold cell). The
        // second, on the line this thread now owns, is a CAS: it fails only if another thread
        // wrote the line in between, which is how contention is seen.
        long[] s = stripes;
        if (s == null) {
            LONGS.getAndAdd(base, off + from, -1L);
            if (!casAdd(base, off + to, 1) && ++contention >= INFLATE_AFTER) {
                inflate();
            }
        } else {
            int i = offset(from);
            LONGS.getAndAdd(s, i, -1L);
            if (!casAdd(s, i - from + to, 1) && ++contention >= REHASH_AFTER) {
                contention = 0;
                salt = mix((long) salt + 0x9E3779B9L);
            }
        }
    }

    /** Adds {@code delta} to one slot. */
    final void add(int slot, long delta) {
        long[] s = stripes;
        if (s == null) {
            if (!casAdd(base, off + slot, delta) && ++contention >= INFLATE_AFTER) {
                inflate();
            }
        } else if (!casAdd(s, offset(slot), delta) && ++contention >= REHASH_AFTER) {
            contention = 0;
            salt = mix((long) salt + 0x9E3779B9L);
        }
    }

    /** The slot's value: base plus every stripe, read with acquire semantics. */
    final long sum(int slot) {
        return sum(block, at, slot);
    }

    /**
     * The value of slot {@code slot} of the cell at place {@code j} of block {@code b}: base plus
     * every stripe, read with acquire semantics (the stripes' reference with volatile ones).
     */
    static long sum(CellIndex.Block b, int j, int slot) {
        long v = (long) LONGS.getAcquire(b.counts, j * SLOTS + slot);
        long[] s = b.anyInflated() ? (long[]) STRIPE_REFS.getVolatile(b.stripes, j) : null;
        if (s != null) {
            for (int i = STRIDE + slot; i < s.length - STRIDE; i += STRIDE) {
                v += (long) LONGS.getAcquire(s, i);
            }
        }
        return v;
    }

    /**
     * Adds four slots {@code [from, from + 4)} of the cell at place {@code j} of block {@code b}
     * to {@code to[at .. at + 4)}, each as {@link #sum(CellIndex.Block, int, int)} reads it and
     * clamped at zero, with one look at the stripes for all four; with {@code heldAsHold} (for
     * the live slots NEW..HOLD of a cell a rule holds), NEW and RETRY are added to HOLD. What a
     * query adds per cell.
     */
    static void addFour(CellIndex.Block b, int j, int from, boolean heldAsHold, long[] to, int at) {
        long[] c = b.counts;
        int o = j * SLOTS + from;
        long v0 = (long) LONGS.getAcquire(c, o);
        long v1 = (long) LONGS.getAcquire(c, o + 1);
        long v2 = (long) LONGS.getAcquire(c, o + 2);
        long v3 = (long) LONGS.getAcquire(c, o + 3);
        long[] s = b.anyInflated() ? (long[]) STRIPE_REFS.getVolatile(b.stripes, j) : null;
        if (s != null) {
            for (int i = STRIDE + from; i < s.length - STRIDE; i += STRIDE) {
                v0 += (long) LONGS.getAcquire(s, i);
                v1 += (long) LONGS.getAcquire(s, i + 1);
                v2 += (long) LONGS.getAcquire(s, i + 2);
                v3 += (long) LONGS.getAcquire(s, i + 3);
            }
        }
        v0 = Math.max(0, v0);
        v1 = Math.max(0, v1);
        v2 = Math.max(0, v2);
        v3 = Math.max(0, v3);
        if (heldAsHold) {
            v3 += v0 + v2; // NEW and RETRY count as HOLD
            v0 = 0;
            v2 = 0;
        }
        to[at] += v0;
        to[at + 1] += v1;
        to[at + 2] += v2;
        to[at + 3] += v3;
    }

    /** Whether the cell has inflated to per-thread stripes (for tests and benchmarks). */
    final boolean inflated() {
        return STRIPE_REFS.getVolatile(block.stripes, at) != null;
    }

    /** A CAS add that, when it loses a race, still completes with getAndAdd; true if uncontended. */
    private static boolean casAdd(long[] a, int i, long delta) {
        long v = (long) LONGS.getOpaque(a, i);
        if (LONGS.compareAndSet(a, i, v, v + delta)) {
            return true;
        }
        LONGS.getAndAdd(a, i, delta);
        return false;
    }

    private int offset(int slot) {
        int h = mix(Thread.currentThread().getId() ^ salt);
        return ((h & (NSTRIPES - 1)) + 1) * STRIDE + slot;
    }

    /**
     * Gives the cell stripes. They are published where readers look first (the block's entry,
     * then its "some cell inflated" flag), then in the field writers read: a writer that adds to
     * a stripe has read the field, set after both, so a reader that starts after that add
     * (volatile accesses, one total order) finds the flag and the entry.
     */
    private void inflate() {
        contention = 0;
        long[] fresh = new long[(NSTRIPES + 2) * STRIDE];
        if (STRIPE_REFS.compareAndSet(block.stripes, at, null, fresh)) {
            block.markInflated();
            STRIPES.setVolatile(this, fresh);
        }
    }

    private static int mix(long x) {
        x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
        x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (int) (x ^ (x >>> 33));
    }
}
