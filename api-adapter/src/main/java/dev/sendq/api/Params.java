package dev.sendq.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of one request, from wherever they came (query string, JSON, XML or form
 * body), before validation. Each value remembers whether it was text or a JSON number, so that
 * the documented coercion rules can be applied: integers accept JSON integers and ASCII digit
 * strings, nothing else.
 */
final class Params {
    /** What a raw value was in its source. */
    enum Kind { TEXT, INTEGER, OTHER }

    record Value(String text, Kind kind) {
    }

    private final Map<String, Value> values = new LinkedHashMap<>();
    /** The format of the body, if it was JSON or XML: the answer's default format. */
    Format bodyFormat;

    void put(String name, Value v) throws ApiException {
        if (values.putIfAbsent(name, v) != null) {
            throw ApiException.malformed("duplicate parameter");
        }
    }

    /** Refuses any parameter not in {@code allowed}. */
    void onlyThese(Set<String> allowed) throws ApiException {
        for (String name : values.keySet()) {
            if (!allowed.contains(name)) {
                boolean printable = !name.isEmpty() && name.length() <= 32
                        && name.chars().allMatch(c -> c == '_' || (c >= 'a' && c <= 'z'));
                throw new ApiException(ApiError.INVALID_VALUE,
                        printable ? "Unknown parameter: " + name : "Unknown parameter");
            }
        }
    }

    /** A text parameter, or {@code null} when absent. */
    String text(String name) throws ApiException {
        Value v = values.get(name);
        if (v == null) {
            return null;
        }
        if (v.kind() != Kind.TEXT) {
            throw ApiException.invalid(name);
        }
        return v.text();
    }

    /**
     * A non-negative int parameter, or -1 when absent or empty: JSON integers and ASCII decimal
     * digit strings within int range; fractions, exponents, signs, booleans and the rest are
     * invalid.
     */
    int nonNegativeInt(String name) throws ApiException {
        return (int) nonNegative(name, Integer.MAX_VALUE);
    }

    /** {@link #nonNegativeInt}, within long range (ids that are longs, such as hold rule ids). */
    long nonNegativeLong(String name) throws ApiException {
        return nonNegative(name, Long.MAX_VALUE);
    }

    private long nonNegative(String name, long max) throws ApiException {
        Value v = values.get(name);
        if (v == null || (v.kind() == Kind.TEXT && v.text().isEmpty())) {
            return -1;
        }
        if (v.kind() == Kind.OTHER) {
            throw ApiException.invalid(name);
        }
        String s = v.text();
        int start = 0;
        while (start < s.length() - 1 && s.charAt(start) == '0') {
            start++; // leading zeros: "00119" is 119
        }
        s = s.substring(start);
        if (s.length() > 19) {
            throw ApiException.invalid(name);
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw ApiException.invalid(name);
            }
            int digit = c - '0';
            if (n > (max - digit) / 10) {
                throw ApiException.invalid(name); // over max (and never a long overflow)
            }
            n = n * 10 + digit;
        }
        return n;
    }

    /** Whether the parameter was given with a non-empty value. */
    boolean has(String name) {
        Value v = values.get(name);
        return v != null && !(v.kind() == Kind.TEXT && v.text().isEmpty());
    }
}
