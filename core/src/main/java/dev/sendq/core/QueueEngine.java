package dev.sendq.core;

import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * The queue engine: hosts many senders, each with its own {@link SenderQueue}, and takes the
 * workers' reports on their {@link Lease}s and the operators' requests on single messages.
 *
 * <p>Thread-safe; every method may be called from any thread. The engine is in-memory by design:
 * it persists nothing. A caller that must survive a restart records transitions through a
 * {@link TransitionListener} in its own store and rebuilds with
 * {@link SenderQueue#restore(StoredMessage)}.
 *
 * <pre>{@code
 * QueueEngine engine = QueueEngine.builder().leaseDuration(Duration.ofMinutes(5)).build();
 * SenderQueue sender = engine.addSender(119);
 * sender.enqueue(1L, 306, 4591, "Gmail", payload);
 *
 * Lease lease = new Lease();                 // one per worker, reused
 * if (sender.take(lease)) {
 *     try { send(lease.payload()); engine.delivered(lease); }
 *     catch (TemporaryFailure e) { engine.defer(lease); }
 * }
 * List<StatsRow> rows = sender.stats(Selector.ALL, Grouping.ACCOUNT_CAMPAIGN);
 * }</pre>
 */
public final class QueueEngine {
    private static final System.Logger LOG = System.getLogger(QueueEngine.class.getName());

    final InstantSource clock;
    final long leaseMillis;
    final RetryPolicy retryPolicy;
    /** See {@link Builder#maxAgeIncludesHeldTime}. */
    final boolean maxAgeIncludesHeldTime;
    final IspResolver resolver;
    private final TransitionListener listener;
    private final RandomGenerator random;

    final IdIndex index = new IdIndex();
    final IspTable isps = new IspTable();
    private final AtomicLong ruleIds = new AtomicLong();
    private final Object sendersLock = new Object();
    private volatile Int2ObjectOpenHashMap<SenderQueue> senders = new Int2ObjectOpenHashMap<>();

    private QueueEngine(Builder b) {
        this.clock = b.clock;
        this.leaseMillis = saturatedMillis(b.leaseDuration);
        this.retryPolicy = b.retryPolicy;
        this.maxAgeIncludesHeldTime = b.maxAgeIncludesHeldTime;
        this.resolver = b.resolver;
        this.listener = b.listener;
        this.random = b.random;
    }

    /** A builder with the defaults: system clock, 5-minute leases, {@link RetryPolicy#DEFAULT}. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ senders

    /**
     * Adds a sender.
     *
     * @param senderId a positive id
     * @return its queue
     * @return the new sender's queue
     * @throws IllegalArgumentException if the id is not positive or the sender exists
     */
    public SenderQueue addSender(int senderId) {
        if (senderId <= 0) {
            throw new IllegalArgumentException("sender id must be > 0, got " + senderId);
        }
        synchronized (sendersLock) {
            if (senders.containsKey(senderId)) {
                throw new IllegalArgumentException("sender " + senderId + " already exists");
            }
            Int2ObjectOpenHashMap<SenderQueue> copy = new Int2ObjectOpenHashMap<>(senders);
            SenderQueue q = new SenderQueue(this, senderId);
            copy.put(senderId, q);
            senders = copy;
            return q;
        }
    }

    /**
     * The queue of a sender.
     *
     * @throws UnknownSenderException if the engine has no such sender
     */
    public SenderQueue sender(int senderId) {
        SenderQueue q = senders.get(senderId);
        if (q == null) {
            throw new UnknownSenderException(senderId);
        }
        return q;
    }

    /** The queue of a sender, if the engine has it. Allocates nothing when absent. */
    public Optional<SenderQueue> findSender(int senderId) {
        return Optional.ofNullable(senders.get(senderId));
    }

    /** The ids of all senders, ascending. */
    public int[] senderIds() {
        return IntStream.of(senders.keySet().toIntArray()).sorted().toArray();
    }

    // ------------------------------------------------------------------ worker reports

    /**
     * The worker delivered the leased message: PROC to gone. Lock-free.
     *
     * @throws LeaseExpiredException      if the lease ran out or its message was taken again
     * @throws IllegalTransitionException if the attempt was already reported or the message held
     */
    public void delivered(Lease lease) {
        senderOf(lease).report(lease, Transition.DELIVERED, CellCounters.DELIVERED);
    }

    /**
     * The delivery failed for good: PROC to gone. Lock-free.
     *
     * @throws LeaseExpiredException      if the lease ran out or its message was taken again
     * @throws IllegalTransitionException if the attempt was already reported or the message held
     */
    public void failed(Lease lease) {
        senderOf(lease).report(lease, Transition.FAILED, CellCounters.FAILED);
    }

    /**
     * The attempt was deferred: PROC to RETRY, due after the retry policy's backoff; or gone as
     * EXPIRED when the policy's limits are reached. The reason is {@link RetryReason#UNSPECIFIED}.
     *
     * @throws LeaseExpiredException      if the lease ran out or its message was taken again
     * @throws IllegalTransitionException if the attempt was already reported or the message held
     */
    public void defer(Lease lease) {
        defer(lease, RetryReason.UNSPECIFIED);
    }

    /**
     * The attempt was deferred for {@code reason}: PROC to RETRY, due after the retry policy's
     * backoff; or gone as EXPIRED when the policy's limits are reached.
     *
     * @throws LeaseExpiredException      if the lease ran out or its message was taken again
     * @throws IllegalTransitionException if the attempt was already reported or the message held
     */
    public void defer(Lease lease, RetryReason reason) {
        senderOf(lease).defer(lease, 0, true, reason);
    }

    /**
     * The attempt was deferred for {@code delay} (e.g. as the remote side asked): PROC to
     * RETRY, or gone as EXPIRED when the policy's limits are reached. The reason is
     * {@link RetryReason#UNSPECIFIED}.
     *
     * @see #defer(Lease)
     */
    public void defer(Lease lease, Duration delay) {
        defer(lease, delay, RetryReason.UNSPECIFIED);
    }

    /**
     * The attempt was deferred for {@code delay}, for {@code reason}.
     *
     * @throws IllegalArgumentException if {@code delay} is negative
     * @see #defer(Lease)
     */
    public void defer(Lease lease, Duration delay, RetryReason reason) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative: " + delay);
        }
        senderOf(lease).defer(lease, plus(now(), saturatedMillis(delay)), false, reason);
    }

    /**
     * The attempt was deferred until {@code due} (a past instant means "due now").
     *
     * @see #defer(Lease)
     */
    public void deferUntil(Lease lease, Instant due) {
        deferUntil(lease, due, RetryReason.UNSPECIFIED);
    }

    /**
     * The attempt was deferred until {@code due}, for {@code reason}.
     *
     * @see #defer(Lease)
     */
    public void deferUntil(Lease lease, Instant due, RetryReason reason) {
        senderOf(lease).defer(lease, saturatedEpochMillis(due), false, reason);
    }

    /**
     * The worker holds the leased message: PROC to HOLD, until an operator releases it.
     *
     * @throws LeaseExpiredException      if the lease ran out or its message was taken again
     * @throws IllegalTransitionException if the attempt was already reported or the message held
     */
    public void hold(Lease lease) {
        senderOf(lease).hold(lease.msgOrThrow(), lease);
    }

    private static SenderQueue senderOf(Lease lease) {
        return lease.msgOrThrow().cell.sender;
    }

    // ------------------------------------------------------------------ operators, one message

    /**
     * Holds one message: NEW, RETRY or PROC to HOLD. A worker holding it in PROC loses its lease.
     *
     * @throws UnknownMessageException    if no such message is in the engine
     * @throws IllegalTransitionException if it is already held (individually or by a rule)
     */
    public void hold(long messageId) {
        Msg m = find(messageId);
        m.cell.sender.hold(m, null);
    }

    /**
     * Releases one individually held message: HOLD to NEW (it still counts as HOLD while a hold
     * rule holds its cell).
     *
     * @throws UnknownMessageException    if no such message is in the engine
     * @throws IllegalTransitionException if it is not held individually
     */
    public void release(long messageId) {
        Msg m = find(messageId);
        m.cell.sender.release(m);
    }

    /**
     * Cancels one message: NEW, RETRY or HOLD to gone.
     *
     * @throws UnknownMessageException    if no such message is in the engine
     * @throws IllegalTransitionException if it is in PROC
     */
    public void cancel(long messageId) {
        Msg m = find(messageId);
        m.cell.sender.cancel(m);
    }

    /** A snapshot of one message, if it is in the engine. */
    public Optional<MessageView> message(long messageId) {
        Msg m = index.get(messageId);
        return m == null ? Optional.empty() : Optional.ofNullable(m.cell.sender.view(m));
    }

    /**
     * How many messages are in the engine, all senders and states: exact when no operation is
     * in flight. It counts the id index slot by slot: O(the index's capacity), a few slots per
     * message, or per message at the last peak until new messages fill the index again; no
     * count sits on every message's path. For figures per state or group, ask
     * {@link SenderQueue#stats} instead, which costs O(cells).
     */
    public long size() {
        return index.size();
    }

    private Msg find(long messageId) {
        Msg m = index.get(messageId);
        if (m == null) {
            throw new UnknownMessageException(messageId);
        }
        return m;
    }

    // ------------------------------------------------------------------ time and the rest

    /**
     * Applies everything time has made due on every sender: expired leases go back to NEW,
     * expired hold rules are lifted, due retries become ready. {@code take} and {@code stats}
     * do this for their sender anyway; call this from a timer if nothing else calls them.
     */
    public void runMaintenance() {
        for (SenderQueue q : senders.values()) {
            q.runMaintenance();
        }
    }

    /** The ISP name the engine's resolver gives a recipient domain. */
    public String resolveIsp(String recipientDomain) {
        return resolver.resolve(recipientDomain);
    }

    /** The canonical spelling of an ISP name if the engine has seen it, else the name itself. */
    public String canonicalIsp(String isp) {
        return isps.canonical(Objects.requireNonNull(isp, "isp"));
    }

    /** The clock the engine reads (enqueue times, leases, retries, rule expiry). */
    public InstantSource clock() {
        return clock;
    }

    /** The engine's retry policy. */
    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** The lease duration. */
    public Duration leaseDuration() {
        return Duration.ofMillis(leaseMillis);
    }

    long now() {
        return clock.millis();
    }

    /** {@code a + b}, saturated at the long range instead of wrapping. */
    static long plus(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return r;
    }

    static long saturatedMillis(Duration d) {
        if (d.getSeconds() >= Long.MAX_VALUE / 1000 - 1) {
            return Long.MAX_VALUE;
        }
        if (d.getSeconds() <= Long.MIN_VALUE / 1000 + 1) {
            return Long.MIN_VALUE;
        }
        return d.toMillis();
    }

    static long saturatedNanos(Duration d) {
        if (d.getSeconds() >= Long.MAX_VALUE / 1_000_000_000L - 1) {
            return Long.MAX_VALUE;
        }
        return d.isNegative() ? 0 : d.toNanos();
    }

    static long saturatedEpochMillis(Instant t) {
        if (t.getEpochSecond() >= Long.MAX_VALUE / 1000 - 1) {
            return Long.MAX_VALUE;
        }
        if (t.getEpochSecond() <= Long.MIN_VALUE / 1000 + 1) {
            return Long.MIN_VALUE;
        }
        return t.toEpochMilli();
    }

    long nextRuleId() {
        return ruleIds.incrementAndGet();
    }

    RandomGenerator random() {
        return random != null ? random : ThreadLocalRandom.current();
    }

    boolean listening() {
        return listener != TransitionListener.NONE;
    }

    void fire(Msg m, Transition t, MessageState from, MessageState to) {
        if (listener != TransitionListener.NONE) {
            try {
                listener.onTransition(m, t, from, to);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "transition listener failed on " + t + " of message " + m.id, e);
            }
        }
    }

    void fireRule(HoldRule rule, boolean active) {
        if (listener != TransitionListener.NONE) {
            try {
                listener.onHoldRule(rule, active);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "transition listener failed on hold rule " + rule.id(), e);
            }
        }
    }

    /** Configures a {@link QueueEngine}. Not thread-safe; {@link #build()} may be called again. */
    public static final class Builder {
        private InstantSource clock = InstantSource.system();
        private Duration leaseDuration = Duration.ofMinutes(5);
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private IspResolver resolver = IspResolver.standard();
        private TransitionListener listener = TransitionListener.NONE;
        private RandomGenerator random;
        private boolean maxAgeIncludesHeldTime = true;

        private Builder() {
        }

        /**
         * Whether the retry policy's max age counts the time a message spent held (by a hold
         * rule on its cell, or individually). {@code true} (the default): the age runs from the
         * enqueue whatever happens, so a long hold can expire messages at their next deferral.
         * {@code false}: held time is left out, so a campaign paused for a day resumes with the
         * same remaining lifetime. Holding never changes the attempt count either way.
         */
        public Builder maxAgeIncludesHeldTime(boolean include) {
            this.maxAgeIncludesHeldTime = include;
            return this;
        }

        /** The clock for enqueue times, leases, retries and rule expiry (tests pass a controllable one). */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long a worker owns a taken message before it returns to NEW; at least 1 ms. */
        public Builder leaseDuration(Duration leaseDuration) {
            if (saturatedMillis(leaseDuration) < 1) {
                throw new IllegalArgumentException("leaseDuration must be at least 1 ms: " + leaseDuration);
            }
            this.leaseDuration = leaseDuration;
            return this;
        }

        /** The backoff and limits of deferred messages. */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /** The domain-to-ISP resolver used by {@link SenderQueue#enqueueForDomain}. */
        public Builder ispResolver(IspResolver resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /** The transition listener (at most one; compose your own to fan out). */
        public Builder listener(TransitionListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The source of retry jitter; by default {@link ThreadLocalRandom}. A shared generator
         * must be thread-safe.
         */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** A new engine with no senders. */
        public QueueEngine build() {
            return new QueueEngine(this);
        }
    }
}
