package io.portcullis.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * The OpenAPI v2 (Swagger 2.0) document of every served kind: the kinds, operations and schemas
 * of {@link OpenApi}'s v3 documents in one, for kubectl's client-side validation, `kubectl explain
 * --output=plaintext-openapiv2` and tools that know only v2. Held encoded twice, as JSON and as
 * the protobuf message client-go's OpenAPISchema() decodes (gnostic's openapi_v2.Document),
 * under one ETag as kube-openapi serves them.
 */
public final class OpenApiV2 {
    /** The protobuf form's media type as kubectl and client-go ask for it. */
    public static final String PROTOBUF_REQUESTED = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
    /** Its newer name, which may be asked for too, and which answers carry, as kube-openapi's do. */
    public static final String PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    // gnostic carries vendor extensions as YAML text; quoted wherever YAML 1.1 would read a string as something else
    private static final YAMLMapper YAML = YAMLMapper.builder().disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES, YAMLWriteFeature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS).build();

    private final byte[] json;
    private final byte[] protobuf;
    private final String etag;
    private final Instant lastModified = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    public OpenApiV2(Discovery discovery) {
        ObjectNode doc = document(discovery);
        json = Json.bytes(doc);
        protobuf = encode(doc, OpenApiV2::document).toByteArray();
        etag = "\"" + OpenApi.sha512(json) + "\"";
    }

    public byte[] json() {
        return json;
    }

    public byte[] protobuf() {
        return protobuf;
    }

    /** The quoted ETag of both forms. */
    public String etag() {
        return etag;
    }

    public Instant lastModified() {
        return lastModified;
    }

    private static ObjectNode document(Discovery discovery) {
        ObjectNode doc = Json.object();
        doc.put("swagger", "2.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Portcullis");
        info.put("version", "v1.32");
        ObjectNode paths = doc.putObject("paths");
        ObjectNode definitions = doc.putObject("definitions");
        for (String gv : discovery.groupVersions()) {
            for (ResourceType t : discovery.resources(gv)) {
                String ref = OpenApi.definition(definitions, t, OpenApi.V2_REFS);
                for (OpenApi.Operation o : OpenApi.operations(t)) {
                    ObjectNode item = paths.withObjectProperty(o.path());
                    if (item.isEmpty()) pathParameters(item, o.path());
                    item.set(o.method(), operation(t, o, ref));
                }
            }
        }
        return doc;
    }

    /** Swagger 2.0 declares each {placeholder} of a path once, on the path. */
    private static void pathParameters(ObjectNode item, String path) {
        for (String name : List.of("namespace", "name")) {
            if (!path.contains("{" + name + "}")) continue;
            ObjectNode p = item.withArrayProperty("parameters").addObject();
            p.put("name", name);
            p.put("in", "path");
            p.put("required", true);
            p.put("type", "string");
        }
    }

    private static ObjectNode operation(ResourceType t, OpenApi.Operation o, String ref) {
        ObjectNode op = Json.object();
        op.put("operationId", o.action() + t.kind());
        if (o.hasBody()) o.consumes().forEach(op.putArray("consumes")::add);
        op.putArray("produces").add("application/json");
        ArrayNode params = op.putArray("parameters");
        if (o.hasBody()) {
            ObjectNode body = params.addObject();
            body.put("name", "body");
            body.put("in", "body");
            body.put("required", true);
            if (o.method().equals("patch")) body.putObject("schema").put("type", "object");
            else body.putObject("schema").put("$ref", ref);
            for (String p : OpenApi.BODY_QUERY_PARAMETERS) {
                ObjectNode param = params.addObject();
                param.put("name", p);
                param.put("in", "query");
                param.put("type", "string");
            }
        }
        ObjectNode ok = op.putObject("responses").putObject("200");
        ok.put("description", "OK");
        ok.putObject("schema").put("$ref", ref);
        op.put("x-kubernetes-action", o.action());
        op.set("x-kubernetes-group-version-kind", OpenApi.gvk(t));
        return op;
    }

    // ---- the protobuf form: each JSON member at its field number in gnostic's openapi_v2 messages ----

    @FunctionalInterface
    private interface Writer {
        void write(CodedOutputStream out, JsonNode n) throws IOException;
    }

    private static ByteString encode(JsonNode n, Writer w) {
        try {
            ByteString.Output bytes = ByteString.newOutput();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            w.write(out, n);
            out.flush();
            return bytes.toByteString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void message(CodedOutputStream out, int field, JsonNode n, Writer w) throws IOException {
        out.writeBytes(field, encode(n, w));
    }

    /** A JSON object as repeated Named* messages: name = 1, value = 2. */
    private static void named(CodedOutputStream out, int field, JsonNode map, Writer value) throws IOException {
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            message(out, field, e.getValue(), (o, v) -> {
                o.writeString(1, e.getKey());
                message(o, 2, v, value);
            });
        }
    }

    /** An x- member as gnostic's NamedAny: name = 1, value = Any, whose yaml (2) is the value as YAML text. */
    private static void extension(CodedOutputStream out, int field, Map.Entry<String, JsonNode> e, String message) throws IOException {
        if (!e.getKey().startsWith("x-")) throw new IllegalStateException(message + " has no field for \"" + e.getKey() + "\"");
        message(out, field, e.getValue(), (o, v) -> {
            o.writeString(1, e.getKey());
            message(o, 2, v, (any, y) -> any.writeString(2, YAML.writeValueAsString(y)));
        });
    }

    private static void strings(CodedOutputStream out, int field, JsonNode array) throws IOException {
        for (JsonNode s : array) out.writeString(field, s.asString());
    }

    private static void document(CodedOutputStream out, JsonNode doc) throws IOException {
        for (Map.Entry<String, JsonNode> e : doc.properties()) {
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "swagger" -> out.writeString(1, v.asString());
                case "info" -> message(out, 2, v, (o, info) -> {
                    o.writeString(1, info.path("title").asString());
                    o.writeString(2, info.path("version").asString());
                });
                case "paths" -> message(out, 8, v, (o, paths) -> named(o, 2, paths, OpenApiV2::pathItem));
                case "definitions" -> message(out, 9, v, (o, defs) -> named(o, 1, defs, OpenApiV2::schema));
                default -> extension(out, 16, e, "Document");
            }
        }
    }

    private static void pathItem(CodedOutputStream out, JsonNode item) throws IOException {
        for (Map.Entry<String, JsonNode> e : item.properties()) {
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "get" -> message(out, 2, v, OpenApiV2::operation);
                case "put" -> message(out, 3, v, OpenApiV2::operation);
                case "post" -> message(out, 4, v, OpenApiV2::operation);
                case "delete" -> message(out, 5, v, OpenApiV2::operation);
                case "patch" -> message(out, 8, v, OpenApiV2::operation);
                case "parameters" -> { for (JsonNode p : v) message(out, 9, p, OpenApiV2::parametersItem); }
                default -> extension(out, 10, e, "PathItem");
            }
        }
    }

    private static void operation(CodedOutputStream out, JsonNode op) throws IOException {
        for (Map.Entry<String, JsonNode> e : op.properties()) {
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "operationId" -> out.writeString(5, v.asString());
                case "produces" -> strings(out, 6, v);
                case "consumes" -> strings(out, 7, v);
                case "parameters" -> { for (JsonNode p : v) message(out, 8, p, OpenApiV2::parametersItem); }
                case "responses" -> message(out, 9, v, (o, codes) -> named(o, 1, codes, (r, response) ->
                        message(r, 1, response, OpenApiV2::response)));        // ResponseValue.response
                default -> extension(out, 13, e, "Operation");
            }
        }
    }

    private static void response(CodedOutputStream out, JsonNode response) throws IOException {
        for (Map.Entry<String, JsonNode> e : response.properties()) {
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "description" -> out.writeString(1, v.asString());
                case "schema" -> message(out, 2, v, (o, s) -> message(o, 1, s, OpenApiV2::schema));   // SchemaItem.schema
                default -> extension(out, 5, e, "Response");
            }
        }
    }

    /**
     * ParametersItem.parameter (1) holds a Parameter: body_parameter (1), or non_body_parameter (2)
     * with the sub-schema of its place, query (3) or path (4); their fields are numbered apart.
     */
    private static void parametersItem(CodedOutputStream out, JsonNode param) throws IOException {
        String in = param.path("in").asString();
        message(out, 1, param, (parameter, p) -> {
            switch (in) {
                case "body" -> message(parameter, 1, p, (o, body) -> parameterFields(o, body, Map.of(
                        "name", 2, "in", 3, "required", 4, "schema", 5), "BodyParameter"));
                case "query" -> message(parameter, 2, p, (nonBody, q) -> message(nonBody, 3, q, (o, query) -> parameterFields(o, query, Map.of(
                        "required", 1, "in", 2, "name", 4, "type", 6), "QueryParameterSubSchema")));
                case "path" -> message(parameter, 2, p, (nonBody, q) -> message(nonBody, 4, q, (o, path) -> parameterFields(o, path, Map.of(
                        "required", 1, "in", 2, "name", 4, "type", 5), "PathParameterSubSchema")));
                default -> throw new IllegalStateException("no parameter sub-schema for \"in\": \"" + in + "\"");
            }
        });
    }

    private static void parameterFields(CodedOutputStream out, JsonNode param, Map<String, Integer> numbers, String message) throws IOException {
        for (Map.Entry<String, JsonNode> e : param.properties()) {
            Integer field = numbers.get(e.getKey());
            if (field == null) throw new IllegalStateException(message + " has no field for \"" + e.getKey() + "\"");
            JsonNode v = e.getValue();
            if (v.isBoolean()) out.writeBool(field, v.asBoolean());
            else if (v.isObject()) message(out, field, v, OpenApiV2::schema);
            else out.writeString(field, v.asString());
        }
    }

    private static void schema(CodedOutputStream out, JsonNode schema) throws IOException {
        for (Map.Entry<String, JsonNode> e : schema.properties()) {
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "$ref" -> out.writeString(1, v.asString());
                case "format" -> out.writeString(2, v.asString());
                case "additionalProperties" -> message(out, 21, v, (o, s) -> message(o, 1, s, OpenApiV2::schema));   // AdditionalPropertiesItem.schema
                case "type" -> message(out, 22, v, (o, type) -> o.writeString(1, type.asString()));                  // TypeItem.value
                case "items" -> message(out, 23, v, (o, s) -> message(o, 1, s, OpenApiV2::schema));                  // ItemsItem.schema
                case "properties" -> message(out, 25, v, (o, props) -> named(o, 1, props, OpenApiV2::schema));
                default -> extension(out, 31, e, "Schema");
            }
        }
    }
}
