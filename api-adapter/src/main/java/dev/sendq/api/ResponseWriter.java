package dev.sendq.api;

import dev.sendq.core.StatsRow;
import java.io.ByteArrayOutputStream;
import java.util.List;
import javax.xml.namespace.QName;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.xml.XmlMapper;
import tools.jackson.dataformat.xml.ser.ToXmlGenerator;

/**
 * Writes the documented envelope, streaming, through one {@link JsonMapper} and one
 * {@link XmlMapper} built once: the answer's own fields (the stats request's {@code data} rows,
 * fields in the documented order {@code account_id, campaign_id, hold, isp, new, proc, retry,
 * total}; or an extension's number, such as {@code cancelled}), then {@code error} and
 * {@code error_text}. XML has root {@code <xml>} and one {@code <data>} element per row.
 * Thread-safe.
 */
final class ResponseWriter {
    private static final QName ROOT = new QName("xml");

    private final JsonMapper json = JsonMapper.builder().build();
    private final XmlMapper xml = XmlMapper.builder().build();

    /** Something that writes the fields of an answer between its start and its error fields. */
    @FunctionalInterface
    interface Body {
        void write(JsonGenerator g);
    }

    byte[] write(Format format, Body body, ApiError error, String errorText) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = format == Format.XML ? xml.createGenerator(out) : json.createGenerator(out)) {
            if (g instanceof ToXmlGenerator x) {
                x.setNextName(ROOT);
            }
            g.writeStartObject();
            if (body != null) {
                body.write(g);
            }
            g.writeNumberProperty("error", error.code());
            g.writeStringProperty("error_text", errorText);
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** The stats rows as the documented {@code data} array. */
    static Body statsRows(List<StatsRow> rows) {
        return g -> {
            if (g instanceof ToXmlGenerator) {
                for (StatsRow r : rows) {
                    g.writeName("data");
                    row(g, r);
                }
            } else {
                g.writeArrayPropertyStart("data");
                for (StatsRow r : rows) {
                    row(g, r);
                }
                g.writeEndArray();
            }
        };
    }

    /** One integer field, e.g. {@code "cancelled": 130} / {@code <cancelled>130</cancelled>}. */
    static Body number(String name, long value) {
        return g -> g.writeNumberProperty(name, value);
    }

    private static void row(JsonGenerator g, StatsRow r) {
        g.writeStartObject();
        g.writeNumberProperty("account_id", r.accountId());
        g.writeNumberProperty("campaign_id", r.campaignId());
        g.writeNumberProperty("hold", r.hold());
        g.writeStringProperty("isp", r.isp());
        g.writeNumberProperty("new", r.newCount());
        g.writeNumberProperty("proc", r.proc());
        g.writeNumberProperty("retry", r.retry());
        g.writeNumberProperty("total", r.total());
        g.writeEndObject();
    }
}
