package dev.sendq.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * One row of {@link SenderQueue#retryReasons}: the RETRY messages of one group of cells by
 * {@link RetryReason}. Grouped and filtered exactly like {@link StatsRow}; the counts add up to
 * the row's RETRY count in {@link SenderQueue#stats} when quiet (a cell held by a rule has no
 * RETRY messages: they count as HOLD).
 *
 * @param accountId  the account, or 0 when not grouped by account and not filtered
 * @param campaignId the campaign, or 0 likewise
 * @param isp        the ISP, or "" likewise
 * @param counts     {@code counts[reason.ordinal()]}; copied
 */
public record RetryReasonRow(int accountId, int campaignId, String isp, long[] counts) {
    /**
     * Validates the row and copies the counts.
     *
     * @throws IllegalArgumentException if there is not one non-negative count per reason
     */
    public RetryReasonRow {
        Objects.requireNonNull(isp, "isp");
        counts = CountArrays.checkedCopy(counts, RetryReason.values().length, "one count per reason");
    }

    /** RETRY messages deferred for {@code reason}. */
    public long count(RetryReason reason) {
        return counts[reason.ordinal()];
    }

    /** All the row's RETRY messages. */
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
        return o instanceof RetryReasonRow r && accountId == r.accountId && campaignId == r.campaignId
                && isp.equals(r.isp) && Arrays.equals(counts, r.counts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(accountId, campaignId, isp) * 31 + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "RetryReasonRow[" + accountId + "/" + campaignId + "/" + isp + " " + Arrays.toString(counts) + "]";
    }
}
