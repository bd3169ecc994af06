package dev.sendq.api;

import java.util.Arrays;

/**
 * What a token may read: every sender, or a fixed set of them. Immutable.
 */
public final class TokenScope {
    private static final TokenScope ALL = new TokenScope(null);

    private final int[] senders; // sorted; null = all

    private TokenScope(int[] senders) {
        this.senders = senders;
    }

    /** A scope that allows every sender. */
    public static TokenScope allSenders() {
        return ALL;
    }

    /**
     * A scope that allows only these senders.
     *
     * @throws IllegalArgumentException if no sender or a non-positive id is given
     */
    public static TokenScope senders(int... senderIds) {
        if (senderIds.length == 0) {
            throw new IllegalArgumentException("a scoped token needs at least one sender");
        }
        int[] s = senderIds.clone();
        Arrays.sort(s);
        if (s[0] <= 0) {
            throw new IllegalArgumentException("sender ids are positive, got " + s[0]);
        }
        return new TokenScope(s);
    }

    /** Whether the token may act on this sender. */
    public boolean allows(int senderId) {
        return senders == null || Arrays.binarySearch(senders, senderId) >= 0;
    }

    /** Whether the token is for every sender. */
    public boolean isAll() {
        return senders == null;
    }

    @Override
    public String toString() {
        return senders == null ? "*" : Arrays.toString(senders);
    }
}
