package dev.sendq.core;

/**
 * One row of a stats query: live message counts per state for a group of cells. Immutable;
 * validated on construction, so every row anyone sees is non-negative and
 * {@code total == hold + newCount + proc + retry}.
 *
 * <p>Fields that the query does not group by carry the filter's value when one was given,
 * else 0 or {@code ""}.
 *
 * @param accountId  the account, or the account filter, or 0
 * @param campaignId the campaign, or the campaign filter, or 0
 * @param isp        the canonical ISP name, or the ISP filter, or {@code ""}
 * @param hold       messages in HOLD
 * @param newCount   messages in NEW
 * @param proc       messages in PROC
 * @param retry      messages in RETRY
 * @param total      the sum of the four
 */
public record StatsRow(int accountId, int campaignId, String isp,
                       long hold, long newCount, long proc, long retry, long total) {
    /**
     * Validates the row.
     *
     * @throws IllegalArgumentException if a count is negative or the total is not their sum
     */
    public StatsRow {
        if (hold < 0 || newCount < 0 || proc < 0 || retry < 0) {
            throw new IllegalArgumentException("negative count in row");
        }
        if (total != hold + newCount + proc + retry) {
            throw new IllegalArgumentException("total " + total + " != hold + new + proc + retry");
        }
        if (isp == null) {
            throw new IllegalArgumentException("isp must not be null");
        }
    }

    /** A row whose total is computed from the four counts. */
    public static StatsRow of(int accountId, int campaignId, String isp,
                              long hold, long newCount, long proc, long retry) {
        return new StatsRow(accountId, campaignId, isp, hold, newCount, proc, retry,
                hold + newCount + proc + retry);
    }

    /** The count of one state. */
    public long count(MessageState state) {
        return switch (state) {
            case NEW -> newCount;
            case PROC -> proc;
            case RETRY -> retry;
            case HOLD -> hold;
        };
    }
}
