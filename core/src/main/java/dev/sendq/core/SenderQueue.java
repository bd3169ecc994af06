package dev.sendq.core;

import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The queue of one sender: its messages, hold rules, leases and the counters of its cells.
 * Obtained from {@link QueueEngine#addSender(int)}; keep the reference, so that no call looks
 * the sender up again.
 *
 * <p>Thread-safe. Every method may be called from any thread. Queue structure changes
 * (enqueue, take, defer, hold, release, cancel, rules) are serialised by one lock per sender,
 * held for O(log n) work and never while calling a listener; the counters they move are
 * lock-free, and {@link #stats} and {@link #outcomes} read them without that lock, in
 * O(cells of the sender), whatever the number of messages. See {@link #stats} for what a
 * snapshot promises.
 *
 * <p>Time-driven changes (a lease running out, a hold rule expiring, a retry coming due) are
 * applied by the next {@code take}, {@code stats} or {@link QueueEngine#runMaintenance()} that
 * finds them due; no background thread is needed.
 */
public final class SenderQueue {
    /*
     * Concurrency: `lock` guards the cells' containers, the ready ring, the timer, the lease
     * ring, the rules and the cell map. The counters are written by every transition (under the
     * lock, except delivered/failed, which only CAS the message's state word and so never wait
     * for a taker) and read by anyone. The NEW, RETRY and HOLD slots of a cell only change under
     * the lock, so the lock holder can move them exactly (liftCell). A message's state word is
     * changed by CAS only (Msg.casState): the transitions out of PROC race between the lock
     * holder (lease timeout, defer, hold) and lock-free reporters, and the CAS picks one winner.
     */
    final int id;
    private final QueueEngine engine;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readyOrTimer = lock.newCondition();

    // Cells: looked up under the lock, published to lock-free readers as (array, count).
    private final Long2ObjectOpenHashMap<Object> cellsByAccountCampaign = new Long2ObjectOpenHashMap<>();
    private volatile Cell[] cells = new Cell[16];
    private volatile int cellCount;

    private final ArrayDeque<Cell> ring = new ArrayDeque<>();
    private final CellTimer timer = new CellTimer();
    private final LeaseRing leases = new LeaseRing();
    private final List<HoldRule> rules = new ArrayList<>();
    private long nextRuleExpiry = Long.MAX_VALUE;
    /** The earliest instant at which maintenance has something to do; read without the lock. */
    private volatile long nextDeadline = Long.MAX_VALUE;

    SenderQueue(QueueEngine engine, int id) {
        this.engine = engine;
        this.id = id;
    }

    /** This sender's id. */
    public int id() {
        return id;
    }

    // ------------------------------------------------------------------ enqueue and restore

    /**
     * Queues a message in NEW, or in HOLD when an active hold rule matches its cell.
     *
     * @param messageId  the id, unique within the engine
     * @param accountId  the account, greater than 0
     * @param campaignId the campaign, 0 for none
     * @param isp        the ISP name (case-insensitive; interned)
     * @param payload    the caller's reference, kept as is (may be {@code null})
     * @throws DuplicateMessageException if the id is already in the engine
     * @throws IllegalArgumentException  if an argument is out of range
     */
    public void enqueue(long messageId, int accountId, int campaignId, String isp, Object payload) {
        checkIds(accountId, campaignId);
        String canonical = engine.isps.intern(isp);
        if (engine.index.contains(messageId)) {
            throw new DuplicateMessageException(messageId);
        }
        Msg m;
        MessageState to;
        lock.lock();
        try {
            long now = engine.now();
            Cell c = cellFor(accountId, campaignId, canonical);
            m = new Msg(messageId, c, payload, now, 0);
            if (!engine.index.putIfAbsent(m)) {
                throw new DuplicateMessageException(messageId);
            }
            c.ready.addLast(m);
            c.add(CellCounters.NEW, 1);
            to = c.reported(MessageState.NEW);
            if (to == MessageState.NEW) {
                offer(c);
                readyOrTimer.signal();
            }
        } finally {
            lock.unlock();
        }
        engine.fire(m, Transition.ENQUEUED, null, to);
    }

    /**
     * Queues a message for a recipient domain, its ISP found by the engine's {@link IspResolver}.
     *
     * @see #enqueue(long, int, int, String, Object)
     */
    public void enqueueForDomain(long messageId, int accountId, int campaignId, String recipientDomain,
                                 Object payload) {
        enqueue(messageId, accountId, campaignId, engine.resolver.resolve(recipientDomain), payload);
    }

    /**
     * Puts back one message from the caller's durable store after a restart, in the state it
     * was stored in (PROC comes back as NEW, see {@link StoredMessage}), counted exactly as if
     * it had got there by transitions. Its enqueue time and attempts are kept.
     *
     * @throws DuplicateMessageException if the id is already in the engine
     * @throws IllegalArgumentException  if a field is out of range
     */
    public void restore(StoredMessage s) {
        checkIds(s.accountId(), s.campaignId());
        String canonical = engine.isps.intern(s.isp());
        Msg m;
        MessageState to;
        lock.lock();
        try {
            long now = engine.now();
            Cell c = cellFor(s.accountId(), s.campaignId(), canonical);
            m = new Msg(s.id(), c, s.payload(), s.enqueuedAtMillis(), s.attempts());
            if (!engine.index.putIfAbsent(m)) {
                throw new DuplicateMessageException(s.id());
            }
            switch (s.state()) {
                case NEW, PROC -> c.ready.addLast(m);
                case RETRY -> {
                    m.dueAt = s.dueAtMillis();
                    c.retry.add(m);
                }
                case HOLD -> c.held.addLast(m);
                default -> throw new AssertionError(s.state());
            }
            MessageState raw = m.container.state();
            c.add(Cell.slot(raw), 1);
            to = c.reported(raw);
            reschedule(c, now);
            readyOrTimer.signal();
            publishDeadline();
        } finally {
            lock.unlock();
        }
        engine.fire(m, Transition.RESTORED, null, to);
    }

    /**
     * Adds cumulative outcome counts to a cell, to carry them over a restart.
     *
     * @throws IllegalArgumentException if an argument is out of range
     */
    public void restoreOutcomes(int accountId, int campaignId, String isp, Outcome outcome, long count) {
        checkIds(accountId, campaignId);
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        String canonical = engine.isps.intern(isp);
        lock.lock();
        try {
            cellFor(accountId, campaignId, canonical).add(CellCounters.DELIVERED + outcome.ordinal(), count);
        } finally {
            lock.unlock();
        }
    }

    private static void checkIds(int accountId, int campaignId) {
        if (accountId <= 0) {
            throw new IllegalArgumentException("accountId must be > 0, got " + accountId);
        }
        if (campaignId < 0) {
            throw new IllegalArgumentException("campaignId must be >= 0, got " + campaignId);
        }
    }

    private Cell cellFor(int accountId, int campaignId, String isp) {
        long key = ((long) accountId << 32) | campaignId;
        Object o = cellsByAccountCampaign.get(key);
        if (o instanceof Cell c && c.isp == isp) {
            return c;
        }
        if (o instanceof Cell[] arr) {
            for (Cell c : arr) {
                if (c.isp == isp) {
                    return c;
                }
            }
        }
        Cell c = new Cell(this, accountId, campaignId, isp);
        if (o == null) {
            cellsByAccountCampaign.put(key, c);
        } else if (o instanceof Cell one) {
            cellsByAccountCampaign.put(key, new Cell[] {one, c});
        } else {
            Cell[] arr = (Cell[]) o;
            Cell[] grown = Arrays.copyOf(arr, arr.length + 1);
            grown[arr.length] = c;
            cellsByAccountCampaign.put(key, grown);
        }
        for (HoldRule r : rules) {
            if (r.selector().matches(accountId, campaignId, isp)) {
                c.ruleHolds++;
            }
        }
        c.setHeldByRule(c.ruleHolds > 0);
        Cell[] arr = cells;
        int n = cellCount;
        if (n == arr.length) {
            arr = Arrays.copyOf(arr, n * 2);
            cells = arr;
        }
        arr[n] = c;
        cellCount = n + 1;
        return c;
    }

    // ------------------------------------------------------------------ take

    /**
     * Takes the next ready message, if any, into {@code lease}: a NEW message, or a RETRY one
     * whose due time has come, moved to PROC with its attempt count raised. Ready cells are
     * served round-robin, so one large campaign cannot starve a small one. Allocates nothing.
     *
     * @param lease the worker's lease to fill; overwritten only when a message is returned
     * @return whether a message was taken
     */
    public boolean take(Lease lease) {
        try {
            return take(lease, 0, false);
        } catch (InterruptedException e) {
            throw new AssertionError("a take that does not wait cannot be interrupted", e);
        }
    }

    /**
     * Takes the next ready message, waiting up to {@code timeout} for one.
     *
     * @return whether a message was taken
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public boolean take(Lease lease, long timeout, TimeUnit unit) throws InterruptedException {
        return take(lease, unit.toNanos(timeout), true);
    }

    private boolean take(Lease lease, long timeoutNanos, boolean interruptible) throws InterruptedException {
        Objects.requireNonNull(lease, "lease");
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        Msg m;
        MessageState from = null;
        Expired expired = null;
        if (interruptible) {
            lock.lockInterruptibly();
        } else {
            lock.lock();
        }
        try {
            while (true) {
                long now = engine.now();
                Expired e = maintain(now);
                if (e != null) {
                    expired = e.merge(expired);
                }
                m = takeLocked(lease, now);
                if (m != null) {
                    from = lastFrom;
                    break;
                }
                long remaining = timeoutNanos > 0 ? deadline - System.nanoTime() : 0;
                if (remaining <= 0) {
                    break;
                }
                long untilEvent = nextDeadline == Long.MAX_VALUE ? Long.MAX_VALUE
                        : TimeUnit.MILLISECONDS.toNanos(Math.max(1, nextDeadline - now));
                readyOrTimer.awaitNanos(Math.min(remaining, untilEvent));
            }
        } finally {
            lock.unlock();
        }
        fire(expired);
        if (m != null) {
            engine.fire(m, Transition.TAKEN, from, MessageState.PROC);
        }
        return m != null;
    }

    /** Blocking variant of {@link #take(Lease, long, TimeUnit)} with a {@link Duration}. */
    public boolean take(Lease lease, Duration timeout) throws InterruptedException {
        return take(lease, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The state the last {@link #takeLocked} took from; guarded by the lock. */
    private MessageState lastFrom;

    private Msg takeLocked(Lease lease, long now) {
        Cell c;
        while ((c = ring.pollFirst()) != null) {
            c.inRing = false;
            if (c.ruleHolds > 0) {
                continue;
            }
            Msg m;
            int from;
            if (c.retry.minDue() <= now) {
                m = c.retry.poll();
                from = CellCounters.RETRY;
            } else {
                m = c.pollNew();
                from = CellCounters.NEW;
            }
            reschedule(c, now);
            if (m == null) {
                continue;
            }
            long w = m.word();
            int attempt = Msg.attempts(w) + 1;
            if (!m.casState(w, Msg.pack(attempt, Msg.PROC))) {
                throw new AssertionError("queued message changed without the lock: " + m);
            }
            c.move(from, CellCounters.PROC);
            long expiresAt = now + engine.leaseMillis;
            leases.add(m, attempt, expiresAt);
            lease.fill(m, attempt, expiresAt);
            lastFrom = from == CellCounters.RETRY ? MessageState.RETRY : MessageState.NEW;
            publishDeadline();
            return m;
        }
        publishDeadline();
        return null;
    }

    // ------------------------------------------------------------------ scheduling

    /** Puts the cell where its work can be found: the ring if something is ready, the timer if a retry is pending. */
    private void reschedule(Cell c, long now) {
        if (c.ruleHolds > 0) {
            timer.cancel(c);
            return;
        }
        long due = c.retry.minDue();
        if (due <= now) {
            timer.cancel(c);
            offer(c);
        } else {
            if (due == Long.MAX_VALUE) {
                timer.cancel(c);
            } else {
                timer.schedule(c, due);
            }
            if (c.hasNew()) {
                offer(c);
            }
        }
    }

    private void offer(Cell c) {
        if (!c.inRing) {
            c.inRing = true;
            ring.addLast(c);
        }
    }

    /**
     * Applies what time has made due: expired hold rules, expired leases (PROC back to NEW),
     * cells whose retries came due. Returns the messages whose lease expired, for the listener.
     */
    private Expired maintain(long now) {
        List<HoldRule> expiredRules = now >= nextRuleExpiry ? expireRules(now) : List.of();
        List<Msg> expired = null;
        while (leases.pruneHead() && leases.headExpiry() <= now) {
            Msg m = leases.headMsg();
            int attempt = leases.headAttempt();
            leases.pop();
            if (returnToNew(m, attempt, now)) {
                if (engine.listening()) {
                    if (expired == null) {
                        expired = new ArrayList<>();
                    }
                    expired.add(m);
                }
            }
        }
        Cell c;
        while (timer.nextKey() <= now && (c = timer.poll()) != null) {
            offer(c);
        }
        publishDeadline();
        return expired == null && expiredRules.isEmpty() ? null : new Expired(expired, expiredRules);
    }

    /** What maintenance expired, for the listener, told after the lock is released. */
    private record Expired(List<Msg> leases, List<HoldRule> rules) {
        Expired merge(Expired o) {
            if (o == null) {
                return this;
            }
            List<Msg> l = new ArrayList<>();
            List<HoldRule> r = new ArrayList<>(rules);
            if (leases != null) {
                l.addAll(leases);
            }
            if (o.leases != null) {
                l.addAll(o.leases);
            }
            r.addAll(o.rules);
            return new Expired(l, r);
        }
    }

    /** PROC (this attempt) to NEW, under the lock; false if the message had already moved on. */
    private boolean returnToNew(Msg m, int attempt, long now) {
        if (!m.casState(Msg.pack(attempt, Msg.PROC), Msg.pack(attempt, Msg.QUEUED))) {
            return false;
        }
        Cell c = m.cell;
        c.ready.addLast(m);
        c.move(CellCounters.PROC, CellCounters.NEW);
        reschedule(c, now);
        readyOrTimer.signal();
        return true;
    }

    private void fire(Expired expired) {
        if (expired == null) {
            return;
        }
        for (HoldRule r : expired.rules) {
            engine.fireRule(r, false);
        }
        if (expired.leases != null) {
            for (Msg m : expired.leases) {
                engine.fire(m, Transition.LEASE_EXPIRED, MessageState.PROC, m.cell.reported(MessageState.NEW));
            }
        }
    }

    private void publishDeadline() {
        long d = Math.min(nextRuleExpiry, Math.min(timer.nextKey(), leases.headExpiry()));
        if (d != nextDeadline) {
            nextDeadline = d;
        }
    }

    /** Runs maintenance if something is due: no lock is taken otherwise. */
    void maintainIfDue(long now) {
        if (now < nextDeadline) {
            return;
        }
        Expired expired;
        lock.lock();
        try {
            expired = maintain(now);
        } finally {
            lock.unlock();
        }
        fire(expired);
    }

    // ------------------------------------------------------------------ worker reports

    void report(Lease lease, Transition t, int outcomeSlot) {
        Msg m = lease.msgOrThrow();
        checkLeaseTime(lease, t);
        int a = lease.attempt;
        if (!m.casState(Msg.pack(a, Msg.PROC), Msg.pack(a, Msg.GONE + outcomeSlot - CellCounters.DELIVERED))) {
            throw refusal(m, lease, t);
        }
        engine.index.remove(m);
        m.cell.move(CellCounters.PROC, outcomeSlot);
        engine.fire(m, t, MessageState.PROC, null);
    }

    void defer(Lease lease, long dueAt, boolean policyDelay) {
        Msg m = lease.msgOrThrow();
        checkLeaseTime(lease, Transition.DEFERRED);
        Transition t;
        MessageState to;
        Expired expired;
        lock.lock();
        try {
            long now = engine.now();
            int a = lease.attempt;
            long w = Msg.pack(a, Msg.PROC);
            if (m.word() != w) {
                throw refusal(m, lease, Transition.DEFERRED);
            }
            if (policyDelay) {
                dueAt = now + engine.retryPolicy.delayMillis(a, engine.random());
            }
            dueAt = Math.max(dueAt, now);
            Cell c = m.cell;
            if (engine.retryPolicy.expires(a, m.enqueuedAt, dueAt)) {
                if (!m.casState(w, Msg.pack(a, Msg.GONE + Outcome.EXPIRED.ordinal()))) {
                    throw refusal(m, lease, Transition.DEFERRED);
                }
                engine.index.remove(m);
                c.move(CellCounters.PROC, CellCounters.EXPIRED);
                t = Transition.EXPIRED;
                to = null;
            } else {
                if (!m.casState(w, Msg.pack(a, Msg.QUEUED))) {
                    throw refusal(m, lease, Transition.DEFERRED);
                }
                m.dueAt = dueAt;
                c.retry.add(m);
                c.move(CellCounters.PROC, CellCounters.RETRY);
                reschedule(c, now);
                if (dueAt <= now) {
                    readyOrTimer.signal();
                }
                t = Transition.DEFERRED;
                to = c.reported(MessageState.RETRY);
            }
            expired = maintain(now);
        } finally {
            lock.unlock();
        }
        fire(expired);
        engine.fire(m, t, MessageState.PROC, to);
    }

    /**
     * A lease is good strictly before its expiry instant. Once that has passed, its message goes
     * back to NEW (if maintenance has not done it yet) and the report is refused.
     */
    private void checkLeaseTime(Lease lease, Transition refused) {
        long now = engine.now();
        if (now < lease.expiresAt) {
            return;
        }
        Msg m = lease.msg;
        boolean moved;
        lock.lock();
        try {
            moved = returnToNew(m, lease.attempt, now);
            publishDeadline();
        } finally {
            lock.unlock();
        }
        if (moved) {
            engine.fire(m, Transition.LEASE_EXPIRED, MessageState.PROC, m.cell.reported(MessageState.NEW));
        }
        throw new LeaseExpiredException(m.id, refused, lease.attempt, lease.expiresAt);
    }

    private IllegalTransitionException refusal(Msg m, Lease lease, Transition t) {
        long w = m.word();
        int phase = Msg.phase(w);
        if (phase >= Msg.GONE) {
            return IllegalTransitionException.of(m.id, t, null, Outcome.of(phase - Msg.GONE),
                    "from PROC, once per attempt");
        }
        if (Msg.attempts(w) != lease.attempt || phase == Msg.PROC) {
            return new LeaseExpiredException(m.id, t, lease.attempt, lease.expiresAt);
        }
        MessageState s = m.rawState();
        if (s == MessageState.HOLD) {
            return IllegalTransitionException.of(m.id, t, s, null, "from PROC (the message was held)");
        }
        return new LeaseExpiredException(m.id, t, lease.attempt, lease.expiresAt);
    }

    // ------------------------------------------------------------------ one message, by id or lease

    /** Holds one message (NEW, RETRY or PROC) individually; with a lease, only its PROC attempt. */
    void hold(Msg m, Lease lease) {
        if (lease != null) {
            checkLeaseTime(lease, Transition.HELD);
        }
        MessageState from;
        lock.lock();
        try {
            long w = m.word();
            int phase = Msg.phase(w);
            Cell c = m.cell;
            if (lease != null && w != Msg.pack(lease.attempt, Msg.PROC)) {
                throw refusal(m, lease, Transition.HELD);
            }
            if (phase == Msg.PROC) {
                if (!m.casState(w, Msg.pack(Msg.attempts(w), Msg.QUEUED))) {
                    throw lease != null ? refusal(m, lease, Transition.HELD) : notAllowed(m, Transition.HELD);
                }
                from = MessageState.PROC;
                c.held.addLast(m);
                c.move(CellCounters.PROC, CellCounters.HOLD);
            } else if (phase == Msg.QUEUED && c.reported(m.container.state()) != MessageState.HOLD) {
                MessageState raw = m.container.state();
                from = raw;
                c.unlink(m);
                c.held.addLast(m);
                c.move(Cell.slot(raw), CellCounters.HOLD);
                reschedule(c, engine.now());
            } else {
                throw notAllowed(m, Transition.HELD);
            }
            publishDeadline();
        } finally {
            lock.unlock();
        }
        engine.fire(m, Transition.HELD, from, MessageState.HOLD);
    }

    /** Releases one individually held message to NEW. */
    void release(Msg m) {
        MessageState to;
        lock.lock();
        try {
            if (Msg.phase(m.word()) != Msg.QUEUED || m.container != m.cell.held) {
                throw notAllowed(m, Transition.RELEASED);
            }
            Cell c = m.cell;
            c.held.remove(m);
            c.ready.addLast(m);
            c.move(CellCounters.HOLD, CellCounters.NEW);
            to = c.reported(MessageState.NEW);
            if (to == MessageState.NEW) {
                offer(c);
                readyOrTimer.signal();
            }
        } finally {
            lock.unlock();
        }
        engine.fire(m, Transition.RELEASED, MessageState.HOLD, to);
    }

    /** Cancels one message in NEW, RETRY or HOLD. */
    void cancel(Msg m) {
        MessageState from;
        lock.lock();
        try {
            long w = m.word();
            if (Msg.phase(w) != Msg.QUEUED) {
                throw notAllowed(m, Transition.CANCELLED);
            }
            from = m.cell.reported(m.container.state());
            cancelLocked(m, w);
            reschedule(m.cell, engine.now());
            publishDeadline();
        } finally {
            lock.unlock();
        }
        engine.fire(m, Transition.CANCELLED, from, null);
    }

    private void cancelLocked(Msg m, long w) {
        Cell c = m.cell;
        MessageState raw = m.container.state();
        c.unlink(m);
        if (!m.casState(w, Msg.pack(Msg.attempts(w), Msg.GONE + Outcome.CANCELLED.ordinal()))) {
            throw new AssertionError("queued message changed without the lock: " + m);
        }
        engine.index.remove(m);
        c.move(Cell.slot(raw), CellCounters.CANCELLED);
    }

    private IllegalTransitionException notAllowed(Msg m, Transition t) {
        long w = m.word();
        int phase = Msg.phase(w);
        Outcome gone = phase >= Msg.GONE ? Outcome.of(phase - Msg.GONE) : null;
        MessageState s = gone != null ? null : m.cell.reported(m.rawState());
        String allowed = switch (t) {
            case HELD -> "from NEW, RETRY or PROC";
            case RELEASED -> s == MessageState.HOLD
                    ? "for a message held individually (this one is held by a hold rule: lift the rule)"
                    : "from HOLD";
            case CANCELLED -> "from NEW, RETRY or HOLD";
            default -> "as the specification's transition table says";
        };
        return IllegalTransitionException.of(m.id, t, s, gone, allowed);
    }

    MessageView view(Msg m) {
        lock.lock();
        try {
            MessageState raw = m.rawState();
            if (raw == null) {
                return null;
            }
            MessageState s = m.cell.reported(raw);
            boolean retryish = raw == MessageState.RETRY;
            return new MessageView(m.id, id, m.cell.accountId, m.cell.campaignId, m.cell.isp, m.payload,
                    s, m.attempts(), m.enqueuedAt, retryish ? m.dueAt : 0);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ hold rules

    /**
     * Holds every message of the selected cells, now and until the rule is lifted or
     * {@code until} passes: their NEW and RETRY messages count as HOLD, new ones are enqueued
     * in HOLD, {@code take} skips them; PROC messages finish their attempt. Costs O(cells of the
     * sender), never one operation per message.
     *
     * @param selector which cells
     * @param until    when the rule expires by itself, or {@code null} for never
     * @return the rule, whose id lifts it
     */
    public HoldRule hold(Selector selector, Instant until) {
        Objects.requireNonNull(selector, "selector");
        HoldRule rule;
        lock.lock();
        try {
            long now = engine.now();
            rule = new HoldRule(engine.nextRuleId(), id, selector, until);
            if (rule.expiredAt(now)) {
                throw new IllegalArgumentException("hold rule would expire at once: until " + until);
            }
            rules.add(rule);
            if (until != null) {
                nextRuleExpiry = Math.min(nextRuleExpiry, until.toEpochMilli());
            }
            Cell[] arr = cells;
            for (int i = 0, n = cellCount; i < n; i++) {
                Cell c = arr[i];
                if (selector.matches(c.accountId, c.campaignId, c.isp) && c.ruleHolds++ == 0) {
                    c.setHeldByRule(true);
                    timer.cancel(c);
                }
            }
            publishDeadline();
        } finally {
            lock.unlock();
        }
        engine.fireRule(rule, true);
        return rule;
    }

    /** Holds the selected cells with no expiry: {@code hold(selector, null)}. */
    public HoldRule hold(Selector selector) {
        return hold(selector, null);
    }

    /**
     * Lifts one hold rule: cells no other rule holds return to NEW (their RETRY messages
     * included, which become ready at once). Costs O(cells of the sender).
     *
     * @throws UnknownHoldRuleException if no such rule is in force on this sender
     */
    public HoldRule liftHold(long ruleId) {
        HoldRule found = null;
        lock.lock();
        try {
            for (HoldRule r : rules) {
                if (r.id() == ruleId) {
                    found = r;
                    break;
                }
            }
            if (found == null) {
                throw new UnknownHoldRuleException(ruleId, id);
            }
            removeRule(found, engine.now());
        } finally {
            lock.unlock();
        }
        engine.fireRule(found, false);
        return found;
    }

    /**
     * Lifts every rule whose selector is exactly {@code selector} (ISP compared
     * case-insensitively), as the documented "Release sender queue" does.
     *
     * @return the lifted rules, possibly none
     */
    public List<HoldRule> release(Selector selector) {
        Objects.requireNonNull(selector, "selector");
        List<HoldRule> lifted = new ArrayList<>();
        lock.lock();
        try {
            long now = engine.now();
            for (HoldRule r : List.copyOf(rules)) {
                if (r.selector().sameAs(selector)) {
                    removeRule(r, now);
                    lifted.add(r);
                }
            }
        } finally {
            lock.unlock();
        }
        for (HoldRule r : lifted) {
            engine.fireRule(r, false);
        }
        return lifted;
    }

    /** The rules in force on this sender, oldest first (expired ones are applied first). */
    public List<HoldRule> holdRules() {
        maintainIfDue(engine.now());
        lock.lock();
        try {
            return List.copyOf(rules);
        } finally {
            lock.unlock();
        }
    }

    private List<HoldRule> expireRules(long now) {
        List<HoldRule> expired = new ArrayList<>();
        for (HoldRule r : List.copyOf(rules)) {
            if (r.expiredAt(now)) {
                removeRule(r, now);
                expired.add(r);
            }
        }
        return expired;
    }

    private void removeRule(HoldRule rule, long now) {
        rules.remove(rule);
        long next = Long.MAX_VALUE;
        for (HoldRule r : rules) {
            if (r.until() != null) {
                next = Math.min(next, r.until().toEpochMilli());
            }
        }
        nextRuleExpiry = next;
        Selector s = rule.selector();
        Cell[] arr = cells;
        for (int i = 0, n = cellCount; i < n; i++) {
            Cell c = arr[i];
            if (s.matches(c.accountId, c.campaignId, c.isp) && --c.ruleHolds == 0) {
                liftCell(c, now);
            }
        }
        publishDeadline();
    }

    /** The last rule on the cell is gone: its RETRY messages become NEW, all at once. */
    private void liftCell(Cell c, long now) {
        int n = c.retry.size();
        if (n > 0) {
            MsgHeap h = c.retry;
            h.relabel(MessageState.NEW);
            c.released.addLast(h);
            c.retry = new MsgHeap(MessageState.RETRY);
            c.add(CellCounters.RETRY, -n);
            c.add(CellCounters.NEW, n);
        }
        c.setHeldByRule(false); // after the counters: a reader that sees "not held" sees them moved
        reschedule(c, now);
        readyOrTimer.signalAll();
    }

    // ------------------------------------------------------------------ cancel by selector

    /**
     * Cancels every NEW, RETRY and HOLD message of the selected cells (PROC ones finish their
     * attempt), as the documented "Clear sender queue" does. Costs one step per cancelled
     * message, under the sender's lock.
     *
     * @return how many messages were cancelled
     */
    public long cancel(Selector selector) {
        Objects.requireNonNull(selector, "selector");
        List<Msg> cancelled = engine.listening() ? new ArrayList<>() : null;
        List<MessageState> froms = cancelled != null ? new ArrayList<>() : null;
        long count = 0;
        lock.lock();
        try {
            long now = engine.now();
            Cell[] arr = cells;
            for (int i = 0, n = cellCount; i < n; i++) {
                Cell c = arr[i];
                if (!selector.matches(c.accountId, c.campaignId, c.isp)) {
                    continue;
                }
                count += drain(c, c.ready, cancelled, froms);
                count += drain(c, c.held, cancelled, froms);
                count += drain(c, c.retry, cancelled, froms);
                while (!c.released.isEmpty()) {
                    count += drain(c, c.released.peekFirst(), cancelled, froms);
                }
                reschedule(c, now);
            }
            publishDeadline();
        } finally {
            lock.unlock();
        }
        if (cancelled != null) {
            for (int i = 0; i < cancelled.size(); i++) {
                engine.fire(cancelled.get(i), Transition.CANCELLED, froms.get(i), null);
            }
        }
        return count;
    }

    private long drain(Cell c, Container box, List<Msg> cancelled, List<MessageState> froms) {
        long count = 0;
        MessageState from = c.reported(box.state());
        while (!box.isEmpty()) {
            Msg m = box.peek();
            cancelLocked(m, m.word());
            count++;
            if (cancelled != null) {
                cancelled.add(m);
                froms.add(from);
            }
        }
        return count;
    }

    // ------------------------------------------------------------------ stats

    /**
     * Counts this sender's live messages per state, filtered and grouped as the documented
     * stats request asks (see {@link Grouping}): rows ordered by account, campaign, ISP; rows
     * whose total is 0 left out, except the single {@link Grouping#TOTAL} row.
     *
     * <p>Reads only counters: O(cells of the sender), never O(messages), and it takes no lock
     * unless time-driven maintenance is due (a lease or a rule expired).
     *
     * <p>What a snapshot promises: every row is non-negative and its total is the sum of its
     * four counts. When no transition is in flight the counts are exact: each equals the
     * number of messages in that state. While transitions run, each count is the cell's count
     * at some moment during the call, give or take the transitions that were in flight during
     * it (a message in mid-transition may be missing from both states or, for an instant, seen
     * in both); a count that would dip below zero that way is shown as 0. Rows are not a single
     * atomic cut across cells.
     *
     * @param filter   the cells to count ({@link Selector#ALL} for every cell)
     * @param grouping how to group them
     */
    public List<StatsRow> stats(Selector filter, Grouping grouping) {
        maintainIfDue(engine.now());
        List<StatsAggregator.Group> groups = aggregate(filter, grouping, true);
        List<StatsRow> rows = new ArrayList<>(groups.size());
        for (StatsAggregator.Group g : groups) {
            long[] s = g.sums;
            rows.add(StatsRow.of(g.accountId, g.campaignId, g.isp, s[CellCounters.HOLD], s[CellCounters.NEW],
                    s[CellCounters.PROC], s[CellCounters.RETRY]));
        }
        return rows;
    }

    /** The single total row of the whole sender: {@code stats(Selector.ALL, Grouping.TOTAL).get(0)}. */
    public StatsRow totals() {
        return stats(Selector.ALL, Grouping.TOTAL).get(0);
    }

    /**
     * The cumulative outcome counters (delivered, failed, expired, cancelled), filtered and
     * grouped as in {@link #stats}; groups with no outcome are left out, except the single
     * {@link Grouping#TOTAL} row. Same promises as {@link #stats}; outcome counts only grow.
     */
    public List<OutcomeRow> outcomes(Selector filter, Grouping grouping) {
        List<StatsAggregator.Group> groups = aggregate(filter, grouping, false);
        List<OutcomeRow> rows = new ArrayList<>(groups.size());
        for (StatsAggregator.Group g : groups) {
            long[] s = g.sums;
            rows.add(new OutcomeRow(g.accountId, g.campaignId, g.isp, s[CellCounters.DELIVERED],
                    s[CellCounters.FAILED], s[CellCounters.EXPIRED], s[CellCounters.CANCELLED]));
        }
        return rows;
    }

    private List<StatsAggregator.Group> aggregate(Selector filter, Grouping grouping, boolean live) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(grouping, "grouping");
        int n = cellCount; // count first: the array read after it holds at least n cells
        Cell[] arr = cells;
        return StatsAggregator.aggregate(arr, n, filter, grouping, live);
    }

    /** How many cells (account, campaign, ISP) this sender has seen. Cells are never removed. */
    public int cellCount() {
        return cellCount;
    }

    void runMaintenance() {
        Expired expired;
        lock.lock();
        try {
            expired = maintain(engine.now());
        } finally {
            lock.unlock();
        }
        fire(expired);
    }

    /** Leases the ring tracks (in force or stale); for tests. */
    int leaseEntries() {
        lock.lock();
        try {
            return leases.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "SenderQueue[" + id + ", " + cellCount + " cells]";
    }
}
