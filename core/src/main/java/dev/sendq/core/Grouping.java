package dev.sendq.core;

import java.util.Locale;

/** How a stats query groups the cells it selects into rows. */
public enum Grouping {
    /** One row for the whole filtered set, zeros included. */
    TOTAL,
    /** One row per account. */
    ACCOUNT,
    /** One row per (account, campaign). */
    ACCOUNT_CAMPAIGN,
    /** One row per ISP. */
    ISP;

    /**
     * The grouping of a documented {@code group} parameter value ({@code total}, {@code account},
     * {@code account_campaign}, {@code isp}), case-sensitive as documented.
     *
     * @throws IllegalArgumentException for any other value
     */
    public static Grouping fromParameter(String value) {
        for (Grouping g : values()) {
            if (g.parameter().equals(value)) {
                return g;
            }
        }
        throw new IllegalArgumentException("unknown grouping: " + value);
    }

    /** The documented parameter value of this grouping. */
    public String parameter() {
        return name().toLowerCase(Locale.ROOT);
    }
}
