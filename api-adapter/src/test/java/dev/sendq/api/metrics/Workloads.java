package dev.sendq.api.metrics;

import dev.sendq.core.Grouping;
import dev.sendq.core.Lease;
import dev.sendq.core.MessageState;
import dev.sendq.core.Outcome;
import dev.sendq.core.OutcomeRow;
import dev.sendq.core.QueueEngine;
import dev.sendq.core.RetryPolicy;
import dev.sendq.core.Selector;
import dev.sendq.core.SenderQueue;
import dev.sendq.core.StatsRow;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Engines for the metrics tests, built through the core's public API: a small queue whose counts
 * are known by hand, a seeded mixed workload over several senders, accounts, campaigns and ISPs,
 * and the engine's own answers keyed as the exporters label them. Test support only.
 */
public final class Workloads {
    /** The ISPs of the mixed workload. */
    public static final String[] ISPS = {"Gmail", "Yahoo", "Microsoft", "Apple", "Other"};

    private Workloads() {
    }

    /** A clock the test moves by hand. */
    public static final class Clock implements InstantSource {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        /** A clock at 2026-01-01T00:00:00Z. */
        public Clock() {
        }

        @Override
        public Instant instant() {
            return now;
        }

        /** Moves the clock forward. */
        public void advance(Duration d) {
            now = now.plus(d);
        }
    }

    /** A policy without jitter: 1 minute, at most 2 attempts. */
    public static final RetryPolicy TWO_ATTEMPTS = RetryPolicy.DEFAULT.withJitter(0)
            .withBackoff(Duration.ofMinutes(1), 1, Duration.ofMinutes(1)).withLimits(2, Duration.ofDays(1));

    /**
     * Sender 7 with counts known by hand: NEW 4, PROC 1, RETRY 1, HOLD 1 (total 7); delivered 2,
     * failed 1, expired 1, cancelled 1; 2 cells: (account 1, campaign 11, Gmail) and
     * (account 2, campaign 21, Yahoo).
     */
    public static QueueEngine known() {
        Clock clock = new Clock();
        QueueEngine engine = QueueEngine.builder().clock(clock).retryPolicy(TWO_ATTEMPTS)
                .leaseDuration(Duration.ofDays(1)).build();
        SenderQueue q = engine.addSender(7);
        Lease lease = new Lease();
        // One message deferred twice: the second deferral is past the 2 attempts, so it expires.
        q.enqueue(1, 1, 11, "Gmail", null);
        take(q, lease);
        engine.defer(lease);
        clock.advance(Duration.ofMinutes(2));
        take(q, lease);
        engine.defer(lease);
        for (long id = 2; id <= 7; id++) {
            q.enqueue(id, 1, 11, "Gmail", null);
        }
        for (long id = 8; id <= 11; id++) {
            q.enqueue(id, 2, 21, "Yahoo", null);
        }
        take(q, lease);
        engine.delivered(lease);
        take(q, lease);
        engine.delivered(lease);
        take(q, lease);
        engine.failed(lease);
        take(q, lease);
        engine.defer(lease);
        take(q, lease);
        engine.hold(lease);
        take(q, lease); // stays PROC
        q.enqueue(12, 2, 21, "Yahoo", null);
        engine.cancel(12);
        return engine;
    }

    private static void take(SenderQueue q, Lease lease) {
        if (!q.take(lease)) {
            throw new AssertionError("nothing to take");
        }
    }

    /**
     * Senders 119 and 120, seeded: {@code messages} messages over 4 accounts, up to 6 campaigns
     * each and 5 ISPs, then takes that deliver, fail, defer, hold or stay in flight, one hold
     * rule and a few cancellations. The clock is frozen.
     */
    public static QueueEngine mixed(int messages, long seed) {
        QueueEngine engine = QueueEngine.builder().clock(new Clock()).leaseDuration(Duration.ofDays(1)).build();
        SplittableRandom r = new SplittableRandom(seed);
        long id = 1;
        for (int sender : new int[] {119, 120}) {
            SenderQueue q = engine.addSender(sender);
            for (int i = 0; i < messages; i++) {
                int account = 300 + r.nextInt(4);
                // Skewed campaigns, so that ranks differ: campaign c gets about 1/(c+1) of the traffic.
                int campaign = (int) Math.floor(Math.pow(r.nextDouble(), 2) * 6);
                q.enqueue(id++, account, campaign, ISPS[r.nextInt(ISPS.length)], null);
            }
            Lease lease = new Lease();
            for (int i = 0; i < messages / 2 && q.take(lease); i++) {
                switch (r.nextInt(6)) {
                    case 0, 1 -> engine.delivered(lease);
                    case 2 -> engine.failed(lease);
                    case 3 -> engine.defer(lease);
                    case 4 -> engine.hold(lease);
                    default -> { } // in flight
                }
            }
            q.hold(Selector.campaign(301, 1));
            for (int i = 0; i < messages / 20; i++) {
                try {
                    engine.cancel(id - 1 - r.nextInt(messages));
                } catch (IllegalStateException | java.util.NoSuchElementException e) {
                    // already gone or in flight: a cancellation may be refused
                }
            }
        }
        return engine;
    }

    /** The label values of a stats or outcome row's key for {@code b}. */
    public static List<String> key(Breakdown b, int account, int campaign, String isp) {
        return switch (b) {
            case ISP -> List.of(isp);
            case ACCOUNT -> List.of(Integer.toString(account));
            case CAMPAIGN -> List.of(Integer.toString(account), Integer.toString(campaign));
        };
    }

    /** The engine's live counts per key of {@code b}: state name (lower case) to count. */
    public static Map<List<String>, long[]> live(SenderQueue q, Breakdown b) {
        Map<List<String>, long[]> out = new LinkedHashMap<>();
        for (StatsRow row : q.stats(Selector.ALL, b.grouping())) {
            long[] v = new long[MessageState.values().length];
            for (MessageState s : MessageState.values()) {
                v[s.ordinal()] = row.count(s);
            }
            out.put(key(b, row.accountId(), row.campaignId(), row.isp()), v);
        }
        return out;
    }

    /** The engine's outcome counts per key of {@code b}. */
    public static Map<List<String>, long[]> finished(SenderQueue q, Breakdown b) {
        Map<List<String>, long[]> out = new LinkedHashMap<>();
        for (OutcomeRow row : q.outcomes(Selector.ALL, b.grouping())) {
            long[] v = new long[Outcome.values().length];
            for (Outcome o : Outcome.values()) {
                v[o.ordinal()] = row.count(o);
            }
            out.put(key(b, row.accountId(), row.campaignId(), row.isp()), v);
        }
        return out;
    }

    /** The sender's single outcome row. */
    public static OutcomeRow outcomes(SenderQueue q) {
        return q.outcomes(Selector.ALL, Grouping.TOTAL).get(0);
    }
}
