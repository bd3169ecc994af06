package dev.sendq.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A deliberately naive, single-threaded reference for the queue engine's contract, used by
 * {@link ModelBasedTest}.
 *
 * <p>It keeps every live message in one map (id to message, with its <em>physical</em> place:
 * ready, retry, held individually or in progress), the active hold rules in one list, the rate
 * limits in another (each with its GCRA theoretical arrival time, taken straight from the
 * definition in {@link RateLimit}), and the outcome counts per cell. It has no counters for live
 * states: stats, retry reasons, ages, hold impacts and previews are recounted from the messages
 * on every query, and whether a message is held by a rule, or may go under the limits, is decided
 * on every query by looking at every rule and every limit. Nothing here is clever on purpose: it
 * should be obviously right.
 *
 * <p>Time: the model's {@link #now} is set by the test from the engine's clock. Every operation
 * first applies what time has made due at {@code now} ({@link #maintain()}): rules whose
 * {@code until <= now} are lifted, leases whose expiry {@code <= now} return their message to
 * ready. The test only calls operations that the engine also maintains before (or after a
 * stats call that did it at the same instant), so the two agree.
 *
 * <p>Each operation returns an {@link Expect}: either success or the exception type the engine
 * must throw, plus a short event name the test counts, to prove every path was exercised. A
 * refused operation changes nothing (except the maintenance, which is not part of it).
 */
final class ReferenceModel {

    /** Where a message physically is; the reported state also depends on the hold rules. */
    enum Place { READY, RETRY, HELD, PROC }

    /** One live message. */
    static final class Message {
        final long serial; // distinguishes two incarnations of one id (enqueued again after it left)
        final long id;
        final int sender;
        final int account;
        final int campaign;
        final String isp; // canonical spelling
        final Object payload;
        final long enqueuedAt;
        Place place = Place.READY;
        int attempts;
        long dueAt;          // meaningful in RETRY only
        RetryReason retryReason; // meaningful in RETRY only
        long leaseExpiresAt; // meaningful in PROC only

        Message(long serial, long id, int sender, int account, int campaign, String isp, Object payload,
                long enqueuedAt) {
            this.serial = serial;
            this.id = id;
            this.sender = sender;
            this.account = account;
            this.campaign = campaign;
            this.isp = isp;
            this.payload = payload;
            this.enqueuedAt = enqueuedAt;
        }

        CellKey cell() {
            return new CellKey(sender, account, campaign, isp);
        }

        @Override
        public String toString() {
            return "#" + id + "[" + sender + "/" + account + "/" + campaign + "/" + isp + " " + place
                    + " attempts=" + attempts + (place == Place.RETRY ? " due=" + dueAt : "")
                    + (place == Place.PROC ? " leaseUntil=" + leaseExpiresAt : "") + "]";
        }
    }

    /** An active hold rule. {@code until} is epoch millis, or {@code null} for never. */
    record Rule(long id, int sender, Selector selector, HoldReason reason, String label, Long until) {
        HoldRule asHoldRule() {
            Instant expiry = until == null ? null : Instant.ofEpochMilli(until);
            return new HoldRule(id, sender, selector, reason, label, expiry);
        }
    }

    /**
     * A rate limit of one sender over the cells its scope selects, with its GCRA state: {@code tat}
     * is the theoretical arrival time of the next message in nanoseconds of the clock, 0 for a
     * fresh limit (see {@link RateLimit}).
     */
    static final class Limit {
        final int sender;
        final Selector scope; // as first set: a later set of the same scope (any ISP case) keeps it
        RateLimit limit;
        long tat;

        Limit(int sender, Selector scope, RateLimit limit) {
            this.sender = sender;
            this.scope = scope;
            this.limit = limit;
        }

        /** Nanoseconds between two messages: the period (at most a century) over the permits. */
        long interval() {
            Duration century = Duration.ofDays(365 * 100L);
            return (limit.per().compareTo(century) > 0 ? century : limit.per()).toNanos() / limit.permits();
        }

        /** How early a message may go: (burst - 1) intervals (small bursts only: no overflow here). */
        long tolerance() {
            return (limit.burst() - 1) * interval();
        }

        boolean conforms(long nowMillis) {
            return nowMillis * 1_000_000L >= tat - tolerance();
        }

        void consume(long nowMillis) {
            tat = Math.max(tat, nowMillis * 1_000_000L) + interval();
        }

        /** The first millisecond at which a message conforms. */
        long nextPermitMillis() {
            long ns = tat - tolerance();
            return ns <= 0 ? 0 : Math.floorDiv(ns + 999_999, 1_000_000);
        }

        @Override
        public String toString() {
            return "limit " + sender + ":" + scope + " " + limit + " tat=" + tat;
        }
    }

    /** What a lease was filled with by a successful take. */
    record LeaseRef(long serial, long messageId, int attempt, long expiresAt) {
    }

    record CellKey(int sender, int account, int campaign, String isp) {
    }

    /** The expected result of one operation: {@code failure == null} means success. */
    record Expect(Class<? extends RuntimeException> failure, String event) {
        static Expect ok(String event) {
            return new Expect(null, event);
        }

        static Expect fail(Class<? extends RuntimeException> failure, String event) {
            return new Expect(failure, event);
        }
    }

    /** ISP names sort case-insensitively (the engine's documented order), exact spelling breaking ties. */
    private static final Comparator<String> ISP_ORDER =
            String.CASE_INSENSITIVE_ORDER.thenComparing(Comparator.naturalOrder());
    private static final Comparator<StatsRow> STATS_ORDER = Comparator.comparingInt(StatsRow::accountId)
            .thenComparingInt(StatsRow::campaignId).thenComparing(StatsRow::isp, ISP_ORDER);
    private static final Comparator<OutcomeRow> OUTCOME_ORDER = Comparator.comparingInt(OutcomeRow::accountId)
            .thenComparingInt(OutcomeRow::campaignId).thenComparing(OutcomeRow::isp, ISP_ORDER);
    private static final Comparator<RetryReasonRow> REASON_ORDER = Comparator.comparingInt(RetryReasonRow::accountId)
            .thenComparingInt(RetryReasonRow::campaignId).thenComparing(RetryReasonRow::isp, ISP_ORDER);
    private static final Comparator<AgeRow> AGE_ORDER = Comparator.comparingInt(AgeRow::accountId)
            .thenComparingInt(AgeRow::campaignId).thenComparing(AgeRow::isp, ISP_ORDER);
    /** Where each age bucket starts, in whole minutes: under 5, 5-10, ..., 160-320, 320 and more. */
    private static final long[] BUCKET_STARTS = {0, 5, 10, 20, 40, 80, 160, 320};

    final long leaseMillis;
    final RetryPolicy policy;
    long now;

    private long serials;
    final Map<Long, Message> messages = new LinkedHashMap<>();
    final List<Rule> rules = new ArrayList<>();
    /** The rate limits of every sender, in the order they were set. */
    final List<Limit> limits = new ArrayList<>();
    /** Ids of rules that were active once and are no longer (lifted or expired). */
    final List<Long> retiredRuleIds = new ArrayList<>();
    /** Ids of messages that left the engine (they may be enqueued again). */
    final List<Long> departedIds = new ArrayList<>();
    private final Map<CellKey, Map<Outcome, Long>> outcomes = new HashMap<>();
    /** Every cell a message was ever enqueued into (the engine never forgets a cell). */
    private final Set<CellKey> cells = new HashSet<>();
    /** Lower-cased ISP name to its canonical spelling: the first one enqueued (stripped), engine-wide. */
    private final Map<String, String> canonicalIsps = new HashMap<>();

    /** Counts of time-driven events, for the test's coverage report. */
    long rulesExpired;
    long leasesExpired;
    long retriesReleasedByLift;

    ReferenceModel(long now, long leaseMillis, RetryPolicy policy) {
        this.now = now;
        this.leaseMillis = leaseMillis;
        this.policy = policy;
    }

    // ------------------------------------------------------------------ rules and states

    static boolean selects(Selector s, int account, int campaign, String isp) {
        return (s.accountId() == 0 || s.accountId() == account)
                && (s.campaignId() == 0 || s.campaignId() == campaign)
                && (s.isp().isEmpty() || s.isp().equalsIgnoreCase(isp));
    }

    static boolean selects(Selector s, Message m) {
        return selects(s, m.account, m.campaign, m.isp);
    }

    boolean heldByRule(Message m) {
        for (Rule r : rules) {
            if (r.sender() == m.sender && selects(r.selector(), m)) {
                return true;
            }
        }
        return false;
    }

    /** The state the engine must report for a message. */
    MessageState reported(Message m) {
        return switch (m.place) {
            case PROC -> MessageState.PROC;
            case HELD -> MessageState.HOLD;
            case READY -> heldByRule(m) ? MessageState.HOLD : MessageState.NEW;
            case RETRY -> heldByRule(m) ? MessageState.HOLD : MessageState.RETRY;
        };
    }

    boolean eligible(Message m) {
        boolean ready = m.place == Place.READY || (m.place == Place.RETRY && m.dueAt <= now);
        return ready && !heldByRule(m);
    }

    // ------------------------------------------------------------------ time

    /** Applies what is due at {@link #now}: expired rules are lifted, expired leases return to ready. */
    void maintain() {
        List<Rule> expired = new ArrayList<>();
        for (Rule r : rules) {
            if (r.until() != null && r.until() <= now) {
                expired.add(r);
            }
        }
        rulesExpired += expired.size();
        removeRules(expired);
        for (Message m : messages.values()) {
            if (m.place == Place.PROC && m.leaseExpiresAt <= now) {
                m.place = Place.READY;
                leasesExpired++;
            }
        }
    }

    /**
     * Removes rules; every RETRY message that one of them held and no remaining rule holds
     * becomes ready at once (its due time forgotten).
     */
    private void removeRules(List<Rule> gone) {
        if (gone.isEmpty()) {
            return;
        }
        rules.removeAll(gone);
        for (Rule r : gone) {
            retiredRuleIds.add(r.id());
        }
        for (Message m : messages.values()) {
            if (m.place != Place.RETRY || heldByRule(m)) {
                continue;
            }
            for (Rule r : gone) {
                if (r.sender() == m.sender && selects(r.selector(), m)) {
                    m.place = Place.READY;
                    m.dueAt = 0;
                    retriesReleasedByLift++;
                    break;
                }
            }
        }
    }

    /** Every future instant at which something changes: lease expiries, rule expiries, retry due times. */
    List<Long> deadlines() {
        List<Long> out = new ArrayList<>();
        for (Message m : messages.values()) {
            if (m.place == Place.PROC && m.leaseExpiresAt > now) {
                out.add(m.leaseExpiresAt);
            }
            if (m.place == Place.RETRY && m.dueAt > now) {
                out.add(m.dueAt);
            }
        }
        for (Rule r : rules) {
            if (r.until() != null && r.until() > now) {
                out.add(r.until());
            }
        }
        for (Limit l : limits) {
            if (l.nextPermitMillis() > now) {
                out.add(l.nextPermitMillis());
            }
        }
        return out;
    }

    /** Instants at which some live message moves to the next age bucket. */
    List<Long> bucketBoundaries() {
        List<Long> out = new ArrayList<>();
        long nowMinute = Math.floorDiv(now, 60_000L);
        for (Message m : messages.values()) {
            long enqueuedMinute = Math.floorDiv(m.enqueuedAt, 60_000L);
            for (long start : BUCKET_STARTS) {
                if (enqueuedMinute + start > nowMinute) {
                    out.add((enqueuedMinute + start) * 60_000L);
                    break;
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ enqueue and take

    Expect enqueue(int sender, long id, int account, int campaign, String isp, Object payload) {
        maintain();
        if (account <= 0 || campaign < 0 || isp == null || isp.isBlank()) {
            return Expect.fail(IllegalArgumentException.class, "enqueue:invalid");
        }
        if (messages.containsKey(id)) {
            return Expect.fail(DuplicateMessageException.class, "enqueue:duplicate");
        }
        Message m = new Message(++serials, id, sender, account, campaign, canonical(isp), payload, now);
        messages.put(id, m);
        cells.add(m.cell());
        String event = departedIds.contains(id) ? "enqueue:reused-id" : "enqueue:new";
        return Expect.ok(heldByRule(m) ? "enqueue:into-held-cell" : event);
    }

    /** The canonical spelling of an ISP name: the first one seen (stripped: blanks are not part of it). */
    private String canonical(String isp) {
        String name = isp.strip();
        return canonicalIsps.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> name);
    }

    /**
     * restore(stored): like an enqueue, but in the stored state (PROC comes back ready), with the
     * stored attempts, enqueue time, due time and retry reason.
     */
    Expect restore(int sender, StoredMessage s) {
        maintain();
        if (s.accountId() <= 0 || s.campaignId() < 0 || s.isp().isBlank()) {
            return Expect.fail(IllegalArgumentException.class, "restore:invalid");
        }
        if (messages.containsKey(s.id())) {
            return Expect.fail(DuplicateMessageException.class, "restore:duplicate");
        }
        Message m = new Message(++serials, s.id(), sender, s.accountId(), s.campaignId(), canonical(s.isp()),
                s.payload(), s.enqueuedAtMillis());
        m.attempts = s.attempts();
        switch (s.state()) {
            case NEW, PROC -> m.place = Place.READY;
            case HOLD -> m.place = Place.HELD;
            case RETRY -> {
                m.place = Place.RETRY;
                m.dueAt = s.dueAtMillis();
                m.retryReason = s.retryReason() == null ? RetryReason.UNSPECIFIED : s.retryReason();
            }
        }
        messages.put(m.id, m);
        cells.add(m.cell());
        return Expect.ok(heldByRule(m) && m.place != Place.HELD ? "restore:into-held-cell" : "restore:" + s.state());
    }

    /** The ids {@code take} on this sender may return; empty when it must return nothing. */
    List<Long> eligibleIds(int sender) {
        List<Long> ids = new ArrayList<>();
        maintain();
        for (Message m : messages.values()) {
            if (m.sender == sender && eligible(m)) {
                ids.add(m.id);
            }
        }
        return ids;
    }

    /** Whether the sender has work that only a hold rule keeps from being taken. */
    boolean hasRuleHeldWork(int sender) {
        for (Message m : messages.values()) {
            if (m.sender == sender && (m.place == Place.READY || m.place == Place.RETRY) && heldByRule(m)) {
                return true;
            }
        }
        return false;
    }

    /** The rate limits of a cell: every limit of its sender whose scope selects it. */
    List<Limit> limitsOf(Message m) {
        List<Limit> out = new ArrayList<>();
        for (Limit l : limits) {
            if (l.sender == m.sender && selects(l.scope, m)) {
                out.add(l);
            }
        }
        return out;
    }

    /** Whether every rate limit of the message's cell lets a message go now. */
    boolean conforms(Message m) {
        for (Limit l : limitsOf(m)) {
            if (!l.conforms(now)) {
                return false;
            }
        }
        return true;
    }

    /** The ids {@code take} on this sender may return under its rate limits; empty when it must return nothing. */
    List<Long> allowedIds(int sender) {
        List<Long> ids = new ArrayList<>();
        for (long id : eligibleIds(sender)) {
            if (conforms(messages.get(id))) {
                ids.add(id);
            }
        }
        return ids;
    }

    /**
     * Which message of its cell a take must hand out, given that it takes from this message's cell:
     * the due RETRY message due first (any of several due at the same instant), else a NEW one.
     * Returns whether {@code taken} is such a message.
     */
    boolean rightPickInCell(Message taken) {
        long firstDue = Long.MAX_VALUE;
        for (Message m : messages.values()) {
            if (m.cell().equals(taken.cell()) && eligible(m) && m.place == Place.RETRY) {
                firstDue = Math.min(firstDue, m.dueAt);
            }
        }
        return firstDue == Long.MAX_VALUE ? taken.place == Place.READY
                : taken.place == Place.RETRY && taken.dueAt == firstDue;
    }

    /** Applies a take that returned this (allowed) message: one permit of each of its cell's limits. */
    LeaseRef take(long id) {
        Message m = messages.get(id);
        for (Limit l : limitsOf(m)) {
            l.consume(now);
        }
        m.place = Place.PROC;
        m.attempts++;
        m.dueAt = 0;
        m.retryReason = null;
        m.leaseExpiresAt = now + leaseMillis;
        return new LeaseRef(m.serial, m.id, m.attempts, m.leaseExpiresAt);
    }

    // ------------------------------------------------------------------ worker reports

    private Message leased(LeaseRef ref) {
        Message m = messages.get(ref.messageId());
        return m != null && m.serial == ref.serial() ? m : null;
    }

    /** Whether a report on this lease would be accepted now. */
    boolean inForce(LeaseRef ref) {
        if (ref == null || now >= ref.expiresAt()) {
            return false;
        }
        Message m = leased(ref);
        return m != null && m.place == Place.PROC && m.attempts == ref.attempt();
    }

    /** The lease checks shared by every report; null when the report may proceed. */
    private Expect checkLease(LeaseRef ref, String op) {
        maintain();
        if (ref == null) {
            return Expect.fail(IllegalStateException.class, op + ":empty-lease");
        }
        Message m = leased(ref);
        if (now >= ref.expiresAt()) {
            if (m == null) {
                // The attempt was already reported (its message left), and its time is up too: the
                // Lease contract names both refusals, so either the general one or its subclass
                // LeaseExpiredException is right. Anything else (success above all) is wrong.
                return Expect.fail(IllegalTransitionException.class, op + ":lease-timed-out-after-it-left");
            }
            if (m.place == Place.PROC && m.attempts == ref.attempt()) {
                m.place = Place.READY; // maintenance did it already; the contract says so anyway
            }
            return Expect.fail(LeaseExpiredException.class, op + ":lease-timed-out");
        }
        if (m == null || m.place != Place.PROC || m.attempts != ref.attempt()) {
            return Expect.fail(IllegalTransitionException.class, op + ":stale-lease");
        }
        return null;
    }

    private void leave(Message m, Outcome outcome) {
        messages.remove(m.id);
        departedIds.add(m.id);
        outcomes.computeIfAbsent(m.cell(), k -> new EnumMap<>(Outcome.class)).merge(outcome, 1L, Long::sum);
    }

    /** delivered / failed. */
    Expect report(LeaseRef ref, Outcome outcome) {
        String op = outcome.name().toLowerCase(Locale.ROOT);
        Expect refused = checkLease(ref, op);
        if (refused != null) {
            return refused;
        }
        leave(leased(ref), outcome);
        return Expect.ok(op + ":ok");
    }

    /**
     * defer: {@code requestedDue == null} means the policy's delay after the attempts made so
     * far; a due time in the past means now.
     */
    Expect defer(LeaseRef ref, Long requestedDue, RetryReason reason) {
        Expect refused = checkLease(ref, "defer");
        if (refused != null) {
            return refused;
        }
        Message m = leased(ref);
        long due = requestedDue != null ? requestedDue : now + policyDelay(m.attempts);
        due = Math.max(due, now);
        if (m.attempts >= policy.maxAttempts()) {
            leave(m, Outcome.EXPIRED);
            return Expect.ok("defer:expired-max-attempts");
        }
        if (due - m.enqueuedAt > policy.maxAge().toMillis()) {
            leave(m, Outcome.EXPIRED);
            return Expect.ok("defer:expired-max-age");
        }
        m.place = Place.RETRY;
        m.dueAt = due;
        m.retryReason = reason;
        return Expect.ok(due == now ? "defer:due-now" : heldByRule(m) ? "defer:into-held-cell" : "defer:retry");
    }

    /** The documented backoff, no jitter: min(maxDelay, initialDelay * multiplier^(attempts - 1)). */
    private long policyDelay(int attempts) {
        double d = policy.initialDelay().toMillis() * Math.pow(policy.multiplier(), attempts - 1);
        return (long) Math.min(d, policy.maxDelay().toMillis());
    }

    /** hold(lease): the worker holds its message. */
    Expect holdLease(LeaseRef ref) {
        Expect refused = checkLease(ref, "hold-lease");
        if (refused != null) {
            return refused;
        }
        leased(ref).place = Place.HELD;
        return Expect.ok("hold-lease:ok");
    }

    // ------------------------------------------------------------------ operators, one message

    Expect holdMessage(long id) {
        maintain();
        Message m = messages.get(id);
        if (m == null) {
            return Expect.fail(UnknownMessageException.class, "hold-id:unknown");
        }
        MessageState s = reported(m);
        if (s == MessageState.HOLD) {
            return Expect.fail(IllegalTransitionException.class,
                    m.place == Place.HELD ? "hold-id:already-held" : "hold-id:held-by-rule");
        }
        m.place = Place.HELD;
        m.dueAt = 0;
        return Expect.ok("hold-id:from-" + s);
    }

    Expect releaseMessage(long id) {
        maintain();
        Message m = messages.get(id);
        if (m == null) {
            return Expect.fail(UnknownMessageException.class, "release-id:unknown");
        }
        if (m.place != Place.HELD) {
            return Expect.fail(IllegalTransitionException.class,
                    reported(m) == MessageState.HOLD ? "release-id:held-by-rule" : "release-id:not-held");
        }
        m.place = Place.READY;
        return Expect.ok(heldByRule(m) ? "release-id:into-held-cell" : "release-id:ok");
    }

    Expect cancelMessage(long id) {
        maintain();
        Message m = messages.get(id);
        if (m == null) {
            return Expect.fail(UnknownMessageException.class, "cancel-id:unknown");
        }
        if (m.place == Place.PROC) {
            return Expect.fail(IllegalTransitionException.class, "cancel-id:proc");
        }
        String event = "cancel-id:from-" + reported(m);
        leave(m, Outcome.CANCELLED);
        return Expect.ok(event);
    }

    // ------------------------------------------------------------------ operators, by selector

    /** cancel(selector): how many messages it must cancel. */
    long cancel(int sender, Selector selector) {
        maintain();
        List<Message> victims = new ArrayList<>();
        for (Message m : messages.values()) {
            if (m.sender == sender && m.place != Place.PROC && selects(selector, m)) {
                victims.add(m);
            }
        }
        for (Message m : victims) {
            leave(m, Outcome.CANCELLED);
        }
        return victims.size();
    }

    /**
     * The label a rule keeps: {@code null} is empty, surrounding blanks go; {@code null} here means
     * the label is refused (over {@value HoldRule#MAX_LABEL_LENGTH} characters once stripped, or
     * a control character, C0, DEL or C1, left in it).
     */
    static String keptLabel(String label) {
        if (label == null) {
            return "";
        }
        String s = label.strip();
        if (s.length() > 200) {
            return null;
        }
        for (char c : s.toCharArray()) {
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
                return null;
            }
        }
        return s;
    }

    /** Whether hold(selector, reason, label, until) must be accepted now. */
    Expect checkHoldRule(String label, Long until) {
        maintain();
        if (keptLabel(label) == null) {
            return Expect.fail(IllegalArgumentException.class, "hold-rule:invalid-label");
        }
        if (until != null && until <= now) {
            return Expect.fail(IllegalArgumentException.class, "hold-rule:until-not-future");
        }
        return Expect.ok(until == null ? "hold-rule:forever" : "hold-rule:until");
    }

    void addRule(Rule rule) {
        rules.add(new Rule(rule.id(), rule.sender(), known(rule.selector()), rule.reason(), rule.label(), rule.until()));
    }

    /** The selector as the engine keeps it: its ISP in the canonical spelling, if one was seen (not interned). */
    Selector known(Selector s) {
        if (s.isp().isEmpty()) {
            return s;
        }
        String c = canonicalIsps.getOrDefault(s.isp().toLowerCase(Locale.ROOT), s.isp());
        return new Selector(s.accountId(), s.campaignId(), c);
    }

    Expect liftHold(int sender, long ruleId) {
        maintain();
        for (Rule r : rules) {
            if (r.id() == ruleId && r.sender() == sender) {
                removeRules(List.of(r));
                return Expect.ok("lift-hold:ok");
            }
        }
        return Expect.fail(UnknownHoldRuleException.class, "lift-hold:unknown");
    }

    /** release(selector): the ids of the rules it must lift, oldest first. */
    List<Long> releaseRules(int sender, Selector selector) {
        maintain();
        List<Rule> lifted = new ArrayList<>();
        for (Rule r : rules) {
            Selector s = r.selector();
            if (r.sender() == sender && s.accountId() == selector.accountId()
                    && s.campaignId() == selector.campaignId() && s.isp().equalsIgnoreCase(selector.isp())) {
                lifted.add(r);
            }
        }
        removeRules(lifted);
        return lifted.stream().map(Rule::id).toList();
    }

    List<Rule> rules(int sender) {
        maintain();
        return rules.stream().filter(r -> r.sender() == sender).toList();
    }

    // ------------------------------------------------------------------ rate limits

    private Limit findLimit(int sender, Selector scope) {
        for (Limit l : limits) {
            Selector s = l.scope;
            if (l.sender == sender && s.accountId() == scope.accountId() && s.campaignId() == scope.campaignId()
                    && s.isp().equalsIgnoreCase(scope.isp())) {
                return l;
            }
        }
        return null;
    }

    /** setRateLimit: a new scope starts fresh; a known one keeps its state (next permit) and takes the new rate. */
    RateLimit setRateLimit(int sender, Selector scope, RateLimit limit) {
        maintain();
        Limit l = findLimit(sender, scope);
        if (l == null) {
            limits.add(new Limit(sender, known(scope), limit));
            return null;
        }
        RateLimit old = l.limit;
        l.limit = limit;
        return old;
    }

    RateLimit removeRateLimit(int sender, Selector scope) {
        maintain();
        Limit l = findLimit(sender, scope);
        if (l == null) {
            return null;
        }
        limits.remove(l);
        return l.limit;
    }

    /** The sender's limits by scope, in the order they were set. */
    List<Map.Entry<Selector, RateLimit>> rateLimits(int sender) {
        List<Map.Entry<Selector, RateLimit>> out = new ArrayList<>();
        for (Limit l : limits) {
            if (l.sender == sender) {
                out.add(Map.entry(l.scope, l.limit));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ queries (recounts)

    /** The ISP a query echoes: the sender's canonical spelling of the filter's ISP, if it has that cell. */
    private String echo(int sender, String filterIsp) {
        if (filterIsp.isEmpty()) {
            return "";
        }
        for (CellKey c : cells) {
            if (c.sender() == sender && c.isp().equalsIgnoreCase(filterIsp)) {
                return c.isp();
            }
        }
        return filterIsp;
    }

    private record GroupKey(int account, int campaign, String isp) {
    }

    private static GroupKey groupOf(Grouping g, Selector filter, String echo, CellKey c) {
        return switch (g) {
            case TOTAL -> new GroupKey(filter.accountId(), filter.campaignId(), echo);
            case ACCOUNT -> new GroupKey(c.account(), filter.campaignId(), echo);
            case ACCOUNT_CAMPAIGN -> new GroupKey(c.account(), c.campaign(), echo);
            case ISP -> new GroupKey(filter.accountId(), filter.campaignId(), c.isp());
        };
    }

    List<StatsRow> stats(int sender, Selector filter, Grouping grouping) {
        maintain();
        String echo = echo(sender, filter.isp());
        Map<GroupKey, long[]> groups = new LinkedHashMap<>();
        if (grouping == Grouping.TOTAL) {
            groups.put(groupOf(grouping, filter, echo, null), new long[4]);
        }
        for (Message m : messages.values()) {
            if (m.sender == sender && selects(filter, m)) {
                long[] counts = groups.computeIfAbsent(groupOf(grouping, filter, echo, m.cell()), k -> new long[4]);
                counts[reported(m).ordinal()]++;
            }
        }
        List<StatsRow> rows = new ArrayList<>();
        groups.forEach((k, n) -> rows.add(StatsRow.of(k.account(), k.campaign(), k.isp(),
                n[MessageState.HOLD.ordinal()], n[MessageState.NEW.ordinal()], n[MessageState.PROC.ordinal()],
                n[MessageState.RETRY.ordinal()])));
        rows.sort(STATS_ORDER);
        return rows;
    }

    List<OutcomeRow> outcomes(int sender, Selector filter, Grouping grouping) {
        String echo = echo(sender, filter.isp());
        Map<GroupKey, Map<Outcome, Long>> groups = new LinkedHashMap<>();
        if (grouping == Grouping.TOTAL) {
            groups.put(groupOf(grouping, filter, echo, null), new EnumMap<>(Outcome.class));
        }
        outcomes.forEach((cell, counts) -> {
            if (cell.sender() == sender && selects(filter, cell.account(), cell.campaign(), cell.isp())) {
                Map<Outcome, Long> sums = groups.computeIfAbsent(groupOf(grouping, filter, echo, cell),
                        k -> new EnumMap<>(Outcome.class));
                counts.forEach((o, n) -> sums.merge(o, n, Long::sum));
            }
        });
        List<OutcomeRow> rows = new ArrayList<>();
        groups.forEach((k, n) -> rows.add(new OutcomeRow(k.account(), k.campaign(), k.isp(),
                n.getOrDefault(Outcome.DELIVERED, 0L), n.getOrDefault(Outcome.FAILED, 0L),
                n.getOrDefault(Outcome.EXPIRED, 0L), n.getOrDefault(Outcome.CANCELLED, 0L))));
        rows.sort(OUTCOME_ORDER);
        return rows;
    }

    /**
     * holdImpact(): every rule of the sender, oldest first, with the NEW and RETRY messages (as
     * they would be without any rule) of the cells it selects.
     */
    List<RuleImpact> holdImpact(int sender) {
        List<RuleImpact> out = new ArrayList<>();
        for (Rule r : rules(sender)) {
            long fromNew = 0;
            long fromRetry = 0;
            for (Message m : messages.values()) {
                if (m.sender == sender && selects(r.selector(), m)) {
                    fromNew += m.place == Place.READY ? 1 : 0;
                    fromRetry += m.place == Place.RETRY ? 1 : 0;
                }
            }
            out.add(new RuleImpact(r.asHoldRule(), new HoldImpact(fromNew, fromRetry)));
        }
        return out;
    }

    /** previewHold(selector): the NEW and RETRY messages of the selected cells that no rule holds yet. */
    HoldImpact previewHold(int sender, Selector selector) {
        maintain();
        long fromNew = 0;
        long fromRetry = 0;
        for (Message m : messages.values()) {
            if (m.sender == sender && selects(selector, m) && !heldByRule(m)) {
                fromNew += m.place == Place.READY ? 1 : 0;
                fromRetry += m.place == Place.RETRY ? 1 : 0;
            }
        }
        return new HoldImpact(fromNew, fromRetry);
    }

    /** retryReasons(filter, grouping): the reported RETRY messages by reason; empty groups left out (not TOTAL). */
    List<RetryReasonRow> retryReasons(int sender, Selector filter, Grouping grouping) {
        maintain();
        String echo = echo(sender, filter.isp());
        int reasons = RetryReason.values().length;
        Map<GroupKey, long[]> groups = new LinkedHashMap<>();
        if (grouping == Grouping.TOTAL) {
            groups.put(groupOf(grouping, filter, echo, null), new long[reasons]);
        }
        for (Message m : messages.values()) {
            if (m.sender == sender && selects(filter, m) && reported(m) == MessageState.RETRY) {
                groups.computeIfAbsent(groupOf(grouping, filter, echo, m.cell()), k -> new long[reasons])
                        [m.retryReason.ordinal()]++;
            }
        }
        List<RetryReasonRow> rows = new ArrayList<>();
        groups.forEach((k, n) -> rows.add(new RetryReasonRow(k.account(), k.campaign(), k.isp(), n)));
        rows.sort(REASON_ORDER);
        return rows;
    }

    /** The age bucket of a message now: whole minutes between the enqueue minute and this one. */
    int bucket(Message m) {
        long age = Math.floorDiv(now, 60_000L) - Math.floorDiv(m.enqueuedAt, 60_000L);
        int b = 0;
        while (b + 1 < BUCKET_STARTS.length && age >= BUCKET_STARTS[b + 1]) {
            b++;
        }
        return b;
    }

    /**
     * ages(filter, grouping): per group, the live messages by reported state and age bucket, and
     * the age of the oldest reported NEW message (-1 if none; an enqueue time in the future is
     * age 0); empty groups left out (not TOTAL).
     */
    List<AgeRow> ages(int sender, Selector filter, Grouping grouping) {
        maintain();
        String echo = echo(sender, filter.isp());
        int width = 4 * BUCKET_STARTS.length;
        Map<GroupKey, long[]> groups = new LinkedHashMap<>(); // the counts, then the oldest NEW age
        if (grouping == Grouping.TOTAL) {
            long[] none = new long[width + 1];
            none[width] = -1;
            groups.put(groupOf(grouping, filter, echo, null), none);
        }
        long nowMinute = Math.floorDiv(now, 60_000L);
        for (Message m : messages.values()) {
            if (m.sender == sender && selects(filter, m)) {
                long[] g = groups.computeIfAbsent(groupOf(grouping, filter, echo, m.cell()), k -> {
                    long[] a = new long[width + 1];
                    a[width] = -1;
                    return a;
                });
                MessageState state = reported(m);
                g[state.ordinal() * BUCKET_STARTS.length + bucket(m)]++;
                if (state == MessageState.NEW) {
                    g[width] = Math.max(g[width], Math.max(0, nowMinute - Math.floorDiv(m.enqueuedAt, 60_000L)));
                }
            }
        }
        List<AgeRow> rows = new ArrayList<>();
        groups.forEach((k, g) -> rows.add(new AgeRow(k.account(), k.campaign(), k.isp(), g[width],
                Arrays.copyOf(g, width))));
        rows.sort(AGE_ORDER);
        return rows;
    }

    /** The canonical ISP names of the sender's cells, sorted. */
    List<String> isps(int sender) {
        return cells.stream().filter(c -> c.sender() == sender).map(CellKey::isp).distinct().sorted().toList();
    }

    long size() {
        return messages.size();
    }

    @Override
    public String toString() {
        return "model at " + now + ": " + messages.values() + ", rules " + rules + ", limits " + limits;
    }
}
