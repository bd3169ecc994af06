package dev.sendq.api.metrics.internal;

import dev.sendq.api.metrics.Breakdown;
import dev.sendq.core.MessageState;
import dev.sendq.core.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The three metric families, and how each ecosystem names them: Prometheus
 * {@code sendq_[breakdown_]queued_messages}, Micrometer {@code sendq.[breakdown.]queued} with
 * base unit {@code messages} (which Micrometer's Prometheus naming turns into the same name).
 */
public enum Family {
    /** Live messages per state: a gauge. */
    QUEUED("queued", "messages", "Messages in the queue, by state (new, proc, retry, hold)",
            "state", lower(MessageState.values())),
    /** Messages that left the queue, per outcome: a monotonic counter. */
    FINISHED("finished", "messages",
            "Messages that left the queue, by outcome (delivered, failed, expired, cancelled)",
            "outcome", lower(Outcome.values())),
    /** Cells a sender has seen (never removed): a gauge, per sender only. */
    CELLS("cells", "cells", "Cells (account, campaign, ISP) the sender has seen", null, List.of(""));

    /** The label every family carries: the sender id. */
    public static final String SENDER = "sender";
    /** The families a breakdown exports. */
    public static final List<Family> BREAKDOWN = List.of(QUEUED, FINISHED);

    private final String word;
    private final String unit;
    private final String help;
    private final String splitLabel;
    private final List<String> splitValues;

    Family(String word, String unit, String help, String splitLabel, List<String> splitValues) {
        this.word = word;
        this.unit = unit;
        this.help = help;
        this.splitLabel = splitLabel;
        this.splitValues = splitValues;
    }

    /** Whether this family is a counter (else a gauge). */
    public boolean counter() {
        return this == FINISHED;
    }

    /** The label that splits the family ({@code state}, {@code outcome}), or {@code null} for cells. */
    public String splitLabel() {
        return splitLabel;
    }

    /**
     * The values of {@link #splitLabel()} in {@link MessageState} or {@link Outcome} order
     * ({@code new, proc, retry, hold} or {@code delivered, failed, expired, cancelled}); one
     * empty string for cells.
     */
    public List<String> splitValues() {
        return splitValues;
    }

    /** The value of split {@code i} of the whole sender. */
    public long value(SenderReading r, int i) {
        return switch (this) {
            case QUEUED -> r.totals().count(MessageState.values()[i]);
            case FINISHED -> r.outcomes().count(Outcome.values()[i]);
            case CELLS -> r.cells();
        };
    }

    /** The value of split {@code i} of one breakdown series. */
    public long value(Series s, int i) {
        return switch (this) {
            case QUEUED -> s.live()[i];
            case FINISHED -> s.finished()[i];
            case CELLS -> throw new IllegalArgumentException("cells are per sender only");
        };
    }

    /** The unit, plural, as both ecosystems want it: {@code messages} or {@code cells}. */
    public String unit() {
        return unit;
    }

    /** The family's help (Micrometer: description) for one breakdown, or per sender when {@code null}. */
    public String help(Breakdown breakdown) {
        return breakdown == null ? help + ", per sender" : help + ", per sender and " + breakdown.prefix()
                + " (the top N by live messages, the rest folded into other)";
    }

    /** The Prometheus name, without the {@code _total} a counter's samples carry. */
    public String prometheusName(Breakdown breakdown) {
        String name = prefix(breakdown, "_") + word;
        return word.equals(unit) ? name : name + "_" + unit;
    }

    /** The Micrometer name (the unit goes to {@code baseUnit}). */
    public String micrometerName(Breakdown breakdown) {
        return prefix(breakdown, ".") + word;
    }

    private static String prefix(Breakdown breakdown, String sep) {
        return breakdown == null ? "sendq" + sep : "sendq" + sep + breakdown.prefix() + sep;
    }

    private static List<String> lower(Enum<?>[] values) {
        List<String> out = new ArrayList<>(values.length);
        for (Enum<?> v : values) {
            out.add(v.name().toLowerCase(Locale.ROOT));
        }
        return List.copyOf(out);
    }
}
