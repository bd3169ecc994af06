package dev.sendq.api.prometheus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the two text exposition formats a scrape can answer in: the Prometheus text
 * format 0.0.4 and OpenMetrics 1.0 (the Prometheus Java client has writers but no parser). It
 * refuses anything the formats do not allow and anything a Prometheus server would refuse: a
 * sample before its family's {@code # TYPE}, interleaved or repeated families, a sample name
 * that does not belong to its family (counters: {@code _total} in OpenMetrics), bad metric or
 * label names, a label given twice, bad escapes, a duplicate series, a {@code # UNIT} that is not
 * the name's suffix, blank lines, a missing or early {@code # EOF} (OpenMetrics), a missing final
 * newline. Test support only.
 */
public final class StrictExposition {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern VALUE = Pattern.compile("[-+]?(?:[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|NaN|Inf)");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped", "unknown",
            "info", "stateset", "gaugehistogram");

    /** One family: its type, unit and help, as declared. */
    public record Family(String name, String type, String unit, String help) {
    }

    /** One sample: its name, labels (sorted by name) and value. */
    public record Sample(String family, String name, Map<String, String> labels, double value) {
        /** A label's value. */
        public String label(String name) {
            return labels.get(name);
        }
    }

    /** A parsed scrape: families in order, samples in order. */
    public record Scrape(Map<String, Family> families, List<Sample> samples) {
        /** The samples whose name is {@code name}. */
        public List<Sample> samples(String name) {
            List<Sample> out = new ArrayList<>();
            for (Sample s : samples) {
                if (s.name().equals(name)) {
                    out.add(s);
                }
            }
            return out;
        }

        /** The value of the one sample with this name and exactly these labels (name, value, ...). */
        public double value(String name, String... labels) {
            Map<String, String> want = new TreeMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                want.put(labels[i], labels[i + 1]);
            }
            for (Sample s : samples) {
                if (s.name().equals(name) && s.labels().equals(want)) {
                    return s.value();
                }
            }
            throw new AssertionError("no sample " + name + want);
        }

        /** Every sample keyed as {@code name{labels}}, for comparing two scrapes. */
        public Map<String, Double> byKey() {
            Map<String, Double> out = new LinkedHashMap<>();
            for (Sample s : samples) {
                out.put(s.name() + s.labels(), s.value());
            }
            return out;
        }
    }

    private final boolean openMetrics;
    private final Map<String, Family> families = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();
    private final Set<String> seriesSeen = new HashSet<>();
    private final Set<String> closedFamilies = new HashSet<>();
    private String current;
    private String type;
    private String unit;
    private String help;

    private StrictExposition(boolean openMetrics) {
        this.openMetrics = openMetrics;
    }

    /** Parses a text-format (0.0.4) scrape. */
    public static Scrape text(String body) {
        return new StrictExposition(false).parse(body);
    }

    /** Parses an OpenMetrics 1.0 scrape. */
    public static Scrape openMetrics(String body) {
        return new StrictExposition(true).parse(body);
    }

    /** Parses by content type: OpenMetrics for {@code application/openmetrics-text}, else the text format. */
    public static Scrape parse(String contentType, String body) {
        if (contentType.startsWith("application/openmetrics-text")) {
            return openMetrics(body);
        }
        if (!contentType.startsWith("text/plain; version=0.0.4")) {
            throw new AssertionError("not an exposition content type: " + contentType);
        }
        return text(body);
    }

    private Scrape parse(String body) {
        if (!body.endsWith("\n")) {
            throw new AssertionError("no final newline");
        }
        if (body.indexOf('\r') >= 0) {
            throw new AssertionError("carriage return in exposition");
        }
        String[] lines = body.substring(0, body.length() - 1).split("\n", -1);
        boolean eof = false;
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            if (eof) {
                throw new AssertionError("line " + (n + 1) + " after # EOF");
            }
            try {
                if (line.equals("# EOF") && openMetrics) {
                    eof = true;
                } else if (line.startsWith("#")) {
                    comment(line);
                } else {
                    sample(line);
                }
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("line " + (n + 1) + ": " + e.getMessage() + ": " + line, e);
            }
        }
        if (openMetrics && !eof) {
            throw new AssertionError("no # EOF");
        }
        closeFamily();
        return new Scrape(Collections.unmodifiableMap(families), List.copyOf(samples));
    }

    private void comment(String line) {
        String[] p = line.split(" ", 4);
        if (p.length < 3 || !p[0].equals("#")) {
            throw new AssertionError("bad comment");
        }
        String kind = p[1];
        String name = p[2];
        String rest = p.length == 4 ? p[3] : "";
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new AssertionError("bad metric name " + name);
        }
        if (!name.equals(current)) {
            startFamily(name);
        }
        switch (kind) {
            case "TYPE" -> {
                if (type != null || !samplesOf(name).isEmpty()) {
                    throw new AssertionError("TYPE repeated or after samples");
                }
                if (!TYPES.contains(rest)) {
                    throw new AssertionError("unknown type " + rest);
                }
                type = rest;
            }
            case "HELP" -> {
                if (help != null) {
                    throw new AssertionError("HELP repeated");
                }
                help = unescapeHelp(rest);
            }
            case "UNIT" -> {
                if (!openMetrics || unit != null) {
                    throw new AssertionError("UNIT outside OpenMetrics or repeated");
                }
                if (!name.endsWith("_" + rest)) {
                    throw new AssertionError("UNIT " + rest + " is not a suffix of " + name);
                }
                unit = rest;
            }
            default -> throw new AssertionError("unknown comment " + kind);
        }
    }

    private void startFamily(String name) {
        closeFamily();
        if (closedFamilies.contains(name) || families.containsKey(name)) {
            throw new AssertionError("family " + name + " appears twice");
        }
        current = name;
        type = null;
        unit = null;
        help = null;
    }

    private void closeFamily() {
        if (current != null) {
            families.put(current, new Family(current, type == null ? "untyped" : type, unit, help));
            closedFamilies.add(current);
            current = null;
        }
    }

    private List<Sample> samplesOf(String family) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (s.family().equals(family)) {
                out.add(s);
            }
        }
        return out;
    }

    private void sample(String line) {
        if (line.isEmpty()) {
            throw new AssertionError("blank line");
        }
        Matcher m = METRIC_NAME.matcher(line);
        if (!m.lookingAt()) {
            throw new AssertionError("no metric name");
        }
        String name = m.group();
        int i = m.end();
        if (current == null || type == null) {
            throw new AssertionError("sample without a TYPE before it");
        }
        String expected = switch (type) {
            case "counter" -> openMetrics ? current + "_total" : current;
            default -> current;
        };
        if (!name.equals(expected)) {
            throw new AssertionError("sample " + name + " does not belong to family " + current + " (" + type + ")");
        }
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i = labels(line, i + 1, labels);
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new AssertionError("no space before the value");
        }
        String[] rest = line.substring(i + 1).split(" ", -1);
        if (rest.length > 2 || !VALUE.matcher(rest[0]).matches()) {
            throw new AssertionError("bad value or trailing text");
        }
        double value = rest[0].endsWith("Inf") ? (rest[0].startsWith("-") ? Double.NEGATIVE_INFINITY
                : Double.POSITIVE_INFINITY) : Double.parseDouble(rest[0]);
        if (!seriesSeen.add(name + labels)) {
            throw new AssertionError("duplicate series " + name + labels);
        }
        samples.add(new Sample(current, name, Collections.unmodifiableMap(labels), value));
    }

    /** Parses labels after '{' up to and including '}'; returns the index after '}'. */
    private static int labels(String line, int i, Map<String, String> out) {
        if (i < line.length() && line.charAt(i) == '}') {
            return i + 1;
        }
        while (true) {
            Matcher m = LABEL_NAME.matcher(line).region(i, line.length());
            if (!m.lookingAt()) {
                throw new AssertionError("bad label name at " + i);
            }
            String name = m.group();
            i = m.end();
            if (!line.startsWith("=\"", i)) {
                throw new AssertionError("expected =\" after " + name);
            }
            i += 2;
            StringBuilder v = new StringBuilder();
            while (true) {
                if (i >= line.length()) {
                    throw new AssertionError("unterminated label value");
                }
                char c = line.charAt(i++);
                if (c == '"') {
                    break;
                }
                if (c == '\\') {
                    char e = i < line.length() ? line.charAt(i++) : 0;
                    switch (e) {
                        case '\\' -> v.append('\\');
                        case '"' -> v.append('"');
                        case 'n' -> v.append('\n');
                        default -> throw new AssertionError("bad escape \\" + e);
                    }
                } else {
                    v.append(c);
                }
            }
            if (out.put(name, v.toString()) != null) {
                throw new AssertionError("label " + name + " twice");
            }
            if (i < line.length() && line.charAt(i) == ',') {
                i++;
                continue;
            }
            if (i < line.length() && line.charAt(i) == '}') {
                return i + 1;
            }
            throw new AssertionError("expected , or } at " + i);
        }
    }

    /** HELP text: {@code \\} and {@code \n} escapes; OpenMetrics also {@code \"}. */
    private String unescapeHelp(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = ++i < s.length() ? s.charAt(i) : 0;
            switch (e) {
                case '\\' -> b.append('\\');
                case 'n' -> b.append('\n');
                case '"' -> {
                    if (!openMetrics) {
                        throw new AssertionError("escaped quote in a text-format HELP");
                    }
                    b.append('"');
                }
                default -> throw new AssertionError("bad escape in HELP: \\" + e);
            }
        }
        return b.toString();
    }
}
