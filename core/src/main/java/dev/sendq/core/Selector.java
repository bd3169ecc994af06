package dev.sendq.core;

/**
 * A set of cells of one sender, by any combination of account, campaign and ISP. Used to filter
 * stats, to hold and release traffic, and to cancel messages.
 *
 * <p>A zero account or campaign id and a {@code null} or empty ISP mean "any": so campaign 0
 * ("not part of a campaign") cannot be selected alone. ISPs match case-insensitively.
 *
 * @param accountId  the account, or 0 for all accounts
 * @param campaignId the campaign, or 0 for all campaigns
 * @param isp        the ISP name, or {@code ""} for all ISPs ({@code null} and blanks are read as
 *                   {@code ""}; surrounding blanks are ignored, as they are in ISP names)
 */
public record Selector(int accountId, int campaignId, String isp) {
    /** Every cell of a sender. */
    public static final Selector ALL = new Selector(0, 0, "");

    /**
     * Validates and normalises the selector.
     *
     * @throws IllegalArgumentException if an id is negative, or the ISP name is too long or has
     *                                  control characters, noncharacters or unpaired surrogates
     */
    public Selector {
        if (accountId < 0) {
            throw new IllegalArgumentException("accountId must be >= 0 (0 = any), got " + accountId);
        }
        if (campaignId < 0) {
            throw new IllegalArgumentException("campaignId must be >= 0 (0 = any), got " + campaignId);
        }
        if (isp == null || isp.isBlank()) {
            isp = "";
        } else {
            IspTable.validate(isp); // control characters are refused, not stripped
            isp = isp.strip();
        }
    }

    /** Everything of one account. */
    public static Selector account(int accountId) {
        return new Selector(accountId, 0, "");
    }

    /** Everything of one campaign of one account. */
    public static Selector campaign(int accountId, int campaignId) {
        return new Selector(accountId, campaignId, "");
    }

    /** Everything to one ISP. */
    public static Selector isp(String isp) {
        return new Selector(0, 0, isp);
    }

    /** Whether every field is "any". */
    public boolean isAll() {
        return accountId == 0 && campaignId == 0 && isp.isEmpty();
    }

    /** Whether a cell with these coordinates is selected. */
    public boolean matches(int account, int campaign, String ispName) {
        return (accountId == 0 || accountId == account)
                && (campaignId == 0 || campaignId == campaign)
                && (isp.isEmpty() || isp.equalsIgnoreCase(ispName));
    }

    /** Whether two selectors select the same cells (the ISP compared case-insensitively). */
    boolean sameAs(Selector other) {
        return accountId == other.accountId && campaignId == other.campaignId && isp.equalsIgnoreCase(other.isp);
    }
}
