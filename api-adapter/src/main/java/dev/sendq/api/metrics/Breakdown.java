package dev.sendq.api.metrics;

import dev.sendq.core.Grouping;
import java.util.List;

/**
 * A finer split of a sender's metrics than the always-present per-sender series, exported only
 * when asked for with {@link MetricsOptions.Builder#breakdown(Breakdown, int)}, and then only for
 * the top N keys, the rest folded into one {@value MetricsOptions#OTHER} series.
 */
public enum Breakdown {
    /** One series per ISP: label {@code isp} (the canonical ISP name). */
    ISP(Grouping.ISP, List.of("isp")),
    /** One series per account: label {@code account} (the account id). */
    ACCOUNT(Grouping.ACCOUNT, List.of("account")),
    /** One series per campaign: labels {@code account} and {@code campaign} (campaign 0 = no campaign). */
    CAMPAIGN(Grouping.ACCOUNT_CAMPAIGN, List.of("account", "campaign"));

    private final Grouping grouping;
    private final List<String> labelNames;

    Breakdown(Grouping grouping, List<String> labelNames) {
        this.grouping = grouping;
        this.labelNames = labelNames;
    }

    /** The stats grouping whose rows are this breakdown's keys. */
    public Grouping grouping() {
        return grouping;
    }

    /** The labels (Micrometer: tags) that name a key, besides {@code sender}. */
    public List<String> labelNames() {
        return labelNames;
    }

    /** The word that prefixes this breakdown's metric names: {@code isp}, {@code account}, {@code campaign}. */
    public String prefix() {
        return labelNames.get(labelNames.size() - 1);
    }
}
