package dev.sendq.api;

import dev.sendq.core.Snapshot;
import dev.sendq.core.StatsRow;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
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
 * total}; or an extension's number, such as {@code cancelled}, or an extension's rows with their
 * {@code taken_at} and {@code generation}), then {@code error} and {@code error_text}. XML has
 * root {@code <xml>} and one {@code <data>} element per row. The rows of the extension requests
 * are written by {@link ExtensionRows}.
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

    /** Writes one row's fields, between the row's start and end. */
    @FunctionalInterface
    interface RowWriter<R> {
        void write(JsonGenerator g, R row);
    }

    /** The stats rows as the documented {@code data} array. */
    static Body statsRows(List<StatsRow> rows) {
        return rows(rows, ResponseWriter::statsRow);
    }

    /**
     * Rows as the {@code data} field: a JSON array of objects, or one {@code <data>} element per
     * row in XML (none when there are no rows).
     */
    static <R> Body rows(List<R> rows, RowWriter<R> fields) {
        return g -> {
            boolean xml = g instanceof ToXmlGenerator;
            if (!xml) {
                g.writeArrayPropertyStart("data");
            }
            for (R r : rows) {
                if (xml) {
                    g.writeName("data");
                }
                g.writeStartObject();
                fields.write(g, r);
                g.writeEndObject();
            }
            if (!xml) {
                g.writeEndArray();
            }
        };
    }

    /**
     * A snapshot's rows as {@link #rows}, then the snapshot's {@code taken_at} (ISO-8601 UTC,
     * milliseconds) and {@code generation}: the extension answers' form.
     */
    static <R> Body snapshot(Snapshot<R> snapshot, RowWriter<R> fields) {
        Body rows = rows(snapshot.rows(), fields);
        return g -> {
            rows.write(g);
            g.writeStringProperty("taken_at", instant(snapshot.takenAt()));
            g.writeNumberProperty("generation", snapshot.generation());
        };
    }

    /** An instant as the answers write it: ISO-8601 in UTC, e.g. {@code 2026-11-27T11:38:54.120Z}. */
    static String instant(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t);
    }

    /** One integer field, e.g. {@code "cancelled": 130} / {@code <cancelled>130</cancelled>}. */
    static Body number(String name, long value) {
        return g -> g.writeNumberProperty(name, value);
    }

    private static void statsRow(JsonGenerator g, StatsRow r) {
        g.writeNumberProperty("account_id", r.accountId());
        g.writeNumberProperty("campaign_id", r.campaignId());
        g.writeNumberProperty("hold", r.hold());
        g.writeStringProperty("isp", r.isp());
        g.writeNumberProperty("new", r.newCount());
        g.writeNumberProperty("proc", r.proc());
        g.writeNumberProperty("retry", r.retry());
        g.writeNumberProperty("total", r.total());
    }
}
