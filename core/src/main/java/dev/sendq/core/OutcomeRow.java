package dev.sendq.core;

/**
 * Cumulative outcome counters for a group of cells: how many messages left the engine, and how.
 * Immutable and validated like {@link StatsRow}.
 *
 * @param accountId  the account, or the account filter, or 0
 * @param campaignId the campaign, or the campaign filter, or 0
 * @param isp        the canonical ISP name, or the ISP filter, or {@code ""}
 * @param delivered  messages reported delivered
 * @param failed     messages reported failed
 * @param expired    messages expired by the retry policy
 * @param cancelled  messages cancelled by an operator
 */
public record OutcomeRow(int accountId, int campaignId, String isp,
                         long delivered, long failed, long expired, long cancelled) {
    /**
     * Validates the row.
     *
     * @throws IllegalArgumentException if a count is negative
     */
    public OutcomeRow {
        if (delivered < 0 || failed < 0 || expired < 0 || cancelled < 0) {
            throw new IllegalArgumentException("negative count in row");
        }
        if (isp == null) {
            throw new IllegalArgumentException("isp must not be null");
        }
    }

    /** The count of one outcome. */
    public long count(Outcome outcome) {
        return switch (outcome) {
            case DELIVERED -> delivered;
            case FAILED -> failed;
            case EXPIRED -> expired;
            case CANCELLED -> cancelled;
        };
    }

    /** The sum of the four outcomes. */
    public long total() {
        return delivered + failed + expired + cancelled;
    }
}
