package dev.sendq.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where the adapter checks tokens. Implementations must be thread-safe, must compare tokens in
 * time that does not depend on how much of a token matches, and must never log a token.
 *
 * <p>The default, {@link #of(Map)}, keeps a fixed table; {@link #parse(String)} reads it from a
 * configuration string.
 */
@FunctionalInterface
public interface TokenStore {

    /**
     * The scope of a presented token, or empty if it is not a valid token.
     *
     * @param token the token as presented (never {@code null}, at most 256 characters)
     */
    Optional<TokenScope> find(String token);

    /** A store with a fixed table of tokens; the table is copied. */
    static TokenStore of(Map<String, TokenScope> tokens) {
        return new ConfiguredTokenStore(tokens);
    }

    /**
     * A store read from a configuration string: entries separated by {@code ;}, each
     * {@code token=*} (every sender) or {@code token=119,120} (those senders). Whitespace around
     * entries is ignored.
     *
     * @throws IllegalArgumentException if the string is malformed (the message never contains a token)
     */
    static TokenStore parse(String config) {
        Map<String, TokenScope> tokens = new LinkedHashMap<>();
        int n = 0;
        for (String entry : config.split(";")) {
            n++;
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.lastIndexOf('=');
            if (eq <= 0 || eq == e.length() - 1) {
                throw new IllegalArgumentException("token entry " + n + " is not token=senders");
            }
            String token = e.substring(0, eq).strip();
            String scope = e.substring(eq + 1).strip();
            TokenScope s;
            if (scope.equals("*")) {
                s = TokenScope.allSenders();
            } else {
                String[] ids = scope.split(",");
                int[] senders = new int[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    try {
                        senders[i] = Integer.parseInt(ids[i].strip());
                    } catch (NumberFormatException ex) {
                        throw new IllegalArgumentException("token entry " + n + " has a bad sender id");
                    }
                }
                s = TokenScope.senders(senders);
            }
            if (tokens.put(token, s) != null) {
                throw new IllegalArgumentException("token entry " + n + " repeats an earlier token");
            }
        }
        return of(tokens);
    }
}
