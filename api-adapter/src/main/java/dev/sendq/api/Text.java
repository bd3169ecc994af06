package dev.sendq.api;

/** Checks on client text that is echoed or hashed. */
final class Text {
    private Text() {
    }

    /**
     * Whether {@code s} is well-formed UTF-16 text that XML 1.0 can carry: no control
     * characters, no unpaired surrogates, no noncharacters U+FFFE and U+FFFF.
     */
    static boolean isCleanText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\uFFFE' || c == '\uFFFF') {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
