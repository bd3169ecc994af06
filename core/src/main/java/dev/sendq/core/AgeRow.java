package dev.sendq.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * One row of {@link SenderQueue#ages}: how many live messages of each state fall in each
 * {@link AgeBucket}, and how old the oldest NEW message is, for one group of cells. Grouped
 * and filtered exactly like {@link StatsRow}; states are as readers see them (a cell held by a
 * rule counts its NEW and RETRY messages as HOLD).
 *
 * @param accountId          the account, or 0 when not grouped by account and not filtered
 * @param campaignId         the campaign, or 0 likewise
 * @param isp                the ISP, or "" likewise
 * @param oldestNewAgeMinutes the age in whole minutes of the oldest NEW message (RETRY ones
 *                           apart), or -1 when there is none
 * @param counts             {@code counts[state.ordinal() * AgeBucket.COUNT + bucket.ordinal()]}
 *                           for the four live states; copied
 */
public record AgeRow(int accountId, int campaignId, String isp, long oldestNewAgeMinutes, long[] counts) {
    private static final int SIZE = 4 * AgeBucket.COUNT;

    /**
     * Validates the row and copies the counts.
     *
     * @throws IllegalArgumentException if the counts are not 4 × 8 non-negative numbers
     */
    public AgeRow {
        Objects.requireNonNull(isp, "isp");
        counts = CountArrays.checkedCopy(counts, SIZE, "4 states x 8 age buckets");
        if (oldestNewAgeMinutes < -1) {
            throw new IllegalArgumentException("oldestNewAgeMinutes must be >= -1, got " + oldestNewAgeMinutes);
        }
    }

    /** Messages in {@code state} whose age falls in {@code bucket}. */
    public long count(MessageState state, AgeBucket bucket) {
        return counts[state.ordinal() * AgeBucket.COUNT + bucket.ordinal()];
    }

    /** Messages of every state in {@code bucket}. */
    public long count(AgeBucket bucket) {
        long n = 0;
        for (MessageState s : MessageState.values()) {
            n += count(s, bucket);
        }
        return n;
    }

    /** Messages in {@code state}, every age. */
    public long total(MessageState state) {
        long n = 0;
        for (AgeBucket b : AgeBucket.values()) {
            n += count(state, b);
        }
        return n;
    }

    /** All the row's messages. */
    public long total() {
        return CountArrays.sum(counts);
    }

    /** A copy of the counts. */
    @Override
    public long[] counts() {
        return counts.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AgeRow r && accountId == r.accountId && campaignId == r.campaignId
                && isp.equals(r.isp) && oldestNewAgeMinutes == r.oldestNewAgeMinutes && Arrays.equals(counts, r.counts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(accountId, campaignId, isp, oldestNewAgeMinutes) * 31 + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "AgeRow[" + accountId + "/" + campaignId + "/" + isp + " oldestNew=" + oldestNewAgeMinutes + "m "
                + Arrays.toString(counts) + "]";
    }
}
