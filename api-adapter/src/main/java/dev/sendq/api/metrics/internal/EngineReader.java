package dev.sendq.api.metrics.internal;

import dev.sendq.api.metrics.Breakdown;
import dev.sendq.api.metrics.MetricsOptions;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.Selector;
import dev.sendq.core.Grouping;
import dev.sendq.core.SenderQueue;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads an engine's counters for an exporter, at scrape time, through the core's public stats
 * API only: per sender its totals, outcomes and cell count, and the {@link Fold}s of the
 * breakdowns asked for. Costs O(cells) per sender and breakdown; touches nothing on the
 * transition path. Each exporter owns one (a fold's bookkeeping belongs to the series its
 * exporter has shown).
 *
 * <p>Thread-safe. Senders added to the engine later are read from the next read on.
 */
public final class EngineReader {
    private final QueueEngine engine;
    private final MetricsOptions options;
    private final Map<Integer, Map<Breakdown, Fold>> folds = new ConcurrentHashMap<>();

    /** A reader of {@code engine} exporting what {@code options} asks for. */
    public EngineReader(QueueEngine engine, MetricsOptions options) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** What this reader exports. */
    public MetricsOptions options() {
        return options;
    }

    /**
     * Reads every sender, in id order.
     *
     * @param rerank whether breakdowns choose their top keys again
     */
    public List<SenderReading> read(boolean rerank) {
        int[] ids = engine.senderIds();
        List<SenderReading> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            engine.findSender(id).ifPresent(q -> out.add(read(q, rerank)));
        }
        return out;
    }

    /** Reads one sender. */
    public SenderReading read(SenderQueue sender, boolean rerank) {
        Map<Breakdown, Fold> mine = folds.computeIfAbsent(sender.id(), id -> newFolds());
        Map<Breakdown, Folded> folded = new EnumMap<>(Breakdown.class);
        for (Map.Entry<Breakdown, Fold> e : mine.entrySet()) {
            folded.put(e.getKey(), e.getValue().read(sender, rerank));
        }
        return new SenderReading(sender.id(), sender.cellCount(), sender.totals(),
                sender.outcomes(Selector.ALL, Grouping.TOTAL).get(0), folded);
    }

    private Map<Breakdown, Fold> newFolds() {
        Map<Breakdown, Fold> m = new EnumMap<>(Breakdown.class);
        for (Breakdown b : options.breakdowns()) {
            m.put(b, new Fold(b, options.top(b)));
        }
        return m;
    }
}
