package dev.sendq.core;

import java.util.ArrayList;
import java.util.List;

/** Records every transition and hold-rule event, with the message's attempts and due time read during the call. */
final class RecordingListener implements TransitionListener {
    record Event(long id, Transition transition, MessageState from, MessageState to, int attempts, long dueAt) {
    }

    record RuleEvent(HoldRule rule, boolean active) {
    }

    final List<Event> events = new ArrayList<>();
    final List<RuleEvent> ruleEvents = new ArrayList<>();

    @Override
    public synchronized void onTransition(MessageInfo m, Transition t, MessageState from, MessageState to) {
        events.add(new Event(m.id(), t, from, to, m.attempts(), m.dueAtMillis()));
    }

    @Override
    public synchronized void onHoldRule(HoldRule rule, boolean active) {
        ruleEvents.add(new RuleEvent(rule, active));
    }

    synchronized int size() {
        return events.size() + ruleEvents.size();
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    synchronized List<RuleEvent> ruleEvents() {
        return List.copyOf(ruleEvents);
    }

    synchronized Event last() {
        return events.get(events.size() - 1);
    }

    synchronized void clear() {
        events.clear();
        ruleEvents.clear();
    }
}
