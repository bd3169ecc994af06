package dev.sendq.core;

/**
 * The limiters of one sender that have parked cells, by the time of their next permit
 * ({@link Limiter#wakeAt}). Guarded by the sender's lock.
 */
final class LimiterTimer extends KeyedTimer<Limiter> {
    @Override
    long key(Limiter l) {
        return l.wakeAt;
    }

    @Override
    void setKey(Limiter l, long key) {
        l.wakeAt = key;
    }

    @Override
    int indexOf(Limiter l) {
        return l.timerIndex;
    }

    @Override
    void setIndex(Limiter l, int i) {
        l.timerIndex = i;
    }
}
