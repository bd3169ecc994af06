package dev.sendq.core;

import java.util.HashMap;
import java.util.Map;

/** The built-in domain table of {@link IspResolver#standard()}. */
final class StandardIsps {
    static final String OTHER = "Other";
    static final IspResolver RESOLVER = IspResolver.of(table(), OTHER);

    private StandardIsps() {
    }

    private static Map<String, String> table() {
        Map<String, String> t = new HashMap<>();
        put(t, "Gmail", "gmail.com", "googlemail.com");
        put(t, "Yahoo", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.it", "yahoo.es",
                "yahoo.co.jp", "yahoo.com.br", "yahoo.ca", "yahoo.in", "ymail.com", "rocketmail.com",
                "aol.com", "aol.co.uk", "aim.com", "verizon.net", "att.net", "sbcglobal.net", "bellsouth.net");
        put(t, "Microsoft", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de",
                "hotmail.it", "hotmail.es", "live.com", "live.co.uk", "live.fr", "msn.com", "passport.com");
        put(t, "Apple", "icloud.com", "me.com", "mac.com");
        put(t, "Comcast", "comcast.net", "xfinity.com");
        put(t, "GMX", "gmx.com", "gmx.net", "gmx.de", "gmx.at", "gmx.ch");
        put(t, "Web.de", "web.de");
        put(t, "Mail.ru", "mail.ru", "bk.ru", "inbox.ru", "list.ru");
        put(t, "Yandex", "yandex.ru", "yandex.com", "ya.ru");
        put(t, "Orange", "orange.fr", "wanadoo.fr");
        put(t, "Free", "free.fr");
        put(t, "Zoho", "zoho.com", "zohomail.com");
        put(t, "Proton", "proton.me", "protonmail.com", "pm.me");
        put(t, "QQ", "qq.com", "foxmail.com");
        put(t, "NetEase", "163.com", "126.com", "yeah.net");
        put(t, "Naver", "naver.com");
        put(t, "Rambler", "rambler.ru");
        put(t, "Charter", "charter.net", "spectrum.net");
        put(t, "Cox", "cox.net");
        return t;
    }

    private static void put(Map<String, String> t, String isp, String... domains) {
        for (String d : domains) {
            t.put(d, isp);
        }
    }
}
