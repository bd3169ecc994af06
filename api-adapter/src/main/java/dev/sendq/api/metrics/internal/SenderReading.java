package dev.sendq.api.metrics.internal;

import dev.sendq.api.metrics.Breakdown;
import dev.sendq.core.OutcomeRow;
import dev.sendq.core.StatsRow;
import java.util.Map;

/**
 * One read of one sender: its totals, outcomes, cells and the breakdowns asked for.
 *
 * @param senderId   the sender
 * @param cells      its cell count
 * @param totals     live counts of the whole sender
 * @param outcomes   outcome counts of the whole sender
 * @param breakdowns the breakdowns asked for
 */
public record SenderReading(int senderId, int cells, StatsRow totals, OutcomeRow outcomes,
                            Map<Breakdown, Folded> breakdowns) {
    /** Copies the map. */
    public SenderReading {
        breakdowns = Map.copyOf(breakdowns);
    }
}
