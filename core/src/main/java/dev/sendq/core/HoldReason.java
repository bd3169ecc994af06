package dev.sendq.core;

import java.util.Locale;

/**
 * Why an operator holds traffic: the category of a {@link HoldRule}, next to its free-text
 * label. Operators filter and count holds by it; the engine treats every reason alike.
 */
public enum HoldReason {
    /** Held by an operator, no more specific reason given (the default). */
    OPERATOR,
    /** The ISP blocks or rate-limits the sender (e.g. 421/550 blocks from one ISP). */
    ISP_BLOCK,
    /** Too many bounces: the list or the campaign needs a look. */
    BOUNCE_RATE,
    /** Too many spam complaints. */
    COMPLAINT_RATE,
    /** The account is under review (abuse, billing, content). */
    ACCOUNT_REVIEW,
    /** Planned maintenance (an IP warm-up pause, a DNS or infrastructure change). */
    MAINTENANCE;

    /** The lower-case name used on the wire ({@code isp_block}, ...). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The reason of a wire name, case-insensitively.
     *
     * @throws IllegalArgumentException if no reason has that name
     */
    public static HoldReason ofWireName(String name) {
        for (HoldReason r : values()) {
            if (r.name().equalsIgnoreCase(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown hold reason: " + name);
    }
}
