package dev.sendq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A sender's cells by (account, campaign): an open-addressing table that one writer (the holder
 * of the sender's lock) fills and any thread reads without a lock, so that an enqueue into a
 * known cell needs no lock. Entries are never removed and a value only ever grows (a cell, then
 * an array of the cells of several ISPs), which keeps lock-free reading simple:
 *
 * <ul>
 *   <li>the writer stores a slot's value before its key (release), and a reader reads the key
 *       (acquire) before the value, so a reader that finds a key finds its value;</li>
 *   <li>a full table is copied into a larger one, which is published whole through a volatile
 *       field; a reader still on the old table may miss a new key, and then takes the locked
 *       path, which looks again.</li>
 * </ul>
 *
 * Keys are never 0 (account ids are positive), so 0 marks an empty slot. Lookups allocate
 * nothing.
 */
final class CellTable {
    private static final VarHandle KEYS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(Object[].class);

    private static final class Table {
        final long[] keys;
        final Object[] values;
        final int mask;

        Table(int capacity) {
            keys = new long[capacity];
            values = new Object[capacity];
            mask = capacity - 1;
        }
    }

    private volatile Table table = new Table(16);
    /** Keys in the table; written by the lock holder only. */
    private int size;

    static long key(int accountId, int campaignId) {
        return ((long) accountId << 32) | (campaignId & 0xFFFF_FFFFL);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    /** The value of {@code key} (a {@link Cell} or a {@code Cell[]}), or {@code null}; any thread. */
    Object get(long key) {
        Table t = table;
        int mask = t.mask;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            long k = (long) KEYS.getAcquire(t.keys, i);
            if (k == key) {
                return VALUES.getAcquire(t.values, i);
            }
            if (k == 0) {
                return null;
            }
        }
    }

    /** Sets the value of {@code key}; only the holder of the sender's lock calls this. */
    void put(long key, Object value) {
        Table t = table;
        int mask = t.mask;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            long k = t.keys[i];
            if (k == key) {
                VALUES.setRelease(t.values, i, value);
                return;
            }
            if (k == 0) {
                if ((size + 1) * 2 > t.keys.length) {
                    grow(t);
                    put(key, value);
                    return;
                }
                VALUES.setRelease(t.values, i, value);
                KEYS.setRelease(t.keys, i, key);
                size++;
                return;
            }
        }
    }

    private void grow(Table old) {
        Table t = new Table(old.keys.length * 2);
        for (int j = 0; j < old.keys.length; j++) {
            long k = old.keys[j];
            if (k != 0) {
                int i = slot(k, t.mask);
                while (t.keys[i] != 0) {
                    i = (i + 1) & t.mask;
                }
                t.keys[i] = k;
                t.values[i] = old.values[j];
            }
        }
        table = t; // volatile: publishes the filled copy
    }
}
