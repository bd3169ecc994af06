package dev.sendq.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The queue of one sender: its messages, hold rules, leases and the counters of its cells.
 * Obtained from {@link QueueEngine#addSender(int)}; keep the reference, so that no call looks
 * the sender up again.
 *
 * <p>Thread-safe. Every method may be called from any thread. Queue structure changes
 * (take, defer, hold, release, cancel, rules) are serialised by one lock per sender, held for
 * O(log n) work. An enqueue into a cell the sender already has takes no lock when the engine
 * has no {@link TransitionListener}: it pushes the message on a lock-free inbox that the next
 * locked operation empties, so producers never wait for workers. The counters are lock-free, and {@link #stats} and
 * {@link #outcomes} read them without that lock, in O(cells of the sender), whatever the number
 * of messages. See {@link #stats} for what a snapshot promises.
 *
 * <p>Time-driven changes (a lease running out, a hold rule expiring, a retry coming due) are
 * applied at the start of every operation on the sender that finds them due, and by
 * {@link QueueEngine#runMaintenance()}; no background thread is needed.
 */
public final class SenderQueue {
    /*
     * Concurrency: `lock` guards the cells' containers, the ready cells, the lease ring, the
     * rules and writes to the cell table (read lock-free). Lock-free enqueues count the message
     * NEW, then push it on `inbox`; `begin()` moves the inbox into the cells before anything
     * else, so every locked operation sees every message whose push it can observe, and a
     * message found by id between its index entry and its push is waited for (`settle`). Counters are written by every transition (under the lock, except
     * delivered/failed, which CAS the message's state word and move counters without it, so a
     * reporting worker never waits for a taker) and read by anyone. A cell's NEW, RETRY and HOLD
     * slots only change under the lock, so the lock holder can move them exactly (liftCell).
     * A message's state word changes by CAS only: the transitions out of PROC race between the
     * lock holder (lease timeout, defer, hold) and lock-free reporters, and the CAS picks one
     * winner. The listener is called under the lock (or, for delivered/failed, after the winning
     * CAS), which orders the events of each message as its transitions happened.
     */
    final int id;
    private final QueueEngine engine;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workOrDeadline = lock.newCondition();

    // Cells: by key in a table that lock-free enqueues read, and to stats readers as (array, count).
    private final CellTable cellTable = new CellTable();
    /** The cells in creation order, and the dense columns queries read (see {@link CellIndex}). */
    private final CellIndex cells = new CellIndex();

    private final ReadyCells ready = new ReadyCells();
    private final LeaseRing leases = new LeaseRing();
    private final HoldRuleSet rules = new HoldRuleSet();
    private final List<Limiter> limiters = new ArrayList<>();
    private final LimiterTimer limiterTimer = new LimiterTimer();
    /** The earliest instant at which maintenance has something to do; read without the lock. */
    private volatile long nextDeadline = Long.MAX_VALUE;
    /**
     * Messages enqueued without the lock, newest first; the lock holder moves them all into their
     * cells at the start of every locked operation ({@link #begin}).
     */
    private final MsgStack inbox = new MsgStack();
    /** Takers waiting on {@link #workOrDeadline}; written under the lock, read by lock-free enqueues. */
    private volatile int waitingTakers;
    /**
     * Messages delivered or failed lock-free, newest first: the lock holder takes their age
     * entries out of PROC ({@link #drainDeparted}).
     */
    private final MsgStack departed = new MsgStack();
    /**
     * The departed messages on their way out of the id index: the lock holder batches them, the
     * next enqueue (or the lock holder, when it has nothing else to do) empties their slots.
     */
    private final Retirements retirements;
    /** Snapshots taken of this sender: the generation of the next one, minus one. */
    private final AtomicLong generation = new AtomicLong();

    SenderQueue(QueueEngine engine, int id) {
        this.engine = engine;
        this.id = id;
        this.retirements = new Retirements(engine.index);
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
     * @param isp        the ISP name (case-insensitive, surrounding blanks ignored; interned)
     * @param payload    the caller's reference, kept as is (may be {@code null})
     * @throws DuplicateMessageException if the id is already in the engine
     * @throws IllegalArgumentException  if an argument is out of range
     */
    public void enqueue(long messageId, int accountId, int campaignId, String isp, Object payload) {
        add(messageId, accountId, campaignId, isp, payload, null);
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
        add(s.id(), s.accountId(), s.campaignId(), s.isp(), s.payload(), s);
    }

    private void add(long messageId, int accountId, int campaignId, String isp, Object payload, StoredMessage s) {
        checkIds(accountId, campaignId);
        String canonical = engine.isps.known(isp);
        if (s == null && canonical != null && !engine.listening()
                && enqueueLockFree(messageId, accountId, campaignId, canonical, payload)) {
            return;
        }
        if (canonical == null) {
            // A new ISP name: validate it, and refuse a duplicate before interning it, so that a
            // refused enqueue cannot choose the canonical spelling.
            IspTable.validate(isp);
            if (engine.index.contains(messageId)) {
                throw duplicate(messageId);
            }
            canonical = engine.isps.intern(isp);
        }
        boolean refused = false;
        lock.lock();
        try {
            long now = begin();
            Cell c = findCell(accountId, campaignId, canonical);
            boolean fresh = c == null;
            if (fresh) {
                c = createCell(accountId, campaignId, canonical); // published only if the id is free
            }
            Msg m = new Msg(messageId, c, payload, s == null ? now : s.enqueuedAtMillis(),
                    s == null ? 0 : s.attempts());
            if (!engine.index.putIfAbsent(m)) {
                refused = true; // thrown below, once this lock is released
                return;
            }
            if (fresh) {
                publishCell(c);
            }
            MessageState state = s == null ? MessageState.NEW : s.state();
            switch (state) {
                case NEW, PROC -> c.ready.addLast(m);
                case RETRY -> {
                    m.dueAt = s.dueAtMillis();
                    c.addRetry(m, s.retryReason());
                }
                case HOLD -> c.held.addLast(m);
                default -> throw new AssertionError(state);
            }
            MessageState raw = m.container.state();
            if (raw == MessageState.HOLD) {
                markHeld(m, 0, now);
            } else {
                markQueued(m, 0, now);
            }
            c.addMsg(m, Cell.slot(raw));
            ready.reschedule(c, now);
            workOrDeadline.signal();
            publishDeadline();
            engine.fire(m, s == null ? Transition.ENQUEUED : Transition.RESTORED, null, c.reported(raw));
            retirements.unlinkHandedOff();
        } finally {
            lock.unlock();
            if (refused) {
                throw duplicate(messageId);
            }
        }
    }

    /**
     * The refusal of a duplicate id, issued once the message that has the id can be seen: if
     * its own enqueue is still between its index entry and its push, this waits for the push,
     * so that whoever is told "duplicate" can take or cancel the message at once. Called
     * without holding any sender's lock.
     */
    private DuplicateMessageException duplicate(long messageId) {
        Msg other = engine.index.get(messageId);
        if (other != null && other.container == null && Msg.phase(other.word()) == Msg.QUEUED) {
            other.cell.sender.settleLocked(other);
        }
        return new DuplicateMessageException(messageId);
    }

    private void settleLocked(Msg m) {
        lock.lock();
        try {
            settle(m, begin());
        } finally {
            lock.unlock();
        }
    }

    /**
     * The common enqueue, without the lock: into a cell that exists, when no maintenance is due.
     * The message is counted NEW at once and pushed on the inbox, from which the next locked
     * operation moves it into its cell's ready list; until then no operation can see it except
     * through the counters and the id index, and every locked operation drains the inbox first,
     * so nothing can observe the difference. Only without a listener: with one, the locked path
     * keeps each message's events in order.
     *
     * @return false if the locked path must do it (new cell, or something due)
     */
    private boolean enqueueLockFree(long messageId, int accountId, int campaignId, String isp, Object payload) {
        Cell c = findCell(accountId, campaignId, isp);
        if (c == null) {
            return false;
        }
        long now = engine.now();
        if (now >= nextDeadline) {
            return false; // a rule may have expired: let begin() apply it first
        }
        Msg m = new Msg(messageId, c, payload, now, 0);
        if (!engine.index.putIfAbsent(m)) {
            throw duplicate(messageId);
        }
        c.add(CellCounters.NEW, 1);
        inbox.push(m);
        if (waitingTakers > 0) { // after the push (a full fence): see the waiting taker's count
            lock.lock();
            try {
                workOrDeadline.signal();
            } finally {
                lock.unlock();
            }
        }
        retirements.unlinkHandedOff(); // here, where this thread's inserts keep the index's lines
        return true;
    }

    /**
     * Under the lock, for an operation on a message found by id: a message that is in the id
     * index but not yet on the inbox (its enqueue is between the two steps) is waited for, so
     * that every message found by id has its container.
     */
    private void settle(Msg m, long now) {
        for (int spins = 0; m.container == null && Msg.phase(m.word()) == Msg.QUEUED; spins++) {
            if (spins > 100) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
            drainInbox(now);
        }
    }

    /**
     * Messages that left PROC lock-free: their age entries leave PROC, and they are batched for
     * their way out of the id index ({@link Retirements}); under the lock.
     */
    private void drainDeparted() {
        for (Msg m = departed.popAll(); m != null; ) {
            Msg next = m.inboxNext;
            m.inboxNext = null;
            m.cell.ages.move(AgeHistogram.minute(m.enqueuedAt), CellCounters.PROC, -1);
            retirements.add(m);
            m = next;
        }
    }

    /** Moves the inbox's messages into their cells' ready lists, oldest first; under the lock. */
    private void drainInbox(long now) {
        for (Msg m = inbox.popAll(); m != null; ) {
            Msg next = m.inboxNext;
            m.inboxNext = null;
            Cell c = m.cell;
            c.ready.addLast(m);
            markQueued(m, 0, now);
            c.ages.move(AgeHistogram.minute(m.enqueuedAt), -1, CellCounters.NEW);
            ready.reschedule(c, now);
            m = next;
        }
    }

    /**
     * Adds cumulative outcome counts to a cell, to carry them over a restart.
     *
     * @throws IllegalArgumentException if an argument is out of range
     */
    public void restoreOutcomes(int accountId, int campaignId, String isp, Outcome outcome, long count) {
        checkIds(accountId, campaignId);
        IspTable.validate(isp);
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        String canonical = engine.isps.intern(isp);
        lock.lock();
        try {
            Cell c = findCell(accountId, campaignId, canonical);
            (c != null ? c : newCell(accountId, campaignId, canonical))
                    .add(CellCounters.DELIVERED + outcome.ordinal(), count);
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

    /** The cell of (account, campaign, interned ISP), or {@code null}; any thread. */
    private Cell findCell(int accountId, int campaignId, String isp) {
        Object o = cellTable.get(CellTable.key(accountId, campaignId));
        if (o instanceof Cell c) {
            return c.isp == isp ? c : null;
        }
        if (o instanceof Cell[] arr) {
            for (Cell c : arr) {
                if (c.isp == isp) {
                    return c;
                }
            }
        }
        return null;
    }

    /** Creates and publishes a cell that {@link #findCell} did not find; under the lock. */
    private Cell newCell(int accountId, int campaignId, String isp) {
        Cell c = createCell(accountId, campaignId, isp);
        publishCell(c);
        return c;
    }

    /** A cell with its rules and limits, not yet known to anyone; under the lock. */
    private Cell createCell(int accountId, int campaignId, String isp) {
        Cell c = new Cell(this, cells, accountId, campaignId, isp);
        c.ruleHolds = rules.matching(c);
        // Unconditional: a cell made here and dropped unpublished (a refused duplicate) may have
        // set the held flag of this place in the index, and the next cell made here overwrites it.
        c.setHeldByRule(c.ruleHolds > 0);
        if (c.ruleHolds > 0) {
            c.heldFrom(engine.now());
        }
        c.limiters = limitersOf(c);
        return c;
    }

    /** Makes a created cell findable (cell table) and readable (cells array); under the lock. */
    private void publishCell(Cell c) {
        long key = CellTable.key(c.accountId, c.campaignId);
        Object o = cellTable.get(key);
        if (o == null) {
            cellTable.put(key, c);
        } else if (o instanceof Cell one) {
            cellTable.put(key, new Cell[] {one, c});
        } else {
            Cell[] arr = (Cell[]) o;
            Cell[] grown = Arrays.copyOf(arr, arr.length + 1);
            grown[arr.length] = c;
            cellTable.put(key, grown);
        }
        cells.add(c); // publishes the cell to the queries
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
        Objects.requireNonNull(lease, "lease");
        lock.lock();
        try {
            return takeLocked(lease, begin()) || nothingReady();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock, when a take finds nothing ready: the taker has time, so it empties the
     * index slots of the messages ended lock-free that no enqueue has yet (see {@link Retirements}).
     *
     * @return false, what the take returns
     */
    private boolean nothingReady() {
        retirements.flush();
        return false;
    }

    /**
     * Takes the next ready message, waiting up to {@code timeout} for one: woken by new work,
     * and by the next instant at which a retry comes due, a lease runs out or a rule expires.
     *
     * @return whether a message was taken
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public boolean take(Lease lease, long timeout, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(lease, "lease");
        long remaining = unit.toNanos(timeout);
        long deadline = System.nanoTime() + remaining;
        lock.lockInterruptibly();
        try {
            while (true) {
                long now = begin();
                if (takeLocked(lease, now)) {
                    return true;
                }
                nothingReady();
                remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                long next = nextDeadline;
                long untilEvent = next == Long.MAX_VALUE ? Long.MAX_VALUE
                        : TimeUnit.MILLISECONDS.toNanos(Math.max(1, Math.min(next - now, Long.MAX_VALUE / 2_000_000)));
                waitingTakers++; // volatile: a lock-free enqueue that misses this has pushed already
                try {
                    if (inbox.isEmpty()) {
                        workOrDeadline.awaitNanos(Math.min(remaining, untilEvent));
                    }
                } finally {
                    waitingTakers--;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Blocking variant of {@link #take(Lease, long, TimeUnit)} with a {@link Duration}. */
    public boolean take(Lease lease, Duration timeout) throws InterruptedException {
        return take(lease, QueueEngine.saturatedNanos(timeout), TimeUnit.NANOSECONDS);
    }

    private boolean takeLocked(Lease lease, long now) {
        Cell c;
        while ((c = ready.poll()) != null) {
            if (c.ruleHolds > 0) {
                continue;
            }
            boolean retryDue = c.retry.minDue() <= now;
            if (!retryDue && !c.hasNew()) {
                ready.reschedule(c, now); // a ring entry left behind
                continue;
            }
            if (c.limiters.length > 0 && !admit(c, now)) {
                continue; // parked on the limiter that refused: it is not counted as an attempt
            }
            Msg m;
            MessageState from;
            if (retryDue) {
                m = c.pollRetry();
                from = MessageState.RETRY;
            } else {
                m = c.pollNew();
                from = MessageState.NEW;
            }
            ready.reschedule(c, now);
            long w = m.word();
            int attempt = Msg.attempts(w) + 1;
            m.pauseMark = heldWhileQueued(m, now); // PROC: the held time itself
            if (!m.casState(w, Msg.pack(attempt, Msg.PROC))) {
                throw new AssertionError("queued message changed without the lock: " + m);
            }
            c.moveMsg(m, Cell.slot(from), CellCounters.PROC);
            long expiresAt = QueueEngine.plus(now, engine.leaseMillis);
            leases.add(m, attempt, expiresAt);
            lease.fill(m, attempt, expiresAt);
            publishDeadline();
            engine.fire(m, Transition.TAKEN, from, MessageState.PROC);
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ held time

    /*
     * Held time, for QueueEngine.Builder#maxAgeIncludesHeldTime(false): how long a message has
     * been held (queued in a cell that a rule holds, or held individually), kept without any
     * per-message work when a rule starts or ends. Each cell has a held clock (ms it has been
     * held by rules); each message one field, Msg.pauseMark, whose meaning follows where the
     * message is: queued -> cell clock minus held time; held individually -> engine clock
     * minus held time; PROC -> the held time itself. Converting on every move keeps it exact.
     */

    /** Held time of a message queued in its cell (NEW or RETRY). */
    private static long heldWhileQueued(Msg m, long now) {
        return m.cell.heldClock(now) - m.pauseMark;
    }

    /** Held time of an individually held message. */
    private static long heldWhileHeld(Msg m, long now) {
        return now - m.pauseMark;
    }

    private static void markQueued(Msg m, long held, long now) {
        m.pauseMark = m.cell.heldClock(now) - held;
    }

    private static void markHeld(Msg m, long held, long now) {
        m.pauseMark = now - held;
    }

    // ------------------------------------------------------------------ rate limits

    /**
     * Takes a permit of every limiter of the cell, or none: if one refuses, the cell is parked on
     * it until its next permit and nothing is consumed. Under the lock.
     */
    private boolean admit(Cell c, long now) {
        Limiter refusing = refusing(c, now);
        if (refusing != null) {
            park(c, refusing);
            publishDeadline();
            return false;
        }
        for (Limiter l : c.limiters) {
            l.consume(now);
        }
        return true;
    }

    /** The first of the cell's limiters that refuses a message now, or {@code null}. */
    private static Limiter refusing(Cell c, long now) {
        for (Limiter l : c.limiters) {
            if (!l.conforms(now)) {
                return l;
            }
        }
        return null;
    }

    private void park(Cell c, Limiter l) {
        c.parkedOn = l;
        l.parked.addLast(c);
        ready.parked(c);
        limiterTimer.schedule(l, l.nextPermitAt());
    }

    /**
     * Limiters whose next permit has come: as many parked cells as there are permits go back to
     * the ring. A parked cell that could not use a permit (its work is gone, a rule holds it, or
     * another of its limits refuses) is set aside without counting, so no permit is wasted on it.
     */
    private void wakeLimiters(long now) {
        while (limiterTimer.nextKey() <= now) {
            Limiter l = limiterTimer.poll();
            long n = Math.max(1, l.available(now));
            while (n > 0 && !l.parked.isEmpty()) {
                Cell c = l.parked.pollFirst();
                c.parkedOn = null;
                Limiter other = refusing(c, now);
                if (other != null && other != l && c.ruleHolds == 0) {
                    park(c, other);
                    continue;
                }
                boolean canUse = c.ruleHolds == 0 && (c.hasNew() || c.retry.minDue() <= now);
                ready.reschedule(c, now);
                if (canUse) {
                    n--;
                }
            }
            if (!l.parked.isEmpty()) {
                limiterTimer.schedule(l, Math.max(now + 1, l.nextPermitAt()));
            }
        }
    }

    private void unpark(Cell c, long now) {
        c.parkedOn = null;
        ready.reschedule(c, now);
    }

    /**
     * Limits how fast {@code take} hands out the messages of the cells {@code scope} selects, all
     * of them together: {@code Selector.isp("Gmail")} limits the sender's Gmail traffic,
     * a selector naming account, campaign and ISP limits one cell. A message that may not go yet
     * stays where it is (NEW or RETRY, ready) and is not counted as an attempt; its cell waits
     * for the next permit while other cells are served. Setting a limit for a scope that has
     * one changes its rate at once (limits can be changed at run time). Costs O(cells).
     *
     * @return the limit this replaced, or {@code null}
     */
    public RateLimit setRateLimit(Selector scope, RateLimit limit) {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(limit, "limit");
        lock.lock();
        try {
            long now = begin();
            Limiter l = findLimiter(scope);
            if (l != null) {
                RateLimit old = l.limit;
                l.setLimit(limit);
                if (l.timerIndex >= 0) {
                    limiterTimer.schedule(l, Math.max(now, l.nextPermitAt()));
                }
                publishDeadline();
                return old;
            }
            l = new Limiter(canonical(scope), limit);
            limiters.add(l);
            relinkLimiters();
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes the rate limit of exactly this scope (ISP compared case-insensitively); its waiting
     * cells are served again at once.
     *
     * @return the removed limit, or {@code null} if the scope had none
     */
    public RateLimit removeRateLimit(Selector scope) {
        Objects.requireNonNull(scope, "scope");
        lock.lock();
        try {
            long now = begin();
            Limiter l = findLimiter(scope);
            if (l == null) {
                return null;
            }
            limiters.remove(l);
            limiterTimer.cancel(l);
            relinkLimiters();
            while (!l.parked.isEmpty()) {
                unpark(l.parked.pollFirst(), now);
            }
            publishDeadline();
            workOrDeadline.signalAll();
            return l.limit;
        } finally {
            lock.unlock();
        }
    }

    /** The rate limits of this sender by scope, in the order they were set. */
    public Map<Selector, RateLimit> rateLimits() {
        lock.lock();
        try {
            Map<Selector, RateLimit> out = new LinkedHashMap<>();
            for (Limiter l : limiters) {
                out.put(l.selector, l.limit);
            }
            return Collections.unmodifiableMap(out);
        } finally {
            lock.unlock();
        }
    }

    /** The selector with the engine's canonical spelling of its ISP, when the engine knows the ISP. */
    private Selector canonical(Selector s) {
        String isp = s.isp();
        if (isp.isEmpty()) {
            return s;
        }
        String c = engine.isps.canonical(isp);
        return c.equals(isp) ? s : new Selector(s.accountId(), s.campaignId(), c);
    }

    private Limiter findLimiter(Selector scope) {
        for (Limiter l : limiters) {
            if (l.selector.sameAs(scope)) {
                return l;
            }
        }
        return null;
    }

    /** Recomputes every cell's limiters after the set changed; O(cells × limiters). */
    private void relinkLimiters() {
        for (int i = 0, n = cells.size(); i < n; i++) {
            Cell c = cells.cell(i);
            c.limiters = limitersOf(c);
        }
    }

    private Limiter[] limitersOf(Cell c) {
        Limiter[] out = Cell.NO_LIMITERS;
        for (Limiter l : limiters) {
            if (l.selector.matches(c.accountId, c.campaignId, c.isp)) {
                out = Arrays.copyOf(out, out.length + 1);
                out[out.length - 1] = l;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ time

    /**
     * Starts a locked operation: reads the clock and applies what time has made due, so that
     * every operation sees expired rules lifted and expired leases returned. Holds the lock.
     */
    private long begin() {
        long now = engine.now();
        if (!inbox.isEmpty()) {
            drainInbox(now);
        }
        if (!departed.isEmpty()) {
            drainDeparted();
        }
        if (now >= nextDeadline) {
            maintain(now);
        }
        return now;
    }

    /** Expired hold rules are lifted, expired leases go back to NEW, due retries become ready. */
    private void maintain(long now) {
        for (HoldRule r : rules.expired(now)) {
            removeRule(r, now);
            engine.fireRule(r, false);
        }
        while (leases.pruneHead() && leases.headExpiry() <= now) {
            Msg m = leases.headMsg();
            int attempt = leases.headAttempt();
            leases.pop();
            returnToNew(m, attempt, now);
        }
        ready.promoteDue(now);
        wakeLimiters(now);
        publishDeadline();
    }

    /** PROC (this attempt) to NEW, under the lock; false if the message had already moved on. */
    private boolean returnToNew(Msg m, int attempt, long now) {
        if (!m.casState(Msg.pack(attempt, Msg.PROC), Msg.pack(attempt, Msg.QUEUED))) {
            return false;
        }
        Cell c = m.cell;
        c.ready.addLast(m);
        markQueued(m, m.pauseMark, now);
        c.moveMsg(m, CellCounters.PROC, CellCounters.NEW);
        ready.reschedule(c, now);
        workOrDeadline.signal();
        engine.fire(m, Transition.LEASE_EXPIRED, MessageState.PROC, c.reported(MessageState.NEW));
        return true;
    }

    /** Publishes the next deadline; wakes waiting takers when it moved earlier than they planned for. */
    private void publishDeadline() {
        long d = Math.min(Math.min(rules.nextExpiry(), limiterTimer.nextKey()),
                Math.min(ready.nextDue(), leases.headExpiry()));
        long old = nextDeadline;
        if (d != old) {
            nextDeadline = d;
            if (d < old) {
                workOrDeadline.signalAll();
            }
        }
    }

    /** Runs maintenance if something is due; takes no lock otherwise. */
    void maintainIfDue() {
        if (engine.now() >= nextDeadline) {
            lock.lock();
            try {
                begin();
            } finally {
                lock.unlock();
            }
        }
    }

    // ------------------------------------------------------------------ worker reports

    /** delivered / failed: lock-free unless refused or late. */
    void report(Lease lease, Transition t, int outcomeSlot) {
        Msg m = lease.msgOrThrow();
        int a = lease.attempt;
        long expected = Msg.pack(a, Msg.PROC);
        if (m.word() != expected) {
            throw refusal(lease, t);
        }
        if (engine.now() >= lease.expiresAt) {
            throw expireLease(lease, t);
        }
        if (!m.casState(expected, Msg.pack(a, Msg.GONE + outcomeSlot - CellCounters.DELIVERED))) {
            throw refusal(lease, t);
        }
        // The outcome in the state word is enough for the id index: lookups skip the message from
        // here on, and its slot is emptied later, off this thread (see Retirements).
        m.cell.move(CellCounters.PROC, outcomeSlot);
        engine.fire(m, t, MessageState.PROC, null);
        departed.push(m); // its age entry leaves PROC, and it the index, from the next locked operation
    }

    /** PROC to RETRY due at {@code dueAt} (or the policy's backoff), or gone as EXPIRED. */
    void defer(Lease lease, long dueAt, boolean policyDelay, RetryReason reason) {
        Objects.requireNonNull(reason, "reason");
        Msg m = lease.msgOrThrow();
        lock.lock();
        try {
            long now = begin();
            long w = checkLeaseLocked(lease, Transition.DEFERRED, now);
            int a = lease.attempt;
            if (policyDelay) {
                dueAt = QueueEngine.plus(now, engine.retryPolicy.delayMillis(a, engine.random()));
            }
            dueAt = Math.max(dueAt, now);
            Cell c = m.cell;
            long heldTime = engine.maxAgeIncludesHeldTime ? 0 : m.pauseMark; // PROC: the held time
            if (engine.retryPolicy.expires(a, m.enqueuedAt + heldTime, dueAt)) {
                if (!m.casState(w, Msg.pack(a, Msg.GONE + Outcome.EXPIRED.ordinal()))) {
                    throw refusal(lease, Transition.DEFERRED); // a lock-free report on the same lease won
                }
                engine.index.remove(m);
                c.moveMsg(m, CellCounters.PROC, CellCounters.EXPIRED);
                engine.fire(m, Transition.EXPIRED, MessageState.PROC, null);
            } else {
                if (!m.casState(w, Msg.pack(a, Msg.QUEUED))) {
                    throw refusal(lease, Transition.DEFERRED); // a lock-free report on the same lease won
                }
                m.dueAt = dueAt;
                markQueued(m, m.pauseMark, now);
                c.addRetry(m, reason);
                c.moveMsg(m, CellCounters.PROC, CellCounters.RETRY);
                ready.reschedule(c, now);
                if (dueAt <= now) {
                    workOrDeadline.signal();
                }
                publishDeadline();
                engine.fire(m, Transition.DEFERRED, MessageState.PROC, c.reported(MessageState.RETRY));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock: the lease's message must be in PROC for this attempt and the lease's time
     * not up (if it is, the message goes back to NEW and the report is refused).
     *
     * @return the message's state word
     */
    private long checkLeaseLocked(Lease lease, Transition t, long now) {
        long w = lease.msg.word();
        if (w != Msg.pack(lease.attempt, Msg.PROC)) {
            throw refusal(lease, t);
        }
        if (now >= lease.expiresAt) {
            throw expireLease(lease, t);
        }
        return w;
    }

    /** A CAS from a QUEUED word, which only the lock holder changes: it cannot fail. */
    private static void casLocked(Msg m, long expected, long next) {
        if (!m.casState(expected, next)) {
            throw new AssertionError("a queued message's state changed without the lock: " + m);
        }
    }

    /** The lease's time is up: its message goes back to NEW (if nobody did that yet); the report is refused. */
    private LeaseExpiredException expireLease(Lease lease, Transition refused) {
        lock.lock();
        try {
            returnToNew(lease.msg, lease.attempt, engine.now());
            publishDeadline();
        } finally {
            lock.unlock();
        }
        return new LeaseExpiredException(lease.msg.id, refused, lease.attempt, lease.expiresAt);
    }

    /** Why a report on {@code lease} is refused, judged under the lock so that containers are stable. */
    private IllegalTransitionException refusal(Lease lease, Transition t) {
        Msg m = lease.msg;
        lock.lock();
        try {
            long w = m.word();
            int phase = Msg.phase(w);
            if (Msg.attempts(w) != lease.attempt) {
                return new LeaseExpiredException(m.id, t, lease.attempt, lease.expiresAt); // taken again since
            }
            if (phase >= Msg.GONE) {
                return IllegalTransitionException.of(m.id, t, null, Outcome.of(phase - Msg.GONE),
                        "from PROC, once per attempt");
            }
            if (engine.now() >= lease.expiresAt) {
                return new LeaseExpiredException(m.id, t, lease.attempt, lease.expiresAt);
            }
            MessageState s = m.cell.reported(m.rawState());
            return IllegalTransitionException.of(m.id, t, s, null,
                    "from PROC under a live lease (an operator held the message: this lease no longer owns it)");
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ one message, by id or lease

    /** Holds one message (NEW, RETRY or PROC) individually; with a lease, only its PROC attempt. */
    void hold(Msg m, Lease lease) {
        lock.lock();
        try {
            long now = begin();
            settle(m, now);
            long w = lease != null ? checkLeaseLocked(lease, Transition.HELD, now) : liveWord(m);
            Cell c = m.cell;
            MessageState from;
            if (Msg.phase(w) == Msg.PROC) {
                if (!m.casState(w, Msg.pack(Msg.attempts(w), Msg.QUEUED))) {
                    // A lock-free delivered/failed won: the message has left (or, with a lease,
                    // the same lease was reported from another thread).
                    throw lease != null ? refusal(lease, Transition.HELD) : new UnknownMessageException(m.id);
                }
                from = MessageState.PROC;
                markHeld(m, m.pauseMark, now);
                c.moveMsg(m, CellCounters.PROC, CellCounters.HOLD);
            } else if (c.reported(m.container.state()) != MessageState.HOLD) {
                from = m.container.state();
                markHeld(m, heldWhileQueued(m, now), now);
                c.unlink(m);
                c.moveMsg(m, Cell.slot(from), CellCounters.HOLD);
            } else {
                throw notAllowed(m, Transition.HELD);
            }
            c.held.addLast(m);
            ready.reschedule(c, now);
            publishDeadline();
            engine.fire(m, Transition.HELD, from, MessageState.HOLD);
        } finally {
            lock.unlock();
        }
    }

    /** Releases one individually held message to NEW. */
    void release(Msg m) {
        lock.lock();
        try {
            long now = begin();
            settle(m, now);
            liveWord(m);
            Cell c = m.cell;
            if (m.container != c.held) {
                throw notAllowed(m, Transition.RELEASED);
            }
            c.held.remove(m);
            markQueued(m, heldWhileHeld(m, now), now);
            c.ready.addLast(m);
            c.moveMsg(m, CellCounters.HOLD, CellCounters.NEW);
            ready.reschedule(c, now);
            workOrDeadline.signal();
            engine.fire(m, Transition.RELEASED, MessageState.HOLD, c.reported(MessageState.NEW));
        } finally {
            lock.unlock();
        }
    }

    /** Cancels one message in NEW, RETRY or HOLD. */
    void cancel(Msg m) {
        lock.lock();
        try {
            long now = begin();
            settle(m, now);
            long w = liveWord(m);
            if (Msg.phase(w) != Msg.QUEUED) {
                throw notAllowed(m, Transition.CANCELLED);
            }
            cancelLocked(m, w);
            ready.reschedule(m.cell, now);
            publishDeadline();
        } finally {
            lock.unlock();
        }
    }

    /** The word of a message found by id, under the lock; one that left meanwhile is unknown. */
    private static long liveWord(Msg m) {
        long w = m.word();
        if (Msg.phase(w) >= Msg.GONE) {
            throw new UnknownMessageException(m.id);
        }
        return w;
    }

    private void cancelLocked(Msg m, long w) {
        Cell c = m.cell;
        MessageState raw = m.container.state();
        MessageState from = c.reported(raw);
        c.unlink(m);
        casLocked(m, w, Msg.pack(Msg.attempts(w), Msg.GONE + Outcome.CANCELLED.ordinal()));
        engine.index.remove(m);
        c.moveMsg(m, Cell.slot(raw), CellCounters.CANCELLED);
        engine.fire(m, Transition.CANCELLED, from, null);
    }

    private IllegalTransitionException notAllowed(Msg m, Transition t) {
        MessageState s = m.cell.reported(m.rawState());
        String allowed = switch (t) {
            case HELD -> "from NEW, RETRY or PROC";
            case RELEASED -> s == MessageState.HOLD
                    ? "for a message held individually (this one is held by a hold rule: lift the rule)"
                    : "from HOLD";
            case CANCELLED -> "from NEW, RETRY or HOLD";
            default -> "as the transition table says";
        };
        return IllegalTransitionException.of(m.id, t, s, null, allowed);
    }

    /** A snapshot of one message, or {@code null} if it has left. */
    MessageView view(Msg m) {
        lock.lock();
        try {
            settle(m, begin());
            MessageState raw = m.rawState();
            if (raw == null) {
                return null;
            }
            return new MessageView(m.id, id, m.cell.accountId, m.cell.campaignId, m.cell.isp, m.payload,
                    m.cell.reported(raw), m.attempts(), m.enqueuedAt, raw == MessageState.RETRY ? m.dueAt : 0);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ hold rules

    /**
     * Holds every message of the selected cells, now and until the rule is lifted or
     * {@code until} passes: their NEW and RETRY messages count as HOLD, new ones are enqueued
     * in HOLD, {@code take} skips them; PROC messages finish their attempt. Costs O(cells of the
     * sender), never one operation per message. Attempt counts are left alone.
     *
     * @param selector which cells
     * @param reason   why, as a category
     * @param label    the operator's words (who, why; may be {@code null}), see {@link HoldRule}
     * @param until    when the rule expires by itself, or {@code null} for never
     * @return the rule, whose id lifts it
     * @throws IllegalArgumentException if {@code until} is not in the future, or the label is
     *                                  too long or has control characters
     */
    public HoldRule hold(Selector selector, HoldReason reason, String label, Instant until) {
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(reason, "reason");
        String checkedLabel = HoldRule.checkLabel(label);
        lock.lock();
        try {
            long now = begin();
            if (until != null && now >= until.toEpochMilli()) {
                throw new IllegalArgumentException("hold rule would expire at once: until " + until);
            }
            HoldRule rule = new HoldRule(engine.nextRuleId(), id, canonical(selector), reason, checkedLabel, until);
            rules.add(rule);
            for (Cell c : cells.select(selector)) {
                if (c.ruleHolds++ == 0) {
                    c.heldFrom(now);
                    c.setHeldByRule(true);
                    ready.reschedule(c, now);
                }
            }
            publishDeadline();
            engine.fireRule(rule, true);
            return rule;
        } finally {
            lock.unlock();
        }
    }

    /** {@code hold(selector, HoldReason.OPERATOR, null, until)}. */
    public HoldRule hold(Selector selector, Instant until) {
        return hold(selector, HoldReason.OPERATOR, null, until);
    }

    /** Holds the selected cells with no expiry: {@code hold(selector, null)}. */
    public HoldRule hold(Selector selector) {
        return hold(selector, null);
    }

    /**
     * Lifts one hold rule: cells no other rule holds return to NEW (their RETRY messages
     * included, which become ready at once). Costs O(cells of the sender).
     *
     * @return the lifted rule
     * @throws UnknownHoldRuleException if no such rule is in force on this sender
     */
    public HoldRule liftHold(long ruleId) {
        lock.lock();
        try {
            long now = begin();
            HoldRule rule = rules.find(ruleId);
            if (rule == null) {
                throw new UnknownHoldRuleException(ruleId, id);
            }
            removeRule(rule, now);
            engine.fireRule(rule, false);
            return rule;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Lifts every rule whose selector is exactly {@code selector} (ISP compared
     * case-insensitively), as the documented "Release sender queue" does.
     *
     * @return the lifted rules, possibly none
     */
    public List<HoldRule> release(Selector selector) {
        Objects.requireNonNull(selector, "selector");
        lock.lock();
        try {
            long now = begin();
            List<HoldRule> lifted = rules.withSelector(selector);
            for (HoldRule r : lifted) {
                removeRule(r, now);
                engine.fireRule(r, false);
            }
            return lifted;
        } finally {
            lock.unlock();
        }
    }

    /** The rules in force on this sender, oldest first. */
    public List<HoldRule> holdRules() {
        lock.lock();
        try {
            begin();
            return rules.snapshot();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Every hold rule in force with the messages it holds now, oldest rule first: the NEW and
     * RETRY counts of the cells it matches, read from the counters. A message in a cell that
     * several rules match counts for each. Costs O(rules × cells); takes the lock only to list
     * the rules.
     */
    public Snapshot<RuleImpact> holdImpact() {
        List<HoldRule> list = holdRules();
        List<RuleImpact> out = new ArrayList<>(list.size());
        for (HoldRule r : list) {
            out.add(new RuleImpact(r, countHoldable(r.selector(), false)));
        }
        return snapshot(out);
    }

    /**
     * A dry run of {@link #hold(Selector, HoldReason, String, Instant)}: how many messages a rule
     * with this selector would move to HOLD now, by the state it would move them from. Messages
     * already held by a rule are not counted. Lock-free, O(cells), changes nothing.
     */
    public HoldImpact previewHold(Selector selector) {
        Objects.requireNonNull(selector, "selector");
        maintainIfDue();
        return countHoldable(selector, true);
    }

    private HoldImpact countHoldable(Selector selector, boolean skipHeld) {
        long fromNew = 0;
        long fromRetry = 0;
        for (Cell c : cells.select(selector)) {
            if (!(skipHeld && c.heldByRule())) {
                fromNew += Math.max(0, c.sum(CellCounters.NEW));
                fromRetry += Math.max(0, c.sum(CellCounters.RETRY));
            }
        }
        return new HoldImpact(fromNew, fromRetry);
    }

    /** Wraps rows as this sender's next snapshot, stamped with the engine's clock. */
    <R> Snapshot<R> snapshot(List<R> rows) {
        return stamp(rows, Long.MIN_VALUE);
    }

    /**
     * Numbers a snapshot read at {@code now}. The clock is read again under the same monitor as
     * the generation is drawn, so that a larger generation never carries an earlier instant.
     */
    private <R> Snapshot<R> stamp(List<R> rows, long now) {
        synchronized (generation) {
            long at = Math.max(now, engine.now());
            return new Snapshot<>(id, Instant.ofEpochMilli(at), generation.incrementAndGet(), rows);
        }
    }

    private void removeRule(HoldRule rule, long now) {
        rules.remove(rule);
        Selector s = rule.selector();
        for (Cell c : cells.select(s)) {
            if (--c.ruleHolds == 0) {
                liftCell(c, now);
            }
        }
        publishDeadline();
    }

    /** The last rule on the cell is gone: its RETRY messages become NEW, all at once. */
    private void liftCell(Cell c, long now) {
        c.releasedAt(now);
        int n = c.retry.size();
        if (n > 0) {
            MsgHeap h = c.retry;
            h.relabel(MessageState.NEW);
            c.released.addLast(h);
            c.retry = new MsgHeap(MessageState.RETRY);
            c.add(CellCounters.RETRY, -n);
            c.add(CellCounters.NEW, n);
            c.ages.retryToNew();
            c.clearRetryReasons();
        }
        c.setHeldByRule(false); // after the counters: a reader that sees "not held" sees them moved
        ready.reschedule(c, now);
        workOrDeadline.signalAll();
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
        long count = 0;
        lock.lock();
        try {
            long now = begin();
            for (Cell c : cells.select(selector)) {
                count += drain(c.ready) + drain(c.held) + drain(c.retry);
                while (!c.released.isEmpty()) {
                    count += drain(c.released.peekFirst());
                }
                ready.reschedule(c, now);
            }
            publishDeadline();
        } finally {
            lock.unlock();
        }
        return count;
    }

    private long drain(Container box) {
        long count = 0;
        Msg m;
        while ((m = box.peek()) != null) {
            cancelLocked(m, m.word());
            count++;
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
     * @return the rows
     */
    public List<StatsRow> stats(Selector filter, Grouping grouping) {
        maintainIfDue();
        return aggregate(filter, grouping, LIVE, (account, campaign, isp, v) -> StatsRow.of(account, campaign, isp,
                v[CellCounters.HOLD], v[CellCounters.NEW], v[CellCounters.PROC], v[CellCounters.RETRY]));
    }

    /**
     * {@link #stats} as a {@link Snapshot}: the same rows, with the instant they were read and
     * the sender's next generation number.
     */
    public Snapshot<StatsRow> statsSnapshot(Selector filter, Grouping grouping) {
        return snapshot(stats(filter, grouping));
    }

    /** The single total row of the whole sender: {@code stats(Selector.ALL, Grouping.TOTAL).get(0)}. */
    public StatsRow totals() {
        return stats(Selector.ALL, Grouping.TOTAL).get(0);
    }

    /**
     * The cumulative outcome counters (delivered, failed, expired, cancelled), filtered and
     * grouped as in {@link #stats}; groups with no outcome are left out, except the single
     * {@link Grouping#TOTAL} row. Same promises as {@link #stats}; outcome counts only grow.
     *
     * @param filter   the cells to count
     * @param grouping how to group them
     * @return the rows
     */
    public List<OutcomeRow> outcomes(Selector filter, Grouping grouping) {
        return aggregate(filter, grouping, OUTCOMES, (account, campaign, isp, v) -> new OutcomeRow(account, campaign,
                isp, v[0], v[1], v[2], v[3]));
    }

    /**
     * How old the live messages are: per group, how many messages of each state fall in each
     * {@link AgeBucket}, and the age of the oldest NEW message (retries apart), filtered and
     * grouped as in {@link #stats}. Ages are whole minutes of the engine's clock: a message
     * enqueued during minute {@code e} (epoch milliseconds / 60,000) is {@code now - e} minutes
     * old during minute {@code now}, so it moves into the next bucket on a minute boundary.
     * The age runs from the first enqueue (a retry or a release does not reset it).
     *
     * <p>Read from per-cell histograms (one entry per enqueue minute that still has a message),
     * never from the messages: O(cells + their distinct minutes). Each cell is read under the
     * sender's lock, taken and let go cell by cell so that workers are not stopped for the whole
     * query: every row is exact for its cells when quiet, and under load each cell is a
     * consistent cut at some moment of the call (messages delivered during the call may still
     * count as PROC), like {@link #stats}.
     */
    public Snapshot<AgeRow> ages(Selector filter, Grouping grouping) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(grouping, "grouping");
        long now;
        lock.lock();
        try {
            now = begin(); // moves the inbox and the departed messages into the histograms
        } finally {
            lock.unlock();
        }
        long nowMinute = AgeHistogram.minute(now);
        // Each cell is read under the lock, which is let go between cells: a query over 100,000
        // cells does not stop the workers for its whole length.
        StatsAggregator.Columns columns = new StatsAggregator.Columns((b, j, out) -> {
            lock.lock();
            try {
                b.cells[j].readAges(nowMinute, out);
            } finally {
                lock.unlock();
            }
        }, AGE_COMBINE);
        List<AgeRow> rows = aggregate(filter, grouping, columns, (account, campaign, isp, v) -> {
            long oldest = v[Cell.AGE_COLUMNS];
            return new AgeRow(account, campaign, isp, oldest == Long.MAX_VALUE ? -1 : Math.max(0, nowMinute - oldest),
                    Arrays.copyOf(v, Cell.AGE_COLUMNS));
        });
        return stamp(rows, now);
    }

    /**
     * The RETRY messages by the {@link RetryReason} they were deferred for, filtered and grouped
     * as in {@link #stats}; groups with no RETRY message are left out, except the single
     * {@link Grouping#TOTAL} row. Lock-free, O(cells), same promises as {@link #stats}; when
     * quiet, each row's total equals the RETRY count of the same row of {@link #stats}.
     */
    public Snapshot<RetryReasonRow> retryReasons(Selector filter, Grouping grouping) {
        maintainIfDue();
        return snapshot(aggregate(filter, grouping, RETRY_REASONS,
                (account, campaign, isp, v) -> new RetryReasonRow(account, campaign, isp,
                        Arrays.copyOf(v, RetryReason.values().length))));
    }

    private static final StatsAggregator.Combine[] AGE_COMBINE = ageCombine();
    private static final StatsAggregator.Columns RETRY_REASONS = new StatsAggregator.Columns(
            Cell::addRetryReasons,
            RetryReason.values().length);

    private static StatsAggregator.Combine[] sums(int n) {
        StatsAggregator.Combine[] c = new StatsAggregator.Combine[n];
        Arrays.fill(c, StatsAggregator.Combine.SUM);
        return c;
    }

    private static StatsAggregator.Combine[] ageCombine() {
        StatsAggregator.Combine[] c = Arrays.copyOf(sums(Cell.AGE_COLUMNS), Cell.AGE_COLUMNS + 1);
        c[Cell.AGE_COLUMNS] = StatsAggregator.Combine.MIN; // the oldest NEW message's minute
        return c;
    }

    /** The live counts, indexed NEW..HOLD as in {@link CellCounters}. */
    private static final StatsAggregator.Columns LIVE = new StatsAggregator.Columns(Cell::addLive, 4);
    /** The outcomes, in {@link Outcome} order. */
    private static final StatsAggregator.Columns OUTCOMES = new StatsAggregator.Columns(Cell::addOutcomes,
            Outcome.values().length);
    private final StatsAggregator aggregator = new StatsAggregator();

    private <R> List<R> aggregate(Selector filter, Grouping grouping, StatsAggregator.Columns columns,
                                  StatsAggregator.RowFactory<R> rows) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(grouping, "grouping");
        return aggregator.aggregate(cells, filter, grouping, columns, rows);
    }

    /** How many cells (account, campaign, ISP) this sender has seen. Cells are never removed. */
    public int cellCount() {
        return cells.size();
    }

    /** The published cells, in creation order (for tests). */
    List<Cell> cellList() {
        Cell[] out = new Cell[cells.size()];
        Arrays.setAll(out, cells::cell);
        return Arrays.asList(out);
    }

    void runMaintenance() {
        lock.lock();
        try {
            maintain(begin()); // begin() also moves the inbox into the cells
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "SenderQueue[" + id + ", " + cells.size() + " cells]";
    }
}
