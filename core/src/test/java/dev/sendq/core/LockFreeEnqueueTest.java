package dev.sendq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The lock-free enqueue (an engine without a {@link TransitionListener}, a cell the sender
 * already has, no maintenance due): the message is indexed, counted NEW and pushed on the
 * sender's inbox, which the next locked operation moves into the cell.
 *
 * <p>The deterministic tests check, through the public API, that nothing can tell such a message
 * from one enqueued under the lock: a blocked {@code take} is woken by it; it is visible, can be
 * cancelled and held by id and cancelled by selector before any take; a hold rule holds it; an
 * expired rule is lifted before it is counted; FIFO order within a cell; a duplicate id changes
 * nothing. Where a test must know which path an enqueue took, it looks at the private
 * {@code inbox} field (non-empty right after a lock-free enqueue, empty after a locked one), so
 * that it fails, instead of passing vacuously, if the lock-free path stops being taken.
 *
 * <p>The stress test runs producers, blocking workers, an operator working on ids being enqueued
 * right now, a stats reader and a clock ticker on an engine without a listener, then recounts
 * every message. Its seed is printed; rerun one with {@code -Dsendq.inbox.seed=...}.
 */
class LockFreeEnqueueTest {
    private static final VarHandle INBOX;
    private static final VarHandle WAITING_TAKERS;
    private static final VarHandle NEXT_DEADLINE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(SenderQueue.class, MethodHandles.lookup());
            INBOX = l.findVarHandle(SenderQueue.class, "inbox", MsgStack.class);
            WAITING_TAKERS = l.findVarHandle(SenderQueue.class, "waitingTakers", int.class);
            NEXT_DEADLINE = l.findVarHandle(SenderQueue.class, "nextDeadline", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ManualClock clock = new ManualClock();
    private final QueueEngine engine = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofMinutes(5)).build();
    private final SenderQueue q = engine.addSender(1);

    /** Whether the sender's inbox holds messages that no locked operation has moved yet. */
    static boolean inboxHasMessages(SenderQueue q) {
        return !((MsgStack) INBOX.get(q)).isEmpty();
    }

    /** Creates the cell (306, 4591, Gmail) with nothing in it: enqueued (under the lock) and cancelled. */
    private static void emptyCell(QueueEngine engine, SenderQueue q, long id) {
        q.enqueue(id, 306, 4591, "Gmail", null);
        engine.cancel(id);
        assertThat(q.totals().total()).isZero();
    }

    /** Enqueues into (306, 4591, Gmail), asserting that the enqueue went through the inbox. */
    private static void enqueueLockFree(SenderQueue q, long id, Object payload) {
        assertThat(inboxHasMessages(q)).as("inbox before enqueue of %d", id).isFalse();
        q.enqueue(id, 306, 4591, "Gmail", payload);
        assertThat(inboxHasMessages(q)).as("enqueue of %d went through the inbox (lock-free)", id).isTrue();
    }

    // ------------------------------------------------------------------ waking a blocked take

    @Test
    void aBlockedTakeIsWokenByALockFreeEnqueue() throws Exception {
        emptyCell(engine, q, 1);
        Lease lease = new Lease();
        CompletableFuture<Boolean> taken = new CompletableFuture<>();
        Thread taker = new Thread(() -> {
            try {
                taken.complete(q.take(lease, 1, TimeUnit.HOURS));
            } catch (Throwable t) {
                taken.completeExceptionally(t);
            }
        }, "taker");
        taker.setDaemon(true);
        taker.start();
        awaitWaitingTakers(q, 1);

        q.enqueue(2, 306, 4591, "Gmail", null);

        // The take waits an hour (the manual clock has no deadline for it); only the enqueue can wake it.
        assertThat(taken.get(30, TimeUnit.SECONDS)).as("take woken by the enqueue").isTrue();
        assertThat(lease.messageId()).isEqualTo(2);
        assertThat(engine.message(2).orElseThrow().state()).isEqualTo(MessageState.PROC);
    }

    /**
     * Many rounds of: enqueue one message, wait for one of two blocked takers to return it. The
     * enqueue races with the takers' way into and out of their wait (the inbox check before
     * waiting, the waiting count the enqueue reads after its push); a lost wake-up leaves a
     * message untaken for the taker's hour-long timeout, and the round fails after 30 s.
     */
    @Test
    void everyLockFreeEnqueueWakesABlockedTaker() throws Exception {
        QueueEngine longLeases = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofDays(1)).build();
        SenderQueue q = longLeases.addSender(1);
        emptyCell(longLeases, q, 1_000_000);
        BlockingQueue<Long> taken = new LinkedBlockingQueue<>();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> takers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread th = new Thread(() -> {
                Lease l = new Lease();
                try {
                    while (true) {
                        if (!q.take(l, 1, TimeUnit.HOURS)) {
                            failures.add(new AssertionError("take timed out"));
                            return;
                        }
                        taken.add(l.messageId());
                    }
                } catch (InterruptedException e) {
                    // the end
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "taker-" + t);
            th.setDaemon(true);
            takers.add(th);
            th.start();
        }
        try {
            int rounds = 10_000;
            for (long id = 1; id <= rounds; id++) {
                q.enqueue(id, 306, 4591, "Gmail", null);
                Long got = taken.poll(30, TimeUnit.SECONDS);
                assertThat(got).as("round %d: a taker returned the message (failures: %s)", id, failures)
                        .isEqualTo(id);
            }
            assertThat(q.totals().proc()).isEqualTo(rounds);
        } finally {
            takers.forEach(Thread::interrupt);
            for (Thread th : takers) {
                th.join(10_000);
            }
        }
        assertThat(failures).isEmpty();
    }

    private static void awaitWaitingTakers(SenderQueue q, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((int) WAITING_TAKERS.getVolatile(q) < n) {
            assertThat(System.nanoTime()).as("a taker started waiting").isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    // ------------------------------------------------------------------ by id and by selector, before any take

    @Test
    void aLockFreeMessageIsVisibleById() {
        emptyCell(engine, q, 1);
        q.enqueue(2, 306, 4591, "gmail", null); // a spelling seen for the first time is interned under the lock
        engine.cancel(2);
        Object payload = new Object();
        clock.advanceMillis(7);
        assertThat(inboxHasMessages(q)).isFalse();
        q.enqueue(3, 306, 4591, "gmail", payload);
        assertThat(inboxHasMessages(q)).as("lock-free").isTrue();

        assertThat(engine.message(3)).contains(new MessageView(3, 1, 306, 4591, "Gmail", payload, MessageState.NEW,
                0, clock.millis(), 0));
        assertThat(q.totals()).isEqualTo(StatsRow.of(0, 0, "", 0, 1, 0, 0));
        assertThat(engine.size()).isEqualTo(1);
    }

    @Test
    void aLockFreeMessageCanBeCancelledById() {
        emptyCell(engine, q, 1);
        enqueueLockFree(q, 2, null);

        engine.cancel(2);

        assertThat(engine.message(2)).isEmpty();
        assertThat(q.totals().total()).isZero();
        assertThat(q.outcomes(Selector.ALL, Grouping.TOTAL).get(0).cancelled()).isEqualTo(2); // 1 and 2
        assertThat(q.take(new Lease())).as("a cancelled message is never taken").isFalse();
        assertThatThrownBy(() -> engine.cancel(2)).isInstanceOf(UnknownMessageException.class);
    }

    @Test
    void aLockFreeMessageCanBeHeldAndReleasedById() {
        emptyCell(engine, q, 1);
        enqueueLockFree(q, 2, null);

        engine.hold(2);

        assertThat(engine.message(2).orElseThrow().state()).isEqualTo(MessageState.HOLD);
        assertThat(q.totals()).isEqualTo(StatsRow.of(0, 0, "", 1, 0, 0, 0));
        assertThat(q.take(new Lease())).as("a held message is not taken").isFalse();
        engine.release(2);
        assertThat(q.totals()).isEqualTo(StatsRow.of(0, 0, "", 0, 1, 0, 0));
        Lease l = new Lease();
        assertThat(q.take(l)).isTrue();
        assertThat(l.messageId()).isEqualTo(2);
    }

    @Test
    void cancelBySelectorCancelsALockFreeMessage() {
        emptyCell(engine, q, 1);
        enqueueLockFree(q, 2, null);
        q.enqueue(3, 306, 4591, "Gmail", null);

        assertThat(q.cancel(Selector.ALL)).isEqualTo(2);

        assertThat(engine.message(2)).isEmpty();
        assertThat(engine.message(3)).isEmpty();
        assertThat(engine.size()).isZero();
        assertThat(q.totals().total()).isZero();
        assertThat(q.take(new Lease())).isFalse();
    }

    // ------------------------------------------------------------------ hold rules

    @Test
    void aHoldRuleHoldsLockFreeMessages() {
        emptyCell(engine, q, 1);
        HoldRule rule = q.hold(Selector.campaign(306, 4591));
        enqueueLockFree(q, 2, null);
        q.enqueue(3, 306, 4591, "Gmail", null);

        assertThat(q.totals()).isEqualTo(StatsRow.of(0, 0, "", 2, 0, 0, 0));
        assertThat(q.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN))
                .containsExactly(StatsRow.of(306, 4591, "", 2, 0, 0, 0));
        assertThat(q.take(new Lease())).as("take skips a held cell").isFalse();
        assertThat(engine.message(2).orElseThrow().state()).isEqualTo(MessageState.HOLD);
        assertThat(engine.message(3).orElseThrow().state()).isEqualTo(MessageState.HOLD);

        q.liftHold(rule.id());
        assertThat(q.totals()).isEqualTo(StatsRow.of(0, 0, "", 0, 2, 0, 0));
        Lease l = new Lease();
        assertThat(q.take(l)).isTrue();
        assertThat(l.messageId()).isEqualTo(2);
    }

    @Test
    void anEnqueueAfterTheRuleExpiredTakesTheLockAndSeesTheRuleLifted() {
        emptyCell(engine, q, 1);
        q.hold(Selector.campaign(306, 4591), clock.instant().plusSeconds(60));
        enqueueLockFree(q, 2, null);
        assertThat(q.totals()).as("before expiry").isEqualTo(StatsRow.of(0, 0, "", 1, 0, 0, 0));

        clock.advance(Duration.ofSeconds(60)); // the rule's `until`: expired from now on
        q.enqueue(3, 306, 4591, "Gmail", null);

        // Read before any other call (which would run maintenance itself): the enqueue took the
        // lock, moved the inbox and lifted the rule.
        assertThat(inboxHasMessages(q)).as("the enqueue took the locked path and emptied the inbox").isFalse();
        assertThat(engine.index.get(3).cell.heldByRule()).as("rule lifted by the enqueue").isFalse();
        assertThat(q.totals()).isEqualTo(StatsRow.of(0, 0, "", 0, 2, 0, 0));
        assertThat(engine.message(3).orElseThrow().state()).isEqualTo(MessageState.NEW);
        assertThat(q.holdRules()).isEmpty();
        Lease l = new Lease();
        assertThat(q.take(l)).isTrue();
        assertThat(l.messageId()).isEqualTo(2);
        assertThat(q.take(l)).isTrue();
        assertThat(l.messageId()).isEqualTo(3);
    }

    // ------------------------------------------------------------------ order, cells, duplicates

    /** FIFO within a cell, lock-free enqueues mixed with locked operations that empty the inbox midway. */
    @Test
    void takeReturnsACellsMessagesInEnqueueOrder() {
        emptyCell(engine, q, 1);
        q.enqueue(2, 306, 1, "Yahoo", null); // a second cell, interleaved
        List<Long> first = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        for (long id = 10; id < 2_010; id++) {
            boolean other = id % 5 == 0;
            q.enqueue(id, 306, other ? 1 : 4591, other ? "Yahoo" : "Gmail", null);
            (other ? second : first).add(id);
            if (id % 7 == 0) {
                assertThat(engine.message(id - 3)).isPresent(); // a locked operation: empties the inbox
            }
        }
        second.add(0, 2L);
        List<Long> takenFirst = new ArrayList<>();
        List<Long> takenSecond = new ArrayList<>();
        Lease l = new Lease();
        while (q.take(l)) {
            (l.campaignId() == 4591 ? takenFirst : takenSecond).add(l.messageId());
        }
        assertThat(takenFirst).isEqualTo(first);
        assertThat(takenSecond).isEqualTo(second);
    }

    /** Two producers on one cell, a taker taking meanwhile: each producer's messages come out in its order. */
    @Test
    void takeKeepsEachProducersOrderUnderConcurrency() throws Exception {
        QueueEngine longLeases = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofDays(1)).build();
        SenderQueue q = longLeases.addSender(1);
        emptyCell(longLeases, q, 1);
        int perProducer = 30_000;
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> producers = new ArrayList<>();
        for (int p = 1; p <= 2; p++) {
            long base = p * 1_000_000L;
            Thread t = new Thread(() -> {
                try {
                    for (long i = 0; i < perProducer; i++) {
                        q.enqueue(base + i, 306, 4591, "Gmail", null);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "producer-" + p);
            producers.add(t);
        }
        producers.forEach(Thread::start);
        long[] next = {0, 1_000_000L, 2_000_000L};
        Lease l = new Lease();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int taken = 0;
        while (taken < 2 * perProducer && System.nanoTime() < deadline && failures.isEmpty()) {
            boolean got = taken % 2 == 0 ? q.take(l) : q.take(l, 1, TimeUnit.MILLISECONDS);
            if (got) {
                long id = l.messageId();
                int p = (int) (id / 1_000_000L);
                assertThat(id).as("producer %d's next message", p).isEqualTo(next[p]);
                next[p]++;
                taken++;
            }
        }
        for (Thread t : producers) {
            t.join(10_000);
        }
        assertThat(failures).isEmpty();
        assertThat(taken).as("messages taken").isEqualTo(2 * perProducer);
        assertThat(q.take(l)).isFalse();
    }

    /**
     * Cells found without the lock after the cell table grew many times: several ISPs per
     * (account, campaign) (an array in the table), extreme ids. Each enqueue must go through the
     * inbox into exactly its own cell.
     */
    @Test
    void everyExistingCellIsFoundWithoutTheLock() {
        String[] isps = {"Gmail", "Yahoo", "Microsoft"};
        List<int[]> cells = new ArrayList<>();
        for (int a = 1; a <= 150; a++) {
            for (int c : new int[] {0, a, Integer.MAX_VALUE}) {
                for (int i = 0; i <= a % 3; i++) {
                    cells.add(new int[] {a == 150 ? Integer.MAX_VALUE : a, c, i});
                }
            }
        }
        long id = 0;
        for (int[] c : cells) {
            q.enqueue(++id, c[0], c[1], isps[c[2]], null); // creates the cell, under the lock
        }
        assertThat(q.cellCount()).isEqualTo(cells.size());
        assertThat(inboxHasMessages(q)).isFalse();
        for (int[] c : cells) {
            long m = ++id;
            q.enqueue(m, c[0], c[1], isps[c[2]], null);
            assertThat(inboxHasMessages(q)).as("cell %s found without the lock", List.of(c[0], c[1], c[2])).isTrue();
            MessageView v = engine.message(m).orElseThrow(); // empties the inbox
            assertThat(List.of(v.accountId(), v.campaignId(), v.isp())).isEqualTo(List.of(c[0], c[1], isps[c[2]]));
        }
        assertThat(q.cellCount()).isEqualTo(cells.size());
        for (StatsRow row : q.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN)) {
            long expected = 2L * cells.stream().filter(c -> c[0] == row.accountId() && c[1] == row.campaignId()).count();
            assertThat(row.newCount()).as("row %s", row).isEqualTo(expected);
        }
    }

    @Test
    void aDuplicateIdIsRefusedAndChangesNothing() {
        SenderQueue other = engine.addSender(2);
        q.enqueue(1, 306, 4591, "Gmail", "one");
        q.enqueue(3, 306, 1, "Yahoo", null);
        other.enqueue(4, 306, 4591, "Gmail", null);
        engine.cancel(3);
        engine.cancel(4);
        enqueueLockFree(q, 2, "two");
        List<StatsRow> before = q.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN);
        MessageView one = engine.message(1).orElseThrow();
        q.enqueue(5, 306, 4591, "Gmail", "five");
        assertThat(inboxHasMessages(q)).isTrue();

        // Into the same cell (1 moved into it, 5 still in the inbox), another cell, the other
        // sender's cell (all lock-free), a new cell and a new ISP (under the lock).
        for (long dup : new long[] {1, 5}) {
            assertThatThrownBy(() -> q.enqueue(dup, 306, 4591, "Gmail", null)).isInstanceOf(DuplicateMessageException.class);
            assertThatThrownBy(() -> q.enqueue(dup, 306, 1, "Yahoo", null)).isInstanceOf(DuplicateMessageException.class);
            assertThatThrownBy(() -> other.enqueue(dup, 306, 4591, "Gmail", null))
                    .isInstanceOf(DuplicateMessageException.class);
            assertThatThrownBy(() -> q.enqueue(dup, 7, 7, "Gmail", null)).isInstanceOf(DuplicateMessageException.class);
            assertThatThrownBy(() -> q.enqueue(dup, 306, 4591, "Brand-New-" + dup, null))
                    .isInstanceOf(DuplicateMessageException.class);
        }

        assertThat(q.cellCount()).isEqualTo(2);
        assertThat(other.cellCount()).isEqualTo(1);
        assertThat(engine.canonicalIsp("BRAND-NEW-1")).as("a refused ISP is not interned").isEqualTo("BRAND-NEW-1");
        assertThat(other.totals().total()).isZero();
        assertThat(engine.message(1)).contains(one);
        assertThat(engine.message(5).orElseThrow().payload()).isEqualTo("five");
        List<StatsRow> after = q.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN);
        assertThat(after).containsExactly(StatsRow.of(306, 4591, "", 0, before.get(0).newCount() + 1, 0, 0));
        assertThat(engine.size()).isEqualTo(3);
        List<Long> order = new ArrayList<>();
        Lease l = new Lease();
        while (q.take(l)) {
            order.add(l.messageId());
        }
        assertThat(order).as("each message once, in order").containsExactly(1L, 2L, 5L);
    }

    // ------------------------------------------------------------------ with a listener: the locked path

    @Test
    void withAListenerEveryEnqueueTakesTheLockAndEventsComeInOrder() throws Exception {
        Fixture f = new Fixture();
        f.q.enqueue(1, 306, 4591, "Gmail", null);
        for (long id = 2; id <= 50; id++) {
            f.q.enqueue(id, 306, 4591, "Gmail", null);
            assertThat(inboxHasMessages(f.q)).as("enqueue %d with a listener", id).isFalse();
        }
        List<RecordingListener.Event> events = f.events.events();
        assertThat(events).hasSize(50);
        for (int i = 0; i < 50; i++) {
            assertThat(events.get(i)).isEqualTo(new RecordingListener.Event(i + 1, Transition.ENQUEUED, null,
                    MessageState.NEW, 0, 0));
        }

        // Concurrently: each message's ENQUEUED is told before its TAKEN.
        f.events.clear();
        int n = 5_000;
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Thread producer = new Thread(() -> {
            try {
                for (long id = 100; id < 100 + n; id++) {
                    f.q.enqueue(id, 306, 4591, "Gmail", null);
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        }, "producer");
        producer.start();
        Lease l = new Lease();
        int taken = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (taken < n + 50 && System.nanoTime() < deadline && failures.isEmpty()) {
            if (f.q.take(l, 1, TimeUnit.MILLISECONDS)) {
                taken++;
            }
        }
        producer.join(10_000);
        assertThat(failures).isEmpty();
        assertThat(taken).isEqualTo(n + 50);
        Set<Long> told = new HashSet<>();
        for (RecordingListener.Event e : f.events.events()) {
            if (e.transition() == Transition.ENQUEUED) {
                told.add(e.id());
            } else if (e.transition() == Transition.TAKEN && e.id() >= 100) {
                assertThat(told).as("ENQUEUED of %d told before its TAKEN", e.id()).contains(e.id());
            }
        }
        assertThat(told).hasSize(n);
    }

    // ------------------------------------------------------------------ stress

    @Test
    @Tag("slow")
    void concurrentLifecyclesWithoutAListenerConserveEveryMessage() throws Exception {
        long seed = Long.getLong("sendq.inbox.seed", System.nanoTime());
        System.out.println("LockFreeEnqueueTest seed: -Dsendq.inbox.seed=" + seed);
        try {
            new Stress().run(seed);
        } catch (Throwable t) {
            throw new AssertionError("LockFreeEnqueueTest stress failed with -Dsendq.inbox.seed=" + seed + ": " + t, t);
        }
    }

    /**
     * One engine without a listener, two senders. Producers enqueue mostly into existing cells
     * (lock-free), sometimes into new cells and new ISPs (under the lock), sometimes a duplicate:
     * of a live id (always refused), or the same fresh id as another producer at the same time
     * (exactly one accepted). "Pinned" messages go to account 99 of sender 1, held by a rule that
     * stays all run and never cancelled, so that their ids stay in the engine for the duplicate
     * attempts. Workers take with the blocking take and deliver, fail, defer, hold, abandon the
     * lease or report after it ran out. The operator works by id mostly on the id a producer is
     * enqueueing right now (published just before the call), and adds, lifts and lets expire
     * hold rules and cancels by selector. The ticker moves the clock, so leases, retries and
     * rules come due and some enqueues find maintenance due and take the lock.
     *
     * <p>While running: no (message, attempt) is taken twice, no message is told gone twice, no
     * duplicate is accepted, every stats row is non-negative with total = sum, outcome counts
     * and the pinned account's HOLD count never go down and the pinned account shows nothing
     * but HOLD, a view found by id belongs to the cell its message was enqueued into.
     * Quiet, three times (rules in force; rules lifted and everything due; everything taken and
     * delivered): every counter of every cell equals a recount through {@code message(id)} of
     * the ids accepted, each accepted id is either live or left exactly once as the threads were
     * told (or among the ones a {@code cancel(Selector)} counted), outcome counters equal what the
     * threads were told, accepted = left + live, the attempts handed out are 1..n, and the cells
     * are exactly those of accepted messages.
     */
    private static final class Stress {
        static final int PRODUCERS = 3;
        static final int ENQUEUES_PER_PRODUCER = 30_000;
        static final int MAX_ID = PRODUCERS * ENQUEUES_PER_PRODUCER + 1_000;
        static final long LIVE_LIMIT = 20_000;
        static final long MAX_RUN_NANOS = TimeUnit.SECONDS.toNanos(60);
        static final long LEASE_MS = 100;
        static final int MAX_ATTEMPTS = 5;
        /** Expiry only by attempts (the run lasts minutes of the manual clock, not a day). */
        static final RetryPolicy POLICY = new RetryPolicy(Duration.ofMillis(5), 2.0, Duration.ofMillis(80), 0.5,
                MAX_ATTEMPTS, Duration.ofDays(1));
        static final String[] ISPS = {"Gmail", "Yahoo", "Microsoft"};
        static final String[][] SPELLINGS = {{"Gmail", "gmail", "GMAIL"}, {"Yahoo", "yahoo"}, {"Microsoft", "MICROSOFT"}};
        static final int PINNED_ACCOUNT = 99;
        /** Few: the quiet checks query stats once per ISP. */
        static final int MAX_NEW_ISPS = 30;
        static final int NORMAL = 0;
        static final int PINNED = 1;
        static final int CONTESTED = 2;
        static final int TRACKED_ATTEMPTS = 62;

        /**
         * What a fresh id is for, decided by the id alone so that the operator knows it before
         * the producer has done anything with it: 1 in 32 is contested, 1 in 32 more is pinned.
         */
        static int kindOf(long id) {
            return id % 32 == 0 ? CONTESTED : id % 16 == 0 ? PINNED : NORMAL;
        }

        record CellKey(int sender, int account, int campaign, String isp) {
        }

        final ManualClock clock = new ManualClock();
        final QueueEngine engine = QueueEngine.builder().clock(clock).leaseDuration(Duration.ofMillis(LEASE_MS))
                .retryPolicy(POLICY).build();
        final SenderQueue[] senders = {null, engine.addSender(1), engine.addSender(2)};
        final Queue<String> failures = new ConcurrentLinkedQueue<>();
        volatile boolean stop;

        final AtomicLong nextId = new AtomicLong();
        /** Ids up to this one were drawn by the setup, which skipped some; every later id is accepted once. */
        long setupIds;
        /** The cell (and payload: the same object) of each accepted id. */
        final AtomicReferenceArray<CellKey> cellOf = new AtomicReferenceArray<>(MAX_ID);
        final AtomicIntegerArray accepted = new AtomicIntegerArray(MAX_ID);
        /** How each id left, as a thread was told: 0 not (yet), else outcome ordinal + 1. */
        final AtomicIntegerArray fate = new AtomicIntegerArray(MAX_ID);
        /** Per id, bit n set when attempt n was handed out (bit 63: an attempt past TRACKED_ATTEMPTS). */
        final AtomicLongArray handedOut = new AtomicLongArray(MAX_ID);
        final AtomicLongArray latest = new AtomicLongArray(PRODUCERS);
        final AtomicLongArray returned = new AtomicLongArray(PRODUCERS);
        final AtomicLong contested = new AtomicLong();
        final AtomicLongArray pinnedIds = new AtomicLongArray(4096);
        final AtomicLong pinnedAccepted = new AtomicLong();
        final AtomicInteger newAccounts = new AtomicInteger();
        final AtomicReferenceArray<String> newIsps = new AtomicReferenceArray<>(4096);
        final AtomicInteger newIspCount = new AtomicInteger();
        final AtomicInteger dupIsps = new AtomicInteger();
        final Queue<Long> heldIds = new ConcurrentLinkedQueue<>();

        final LongAdder acceptedCount = new LongAdder();
        final LongAdder leftTold = new LongAdder();
        final LongAdder[] outcomesTold = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
        final LongAdder cancelledBySelector = new LongAdder();
        final LongAdder duplicatesRefused = new LongAdder();
        final LongAdder contestsLost = new LongAdder();
        final LongAdder deadlineDueAtEnqueue = new LongAdder();
        final LongAdder takes = new LongAdder();
        final LongAdder reportsRefused = new LongAdder();
        final LongAdder byIdOps = new LongAdder();
        final LongAdder byIdFoundInFlight = new LongAdder();
        final LongAdder byIdUnknown = new LongAdder();
        final LongAdder rulesAdded = new LongAdder();
        final LongAdder reads = new LongAdder();

        void run(long seed) throws Exception {
            // The hot, pinned and second-sender cells, and the rule that pins account 99.
            for (String isp : ISPS) {
                for (int campaign = 0; campaign <= 2; campaign++) {
                    accept(senders[1], new CellKey(1, 1, campaign, isp), NORMAL);
                    accept(senders[1], new CellKey(1, PINNED_ACCOUNT, campaign, isp), PINNED);
                    accept(senders[2], new CellKey(2, 1, campaign, isp), NORMAL);
                }
            }
            setupIds = nextId.get();
            HoldRule pin = senders[1].hold(Selector.account(PINNED_ACCOUNT));

            SplittableRandom master = new SplittableRandom(seed);
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int me = p;
                producers.add(thread("producer-" + p, master.split(), r -> produce(me, r)));
            }
            List<Thread> others = new ArrayList<>();
            others.add(thread("worker-1", master.split(), this::work));
            others.add(thread("worker-2", master.split(), this::work));
            others.add(thread("operator", master.split(), r -> operate(r, pin)));
            others.add(thread("reader", master.split(), r -> read()));
            others.add(thread("ticker", master.split(), r -> tick()));

            long start = System.nanoTime();
            others.forEach(Thread::start);
            producers.forEach(Thread::start);
            boolean finished = true;
            for (Thread t : producers) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(start + MAX_RUN_NANOS - System.nanoTime())));
                finished &= !t.isAlive();
            }
            stop = true;
            for (Thread t : producers) {
                t.join(10_000);
            }
            for (Thread t : others) {
                t.join(10_000);
            }
            for (Thread t : concat(producers, others)) {
                if (t.isAlive()) {
                    failures.add(t.getName() + " did not stop: " + List.of(t.getStackTrace()));
                }
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("LockFreeEnqueueTest: %,d ids accepted in %,d ms%s; duplicates refused %,d, contests lost"
                            + " %,d; enqueues that found maintenance due %,d%n", acceptedCount.sum(), ms,
                    finished ? "" : " (time cap reached)", duplicatesRefused.sum(), contestsLost.sum(),
                    deadlineDueAtEnqueue.sum());
            System.out.printf("  takes %,d, reports refused %,d; told delivered %,d failed %,d expired %,d cancelled %,d;"
                            + " cancelled by selector %,d%n", takes.sum(), reportsRefused.sum(), outcomesTold[0].sum(),
                    outcomesTold[1].sum(), outcomesTold[2].sum(), outcomesTold[3].sum(), cancelledBySelector.sum());
            System.out.printf("  by-id operations %,d (found while the producer's enqueue was in flight %,d, unknown"
                            + " %,d); rules %,d; reader passes %,d; cells %d + %d%n", byIdOps.sum(),
                    byIdFoundInFlight.sum(), byIdUnknown.sum(), rulesAdded.sum(), reads.sum(), senders[1].cellCount(),
                    senders[2].cellCount());
            assertThat(failures).as("failures while running").isEmpty();
            assertThat(acceptedCount.sum()).as("ids accepted").isGreaterThan(10_000);
            assertThat(duplicatesRefused.sum()).as("duplicates refused").isPositive();
            assertThat(outcomesTold[Outcome.EXPIRED.ordinal()].sum()).as("expired").isPositive();
            assertThat(cancelledBySelector.sum() + outcomesTold[Outcome.CANCELLED.ordinal()].sum()).isPositive();

            engine.runMaintenance();
            Recount quiet = check("quiet, rules in force");

            for (int s = 1; s <= 2; s++) {
                for (HoldRule r : senders[s].holdRules()) {
                    senders[s].liftHold(r.id());
                }
            }
            clock.advanceMillis(LEASE_MS + POLICY.maxDelay().toMillis() * 2);
            engine.runMaintenance();
            Recount due = check("rules lifted, leases and retries due");
            assertThat(due.live()).isEqualTo(quiet.live());
            assertThat(senders[1].totals().proc() + senders[2].totals().proc()).as("PROC after every lease ran out")
                    .isZero();

            // Release what is held one by one, then take and deliver everything: each live message exactly once.
            for (long id = 1; id <= nextId.get(); id++) {
                if (engine.message(id).map(v -> v.state() == MessageState.HOLD).orElse(false)) {
                    engine.release(id);
                }
            }
            long drained = 0;
            Lease l = new Lease();
            for (int s = 1; s <= 2; s++) {
                while (senders[s].take(l)) {
                    handOut(l);
                    engine.delivered(l);
                    told(l.messageId(), Outcome.DELIVERED);
                    drained++;
                }
            }
            assertThat(failures).as("failures while draining").isEmpty();
            assertThat(drained).as("messages taken when draining").isEqualTo(due.live());
            Recount empty = check("drained");
            assertThat(empty.live()).isZero();
            assertThat(engine.size()).isZero();
        }

        // -------------------------------------------------------------- threads

        Thread thread(String name, SplittableRandom rnd, StressSupport.Body body) {
            return StressSupport.daemon(name, rnd, body, failures, () -> stop = true);
        }

        static List<Thread> concat(List<Thread> a, List<Thread> b) {
            List<Thread> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }

        void tick() {
            while (!stop) {
                clock.advanceMillis(1);
                LockSupport.parkNanos(50_000);
            }
        }

        /** A producer's target: where, and how the ISP is spelled in the call. */
        record Target(CellKey cell, String spelling) {
        }

        void produce(int me, SplittableRandom rnd) {
            for (int i = 0; i < ENQUEUES_PER_PRODUCER && !stop; i++) {
                while (acceptedCount.sum() - leftTold.sum() - cancelledBySelector.sum() - pinnedAccepted.get()
                        > LIVE_LIMIT && !stop) {
                    LockSupport.parkNanos(100_000);
                }
                int r = rnd.nextInt(1000);
                if (r < 10) {
                    lateDuplicate(rnd);
                    continue;
                }
                if (r < 20) {
                    long id = contested.get();
                    if (id > 0) {
                        attempt(me, id, pinnedTarget(rnd), CONTESTED);
                    }
                    continue;
                }
                long id = nextId.incrementAndGet();
                if (id >= MAX_ID) {
                    failures.add("ran out of ids");
                    return;
                }
                int k = kindOf(id);
                if (k == CONTESTED) {
                    contested.set(id);
                }
                attempt(me, id, k == NORMAL ? normalTarget(rnd) : pinnedTarget(rnd), k);
            }
        }

        Target pinnedTarget(SplittableRandom rnd) {
            int i = rnd.nextInt(ISPS.length);
            return new Target(new CellKey(1, PINNED_ACCOUNT, rnd.nextInt(3), ISPS[i]),
                    SPELLINGS[i][rnd.nextInt(SPELLINGS[i].length)]);
        }

        Target normalTarget(SplittableRandom rnd) {
            int r = rnd.nextInt(100);
            int i = rnd.nextInt(ISPS.length);
            String spelling = SPELLINGS[i][rnd.nextInt(SPELLINGS[i].length)];
            if (r < 70) { // hot: sender 1 mostly
                int sender = r < 60 ? 1 : 2;
                return new Target(new CellKey(sender, 1, rnd.nextInt(3), ISPS[i]), spelling);
            }
            int sender = 1 + rnd.nextInt(2);
            if (r < 98) { // spread: mostly existing after the first few thousand
                int n = newIspCount.get();
                if (n > 0 && rnd.nextInt(10) == 0) {
                    String isp = newIsps.get(rnd.nextInt(Math.min(n, newIsps.length())));
                    if (isp != null) {
                        return new Target(new CellKey(sender, 10 + rnd.nextInt(20), rnd.nextInt(3), isp),
                                rnd.nextBoolean() ? isp : isp.toUpperCase(java.util.Locale.ROOT));
                    }
                }
                return new Target(new CellKey(sender, 10 + rnd.nextInt(40), rnd.nextInt(4), ISPS[i]), spelling);
            }
            if (r < 99 || newIspCount.get() >= MAX_NEW_ISPS) { // a new cell
                return new Target(new CellKey(sender, 1_000 + newAccounts.incrementAndGet(), rnd.nextInt(3), ISPS[i]),
                        spelling);
            }
            return new Target(new CellKey(sender, 10 + rnd.nextInt(40), rnd.nextInt(4), null), null); // a new ISP
        }

        /** An enqueue of a fresh id (or a contested one), told to the operator just before. */
        void attempt(int me, long id, Target t, int k) {
            CellKey cell = t.cell();
            String spelling = t.spelling();
            boolean newIsp = cell.isp() == null;
            if (newIsp) {
                spelling = "Isp-" + id;
                cell = new CellKey(cell.sender(), cell.account(), cell.campaign(), spelling);
            }
            if (k != CONTESTED) {
                cellOf.set((int) id, cell); // before the enqueue: the operator may see the message at once
            }
            SenderQueue q = senders[cell.sender()];
            if (clock.millis() >= (long) NEXT_DEADLINE.getVolatile(q)) {
                deadlineDueAtEnqueue.increment();
            }
            latest.set(me, id);
            try {
                q.enqueue(id, cell.account(), cell.campaign(), spelling, cell);
            } catch (DuplicateMessageException e) {
                returned.set(me, id);
                if (k != CONTESTED) {
                    failures.add("fresh id " + id + " refused as a duplicate");
                }
                contestsLost.increment();
                return;
            }
            returned.set(me, id);
            accepted(id, cell, k);
            if (newIsp) {
                int n = newIspCount.getAndIncrement();
                if (n < newIsps.length()) {
                    newIsps.set(n, spelling);
                }
            }
        }

        /** Setup: an enqueue, under the lock (a new cell), that must be accepted; ids of another kind are skipped. */
        void accept(SenderQueue q, CellKey cell, int k) {
            long id;
            do {
                id = nextId.incrementAndGet();
            } while (kindOf(id) != k);
            cellOf.set((int) id, cell);
            q.enqueue(id, cell.account(), cell.campaign(), cell.isp(), cell);
            accepted(id, cell, k);
        }

        void accepted(long id, CellKey cell, int k) {
            if (accepted.incrementAndGet((int) id) != 1) {
                failures.add("id " + id + " accepted twice");
            }
            if (k == CONTESTED) {
                cellOf.set((int) id, cell);
            }
            acceptedCount.increment();
            if (k != NORMAL) {
                long n = pinnedAccepted.getAndIncrement();
                pinnedIds.set((int) (n % pinnedIds.length()), id);
            }
        }

        /** A pinned id (in the engine for good) enqueued again, anywhere: always refused. */
        void lateDuplicate(SplittableRandom rnd) {
            long n = pinnedAccepted.get();
            if (n == 0) {
                return;
            }
            long id = pinnedIds.get((int) (rnd.nextLong(Math.min(n, pinnedIds.length()))));
            if (id == 0) {
                return; // its slot is being written
            }
            Target t = rnd.nextInt(4) == 0 ? pinnedTarget(rnd) : normalTarget(rnd);
            CellKey c = t.cell();
            String spelling = t.spelling() != null ? t.spelling() : "Dup-" + dupIsps.incrementAndGet();
            try {
                senders[c.sender()].enqueue(id, c.account(), c.campaign(), spelling, null);
                failures.add("duplicate of live id " + id + " accepted into " + c);
            } catch (DuplicateMessageException e) {
                duplicatesRefused.increment();
            }
        }

        void work(SplittableRandom rnd) throws InterruptedException {
            Lease l = new Lease();
            while (!stop) {
                SenderQueue q = senders[rnd.nextInt(4) == 0 ? 2 : 1];
                if (!q.take(l, 1 + rnd.nextInt(3), TimeUnit.MILLISECONDS)) {
                    continue;
                }
                handOut(l);
                long id = l.messageId();
                int a = l.attempt();
                int r = rnd.nextInt(100);
                try {
                    if (r < 50) {
                        engine.delivered(l);
                        told(id, Outcome.DELIVERED);
                    } else if (r < 55) {
                        engine.failed(l);
                        told(id, Outcome.FAILED);
                    } else if (r < 85) {
                        if (r < 70) {
                            engine.defer(l);
                        } else {
                            engine.defer(l, Duration.ofMillis(rnd.nextInt(20)));
                        }
                        if (a >= MAX_ATTEMPTS) {
                            told(id, Outcome.EXPIRED);
                        }
                    } else if (r < 95) {
                        engine.hold(l);
                        heldIds.add(id);
                    } else if (r < 98) {
                        continue; // abandoned: its lease runs out
                    } else {
                        while (clock.millis() < l.expiresAtMillis() && !stop) {
                            LockSupport.parkNanos(100_000);
                        }
                        if (clock.millis() >= l.expiresAtMillis()) {
                            engine.delivered(l);
                            failures.add("delivered accepted after the lease of " + id + " ran out");
                        }
                    }
                } catch (IllegalTransitionException e) { // LeaseExpiredException included
                    reportsRefused.increment(); // the lease ran out, or the operator held the message
                }
            }
        }

        void handOut(Lease l) {
            takes.increment();
            int a = l.attempt();
            long bit = a > TRACKED_ATTEMPTS ? 1L << 63 : 1L << a;
            long before = handedOut.getAndAccumulate((int) l.messageId(), bit, (x, y) -> x | y);
            if (a <= TRACKED_ATTEMPTS && (before & bit) != 0) {
                failures.add("message " + l.messageId() + " attempt " + a + " taken twice");
            }
        }

        void told(long id, Outcome o) {
            if (!fate.compareAndSet((int) id, 0, o.ordinal() + 1)) {
                failures.add("message " + id + " told " + o + " after it had left as "
                        + Outcome.of(fate.get((int) id) - 1));
            }
            outcomesTold[o.ordinal()].increment();
            leftTold.increment();
        }

        void operate(SplittableRandom rnd, HoldRule pin) {
            List<HoldRule> rules = new ArrayList<>();
            while (!stop) {
                int r = rnd.nextInt(1000);
                if (r < 900) {
                    byId(rnd);
                } else if (r < 915) {
                    if (rules.size() < 3) {
                        SenderQueue q = senders[rnd.nextInt(4) == 0 ? 2 : 1];
                        java.time.Instant until = rnd.nextBoolean() ? null
                                : clock.instant().plusMillis(5 + rnd.nextInt(300));
                        HoldRule rule = StressSupport.holdUnlessPassed(q, ruleSelector(rnd), until, clock);
                        if (rule != null) {
                            rules.add(rule);
                            rulesAdded.increment();
                        }
                    }
                } else if (r < 935) {
                    if (!rules.isEmpty()) {
                        HoldRule rule = rules.remove(rnd.nextInt(rules.size()));
                        if (rnd.nextBoolean()) {
                            try {
                                senders[rule.senderId()].liftHold(rule.id());
                            } catch (UnknownHoldRuleException e) {
                                // it expired by itself
                            }
                        } else {
                            List<HoldRule> lifted = senders[rule.senderId()].release(rule.selector());
                            rules.removeIf(x -> lifted.stream().anyMatch(y -> y.id() == x.id()));
                            if (lifted.stream().anyMatch(y -> y.id() == pin.id())) {
                                failures.add("the pinning rule was lifted by " + rule.selector());
                            }
                        }
                    }
                } else if (r < 936) {
                    int s = rnd.nextInt(4) == 0 ? 2 : 1;
                    cancelledBySelector.add(senders[s].cancel(cancelSelector(rnd)));
                }
                rules.removeIf(x -> x.until() != null && !clock.instant().isBefore(x.until()));
                if (rnd.nextInt(4) == 0) {
                    LockSupport.parkNanos(10_000); // leave the workers some of the two CPUs
                }
            }
        }

        static Selector ruleSelector(SplittableRandom rnd) {
            return switch (rnd.nextInt(5)) {
                case 0 -> Selector.isp("gmail"); // the pinned account's Gmail cells too
                case 1 -> Selector.campaign(1, 1);
                case 2 -> new Selector(1, 0, "Yahoo");
                case 3 -> Selector.account(10 + rnd.nextInt(40));
                default -> Selector.account(1);
            };
        }

        /** Never the pinned account; seldom a hot cell (which would leave the workers little to do). */
        Selector cancelSelector(SplittableRandom rnd) {
            return switch (rnd.nextInt(8)) {
                case 0 -> new Selector(1, 1 + rnd.nextInt(2), ISPS[rnd.nextInt(ISPS.length)]);
                case 1, 2, 3 -> Selector.account(10 + rnd.nextInt(40));
                case 4 -> new Selector(10 + rnd.nextInt(40), 0, ISPS[rnd.nextInt(ISPS.length)]);
                default -> Selector.account(1_000 + rnd.nextInt(newAccounts.get() + 1));
            };
        }

        /** By id: mostly the id a producer is enqueueing right now, else a recent one or one held. */
        void byId(SplittableRandom rnd) {
            int p = rnd.nextInt(PRODUCERS);
            int pick = rnd.nextInt(10);
            Long held = pick == 0 ? heldIds.poll() : null;
            long id = held != null ? held : pick < 8 ? latest.get(p) : Math.max(1, nextId.get() - rnd.nextInt(2_000));
            if (id == 0) {
                return;
            }
            boolean inFlight = pick < 8 && returned.get(p) < id;
            int op = rnd.nextInt(100);
            byIdOps.increment();
            try {
                if (op < 40) {
                    var v = engine.message(id);
                    if (v.isEmpty()) {
                        return;
                    }
                    checkView(v.get());
                } else if (op < 65 || held != null) {
                    if (kindOf(id) != NORMAL) {
                        return; // pinned: never cancelled
                    }
                    if (held != null && rnd.nextBoolean()) {
                        engine.release(id);
                    } else {
                        engine.cancel(id);
                        told(id, Outcome.CANCELLED);
                    }
                } else if (op < 80) {
                    engine.hold(id);
                    heldIds.add(id);
                } else {
                    engine.release(id);
                }
                if (inFlight) {
                    byIdFoundInFlight.increment();
                }
            } catch (UnknownMessageException e) {
                byIdUnknown.increment();
            } catch (IllegalTransitionException e) {
                if (e.outcome() != null) {
                    failures.add("by-id operation refused as illegal for a message that left: " + e);
                }
            }
        }

        void checkView(MessageView v) {
            CellKey c = cellOf.get((int) v.id());
            CellKey seen = new CellKey(v.senderId(), v.accountId(), v.campaignId(), v.isp());
            int k = kindOf(v.id());
            if (k != NORMAL && (v.accountId() != PINNED_ACCOUNT || v.state() != MessageState.HOLD)) {
                failures.add("pinned message " + v.id() + " in " + seen + " as " + v.state());
            }
            if (k != CONTESTED && (!seen.equals(c) || v.payload() != c)) {
                failures.add("message " + v.id() + " seen in " + seen + " with payload " + v.payload()
                        + ", enqueued into " + c);
            }
        }

        void read() {
            Map<String, long[]> lastOutcomes = new HashMap<>();
            long pinnedHold = 0;
            Selector[] filters = {Selector.ALL, Selector.account(1), Selector.isp("gmail"), Selector.campaign(1, 1),
                    Selector.account(PINNED_ACCOUNT)};
            while (!stop) {
                for (int s = 1; s <= 2; s++) {
                    StressSupport.readAll(senders[s], s, filters, lastOutcomes, failures);
                }
                // The pinned account: held all run, never taken or cancelled.
                StatsRow p = senders[1].stats(Selector.account(PINNED_ACCOUNT), Grouping.TOTAL).get(0);
                if (p.newCount() != 0 || p.proc() != 0 || p.retry() != 0 || p.hold() < pinnedHold) {
                    failures.add("pinned account " + p + " after HOLD " + pinnedHold);
                }
                pinnedHold = p.hold();
                reads.increment();
                LockSupport.parkNanos(500_000);
            }
        }

        // -------------------------------------------------------------- quiet checks

        record Recount(long live, long left) {
        }

        Recount check(String when) {
            assertThat(failures).as("%s: failures", when).isEmpty();
            Map<CellKey, long[]> live = new HashMap<>();
            Map<CellKey, long[]> gone = new HashMap<>();
            Map<Integer, Set<CellKey>> cells = new HashMap<>();
            Set<String> isps = new HashSet<>();
            long liveCount = 0;
            long leftCount = 0;
            long untold = 0;
            List<String> problems = new ArrayList<>();
            for (int id = 1; id <= nextId.get() && problems.size() < 20; id++) {
                int n = accepted.get(id);
                var view = engine.message(id);
                if (n != 1) {
                    if (n > 1 || id > setupIds || view.isPresent() || fate.get(id) != 0) {
                        problems.add("id " + id + " accepted " + n + " times: " + view + ", told " + fate.get(id));
                    }
                    continue;
                }
                CellKey c = cellOf.get(id);
                cells.computeIfAbsent(c.sender(), x -> new HashSet<>()).add(c);
                isps.add(c.isp());
                long mask = handedOut.get(id); // negative: an attempt past TRACKED_ATTEMPTS, not checked
                int told = fate.get(id);
                if (told != 0 || view.isEmpty()) {
                    if (view.isPresent()) {
                        problems.add("message " + id + " told " + Outcome.of(told - 1) + " but still " + view.get());
                    }
                    // Gone without a thread being told: cancelled by a cancel(Selector), which counts only.
                    untold += told == 0 ? 1 : 0;
                    gone.computeIfAbsent(c, x -> new long[4])[told != 0 ? told - 1 : Outcome.CANCELLED.ordinal()]++;
                    leftCount++;
                    if (mask >= 0 && Long.bitCount(mask + 2) != 1) { // attempts 1..n, each once
                        problems.add("message " + id + " left; attempts handed out " + Long.toBinaryString(mask));
                    }
                } else {
                    MessageView v = view.get();
                    if (!new CellKey(v.senderId(), v.accountId(), v.campaignId(), v.isp()).equals(c) || v.payload() != c) {
                        problems.add("message " + id + " is " + v + ", enqueued into " + c);
                    }
                    if (mask >= 0 && mask != ((-1L >>> (63 - v.attempts())) & ~1L)) {
                        problems.add("message " + id + " has " + v.attempts() + " attempts; handed out "
                                + Long.toBinaryString(mask));
                    }
                    live.computeIfAbsent(c, x -> new long[4])[v.state().ordinal()]++;
                    liveCount++;
                }
            }
            assertThat(problems).as("%s: recount", when).isEmpty();
            assertThat(untold).as("%s: gone with no thread told = counted by cancel(Selector)", when)
                    .isEqualTo(cancelledBySelector.sum());

            // Per cell: the counters against the recount (states in MessageState order, outcomes in Outcome order).
            Map<CellKey, List<Long>> liveCounted = new HashMap<>();
            Map<CellKey, List<Long>> goneCounted = new HashMap<>();
            for (int s = 1; s <= 2; s++) {
                for (String isp : isps) {
                    for (StatsRow row : senders[s].stats(Selector.isp(isp), Grouping.ACCOUNT_CAMPAIGN)) {
                        liveCounted.put(new CellKey(s, row.accountId(), row.campaignId(), row.isp()),
                                List.of(row.newCount(), row.proc(), row.retry(), row.hold()));
                    }
                    for (OutcomeRow row : senders[s].outcomes(Selector.isp(isp), Grouping.ACCOUNT_CAMPAIGN)) {
                        goneCounted.put(new CellKey(s, row.accountId(), row.campaignId(), row.isp()),
                                List.of(row.delivered(), row.failed(), row.expired(), row.cancelled()));
                    }
                }
            }
            assertThat(liveCounted).as("%s: live counts per cell", when).isEqualTo(asLists(live));
            assertThat(goneCounted).as("%s: outcome counts per cell", when).isEqualTo(asLists(gone));

            long[] outcomeTotals = new long[4];
            long liveTotal = 0;
            for (int s = 1; s <= 2; s++) {
                OutcomeRow o = senders[s].outcomes(Selector.ALL, Grouping.TOTAL).get(0);
                for (Outcome x : Outcome.values()) {
                    outcomeTotals[x.ordinal()] += o.count(x);
                }
                liveTotal += senders[s].totals().total();
                assertThat(senders[s].cellCount()).as("%s: sender %d's cells = those of accepted messages", when, s)
                        .isEqualTo(cells.getOrDefault(s, Set.of()).size());
            }
            for (Outcome x : Outcome.values()) {
                long told = outcomesTold[x.ordinal()].sum() + (x == Outcome.CANCELLED ? cancelledBySelector.sum() : 0);
                assertThat(outcomeTotals[x.ordinal()]).as("%s: %s counted = told", when, x).isEqualTo(told);
            }
            assertThat(liveTotal).as("%s: live total", when).isEqualTo(liveCount);
            assertThat(engine.size()).as("%s: engine size", when).isEqualTo(liveCount);
            assertThat(acceptedCount.sum()).as("%s: accepted = left + live", when).isEqualTo(leftCount + liveCount);
            return new Recount(liveCount, leftCount);
        }

        static Map<CellKey, List<Long>> asLists(Map<CellKey, long[]> m) {
            Map<CellKey, List<Long>> out = new HashMap<>();
            m.forEach((k, v) -> out.put(k, java.util.Arrays.stream(v).boxed().toList()));
            return out;
        }
    }
}
