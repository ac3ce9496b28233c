package io.portcullis.server;

import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Schema;
import io.portcullis.api.Statuses;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.protobuf.ProtobufBodies;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Request bodies: JSON, YAML or protobuf in; a checked JSON tree of the expected kind out. One
 * instance serves the server: it decodes protobuf with the messages of the served kinds.
 */
final class Bodies {
    /**
     * What a client's body may hold: no deeper than {@link Json#MAX_DEPTH}, numbers of at most
     * 1000 digits, names and strings no longer than the body limit. Jackson's own defaults (500
     * levels, 100 MB strings) would let a body build trees that later recursion cannot walk.
     */
    private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder().maxNestingDepth(Json.MAX_DEPTH)
            .maxNumberLength(1000).maxNameLength(Exchange.MAX_BODY).maxStringLength(Exchange.MAX_BODY).build();
    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(LIMITS).build()).build();
    private static final JsonMapper STRICT_JSON = JSON.rebuild().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    /**
     * The YAML reader's window grows by a copy of itself for every buffer read while one scalar is
     * open, so with its default of 1024 code points a string of a few mebibytes cost seconds of
     * CPU; 64 Ki code points make the same string a few dozen copies.
     */
    private static final LoadSettings YAML_READER = LoadSettings.builder().setBufferSize(64 * 1024).build();
    private static final YAMLMapper YAML = YAMLMapper.builder(YAMLFactory.builder().loadSettings(YAML_READER)
            .streamReadConstraints(LIMITS).build()).build();
    private static final YAMLMapper STRICT_YAML = YAML.rebuild().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final ProtobufBodies protobuf;

    Bodies(ProtobufBodies protobuf) {
        this.protobuf = protobuf;
    }

    /** The media type without parameters, lower-cased; JSON when absent. */
    static String mediaType(String contentType) {
        if (contentType == null || contentType.isBlank()) return "application/json";
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    /** Parses a body as JSON or YAML (or protobuf for typed kinds), refusing other media types with 415; duplicates: last wins. */
    ObjectNode parse(String contentType, byte[] body) {
        return parse(contentType, body, "Ignore", null, null, null);
    }

    /**
     * As {@link #parse(String, byte[])}, with upstream's handling of duplicate fields per the
     * fieldValidation directive: Strict refuses them (400), Warn warns (last one wins), Ignore ignores.
     * With {@code wantKind} and {@code wantVersion}, the body of a create or update, refused in the
     * words of upstream's handlers: a JSON or YAML body that does not decode as one they could not
     * tell the kind of, a duplicate field under Strict as one of the kind wanted.
     */
    ObjectNode parse(String contentType, byte[] body, String fieldValidation, Exchange ex, String wantKind, String wantVersion) {
        String media = mediaType(contentType);
        boolean yaml = media.equals("application/yaml") || media.equals("application/apply-patch+yaml");
        boolean json = media.equals("application/json") || media.equals("application/merge-patch+json")
                || media.equals("application/json-patch+json") || media.equals("application/strategic-merge-patch+json");
        if (body.length == 0 && !(json && wantKind != null)) throw Statuses.badRequest("the request body is empty");
        if (media.equals(ProtobufBodies.MEDIA_TYPE)) return protobuf.decode(body);
        if (!yaml && !json) throw Statuses.unsupportedMediaType(media);
        JsonNode tree;
        try {
            tree = read(body, yaml, true);
            if (tree.isMissingNode() && !yaml) throw unrecognized(wantKind, yaml, "unexpected end of JSON input", body, media);
        } catch (JacksonException e) {
            String duplicate = duplicateField(e);
            if (duplicate == null) throw unrecognized(wantKind, yaml, yaml ? firstLine(e.getOriginalMessage()) : goSyntaxError(e), body, media);
            // the rest of the body may still be malformed: read it all before acting on the duplicate
            try {
                tree = read(body, yaml, false);
            } catch (JacksonException syntax) {
                throw unrecognized(wantKind, yaml, yaml ? firstLine(syntax.getOriginalMessage()) : goSyntaxError(syntax), body, media);
            }
            String directive = fieldValidation(fieldValidation);
            if (directive.equals("Strict")) {
                throw Statuses.badRequest(cannotBeHandledPrefix(wantKind, wantVersion) + "strict decoding error: duplicate field " + Statuses.quote(duplicate));
            }
            if (directive.equals("Warn") && ex != null) ex.warn("duplicate field " + Statuses.quote(duplicate));
        }
        if (!(finite(tree, media) instanceof ObjectNode o)) {
            if (wantKind != null && (tree.isArray() || tree.isValueNode()) && !tree.isNull()) {
                // Go's decoder, reading only apiVersion and kind first, fails on anything but an object
                String type = tree.isArray() ? "array" : tree.isNumber() ? "number" : tree.isBoolean() ? "bool" : "string";
                throw unrecognized(wantKind, false, "json: cannot unmarshal " + type + " into Go value of type struct { APIVersion string "
                        + "\"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }", body, media);
            }
            throw Statuses.badRequest("the body of the request must be a JSON object");
        }
        return o;
    }

    /**
     * Upstream's answer to an object body it cannot decode far enough to know its kind: the kind
     * the URL wants, the decoder's error and the start of the body (as text when it opens with a
     * brace, else in hex). Without {@code wantKind}, this server's plainer words.
     */
    private static ApiException unrecognized(String wantKind, boolean yaml, String why, byte[] body, String media) {
        if (wantKind == null) return undecodable(media, why);
        String reason = yaml ? "error converting YAML to JSON: yaml: " + why : "couldn't get version/kind; json parse error: " + why;
        return Statuses.badRequest("the object provided is unrecognized (must be of type " + wantKind + "): " + reason + " (" + summary(body) + ")");
    }

    /** The first 30 bytes of a body as upstream's handlers quote it in an error. */
    static String summary(byte[] body) {
        if (body.length == 0) return "<empty>";
        byte[] head = Arrays.copyOf(body, Math.min(body.length, 30));
        String text = body[0] == '{' ? new String(head, StandardCharsets.UTF_8) : HexFormat.of().formatHex(head);
        return body.length > 30 ? text + " ..." : text;
    }

    private static final Pattern UNEXPECTED = Pattern.compile("^Unexpected (?:character \\('(.)' \\(code \\d+\\)\\)|close marker '(.)')");
    private static final Pattern UNRECOGNIZED = Pattern.compile("^Unrecognized token '([^']+)'");

    /** Jackson's complaint about malformed JSON in the words of Go's encoding/json, for the common cases. */
    static String goSyntaxError(JacksonException e) {
        String m = firstLine(e.getOriginalMessage());
        if (m.startsWith("Unexpected end-of-input")) return "unexpected end of JSON input";
        Matcher c = UNEXPECTED.matcher(m);
        if (c.find()) {
            String ch = goChar(c.group(1) != null ? c.group(1) : c.group(2));
            if (c.group(2) != null) return "invalid character " + ch + " after top-level value";
            if (m.contains("a colon to separate")) return "invalid character " + ch + " after object key";
            if (m.contains("comma to separate Object entries")) return "invalid character " + ch + " after object key:value pair";
            if (m.contains("comma to separate Array entries")) return "invalid character " + ch + " after array element";
            if (m.contains("double-quote to start")) return "invalid character " + ch + " looking for beginning of object key string";
            return "invalid character " + ch + " looking for beginning of value";
        }
        Matcher t = UNRECOGNIZED.matcher(m);
        if (t.find()) {
            String token = t.group(1);
            String literal = token.startsWith("n") ? "null" : token.startsWith("t") ? "true" : token.startsWith("f") ? "false" : null;
            if (literal == null) return "invalid character " + goChar(token.substring(0, 1)) + " looking for beginning of value";
            for (int i = 1; i < Math.min(token.length(), literal.length()); i++) {
                if (token.charAt(i) != literal.charAt(i)) {
                    return "invalid character " + goChar(token.substring(i, i + 1)) + " in literal " + literal + " (expecting '" + literal.charAt(i) + "')";
                }
            }
        }
        return m;
    }

    /** A character as Go's JSON errors quote it. */
    private static String goChar(String c) {
        return c.equals("'") ? "'\\''" : "'" + c + "'";
    }

    /** A body as JSON or YAML under the request limits, duplicates allowed (the last one wins); malformed: 400. */
    static JsonNode tree(byte[] body, boolean yaml, String media) {
        try {
            return finite(read(body, yaml, false), media);
        } catch (JacksonException e) {
            throw undecodable(media, firstLine(e.getOriginalMessage()));
        }
    }

    /**
     * A body as JSON or YAML, refusing duplicate fields when {@code strict} (else the last one wins).
     * A YAML body that opens as JSON does (kubectl's server-side applies are JSON) is read as JSON,
     * and as YAML only when it is not JSON: the JSON parser is several times faster, and JSON reads
     * the same either way.
     */
    private static JsonNode read(byte[] body, boolean yaml, boolean strict) {
        JsonMapper json = strict ? STRICT_JSON : JSON;
        if (!yaml) return json.readTree(body);
        if (opensAsJson(body)) {
            try {
                return json.readTree(body);
            } catch (JacksonException notJson) {
                if (duplicateField(notJson) != null) throw notJson;
                // else YAML's flow style, or JSON with YAML after it
            }
        }
        return (strict ? STRICT_YAML : YAML).readTree(body);
    }

    private static boolean opensAsJson(byte[] body) {
        return body.length > 0 && body[0] == '{';
    }

    /** The tree, when no number in it is past a double's range: Jackson reads those as Infinity, Go's decoder refuses them (400). */
    private static JsonNode finite(JsonNode tree, String media) {
        if (tree.isNumber() && !Double.isFinite(tree.numberValue().doubleValue())) {
            throw undecodable(media, "a number is out of range");
        }
        for (JsonNode child : tree) finite(child, media);
        return tree;
    }

    private static ApiException undecodable(String media, String why) {
        return Statuses.badRequest("the body of the request could not be decoded as " + media + ": " + why);
    }

    /** The path of a duplicate field as upstream's decoder names it ("spec.containers[1].name"); null for any other error. */
    private static String duplicateField(JacksonException e) {
        String m = e.getOriginalMessage();
        if (m == null || !m.startsWith("Duplicate")) return null;
        int a = m.indexOf('"');
        int b = m.lastIndexOf('"');
        String name = a >= 0 && b > a ? m.substring(a + 1, b) : "";
        if (!(e.processor() instanceof JsonParser parser)) return name;
        StringBuilder path = new StringBuilder();
        for (TokenStreamContext c = parser.streamReadContext(); c != null && !c.inRoot(); c = c.getParent()) {
            path.insert(0, c.inArray() ? "[" + c.getCurrentIndex() + "]" : (c.getParent().inRoot() ? "" : ".") + c.currentName());
        }
        return path.isEmpty() ? name : path.toString();
    }

    /** The request's body as an object of the type, parsed and checked under the fieldValidation directive. */
    ObjectNode read(Exchange ex, ResourceType type, String fieldValidation) {
        ObjectNode obj = parse(ex.header("Content-Type"), ex.body(), fieldValidation, ex, type.kind(), type.version());
        decodableAs(obj, type.apiVersion(), type.kind());
        return check(ex, type.apiVersion(), type.kind(), type.model(), obj, fieldValidation, cannotBeHandled(type.kind(), type.version()),
                cannotBeHandledPrefix(type.kind(), type.version()));
    }

    /**
     * Refuses (400) a body of another kind in upstream's words: its decoder reads the apiVersion
     * and kind the body names (the URL's where it names none), then converts to the URL's kind.
     * A kind no version here serves is not registered; a served one of another kind has no
     * conversion; the same kind in another group version converts, and then its version is refused.
     */
    private void decodableAs(ObjectNode obj, String wantApiVersion, String wantKind) {
        String apiVersion = Json.text(obj, "apiVersion").isEmpty() ? wantApiVersion : Json.text(obj, "apiVersion");
        String kind = Json.text(obj, "kind").isEmpty() ? wantKind : Json.text(obj, "kind");
        if (apiVersion.equals(wantApiVersion) && kind.equals(wantKind)) return;
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        String prefix = kind + " in version " + Statuses.quote(version) + " cannot be handled as a " + wantKind + ": ";
        if (!protobuf.supports(apiVersion, kind)) {
            throw Statuses.badRequest(prefix + "no kind " + Statuses.quote(kind) + " is registered for version " + Statuses.quote(apiVersion)
                    + " in scheme \"pkg/api/legacyscheme/scheme.go:30\"");
        }
        String from = internalPackage(apiVersion) + "." + kind;
        String to = internalPackage(wantApiVersion) + "." + wantKind;
        if (!from.equals(to)) {
            throw Statuses.badRequest(prefix + "converting (" + version + "." + kind + ") to (" + to + "): unknown conversion");
        }
    }

    /** The Go package of a group's internal types: core for the legacy group and events, else the group's first label. */
    private static String internalPackage(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        if (group.isEmpty() || group.equals("events.k8s.io")) return "core";
        int dot = group.indexOf('.');
        return dot < 0 ? group : group.substring(0, dot);
    }

    /** The request's body as an object of a subresource's own kind (a TokenRequest), as {@link #read}. */
    ObjectNode read(Exchange ex, ResourceType.Subresource sub, String fieldValidation) {
        ObjectNode obj = parse(ex.header("Content-Type"), ex.body(), fieldValidation, ex, sub.kind(), sub.version());
        return check(ex, sub.apiVersion(), sub.kind(), sub.model(), obj, fieldValidation, cannotBeHandled(sub.kind(), sub.version()),
                cannotBeHandledPrefix(sub.kind(), sub.version()));
    }

    /**
     * Checks an object body against its kind: apiVersion and kind must name the URL's type (or be
     * absent), values must have the schema's types (400), and unknown fields follow the
     * fieldValidation directive: Strict refuses (400), Warn warns and drops, Ignore drops.
     */
    static ObjectNode check(Exchange ex, ResourceType type, ObjectNode obj, String fieldValidation) {
        return check(ex, type.apiVersion(), type.kind(), type.model(), obj, fieldValidation, cannotBeHandled(type.kind(), type.version()), "");
    }

    /**
     * As {@link #check}, for the object a JSON or merge patch produced: as upstream, a value of the
     * wrong type is the patch's fault, 422 naming the patched object and Go's decoder error.
     */
    static ObjectNode checkPatched(Exchange ex, ResourceType type, ObjectNode patched, String fieldValidation) {
        return check(ex, type.apiVersion(), type.kind(), type.model(), patched, fieldValidation,
                p -> Statuses.invalid("", "", "", List.of(FieldError.invalid("patch", Json.string(patched), p.message()))), "");
    }

    /**
     * As {@link #checkPatched}, for a strategic merge patch: upstream converts the merged map to
     * the typed object, so the 422 names the patch as Go prints a map and the converter's error.
     */
    static ObjectNode checkStrategicPatched(Exchange ex, ResourceType type, ObjectNode patched, JsonNode patch, String fieldValidation) {
        return check(ex, type.apiVersion(), type.kind(), type.model(), patched, fieldValidation,
                p -> Statuses.invalid("", "", "", List.of(FieldError.invalid("patch", Json.goString(patch), p.converterMessage()))), "");
    }

    private static Function<Schema.Problem, ApiException> cannotBeHandled(String kind, String version) {
        return p -> Statuses.badRequest(cannotBeHandledPrefix(kind, version) + p.message());
    }

    /** How upstream's create and update handlers open an error of a body whose kind they know. */
    private static String cannotBeHandledPrefix(String kind, String version) {
        return kind == null ? "" : kind + " in version " + Statuses.quote(version) + " cannot be handled as a " + kind + ": ";
    }

    private static ObjectNode check(Exchange ex, String wantApiVersion, String wantKind, Class<?> model, ObjectNode obj,
                                    String fieldValidation, Function<Schema.Problem, ApiException> typeError, String strictPrefix) {
        String apiVersion = Json.text(obj, "apiVersion");
        String kind = Json.text(obj, "kind");
        if (!apiVersion.isEmpty() && !apiVersion.equals(wantApiVersion)) {
            throw Statuses.badRequest("the API version in the data (" + apiVersion + ") does not match the expected API version ("
                    + wantApiVersion + ")");
        }
        if (!kind.isEmpty() && !kind.equals(wantKind)) {
            throw Statuses.badRequest("the kind in the data (" + kind + ") does not match the expected kind (" + wantKind + ")");
        }
        String directive = fieldValidation(fieldValidation);
        List<Schema.Problem> problems = Schema.check(obj, Schema.of(model));
        List<String> unknown = new ArrayList<>();
        for (Schema.Problem p : problems) {
            if (!p.unknown()) throw typeError.apply(p);
            unknown.add(p.message());
        }
        if (!unknown.isEmpty()) {
            switch (directive) {
                case "Strict" -> throw Statuses.badRequest(strictPrefix + "strict decoding error: " + String.join(", ", unknown));
                case "Warn" -> unknown.forEach(ex::warn);
                default -> { }
            }
            Schema.dropUnknown(obj, Schema.of(model));
        }
        Schema.nullsAsGo(obj, Schema.of(model));
        return obj;
    }

    static String fieldValidation(String value) {
        if (value == null || value.isEmpty()) return "Warn";
        return switch (value) {
            case "Strict", "Warn", "Ignore" -> value;
            default -> throw Statuses.badRequest("fieldValidation: Unsupported value: \"" + value
                    + "\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
        };
    }

    static ApiException tooLarge() {
        return Statuses.requestEntityTooLarge("Request entity too large: limit is " + Exchange.MAX_BODY);
    }

    private static String firstLine(String s) {
        if (s == null) return "malformed input";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
