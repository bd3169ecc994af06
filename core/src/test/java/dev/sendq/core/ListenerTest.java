package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sendq.core.RecordingListener.Event;
import dev.sendq.core.RecordingListener.RuleEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The transition listener: every kind with its from/to, hold-rule events, and rebuilding from what it saw. */
class ListenerTest {

    private final Fixture f = new Fixture();
    private final QueueEngine engine = f.engine;
    private final SenderQueue q = f.q;

    private Event last() {
        return f.events.last();
    }

    private void assertLast(long id, Transition t, MessageState from, MessageState to) {
        Event e = last();
        assertThat(e.id()).isEqualTo(id);
        assertThat(e.transition()).isEqualTo(t);
        assertThat(e.from()).as("from").isEqualTo(from);
        assertThat(e.to()).as("to").isEqualTo(to);
    }

    @Test
    void enqueuedToNewOrToHold() {
        q.enqueue(1, 1, 1, "Gmail", null);
        assertLast(1, Transition.ENQUEUED, null, MessageState.NEW);
        q.hold(Selector.account(2));
        q.enqueue(2, 2, 1, "Gmail", null);
        assertLast(2, Transition.ENQUEUED, null, MessageState.HOLD);
        assertThat(f.events.events()).hasSize(2);
    }

    @Test
    void takenFromNewAndFromRetryWithTheAttempt() {
        q.enqueue(1, 1, 1, "Gmail", null);
        Lease l = f.take(1);
        assertLast(1, Transition.TAKEN, MessageState.NEW, MessageState.PROC);
        assertThat(last().attempts()).isEqualTo(1);
        engine.defer(l, Duration.ZERO);
        f.take(1);
        assertLast(1, Transition.TAKEN, MessageState.RETRY, MessageState.PROC);
        assertThat(last().attempts()).isEqualTo(2);
    }

    @Test
    void deliveredAndFailedGoToNull() {
        q.enqueue(1, 1, 1, "Gmail", null);
        q.enqueue(2, 1, 1, "Gmail", null);
        engine.delivered(f.take(1));
        assertLast(1, Transition.DELIVERED, MessageState.PROC, null);
        engine.failed(f.take(2));
        assertLast(2, Transition.FAILED, MessageState.PROC, null);
    }

    @Test
    void deferredToRetryWithTheDueTimeOrToHoldUnderARule() {
        q.enqueue(1, 1, 1, "Gmail", null);
        engine.defer(f.take(1), Duration.ofSeconds(30));
        assertLast(1, Transition.DEFERRED, MessageState.PROC, MessageState.RETRY);
        assertThat(last().dueAt()).isEqualTo(f.now() + 30_000);

        f.clock.advance(Duration.ofSeconds(30));
        Lease l = f.take(1);
        q.hold(Selector.ALL);
        engine.defer(l, Duration.ofSeconds(30));
        assertLast(1, Transition.DEFERRED, MessageState.PROC, MessageState.HOLD);
    }

    @Test
    void expiredGoesToNull() {
        Fixture g = new Fixture(b -> b.retryPolicy(Fixture.NO_JITTER.withLimits(1, Duration.ofDays(1))));
        g.q.enqueue(1, 1, 1, "Gmail", null);
        g.engine.defer(g.take(1));
        Event e = g.events.last();
        assertThat(e).isEqualTo(new Event(1, Transition.EXPIRED, MessageState.PROC, null, 1, 0));
    }

    @Test
    void heldFromNewRetryAndProcByOperatorAndWorker() {
        q.enqueue(1, 1, 1, "Gmail", null);
        q.enqueue(2, 1, 1, "Gmail", null);
        q.enqueue(3, 1, 1, "Gmail", null);
        q.enqueue(4, 1, 1, "Gmail", null);
        engine.hold(1);
        assertLast(1, Transition.HELD, MessageState.NEW, MessageState.HOLD);
        engine.defer(f.take(2), Duration.ofMinutes(1));
        engine.hold(2);
        assertLast(2, Transition.HELD, MessageState.RETRY, MessageState.HOLD);
        f.take(3);
        engine.hold(3);
        assertLast(3, Transition.HELD, MessageState.PROC, MessageState.HOLD);
        engine.hold(f.take(4));
        assertLast(4, Transition.HELD, MessageState.PROC, MessageState.HOLD);
    }

    @Test
    void releasedToNewOrToHoldUnderARule() {
        q.enqueue(1, 1, 1, "Gmail", null);
        q.enqueue(2, 1, 1, "Gmail", null);
        engine.hold(1);
        engine.hold(2);
        engine.release(1);
        assertLast(1, Transition.RELEASED, MessageState.HOLD, MessageState.NEW);
        q.hold(Selector.ALL);
        engine.release(2);
        assertLast(2, Transition.RELEASED, MessageState.HOLD, MessageState.HOLD);
    }

    @Test
    void leaseExpiredFromProcToNewWhicheverCallNoticesIt() {
        q.enqueue(1, 1, 1, "Gmail", null);
        q.enqueue(2, 1, 1, "Gmail", null);
        Lease l1 = f.take(1);
        f.clock.advance(Fixture.LEASE);
        q.totals(); // stats applies it
        assertLast(1, Transition.LEASE_EXPIRED, MessageState.PROC, MessageState.NEW);
        assertThat(last().attempts()).isEqualTo(1);

        Lease l2 = f.take();
        f.clock.advance(Fixture.LEASE);
        assertThatThrownBy(() -> engine.delivered(l2)).isInstanceOf(LeaseExpiredException.class);
        assertLast(l2.messageId(), Transition.LEASE_EXPIRED, MessageState.PROC, MessageState.NEW);
        long expiredEvents = f.events.events().stream()
                .filter(e -> e.transition() == Transition.LEASE_EXPIRED).count();
        assertThat(expiredEvents).as("one event per expiry").isEqualTo(2);
        assertThatThrownBy(() -> engine.delivered(l1)).isInstanceOf(LeaseExpiredException.class);
        assertThat(f.events.events().stream().filter(e -> e.transition() == Transition.LEASE_EXPIRED).count())
                .isEqualTo(2);
    }

    @Test
    void leaseExpiredUnderARuleGoesToHold() {
        q.enqueue(1, 1, 1, "Gmail", null);
        f.take(1);
        q.hold(Selector.ALL);
        f.clock.advance(Fixture.LEASE);
        engine.runMaintenance();
        assertLast(1, Transition.LEASE_EXPIRED, MessageState.PROC, MessageState.HOLD);
    }

    @Test
    void cancelledFromNewRetryAndHoldOneByOneAndBySelector() {
        for (long id = 1; id <= 6; id++) {
            q.enqueue(id, 1, 1, "Gmail", null);
        }
        engine.cancel(1);
        assertLast(1, Transition.CANCELLED, MessageState.NEW, null);
        engine.defer(f.take(2), Duration.ofMinutes(1));
        engine.cancel(2);
        assertLast(2, Transition.CANCELLED, MessageState.RETRY, null);
        engine.hold(3);
        engine.cancel(3);
        assertLast(3, Transition.CANCELLED, MessageState.HOLD, null);

        engine.hold(4);
        engine.defer(f.take(5), Duration.ofMinutes(1));
        f.events.clear();
        assertThat(q.cancel(Selector.ALL)).isEqualTo(3);
        assertThat(f.events.events()).containsExactlyInAnyOrder(
                new Event(4, Transition.CANCELLED, MessageState.HOLD, null, 0, 0),
                new Event(5, Transition.CANCELLED, MessageState.RETRY, null, 1, f.now() + 60_000),
                new Event(6, Transition.CANCELLED, MessageState.NEW, null, 0, 0));
    }

    @Test
    void cancelledBySelectorUnderARuleComesFromHold() {
        q.enqueue(1, 1, 1, "Gmail", null);
        q.hold(Selector.ALL);
        f.events.clear();
        q.cancel(Selector.ALL);
        assertThat(f.events.events()).containsExactly(new Event(1, Transition.CANCELLED, MessageState.HOLD, null, 0, 0));
    }

    @Test
    void restoredInEachState() {
        long now = f.now();
        q.restore(new StoredMessage(1, 1, 1, "Gmail", null, MessageState.NEW, 0, now, 0));
        assertLast(1, Transition.RESTORED, null, MessageState.NEW);
        q.restore(new StoredMessage(2, 1, 1, "Gmail", null, MessageState.PROC, 1, now, 0));
        assertLast(2, Transition.RESTORED, null, MessageState.NEW);
        q.restore(new StoredMessage(3, 1, 1, "Gmail", null, MessageState.RETRY, 1, now, now + 5));
        assertLast(3, Transition.RESTORED, null, MessageState.RETRY);
        assertThat(last().dueAt()).isEqualTo(now + 5);
        q.restore(new StoredMessage(4, 1, 1, "Gmail", null, MessageState.HOLD, 2, now, 0));
        assertLast(4, Transition.RESTORED, null, MessageState.HOLD);
        assertThat(last().attempts()).isEqualTo(2);
    }

    @Test
    void holdRuleEventsForAddLiftReleaseAndExpiry() {
        HoldRule a = q.hold(Selector.account(1));
        HoldRule b = q.hold(Selector.isp("Gmail"));
        HoldRule c = q.hold(Selector.campaign(1, 2), f.clock.instant().plusSeconds(10));
        q.liftHold(a.id());
        q.release(Selector.isp("GMAIL"));
        f.clock.advance(Duration.ofSeconds(10));
        q.totals();
        assertThat(f.events.ruleEvents()).containsExactly(
                new RuleEvent(a, true), new RuleEvent(b, true), new RuleEvent(c, true),
                new RuleEvent(a, false), new RuleEvent(b, false), new RuleEvent(c, false));
        assertThat(f.events.events()).as("rules act on cells: no per-message events").isEmpty();
    }

    @Test
    void aRuleOverManyMessagesIsOneCallNotOnePerMessage() {
        for (long id = 1; id <= 1000; id++) {
            q.enqueue(id, 1, 1, "Gmail", null);
        }
        f.events.clear();
        HoldRule r = q.hold(Selector.ALL);
        q.liftHold(r.id());
        assertThat(f.events.size()).isEqualTo(2);
    }

    @Test
    void aListenerMayCallBackIntoTheEngine() {
        AtomicReference<QueueEngine> ref = new AtomicReference<>();
        List<String> seen = new ArrayList<>();
        TransitionListener reentrant = (m, t, from, to) -> {
            QueueEngine e = ref.get();
            StatsRow total = e.sender(m.senderId()).totals();
            seen.add(t + " " + e.message(m.id()).map(v -> v.state().toString()).orElse("gone") + " total="
                    + total.total());
        };
        QueueEngine e = QueueEngine.builder().clock(new ManualClock()).listener(reentrant).build();
        ref.set(e);
        SenderQueue s = e.addSender(1);
        s.enqueue(1, 1, 1, "Gmail", null);
        Lease l = new Lease();
        assertThat(s.take(l)).isTrue();
        e.hold(l);
        e.release(1);
        e.cancel(1);
        assertThat(seen).containsExactly("ENQUEUED NEW total=1", "TAKEN PROC total=1", "HELD HOLD total=1",
                "RELEASED NEW total=1", "CANCELLED gone total=0");
    }

    @Test
    void aListenerExceptionIsLoggedAndTheTransitionStands() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        TransitionListener failing = (m, t, from, to) -> {
            calls.incrementAndGet();
            throw new IllegalStateException("store down");
        };
        QueueEngine e = QueueEngine.builder().clock(new ManualClock()).listener(failing).build();
        SenderQueue s = e.addSender(1);
        s.enqueue(1, 1, 1, "Gmail", null); // does not throw: the transition has happened
        Lease lease = new Lease();
        assertThat(s.take(lease)).isTrue();
        e.delivered(lease);
        assertThat(calls).hasValue(3);
        assertThat(e.message(1)).isEmpty();
        assertThat(s.outcomes(Selector.ALL, Grouping.TOTAL).get(0).delivered()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ rebuilding from the listener

    /**
     * What a caller's durable store could keep from the listener alone: each message's raw
     * state (individually HOLD, or NEW/RETRY that a rule may be hiding), the active rules, and the
     * outcome counts per cell. On a rule lift, its cells' RETRY messages become NEW, as the
     * engine does, since the listener sees that as one rule event.
     */
    static final class NaiveStore implements TransitionListener {
        record Row(long id, int accountId, int campaignId, String isp, Object payload, MessageState state,
                   int attempts, long enqueuedAt, long dueAt) {
        }

        final Map<Long, Row> messages = new LinkedHashMap<>();
        final Map<Long, HoldRule> rules = new LinkedHashMap<>();
        final Map<List<Object>, long[]> outcomes = new HashMap<>();

        @Override
        public synchronized void onTransition(MessageInfo m, Transition t, MessageState from, MessageState to) {
            if (to == null) {
                messages.remove(m.id());
                Outcome o = switch (t) {
                    case DELIVERED -> Outcome.DELIVERED;
                    case FAILED -> Outcome.FAILED;
                    case EXPIRED -> Outcome.EXPIRED;
                    case CANCELLED -> Outcome.CANCELLED;
                    default -> throw new AssertionError(t + " to nothing");
                };
                outcomes.computeIfAbsent(List.of(m.accountId(), m.campaignId(), m.isp()), k -> new long[4])
                        [o.ordinal()]++;
                return;
            }
            MessageState raw = to;
            if (to == MessageState.HOLD && t != Transition.HELD) {
                raw = t == Transition.DEFERRED ? MessageState.RETRY : MessageState.NEW; // a rule hides it
            }
            messages.put(m.id(), new Row(m.id(), m.accountId(), m.campaignId(), m.isp(), m.payload(), raw,
                    m.attempts(), m.enqueuedAtMillis(), raw == MessageState.RETRY ? m.dueAtMillis() : 0));
        }

        @Override
        public synchronized void onHoldRule(HoldRule rule, boolean active) {
            if (active) {
                rules.put(rule.id(), rule);
                return;
            }
            rules.remove(rule.id());
            messages.replaceAll((id, r) -> {
                if (r.state() == MessageState.RETRY
                        && rule.selector().matches(r.accountId(), r.campaignId(), r.isp())
                        && rules.values().stream().noneMatch(
                                o -> o.selector().matches(r.accountId(), r.campaignId(), r.isp()))) {
                    return new Row(r.id(), r.accountId(), r.campaignId(), r.isp(), r.payload(), MessageState.NEW,
                            r.attempts(), r.enqueuedAt(), 0);
                }
                return r;
            });
        }

        void rebuild(SenderQueue into) {
            for (HoldRule r : rules.values()) {
                into.hold(r.selector(), r.until());
            }
            for (Row r : messages.values()) {
                into.restore(new StoredMessage(r.id(), r.accountId(), r.campaignId(), r.isp(), r.payload(),
                        r.state(), r.attempts(), r.enqueuedAt(), r.dueAt()));
            }
            outcomes.forEach((k, v) -> {
                for (Outcome o : Outcome.values()) {
                    into.restoreOutcomes((Integer) k.get(0), (Integer) k.get(1), (String) k.get(2), o,
                            v[o.ordinal()]);
                }
            });
        }
    }

    @Test
    void aStoreFedByTheListenerRebuildsIdenticalStats() {
        NaiveStore store = new NaiveStore();
        ManualClock clock = new ManualClock();
        QueueEngine original = QueueEngine.builder().clock(clock).listener(store)
                .retryPolicy(RetryPolicy.DEFAULT.withLimits(3, Duration.ofDays(1))).random(new SplittableRandom(1))
                .build();
        SenderQueue q1 = original.addSender(1);
        SplittableRandom rnd = new SplittableRandom(4242);
        List<Lease> leases = new ArrayList<>();
        List<HoldRule> rules = new ArrayList<>();
        String[] isps = {"Gmail", "Yahoo", "Microsoft", "Apple"};
        long nextId = 1;
        for (int step = 0; step < 5000; step++) {
            try {
                switch (rnd.nextInt(14)) {
                    case 0, 1, 2, 3 -> q1.enqueue(nextId++, 1 + rnd.nextInt(3), rnd.nextInt(4),
                            isps[rnd.nextInt(isps.length)], "p" + nextId);
                    case 4, 5 -> {
                        Lease l = new Lease();
                        if (q1.take(l)) {
                            leases.add(l);
                        }
                    }
                    case 6 -> {
                        if (!leases.isEmpty()) {
                            Lease l = leases.remove(rnd.nextInt(leases.size()));
                            switch (rnd.nextInt(5)) {
                                case 0 -> original.delivered(l);
                                case 1 -> original.failed(l);
                                case 2 -> original.hold(l);
                                default -> original.defer(l);
                            }
                        }
                    }
                    case 7 -> {
                        long id = 1 + rnd.nextLong(nextId);
                        switch (rnd.nextInt(3)) {
                            case 0 -> original.hold(id);
                            case 1 -> original.release(id);
                            default -> original.cancel(id);
                        }
                    }
                    case 8 -> {
                        if (rules.size() < 2) {
                            Instant until = rnd.nextBoolean() ? null : clock.instant().plusSeconds(rnd.nextInt(1, 900));
                            rules.add(q1.hold(rnd.nextBoolean() ? Selector.account(1 + rnd.nextInt(3))
                                    : Selector.isp(isps[rnd.nextInt(isps.length)]), until));
                        } else {
                            q1.liftHold(rules.remove(rnd.nextInt(rules.size())).id());
                        }
                    }
                    case 9 -> q1.cancel(Selector.campaign(1 + rnd.nextInt(3), 1 + rnd.nextInt(3)));
                    default -> clock.advanceMillis(rnd.nextInt(30_000));
                }
            } catch (IllegalTransitionException | java.util.NoSuchElementException e) {
                // refused: changes nothing
            }
        }
        for (Lease l : leases) { // finish the attempts in flight (a restart would bring PROC back as NEW)
            try {
                original.delivered(l);
            } catch (IllegalTransitionException e) {
                // expired or held since
            }
        }
        q1.hold(Selector.isp("Zoho")); // a cell no earlier rule covers, with a RETRY under a rule and one not
        for (long id = nextId; id < nextId + 4; id++) {
            q1.enqueue(id, 4, 1, id % 2 == 0 ? "Zoho" : "Proton", null);
        }
        q1.liftHold(q1.holdRules().get(q1.holdRules().size() - 1).id());
        Lease last = new Lease();
        while (q1.take(last)) {
            if (last.accountId() == 4) {
                original.defer(last, Duration.ofHours(1));
            } else {
                original.delivered(last);
            }
        }
        q1.hold(Selector.isp("Zoho"));
        nextId += 4;
        for (long id = nextId; id < nextId + 4; id++) {
            q1.enqueue(id, 5, 0, id % 2 == 0 ? "Zoho" : "Proton", null);
        }
        nextId += 4;
        q1.totals(); // apply what is due, so that the listener has seen it
        assertThat(q1.totals().proc()).isZero();
        List<List<StatsRow>> expected = new ArrayList<>();
        for (Grouping g : Grouping.values()) {
            expected.add(q1.stats(Selector.ALL, g));
        }

        StatsRow t = expected.get(Grouping.TOTAL.ordinal()).get(0);
        assertThat(t.newCount()).as("the walk leaves NEW").isPositive();
        assertThat(t.retry()).as("the walk leaves RETRY").isPositive();
        assertThat(t.hold()).as("the walk leaves HOLD").isPositive();
        assertThat(store.rules).as("the walk leaves rules").isNotEmpty();
        assertThat(f.events.ruleEvents()).isEmpty();

        QueueEngine rebuilt = QueueEngine.builder().clock(clock).build();
        SenderQueue q2 = rebuilt.addSender(1);
        store.rebuild(q2);

        assertThat(rebuilt.size()).isEqualTo(original.size());
        assertThat(q2.holdRules()).extracting(HoldRule::selector)
                .isEqualTo(q1.holdRules().stream().map(HoldRule::selector).toList());
        for (long id = 1; id < nextId; id++) {
            MessageView a = original.message(id).orElse(null);
            MessageView b = rebuilt.message(id).orElse(null);
            if (a == null) {
                assertThat(b).isNull();
                continue;
            }
            assertThat(b).isEqualTo(a);
        }
        for (Grouping g : Grouping.values()) {
            assertThat(q2.stats(Selector.ALL, g)).as("stats by %s", g).isEqualTo(expected.get(g.ordinal()));
            assertThat(q2.outcomes(Selector.ALL, g)).as("outcomes by %s", g)
                    .isEqualTo(q1.outcomes(Selector.ALL, g));
        }
        // and the rebuilt engine serves the same work
        List<Long> served1 = new ArrayList<>();
        List<Long> served2 = new ArrayList<>();
        Lease l = new Lease();
        while (q1.take(l)) {
            served1.add(l.messageId());
        }
        while (q2.take(l)) {
            served2.add(l.messageId());
        }
        assertThat(served2).containsExactlyInAnyOrderElementsOf(served1);
        assertThat(served1).isNotEmpty();
    }

    @Test
    void aStoreWithNoRulesRebuildsExactlyWhenNothingIsInFlight() {
        NaiveStore store = new NaiveStore();
        ManualClock clock = new ManualClock();
        QueueEngine original = QueueEngine.builder().clock(clock).listener(store).build();
        SenderQueue q1 = original.addSender(7);
        for (long id = 1; id <= 50; id++) {
            q1.enqueue(id, (int) (1 + id % 3), (int) (id % 4), id % 2 == 0 ? "Gmail" : "Yahoo", null);
        }
        Lease l = new Lease();
        for (int i = 0; i < 30 && q1.take(l); i++) {
            switch (i % 4) {
                case 0 -> original.delivered(l);
                case 1 -> original.defer(l, Duration.ofMinutes(i));
                case 2 -> original.hold(l);
                default -> original.failed(l);
            }
        }
        original.cancel(49);
        QueueEngine rebuilt = QueueEngine.builder().clock(clock).build();
        SenderQueue q2 = rebuilt.addSender(7);
        store.rebuild(q2);
        assertThat(EngineSnapshot.of(rebuilt, 1, 50)).isEqualTo(EngineSnapshot.of(original, 1, 50));
    }
}
