package dev.sendq.api;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.xml.XmlFactory;
import tools.jackson.dataformat.xml.XmlMapper;
import tools.jackson.dataformat.xml.XmlReadFeature;

/**
 * Reads a request's parameters from its query string and body into {@link Params}, strictly:
 * one configured {@link JsonMapper} and one {@link XmlMapper}, built once, thread-safe. JSON
 * duplicate keys, trailing content, deep nesting and long documents or strings are refused; XML
 * never resolves a DTD or an external entity (Jackson's default XML input factory refuses them:
 * an entity reference in a DOCTYPE is an "undeclared entity" error, and no file or URL is read);
 * form and query strings are percent-decoded strictly as UTF-8. Every failure is a generic
 * error 1; no parser message reaches the client.
 */
final class RequestReader {
    private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(8)
            .maxStringLength(4096)
            .maxNameLength(64)
            .maxNumberLength(32)
            .maxDocumentLength(SendqApi.DEFAULT_MAX_BODY_BYTES)
            .maxTokenCount(1024)
            .build();

    private final JsonMapper json = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(LIMITS)
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final XmlMapper xml = XmlMapper.builder(XmlFactory.builder()
                    .streamReadConstraints(LIMITS)
                    .build())
            .enable(XmlReadFeature.WRAP_ROOT_ELEMENT_NAME)
            .build();

    Params read(ApiRequest request) throws ApiException {
        Params p = new Params();
        if (request.query() != null && !request.query().isEmpty()) {
            readForm(request.query(), p);
        }
        byte[] body = request.body();
        String type = mediaType(request.contentType());
        if (type == null) {
            if (body.length > 0) {
                throw new ApiException(ApiError.UNSUPPORTED_MEDIA_TYPE,
                        ApiError.UNSUPPORTED_MEDIA_TYPE.text() + ": a body needs a Content-Type");
            }
            return p;
        }
        switch (type) {
            case "application/json" -> {
                p.bodyFormat = Format.JSON;
                readJson(body, p);
            }
            case "application/xml", "text/xml" -> {
                p.bodyFormat = Format.XML;
                readXml(body, p);
            }
            case "application/x-www-form-urlencoded" -> readForm(utf8(body), p);
            default -> throw new ApiException(ApiError.UNSUPPORTED_MEDIA_TYPE);
        }
        return p;
    }

    /** The format a body of this content type would be answered in, for errors raised before parsing. */
    static Format formatOf(String contentType) {
        String t = mediaType(contentType);
        return "application/xml".equals(t) || "text/xml".equals(t) ? Format.XML : Format.JSON;
    }

    /** The media type without parameters, lower case; {@code null} if absent. Only UTF-8 is accepted. */
    private static String mediaType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return null;
        }
        String[] parts = contentType.split(";");
        String type = parts[0].strip().toLowerCase(Locale.ROOT);
        for (int i = 1; i < parts.length; i++) {
            String param = parts[i].strip().toLowerCase(Locale.ROOT);
            if (param.startsWith("charset=")) {
                String cs = param.substring(8).replace("\"", "");
                if (!cs.equals("utf-8") && !cs.equals("utf8") && !cs.equals("us-ascii")) {
                    return "unsupported/charset";
                }
            }
        }
        return type;
    }

    private void readJson(byte[] body, Params p) throws ApiException {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.malformed("not a valid JSON document");
        }
        if (root == null || root.isMissingNode() || !root.isObject()) {
            throw ApiException.malformed("expected a JSON object");
        }
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            JsonNode v = e.getValue();
            Params.Value value;
            if (v.isString()) {
                value = new Params.Value(v.asString(), Params.Kind.TEXT);
            } else if (v.isIntegralNumber()) {
                value = new Params.Value(v.asString(), Params.Kind.INTEGER);
            } else if (v.isNull()) {
                continue; // null reads as absent
            } else {
                value = new Params.Value(null, Params.Kind.OTHER);
            }
            p.put(e.getKey(), value);
        }
    }

    private void readXml(byte[] body, Params p) throws ApiException {
        JsonNode root;
        try {
            root = xml.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.malformed("not a valid XML document");
        }
        JsonNode params = root == null ? null : root.get("xml");
        if (params == null || root.size() != 1) {
            throw ApiException.malformed("expected an <xml> root element");
        }
        if (params.isString() && params.asString().isBlank()) {
            return; // <xml></xml>
        }
        if (!params.isObject()) {
            throw ApiException.malformed("expected parameters as child elements of <xml>");
        }
        for (Map.Entry<String, JsonNode> e : params.properties()) {
            JsonNode v = e.getValue();
            if (v.isArray()) {
                throw ApiException.malformed("duplicate parameter");
            }
            if (e.getKey().isEmpty()) {
                throw ApiException.malformed("text directly inside <xml>");
            }
            p.put(e.getKey(), v.isString() ? new Params.Value(v.asString(), Params.Kind.TEXT)
                    : new Params.Value(null, Params.Kind.OTHER));
        }
    }

    private static void readForm(String form, Params p) throws ApiException {
        if (form.isEmpty()) {
            return;
        }
        for (String pair : form.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            p.put(name, new Params.Value(value, Params.Kind.TEXT));
        }
    }

    /** Strict application/x-www-form-urlencoded decoding: bad escapes or bad UTF-8 are refused. */
    static String decode(String s) throws ApiException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                out.write(' ');
            } else if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw ApiException.malformed("bad percent-encoding");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw ApiException.malformed("bad percent-encoding");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c > 0x7f) {
                throw ApiException.malformed("bad percent-encoding");
            } else {
                out.write(c);
            }
        }
        return utf8(out.toByteArray());
    }

    private static String utf8(byte[] bytes) throws ApiException {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer cb = d.decode(ByteBuffer.wrap(bytes));
            return cb.toString();
        } catch (CharacterCodingException e) {
            throw ApiException.malformed("not valid UTF-8");
        }
    }
}
