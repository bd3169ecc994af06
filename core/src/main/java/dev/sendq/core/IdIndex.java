package dev.sendq.core;

import it.unimi.dsi.fastutil.HashCommon;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Every message of the engine by id, in segments of open-addressing tables of {@link Msg}s
 * (linear probing, no boxing: the key is the message's own {@code id}).
 *
 * <p><b>Who pays what.</b> A message is inserted by its producer and removed by whichever
 * thread ends it, usually a delivery worker on another core. So the two sides share as little as
 * possible:
 * <ul>
 *   <li><b>Insert</b> takes its segment's lock (producers of one segment serialize; workers never
 *       take it), probes for the id, and writes the message into the first free slot, recording
 *       the slot in {@link Msg#slot}.</li>
 *   <li><b>Remove</b> is lock-free: one CAS of the message's own slot from the message to a
 *       tombstone, and nothing else (no count is kept: {@link #size} counts the slots).</li>
 *   <li><b>An ended message is as good as removed.</b> A message whose state word holds an
 *       outcome ({@link Msg#GONE} and up) is skipped by every lookup, does not count in
 *       {@link #size}, gives its id up to the next insert of that id and is dropped by a resize,
 *       whether or not its slot still refers to it. So a worker that ends a message lock-free
 *       does not write the index at all: the slot's line, which the producer wrote, would have
 *       to cross to the worker's core and, on the producer's next insert nearby, back. Its slot
 *       is emptied later, in a batch, by whichever thread runs {@link #unlink} (see
 *       {@link Retirements}: usually the next producer, on whose core the line already is).</li>
 *   <li><b>Get</b> is lock-free: it probes from the id's home slot to the first empty one.</li>
 * </ul>
 *
 * <p><b>Why the probing stays right without a lock.</b> Without the lock a slot only goes
 * message → tombstone (remove, unlink); under it, empty → message, tombstone → message and ended
 * message → message of the same id (insert), message → moved (resize), and tombstone → empty,
 * but only for tombstones that lead to an empty slot ({@link #purge}, which counts an ended
 * message as a message). So every message's probe path from its home slot, an ended message's
 * too, stays non-empty for as long as the table is current, and a lock-free get finds every
 * message that is in it. A remove or an unlink compares against the message itself, so a stale
 * {@code slot} or a slot reused by another message can never remove the wrong one: the CAS fails
 * and it takes the slow path, which looks for the message itself under the lock.
 *
 * <p><b>Room.</b> When an insert would fill more than half of the table with messages and
 * tombstones, the segment first empties the tombstones it can in place, without allocating,
 * and resizes only if that leaves the table more than three-eighths full, or sixteen times too
 * big. So a queue whose messages come and go in steady state rarely makes a new table (one
 * stays only where tombstones shield live messages: in a table of 16 slots with 3 messages,
 * about once per 25 inserts; with 1 message, as in one thread's lifecycle, not at all).
 *
 * <p><b>Resizing</b> happens under the segment's lock. It marks each old slot {@link #MOVED} by CAS as it
 * copies the message, so a remove racing with it either wins first (the message is not copied)
 * or fails and, under the lock, after the resize, removes the copy. A get that meets a moved
 * slot waits for the resize, through the lock, and probes the new table. Tombstones are dropped
 * by the copy; the new table is sized for four times the live messages, at least
 * {@code minCapacity}, so it can shrink too.
 *
 * <p>Callers may hold a sender's lock when they call in; the index never calls out, so the lock
 * order is sender, then segment.
 */
final class IdIndex {
    private static final int SEGMENTS = 64;
    private static final int MIN_CAPACITY = 16;
    /** Longs per segment in {@link #filled}: 128 bytes, so that no two segments' lock holders share a line. */
    private static final int STRIDE = 16;

    /** A removed message's slot: a probe goes on past it, an insert may reuse it. */
    static final Msg TOMBSTONE = new Msg(Long.MIN_VALUE, null, null, 0, 0);
    /** A slot copied into the segment's next table by a resize in progress. */
    static final Msg MOVED = new Msg(Long.MIN_VALUE, null, null, 0, 0);

    /** What {@link #find} returns when the id is not in the table, or when a resize moved it on. */
    private static final int ABSENT = -1;
    private static final int MOVING = -2;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Msg[].class);
    private static final VarHandle TABLE = MethodHandles.arrayElementVarHandle(Msg[][].class);

    private final int segmentShift;
    private final int minCapacity;
    /** Each segment's current table; read with acquire, replaced only by a resize. */
    private final Msg[][] tables;
    private final ReentrantLock[] locks;
    /**
     * Per segment, at {@code s * STRIDE}: its slots that are not empty (messages and tombstones).
     * Only the segment's lock holder reads or writes it.
     */
    private final long[] filled;

    IdIndex() {
        this(SEGMENTS, MIN_CAPACITY);
    }

    /**
     * For tests: few segments and tiny tables make every path, resizes above all, run often.
     *
     * @param segments a power of two, at most 2^16
     * @param minCapacity a power of two, at least 2: the smallest a table is ever made
     */
    IdIndex(int segments, int minCapacity) {
        if (Integer.bitCount(segments) != 1 || segments > 1 << 16
                || Integer.bitCount(minCapacity) != 1 || minCapacity < 2) {
            throw new IllegalArgumentException("segments " + segments + ", minCapacity " + minCapacity);
        }
        this.segmentShift = 64 - Integer.numberOfTrailingZeros(segments);
        this.minCapacity = minCapacity;
        this.tables = new Msg[segments][];
        this.locks = new ReentrantLock[segments];
        for (int s = 0; s < segments; s++) {
            tables[s] = new Msg[minCapacity];
            locks[s] = new ReentrantLock();
        }
        this.filled = new long[segments * STRIDE];
    }

    /** The hash that places {@code id}: its segment and its home slot. */
    static long hash(long id) {
        return HashCommon.mix(id);
    }

    /** Whether a slot's message has ended: it holds its slot no longer (only its own id is ever compared). */
    private static boolean ended(Msg o) {
        return Msg.phase(o.word()) >= Msg.GONE;
    }

    private int segment(long hash) {
        // The top bits pick the segment; the low bits, which mix() makes independent of them,
        // pick the home slot. (A shift by 64 is a shift by 0 in Java: one segment needs care.)
        return segmentShift == 64 ? 0 : (int) (hash >>> segmentShift);
    }

    private Msg[] table(int s) {
        return (Msg[]) TABLE.getAcquire(tables, s);
    }

    /** Adds the message; false (and nothing changes) if its id is taken. */
    boolean putIfAbsent(Msg m) {
        long h = hash(m.id);
        int s = segment(h);
        ReentrantLock lock = locks[s];
        lock.lock();
        try {
            for (;;) {
                Msg[] t = table(s);
                int mask = t.length - 1;
                int i = (int) h & mask;
                int free = -1;
                for (;;) {
                    Msg o = (Msg) SLOT.getAcquire(t, i);
                    if (o == null) {
                        break;
                    }
                    if (o == TOMBSTONE) {
                        if (free < 0) {
                            free = i; // reusable: a tombstone only changes under this lock
                        }
                    } else if (o.id == m.id) {
                        if (!ended(o)) {
                            return false;
                        }
                        if (free < 0) {
                            free = i; // an ended message's slot: a racing unlink's CAS fails, harmlessly
                        }
                    }
                    i = (i + 1) & mask;
                }
                if (free < 0) {
                    int at = s * STRIDE;
                    long used = filled[at];
                    if ((used + 1) * 2 > t.length) {
                        makeRoom(s, t);
                        continue;
                    }
                    filled[at] = used + 1;
                    free = i;
                }
                m.slot = free;
                SLOT.setRelease(t, free, m); // publishes the message, and its slot, to lock-free readers
                return true;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The message with this id, or null. Lock-free unless a resize of its segment is under way. */
    Msg get(long id) {
        long h = hash(id);
        int s = segment(h);
        for (;;) {
            Msg[] t = table(s);
            int i = find(t, h, id);
            if (i >= 0) {
                Msg o = (Msg) SLOT.getAcquire(t, i);
                if (o != null && o.id == id && o != TOMBSTONE && o != MOVED && !ended(o)) {
                    return o;
                } // else it changed since the probe (ended, removed, purged, reused or moved): probe again
            } else if (i == ABSENT) {
                return null;
            } else {
                awaitResize(s); // and probe the new table
            }
        }
    }

    /**
     * Probes {@code t} from the home slot of {@code h}: the slot of the message with this id,
     * {@link #ABSENT}, or {@link #MOVING} if a resize has moved the probe path on.
     */
    private static int find(Msg[] t, long h, long id) {
        int mask = t.length - 1;
        int i = (int) h & mask;
        for (int n = 0; n <= mask; n++, i = (i + 1) & mask) {
            Msg o = (Msg) SLOT.getAcquire(t, i);
            if (o == null) {
                return ABSENT;
            }
            if (o == MOVED) {
                return MOVING;
            }
            if (o.id == id && o != TOMBSTONE && !ended(o)) {
                return i;
            }
        }
        return ABSENT; // a full probe (cannot happen: a table is never more than half full)
    }

    boolean contains(long id) {
        return get(id) != null;
    }

    /**
     * Removes this very message, if it is in the index (another message with the same id is left
     * alone). Lock-free: one CAS on its slot, unless a resize moved it.
     */
    void remove(Msg m) {
        long h = hash(m.id);
        int s = segment(h);
        Msg[] t = table(s);
        int i = m.slot;
        if (i < t.length && SLOT.compareAndSet(t, i, m, TOMBSTONE)) {
            return;
        }
        removeLocked(s, h, m);
    }

    /**
     * Empties the slot of a message that has ended (see the class comment), if one still holds
     * it: one CAS of slot {@code slot} of the current table of the segment of {@code hash}, both
     * read when the message ended, lock-free. The CAS compares the slot with the message itself,
     * so it never empties another message's slot. If it fails (an insert of the message's id
     * reused the slot, or a resize moved or dropped the message, so that {@code slot} is stale),
     * the slow path looks for the message itself under the segment's lock.
     */
    void unlink(long hash, int slot, Msg m) {
        int s = segment(hash);
        Msg[] t = table(s);
        if (slot >= t.length || !SLOT.compareAndSet(t, slot, m, TOMBSTONE)) {
            removeLocked(s, hash, m);
        }
    }

    /**
     * The slow path of a remove or an unlink: under the lock no resize is under way, so a probe
     * of the table is final. It looks for the message itself, not its id: the message has
     * usually ended already, and lookups by id skip ended messages.
     */
    private void removeLocked(int s, long h, Msg m) {
        ReentrantLock lock = locks[s];
        lock.lock();
        try {
            Msg[] t = table(s);
            int mask = t.length - 1;
            int i = (int) h & mask;
            for (int n = 0; n <= mask; n++, i = (i + 1) & mask) {
                Msg o = (Msg) SLOT.getAcquire(t, i);
                if (o == null) {
                    return; // the end of its probe path: not in the table
                }
                if (o == m) {
                    SLOT.compareAndSet(t, i, m, TOMBSTONE); // only another remove of m can beat it
                    return;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void awaitResize(int s) {
        ReentrantLock lock = locks[s];
        lock.lock(); // the resizer holds it until the new table is published
        lock.unlock();
    }

    /**
     * Under the lock, when an insert would fill more than half of {@code t}: first empties every
     * tombstone that an empty slot follows (see {@link #purge}), which needs no new table; then
     * resizes if that left too little room, or if the table is sixteen times too big for the
     * messages in it.
     */
    private void makeRoom(int s, Msg[] t) {
        int live = purge(s, t);
        long used = filled[s * STRIDE];
        if (used * 8 > t.length * 3L || (t.length > minCapacity && live * 16L < t.length)) {
            resize(s, t);
        }
    }

    /**
     * Under the lock: turns back into empty slots the tombstones that only lead to an empty slot,
     * that is each run of tombstones that an empty slot follows, and updates the segment's count
     * of non-empty slots. Returns the messages seen.
     *
     * <p>Why lock-free readers stay right: with the lock held no empty slot can fill, so a run's
     * empty successor stays empty, and no message lies beyond it on any probe path through the
     * run. A get that meets a slot emptied here stops sooner than it would have (at most a
     * run sooner), with the same answer. Removers only ever write over a message, never a tombstone.
     */
    private int purge(int s, Msg[] t) {
        int mask = t.length - 1;
        int empty = 0;
        while (SLOT.getAcquire(t, empty) != null) {
            empty++; // there is one: a table is at most half full
        }
        int live = 0;
        int emptied = 0;
        boolean beforeEmpty = true; // walking backwards from an empty slot
        for (int k = 1; k < t.length; k++) {
            int i = (empty - k) & mask;
            Msg o = (Msg) SLOT.getAcquire(t, i);
            if (o == null) {
                beforeEmpty = true;
            } else if (o == TOMBSTONE) {
                if (beforeEmpty) {
                    SLOT.setRelease(t, i, (Msg) null);
                    emptied++;
                }
            } else {
                live++; // a message, or a tombstone by now: either way not empty
                beforeEmpty = false;
            }
        }
        filled[s * STRIDE] -= emptied;
        return live;
    }

    /** Under the lock: copies the live messages of {@code old} into a fresh table, sized for them. */
    private void resize(int s, Msg[] old) {
        int live = 0;
        for (int i = 0; i < old.length; i++) {
            Msg o = (Msg) SLOT.getAcquire(old, i);
            if (o != null && o != TOMBSTONE && !ended(o)) {
                live++;
            }
        }
        // Four times the live messages: the next resize is at least a table's quarter of inserts away.
        int capacity = (int) Math.max(minCapacity, HashCommon.nextPowerOfTwo(4L * live + 1));
        Msg[] t = new Msg[capacity];
        int mask = capacity - 1;
        int used = 0;
        for (int i = 0; i < old.length; i++) {
            for (;;) {
                Msg o = (Msg) SLOT.getAcquire(old, i);
                if (o == null || o == TOMBSTONE || ended(o)) {
                    break; // an ended message is not copied: its slot is as good as empty
                }
                if (SLOT.compareAndSet(old, i, o, MOVED)) {
                    int j = (int) hash(o.id) & mask;
                    while (t[j] != null) {
                        j = (j + 1) & mask;
                    }
                    t[j] = o;
                    o.slot = j;
                    used++;
                    break;
                } // else a remove tombstoned it just now: look again
            }
        }
        filled[s * STRIDE] = used;
        TABLE.setRelease(tables, s, t); // the plain writes above happen-before any acquire of t
    }

    /**
     * The messages in the index, counted slot by slot: O(the tables' capacity), which is about
     * four slots per message at the last resize, and may stay at a peak's size until inserts
     * fill the table again. Exact when no insert or remove is in flight; under churn each slot
     * is counted as it is read. No count is kept, so that a remove stays a single CAS. A resize
     * under way is counted from the old table, where a moved slot stands for its message. Ended
     * messages whose slots are not yet emptied are not counted (this reads each message's state).
     */
    long size() {
        long n = 0;
        for (int s = 0; s < tables.length; s++) {
            Msg[] t = table(s);
            for (int i = 0; i < t.length; i++) {
                Msg o = (Msg) SLOT.getAcquire(t, i);
                if (o != null && o != TOMBSTONE && !ended(o)) { // MOVED is never ended
                    n++; // a moved slot's message is in the next table, which this count does not read
                }
            }
        }
        return n;
    }

    /** For tests: the current table of the segment that holds {@code id}. */
    Msg[] tableFor(long id) {
        return table(segment(hash(id)));
    }
}
