package io.portcullis.server;

import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Schema;
import io.portcullis.api.Statuses;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.protobuf.ProtobufBodies;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
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
    private static final YAMLMapper YAML = YAMLMapper.builder(YAMLFactory.builder().streamReadConstraints(LIMITS).build()).build();
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
        return parse(contentType, body, "Ignore", null);
    }

    /**
     * As {@link #parse(String, byte[])}, with upstream's handling of duplicate fields per the
     * fieldValidation directive: Strict refuses them (400), Warn warns (last one wins), Ignore ignores.
     */
    ObjectNode parse(String contentType, byte[] body, String fieldValidation, Exchange ex) {
        String media = mediaType(contentType);
        if (body.length == 0) throw Statuses.badRequest("the request body is empty");
        if (media.equals(ProtobufBodies.MEDIA_TYPE)) return protobuf.decode(body);
        boolean yaml = media.equals("application/yaml") || media.equals("application/apply-patch+yaml");
        boolean json = media.equals("application/json") || media.equals("application/merge-patch+json")
                || media.equals("application/json-patch+json") || media.equals("application/strategic-merge-patch+json");
        if (!yaml && !json) throw Statuses.unsupportedMediaType(media);
        JsonNode tree;
        try {
            tree = (yaml ? STRICT_YAML : STRICT_JSON).readTree(body);
        } catch (JacksonException e) {
            String duplicate = duplicateField(e);
            if (duplicate == null) throw undecodable(media, firstLine(e.getOriginalMessage()));
            // the rest of the body may still be malformed: read it all before acting on the duplicate
            tree = tree(body, yaml, media);
            String directive = fieldValidation(fieldValidation);
            if (directive.equals("Strict")) throw Statuses.badRequest("strict decoding error: duplicate field " + Statuses.quote(duplicate));
            if (directive.equals("Warn") && ex != null) ex.warn("duplicate field " + Statuses.quote(duplicate));
        }
        if (!(finite(tree, media) instanceof ObjectNode o)) throw Statuses.badRequest("the body of the request must be a JSON object");
        return o;
    }

    /** A body as JSON or YAML under the request limits, duplicates allowed (the last one wins); malformed: 400. */
    static JsonNode tree(byte[] body, boolean yaml, String media) {
        try {
            return finite((yaml ? YAML : JSON).readTree(body), media);
        } catch (JacksonException e) {
            throw undecodable(media, firstLine(e.getOriginalMessage()));
        }
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

    private static String duplicateField(JacksonException e) {
        String m = e.getOriginalMessage();
        if (m == null || !m.startsWith("Duplicate")) return null;
        int a = m.indexOf('"');
        int b = m.lastIndexOf('"');
        return a >= 0 && b > a ? m.substring(a + 1, b) : "";
    }

    /** The request's body as an object of the type, parsed and checked under the fieldValidation directive. */
    ObjectNode read(Exchange ex, ResourceType type, String fieldValidation) {
        ObjectNode obj = parse(ex.header("Content-Type"), ex.body(), fieldValidation, ex);
        decodableAs(obj, type.apiVersion(), type.kind());
        return check(ex, type, obj, fieldValidation);
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
        ObjectNode obj = parse(ex.header("Content-Type"), ex.body(), fieldValidation, ex);
        return check(ex, sub.apiVersion(), sub.kind(), sub.model(), obj, fieldValidation, cannotBeHandled(sub.kind(), sub.version()));
    }

    /**
     * Checks an object body against its kind: apiVersion and kind must name the URL's type (or be
     * absent), values must have the schema's types (400), and unknown fields follow the
     * fieldValidation directive: Strict refuses (400), Warn warns and drops, Ignore drops.
     */
    static ObjectNode check(Exchange ex, ResourceType type, ObjectNode obj, String fieldValidation) {
        return check(ex, type.apiVersion(), type.kind(), type.model(), obj, fieldValidation, cannotBeHandled(type.kind(), type.version()));
    }

    /**
     * As {@link #check}, for the object a JSON or merge patch produced: as upstream, a value of the
     * wrong type is the patch's fault, 422 naming the patched object and Go's decoder error.
     */
    static ObjectNode checkPatched(Exchange ex, ResourceType type, ObjectNode patched, String fieldValidation) {
        return check(ex, type.apiVersion(), type.kind(), type.model(), patched, fieldValidation,
                p -> Statuses.invalid("", "", "", List.of(FieldError.invalid("patch", Json.string(patched), p.message()))));
    }

    /**
     * As {@link #checkPatched}, for a strategic merge patch: upstream converts the merged map to
     * the typed object, so the 422 names the patch as Go prints a map and the converter's error.
     */
    static ObjectNode checkStrategicPatched(Exchange ex, ResourceType type, ObjectNode patched, JsonNode patch, String fieldValidation) {
        return check(ex, type.apiVersion(), type.kind(), type.model(), patched, fieldValidation,
                p -> Statuses.invalid("", "", "", List.of(FieldError.invalid("patch", Json.goString(patch), p.converterMessage()))));
    }

    private static Function<Schema.Problem, ApiException> cannotBeHandled(String kind, String version) {
        return p -> Statuses.badRequest(kind + " in version " + Statuses.quote(version) + " cannot be handled as a " + kind + ": " + p.message());
    }

    private static ObjectNode check(Exchange ex, String wantApiVersion, String wantKind, Class<?> model, ObjectNode obj,
                                    String fieldValidation, Function<Schema.Problem, ApiException> typeError) {
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
                case "Strict" -> throw Statuses.badRequest("strict decoding error: " + String.join(", ", unknown));
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
