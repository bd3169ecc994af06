package dev.sendq.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything observable that a refused request must leave as it was: for every sender, the
 * stats and outcomes in all four groupings, its cell count and hold rules; the engine's size;
 * and the view of every message id in a range. Taking a snapshot runs due maintenance (stats
 * does), so take it after moving the clock.
 */
record EngineSnapshot(List<Object> parts) {

    static EngineSnapshot of(QueueEngine engine, long firstId, long lastId) {
        List<Object> parts = new ArrayList<>();
        for (int sid : engine.senderIds()) {
            SenderQueue q = engine.sender(sid);
            parts.add("sender " + sid);
            for (Grouping g : Grouping.values()) {
                parts.add(g + " stats " + q.stats(Selector.ALL, g));
                parts.add(g + " outcomes " + q.outcomes(Selector.ALL, g));
            }
            parts.add("cells " + q.cellCount());
            parts.add("rules " + q.holdRules());
        }
        parts.add("size " + engine.size());
        for (long id = firstId; id <= lastId; id++) {
            Optional<MessageView> v = engine.message(id);
            parts.add(id + " -> " + v.map(Object::toString).orElse("absent"));
        }
        return new EngineSnapshot(List.copyOf(parts));
    }
}
