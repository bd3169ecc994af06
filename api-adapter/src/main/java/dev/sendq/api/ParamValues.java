package dev.sendq.api;

import dev.sendq.core.Grouping;
import dev.sendq.core.HoldReason;
import dev.sendq.core.HoldRule;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeFormatter;

/**
 * The values of the requests' own parameters, read from {@link Params} into core types, each
 * refused with error 4 ("Invalid value for parameter: name") when it is not one the request can
 * take. Absent or empty means the documented default. Stateless.
 */
final class ParamValues {
    /** The latest {@code until} accepted: the last instant with a four-digit year. */
    static final Instant LATEST_UNTIL = Instant.parse("9999-12-31T23:59:59.999Z");

    private ParamValues() {
    }

    /** {@code group}: {@code total} (default), {@code account}, {@code account_campaign} or {@code isp}. */
    static Grouping grouping(Params p) throws ApiException {
        String group = p.text("group");
        if (group == null || group.isEmpty()) {
            return Grouping.TOTAL;
        }
        try {
            return Grouping.fromParameter(group);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("group");
        }
    }

    /** {@code reason}: a {@link HoldReason#wireName()}, case-sensitive like {@code group}; default {@code operator}. */
    static HoldReason holdReason(Params p) throws ApiException {
        String reason = p.text("reason");
        if (reason == null || reason.isEmpty()) {
            return HoldReason.OPERATOR;
        }
        for (HoldReason r : HoldReason.values()) {
            if (r.wireName().equals(reason)) {
                return r;
            }
        }
        throw ApiException.invalid("reason");
    }

    /**
     * {@code label}: free text, surrounding blanks stripped, at most
     * {@value HoldRule#MAX_LABEL_LENGTH} characters (UTF-16 units, as the core counts them), no
     * control characters, no unpaired surrogates or noncharacters (XML could not carry them);
     * default empty.
     */
    static String label(Params p) throws ApiException {
        String label = p.text("label");
        if (label == null) {
            return "";
        }
        String s = label.strip();
        if (s.length() > HoldRule.MAX_LABEL_LENGTH || !Text.isCleanText(s)) {
            throw ApiException.invalid("label");
        }
        return s;
    }

    /**
     * {@code until}: an ISO-8601 instant, in UTC ({@code 2026-11-27T18:00:00Z}) or with an offset
     * ({@code 2026-11-27T19:00:00+01:00}), after {@code clock}'s now and within four-digit years;
     * {@code null} (no expiry) when absent or empty.
     */
    static Instant until(Params p, InstantSource clock) throws ApiException {
        String until = p.text("until");
        if (until == null || until.isEmpty()) {
            return null;
        }
        Instant t;
        try {
            t = DateTimeFormatter.ISO_INSTANT.parse(until, Instant::from);
        } catch (DateTimeException e) {
            throw ApiException.invalid("until");
        }
        if (!t.isAfter(clock.instant()) || t.isAfter(LATEST_UNTIL)) {
            throw ApiException.invalid("until");
        }
        return t;
    }

    /** A 0/1 flag such as {@code dry_run}: JSON integer or digit string, 0 by default. */
    static boolean flag(Params p, String name) throws ApiException {
        long v = p.nonNegativeInt(name);
        if (v > 1) {
            throw ApiException.invalid(name);
        }
        return v == 1;
    }

    /** A positive long such as {@code rule_id}; -1 when absent (its presence is checked apart). */
    static long positiveLong(Params p, String name) throws ApiException {
        long v = p.nonNegativeLong(name);
        if (v == 0) {
            throw ApiException.invalid(name);
        }
        return v;
    }

    /** A positive int within {@code 1..max}; {@code dflt} when absent (its presence is checked apart). */
    static int positiveInt(Params p, String name, int max, int dflt) throws ApiException {
        int v = p.nonNegativeInt(name);
        if (v < 0) {
            return dflt;
        }
        if (v == 0 || v > max) {
            throw ApiException.invalid(name);
        }
        return v;
    }
}
