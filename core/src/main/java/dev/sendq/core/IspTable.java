package dev.sendq.core;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's interned ISP names: one canonical String per ISP, compared case-insensitively,
 * the first spelling seen being canonical. Messages keep no ISP String of their own: their cell
 * holds the canonical one. Thread-safe.
 */
final class IspTable {
    static final int MAX_LENGTH = 128;

    private final ConcurrentHashMap<String, String> exact = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> folded = new ConcurrentHashMap<>();

    /**
     * The canonical name of {@code isp}, interning it if it is new.
     *
     * @throws IllegalArgumentException if the name is empty, too long or has control characters
     */
    String intern(String isp) {
        validate(isp);
        String c = exact.get(isp);
        if (c != null) {
            return c;
        }
        String name = isp.strip();
        c = folded.computeIfAbsent(fold(name), k -> name);
        exact.putIfAbsent(isp, c);
        return c;
    }

    /** The canonical name of exactly this spelling if it was interned before, else {@code null}. */
    String known(String isp) {
        return isp == null ? null : exact.get(isp);
    }

    /** The canonical name of {@code isp} if the engine has seen it, else {@code isp} itself. */
    String canonical(String isp) {
        String c = exact.get(isp);
        if (c == null) {
            c = folded.get(fold(isp.strip()));
        }
        return c == null ? isp : c;
    }

    /**
     * The case-folded key of a name: two names have the same key exactly when
     * {@link String#equalsIgnoreCase} says they are equal, which is how selectors match.
     */
    static String fold(String s) {
        char[] cs = s.toCharArray();
        for (int i = 0; i < cs.length; i++) {
            cs[i] = Character.toLowerCase(Character.toUpperCase(cs[i]));
        }
        return new String(cs);
    }

    static void validate(String isp) {
        if (isp == null || isp.isBlank()) {
            throw new IllegalArgumentException("isp must be a non-blank name");
        }
        if (isp.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("isp is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < isp.length(); i++) {
            char c = isp.charAt(i);
            if (Character.isISOControl(c) || c == '\uFFFE' || c == '\uFFFF') {
                throw new IllegalArgumentException("isp contains a control character or noncharacter at index " + i);
            }
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 >= isp.length() || !Character.isLowSurrogate(isp.charAt(i + 1))) {
                    throw new IllegalArgumentException("isp contains an unpaired surrogate at index " + i);
                }
                i++;
            }
        }
    }
}
