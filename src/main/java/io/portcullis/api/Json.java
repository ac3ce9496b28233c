package io.portcullis.api;

import java.math.BigDecimal;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The one JSON mapper of the server (Jackson 3), and small helpers on trees. */
public final class Json {
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /**
     * How deep a client's JSON may nest, in a body or in what a patch builds: far deeper than any
     * served kind needs, shallow enough that every walk over a tree stays well inside a thread's stack.
     */
    public static final int MAX_DEPTH = 100;

    private Json() {}

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static byte[] bytes(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }

    public static String string(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    public static JsonNode tree(byte[] json) {
        return MAPPER.readTree(json);
    }

    public static ObjectNode objectTree(byte[] json) {
        JsonNode n = MAPPER.readTree(json);
        if (!(n instanceof ObjectNode o)) throw new IllegalArgumentException("not a JSON object");
        return o;
    }

    /**
     * Why {@code json} does not decode into a JSON object, worded as Go's decoder words it, or null
     * when it does (JSON {@code null} decodes into an empty map there too).
     */
    public static String objectProblem(byte[] json) {
        int end = json.length;
        while (end > 0 && Character.isWhitespace(json[end - 1])) end--;
        if (end == 0) return "unexpected end of JSON input";
        JsonNode n;
        try {
            n = MAPPER.readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readValue(json);
        } catch (JacksonException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
            if (at < 0 || at >= end) return "unexpected end of JSON input";
            int c = json[(int) at] & 0xff;
            String shown = c == '\'' ? "\\'" : c == '\\' ? "\\\\" : c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c);
            return "invalid character '" + shown + "' looking for beginning of value";
        }
        if (n == null || n.isNull() || n.isObject()) return null;
        String type = n.isArray() ? "array" : n.isString() ? "string" : n.isNumber() ? "number" : "bool";
        return "json: cannot unmarshal " + type + " into Go value of type map[string]interface {}";
    }

    public static <T> T convert(Object value, Class<T> type) {
        return MAPPER.convertValue(value, type);
    }

    public static ObjectNode toTree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /**
     * The same JSON indented as kube-apiserver indents for ?pretty=true: two spaces, one member or
     * element a line, a space after each colon, empty objects and arrays as {} and [].
     */
    public static byte[] pretty(byte[] json) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(json.length * 2);
        try (JsonParser in = MAPPER.createParser(json); JsonGenerator g = MAPPER.writer().with(INDENTED).createGenerator(out)) {
            in.nextToken();
            g.copyCurrentStructure(in);
        }
        return out.toByteArray();
    }

    private static final DefaultPrettyPrinter INDENTED = new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectNameValueSpacing(Separators.Spacing.AFTER).withObjectEmptySeparator("").withArrayEmptySeparator(""))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")).withObjectIndenter(new DefaultIndenter("  ", "\n"));

    /** How many levels of objects and arrays a tree has: 0 for a scalar, 1 for {} or []. */
    public static int depth(JsonNode node) {
        int deepest = 0;
        for (JsonNode child : node) deepest = Math.max(deepest, depth(child));
        return node.isContainer() ? deepest + 1 : 0;
    }

    /**
     * A value as Go's {@code %+v} prints it once decoded into maps: {@code map[k:v k2:[a b]]} with
     * keys sorted, strings bare, null as {@code <nil>}, whole numbers as integers, other numbers
     * as Go's {@code %v} prints a float64 ({@code 1.5}, {@code 1.2345675e+06}). Upstream's messages
     * quote patches so.
     */
    public static String goString(JsonNode n) {
        if (n == null || n.isNull()) return "<nil>";
        if (n.isObject()) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            n.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
            StringBuilder b = new StringBuilder("map[");
            sorted.forEach((k, v) -> b.append(b.length() > 4 ? " " : "").append(k).append(':').append(goString(v)));
            return b.append(']').toString();
        }
        if (n.isArray()) {
            StringBuilder b = new StringBuilder("[");
            for (JsonNode item : n) b.append(b.length() > 1 ? " " : "").append(goString(item));
            return b.append(']').toString();
        }
        if (n.isString()) return n.asString();
        if (n.isIntegralNumber() && n.canConvertToLong()) return Long.toString(n.asLong());
        if (n.isNumber()) return goFloat(n.asDouble());
        return n.asString();
    }

    /** Go's %v of a float64: its shortest digits, in exponent form when the exponent is below -4 or 6 and above. */
    private static String goFloat(double v) {
        if (!Double.isFinite(v)) return v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN";
        if (v == 0) return "0";
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        int exponent = d.precision() - d.scale() - 1;
        String sign = v < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 6) return sign + d.toPlainString();
        String digits = d.unscaledValue().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
    }

    /** Text of a field, or "" when absent or not text. */
    public static String text(JsonNode node, String field) {
        if (node == null) return "";
        JsonNode v = node.get(field);
        return v != null && v.isString() ? v.asString() : "";
    }
}
