package dev.sendq.core;

import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;

/**
 * Every message of the engine by id: 64 stripes, each a fastutil open-addressing map guarded by
 * its own monitor. No boxing, so a lookup allocates nothing. Callers may hold a sender's lock
 * when they call in; the index never calls out, so the lock order is sender, then stripe.
 */
final class IdIndex {
    private static final int STRIPES = 64;

    @SuppressWarnings({"unchecked", "rawtypes"})
    private final Long2ObjectOpenHashMap<Msg>[] maps = new Long2ObjectOpenHashMap[STRIPES];

    IdIndex() {
        for (int i = 0; i < STRIPES; i++) {
            maps[i] = new Long2ObjectOpenHashMap<>();
        }
    }

    private Long2ObjectOpenHashMap<Msg> map(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return maps[(int) (h >>> 58)];
    }

    /** Adds the message; false (and nothing changes) if its id is taken. */
    boolean putIfAbsent(Msg m) {
        Long2ObjectOpenHashMap<Msg> map = map(m.id);
        synchronized (map) {
            return map.putIfAbsent(m.id, m) == null;
        }
    }

    Msg get(long id) {
        Long2ObjectOpenHashMap<Msg> map = map(id);
        synchronized (map) {
            return map.get(id);
        }
    }

    boolean contains(long id) {
        return get(id) != null;
    }

    void remove(Msg m) {
        Long2ObjectOpenHashMap<Msg> map = map(m.id);
        synchronized (map) {
            map.remove(m.id, m);
        }
    }

    long size() {
        long n = 0;
        for (Long2ObjectOpenHashMap<Msg> map : maps) {
            synchronized (map) {
                n += map.size();
            }
        }
        return n;
    }
}
