package dev.sendq.core;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Maps a recipient domain to the ISP (mailbox provider) whose counters it belongs to.
 *
 * <p>Implementations must be thread-safe and should be fast: the engine calls one on every
 * {@link SenderQueue#enqueueForDomain} call. {@link #standard()} knows the common providers;
 * {@link #of(Map, String)} builds one from the caller's own table.
 */
@FunctionalInterface
public interface IspResolver {

    /**
     * The ISP name for a recipient domain (e.g. {@code "gmail.com"} to {@code "Gmail"}), never
     * {@code null}; unknown domains map to a fallback name.
     *
     * @param domain the recipient's domain, any case, without the {@code @}
     */
    String resolve(String domain);

    /**
     * A resolver from a table of domains (matched case-insensitively, exactly, then by parent
     * domain: {@code mx.corp.example.com} finds {@code example.com}) to ISP names.
     *
     * @param domainToIsp the table; copied
     * @param fallback    the name for domains not in the table, e.g. {@code "Other"}
     */
    static IspResolver of(Map<String, String> domainToIsp, String fallback) {
        Objects.requireNonNull(fallback, "fallback");
        Map<String, String> table = new HashMap<>();
        domainToIsp.forEach((d, isp) -> table.put(d.toLowerCase(Locale.ROOT), Objects.requireNonNull(isp, d)));
        return domain -> {
            if (domain == null || domain.isEmpty()) {
                return fallback;
            }
            String d = domain.toLowerCase(Locale.ROOT);
            while (true) {
                String isp = table.get(d);
                if (isp != null) {
                    return isp;
                }
                int dot = d.indexOf('.');
                if (dot < 0 || dot == d.length() - 1) {
                    return fallback;
                }
                d = d.substring(dot + 1);
            }
        };
    }

    /**
     * The built-in table: Gmail, Yahoo (with AOL and the AT&amp;T and Verizon mailboxes it hosts), Microsoft, Apple, Comcast, Charter, Cox,
     * GMX, Web.de, Mail.ru, Yandex, Orange, Free, Zoho, Proton, QQ, NetEase, Naver, Rambler;
     * everything else is {@code "Other"}.
     */
    static IspResolver standard() {
        return StandardIsps.RESOLVER;
    }
}
