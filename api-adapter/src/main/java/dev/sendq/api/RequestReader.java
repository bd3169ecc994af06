package dev.sendq.api;

import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.xml.XmlFactory;
import tools.jackson.dataformat.xml.XmlMapper;

/**
 * Reads a request's parameters from its query string and body into {@link Params}, strictly.
 * One configured {@link JsonMapper} and one {@link XmlMapper}, built once, serve every request.
 *
 * <ul>
 *   <li>The content type is checked first; a body must be UTF-8 (a BOM, UTF-16 or an XML
 *       encoding declaration cannot override that: the body is decoded before parsing).</li>
 *   <li>JSON: streamed, so that a number's own text is judged ({@code -0} is not {@code 0});
 *       duplicate keys, trailing content, deep nesting, long strings and long documents are
 *       refused by the parser's features and read constraints.</li>
 *   <li>XML: read with the XML mapper's own StAX input factory, which neither resolves DTDs nor
 *       external entities; any DOCTYPE is refused outright, as are attributes, text directly in
 *       the root, and a root other than {@code <xml>}.</li>
 *   <li>Form and query strings: percent-decoded strictly ({@code %XX} with ASCII hex digits
 *       only) as UTF-8.</li>
 * </ul>
 * Every failure is a generic error 1; no parser message reaches the client. Thread-safe.
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
    private static final int MAX_XML_DEPTH = 8;
    private static final int MAX_XML_PARAMETERS = 64;

    private final JsonMapper json = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(LIMITS)
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .build();

    private final XmlMapper xml = XmlMapper.builder(XmlFactory.builder()
                    .streamReadConstraints(LIMITS)
                    .build())
            .build();

    Params read(ApiRequest request) throws ApiException {
        Params p = new Params();
        byte[] body = request.body();
        String type = mediaType(request.contentType());
        String charset = charset(request.contentType());
        if (body.length == 0) {
            if (Format.JSON.mediaType.equals(type) || "application/xml".equals(type) || "text/xml".equals(type)) {
                throw ApiException.malformed("empty document"); // an empty body is no JSON or XML document
            }
            type = null; // no body: its content type, if any, does not matter
        } else {
            if (type == null) {
                throw new ApiException(ApiError.UNSUPPORTED_MEDIA_TYPE,
                        ApiError.UNSUPPORTED_MEDIA_TYPE.text() + ": a body needs a Content-Type");
            }
            boolean known = type.equals("application/json") || type.equals("application/xml")
                    || type.equals("text/xml") || type.equals("application/x-www-form-urlencoded");
            if (!known || (charset != null && !charset.equals("utf-8") && !charset.equals("utf8")
                    && !charset.equals("us-ascii"))) {
                throw new ApiException(ApiError.UNSUPPORTED_MEDIA_TYPE);
            }
        }
        if (request.query() != null && !request.query().isEmpty()) {
            readForm(request.query(), p, ApiError.MALFORMED_QUERY.text());
        }
        if (type == null) {
            return p;
        }
        String text = utf8(body, ApiError.MALFORMED.text());
        switch (type) {
            case "application/json" -> {
                p.bodyFormat = Format.JSON;
                readJson(text, p);
            }
            case "application/xml", "text/xml" -> {
                p.bodyFormat = Format.XML;
                readXml(text, p);
            }
            default -> readForm(text, p, ApiError.MALFORMED.text());
        }
        return p;
    }

    /** The format a body of this content type would be answered in, for errors raised before parsing. */
    static Format formatOf(String contentType) {
        String t = mediaType(contentType);
        return "application/xml".equals(t) || "text/xml".equals(t) ? Format.XML : Format.JSON;
    }

    /** The media type without parameters, lower case; {@code null} if absent. */
    private static String mediaType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return null;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    /** The charset parameter, lower case, unquoted; {@code null} if absent. */
    private static String charset(String contentType) {
        if (contentType == null) {
            return null;
        }
        String[] parts = contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            String param = parts[i].strip().toLowerCase(Locale.ROOT);
            if (param.startsWith("charset=")) {
                return param.substring(8).replace("\"", "").strip();
            }
        }
        return null;
    }

    private void readJson(String body, Params p) throws ApiException {
        try (JsonParser parser = json.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw ApiException.malformed("expected a JSON object");
            }
            JsonToken t;
            while ((t = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken v = parser.nextToken();
                switch (v) {
                    case VALUE_STRING -> p.put(name, new Params.Value(parser.getString(), Params.Kind.TEXT));
                    case VALUE_NUMBER_INT -> p.put(name, new Params.Value(parser.getString(), Params.Kind.INTEGER));
                    case VALUE_NULL -> { } // null reads as absent
                    case START_OBJECT, START_ARRAY -> {
                        parser.skipChildren();
                        p.put(name, new Params.Value(null, Params.Kind.OTHER));
                    }
                    default -> p.put(name, new Params.Value(null, Params.Kind.OTHER));
                }
            }
            if (t != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw ApiException.malformed("not a valid JSON document");
            }
        } catch (JacksonException e) {
            throw ApiException.malformed("not a valid JSON document");
        }
    }

    private void readXml(String body, Params p) throws ApiException {
        XMLStreamReader r = null;
        try {
            r = xml.tokenStreamFactory().getXMLInputFactory()
                    .createXMLStreamReader(new StringReader(body));
            int e = nextSignificant(r);
            if (e != XMLStreamConstants.START_ELEMENT || !"xml".equals(r.getLocalName())
                    || r.getPrefix() != null && !r.getPrefix().isEmpty() || r.getAttributeCount() > 0) {
                throw ApiException.malformed("expected an <xml> root element without attributes");
            }
            int count = 0;
            while ((e = nextSignificant(r)) == XMLStreamConstants.START_ELEMENT) {
                if (++count > MAX_XML_PARAMETERS) {
                    throw ApiException.malformed("too many elements");
                }
                String name = r.getLocalName();
                if (r.getAttributeCount() > 0 || r.getPrefix() != null && !r.getPrefix().isEmpty()) {
                    throw ApiException.malformed("parameters are plain elements without attributes");
                }
                p.put(name, elementValue(r));
            }
            if (e != XMLStreamConstants.END_ELEMENT || nextSignificant(r) != XMLStreamConstants.END_DOCUMENT) {
                throw ApiException.malformed("expected parameters as child elements of <xml>");
            }
        } catch (XMLStreamException | RuntimeException ex) {
            throw ApiException.malformed("not a valid XML document");
        } finally {
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException ignored) {
                    // nothing to release
                }
            }
        }
    }

    /** The next event that is not whitespace, a comment or a processing instruction; a DTD is refused. */
    private static int nextSignificant(XMLStreamReader r) throws XMLStreamException, ApiException {
        while (true) {
            int e = r.next();
            switch (e) {
                case XMLStreamConstants.COMMENT, XMLStreamConstants.PROCESSING_INSTRUCTION, XMLStreamConstants.SPACE -> {
                }
                case XMLStreamConstants.CHARACTERS -> {
                    if (!r.isWhiteSpace()) {
                        throw ApiException.malformed("text outside a parameter element");
                    }
                }
                case XMLStreamConstants.DTD, XMLStreamConstants.ENTITY_REFERENCE ->
                        throw ApiException.malformed("DTDs and entities are not accepted");
                default -> {
                    return e;
                }
            }
        }
    }

    /** The text of the current element; an element with child elements is an invalid value. */
    private static Params.Value elementValue(XMLStreamReader r) throws XMLStreamException, ApiException {
        StringBuilder text = new StringBuilder();
        int depth = 1;
        boolean nested = false;
        while (depth > 0) {
            int e = r.next();
            switch (e) {
                case XMLStreamConstants.START_ELEMENT -> {
                    nested = true;
                    if (++depth > MAX_XML_DEPTH) {
                        throw ApiException.malformed("nested too deep");
                    }
                }
                case XMLStreamConstants.END_ELEMENT -> depth--;
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                    if (depth == 1) {
                        text.append(r.getText());
                    }
                }
                case XMLStreamConstants.DTD, XMLStreamConstants.ENTITY_REFERENCE ->
                        throw ApiException.malformed("DTDs and entities are not accepted");
                default -> { }
            }
        }
        return nested ? new Params.Value(null, Params.Kind.OTHER) : new Params.Value(text.toString(), Params.Kind.TEXT);
    }

    private static void readForm(String form, Params p, String what) throws ApiException {
        for (String pair : form.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), what);
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), what);
            p.put(name, new Params.Value(value, Params.Kind.TEXT));
        }
    }

    /** Strict application/x-www-form-urlencoded decoding: bad escapes or bad UTF-8 are refused. */
    static String decode(String s, String what) throws ApiException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                out.write(' ');
            } else if (c == '%') {
                int hi = i + 1 < s.length() ? hex(s.charAt(i + 1)) : -1;
                int lo = i + 2 < s.length() ? hex(s.charAt(i + 2)) : -1;
                if (hi < 0 || lo < 0) {
                    throw new ApiException(ApiError.MALFORMED, what + ": bad percent-encoding");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c > 0x7e || c < 0x20) {
                throw new ApiException(ApiError.MALFORMED, what + ": unencoded character");
            } else {
                out.write(c);
            }
        }
        return utf8(out.toByteArray(), what);
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static String utf8(byte[] bytes, String what) throws ApiException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ApiException(ApiError.MALFORMED, what + ": not valid UTF-8");
        }
    }
}
