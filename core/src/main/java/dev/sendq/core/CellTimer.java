package dev.sendq.core;

/**
 * The cells of one sender that have work only later: their earliest RETRY message is not due
 * yet. Keyed by that due time ({@link Cell#timerKey}, slot in {@link Cell#timerIndex}). Guarded
 * by the sender's lock. Lets {@code take} find the cells whose retries came due in
 * O(log cells), without looking at any message.
 */
final class CellTimer extends KeyedTimer<Cell> {
    @Override
    long key(Cell c) {
        return c.timerKey;
    }

    @Override
    void setKey(Cell c, long key) {
        c.timerKey = key;
    }

    @Override
    int indexOf(Cell c) {
        return c.timerIndex;
    }

    @Override
    void setIndex(Cell c, int i) {
        c.timerIndex = i;
    }
}
