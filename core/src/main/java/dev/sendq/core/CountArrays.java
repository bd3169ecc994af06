package dev.sendq.core;

import java.util.Arrays;

/** The checks and sums that rows holding an array of counts share ({@link AgeRow}, {@link RetryReasonRow}). */
final class CountArrays {
    private CountArrays() {
    }

    /**
     * A copy of {@code counts}, checked.
     *
     * @throws IllegalArgumentException if it does not have {@code length} entries, or one is negative
     */
    static long[] checkedCopy(long[] counts, int length, String what) {
        if (counts.length != length) {
            throw new IllegalArgumentException(what + ": " + length + " counts expected, got " + counts.length);
        }
        long[] copy = counts.clone();
        for (long c : copy) {
            if (c < 0) {
                throw new IllegalArgumentException("negative count: " + Arrays.toString(copy));
            }
        }
        return copy;
    }

    static long sum(long[] counts) {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }
}
