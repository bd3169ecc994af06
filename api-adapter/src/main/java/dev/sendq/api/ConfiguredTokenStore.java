package dev.sendq.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;

/**
 * A fixed table of tokens, kept only as SHA-256 digests. A lookup digests the presented token
 * and compares it with every entry using {@link MessageDigest#isEqual} (constant time for
 * equal-length inputs), never stopping early, so the time taken does not tell how much of a
 * token matched or which entry did.
 */
final class ConfiguredTokenStore implements TokenStore {
    private final byte[][] digests;
    private final TokenScope[] scopes;

    ConfiguredTokenStore(Map<String, TokenScope> tokens) {
        digests = new byte[tokens.size()][];
        scopes = new TokenScope[tokens.size()];
        int i = 0;
        for (Map.Entry<String, TokenScope> e : tokens.entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().length() > SendqApi.MAX_TOKEN_LENGTH) {
                throw new IllegalArgumentException("tokens must have 1 to " + SendqApi.MAX_TOKEN_LENGTH + " characters");
            }
            digests[i] = sha256(e.getKey());
            scopes[i] = e.getValue();
            i++;
        }
    }

    @Override
    public Optional<TokenScope> find(String token) {
        byte[] d = sha256(token);
        TokenScope found = null;
        for (int i = 0; i < digests.length; i++) {
            if (MessageDigest.isEqual(d, digests[i]) & found == null) {
                found = scopes[i];
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
