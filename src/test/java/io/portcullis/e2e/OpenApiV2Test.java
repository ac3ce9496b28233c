package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.portcullis.api.Json;
import io.portcullis.testing.Https.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * /openapi/v2 as kubectl, client-go and v2-only tools read it: Swagger 2.0 JSON, and gnostic's
 * openapi_v2.Document in protobuf, decoded here by field number alone.
 */
class OpenApiV2Test extends AdminServerTest {
    static final String PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
    static final String PROTOBUF_RESPONSE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    @Test
    void everyServedKindHasADefinitionWithItsGroupVersionKind() throws Exception {
        JsonNode definitions = v2().path("definitions");
        List<String> gvks = new ArrayList<>();
        for (String gv : servedGroupVersions()) {
            JsonNode list = json(https.get(gv.contains("/") ? "/apis/" + gv : "/api/" + gv));
            for (JsonNode r : list.path("resources")) {
                if (r.path("name").asString().contains("/")) continue;
                gvks.add(gvk(gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "", gv.substring(gv.indexOf('/') + 1), r.path("kind").asString()));
            }
        }
        List<String> defined = new ArrayList<>();
        for (JsonNode def : definitions) {
            for (JsonNode g : def.path("x-kubernetes-group-version-kind")) {
                defined.add(gvk(g.path("group").asString(), g.path("version").asString(), g.path("kind").asString()));
            }
        }
        assertThat(gvks).contains(gvk("", "v1", "ConfigMap"), gvk("rbac.authorization.k8s.io", "v1", "ClusterRole"),
                gvk("authorization.k8s.io", "v1", "SelfSubjectAccessReview"));
        assertThat(defined).containsExactlyInAnyOrderElementsOf(gvks);
    }

    @Test
    void pathsNameEachOperationOfNamespacedClusterAndReviewKinds() throws Exception {
        JsonNode doc = v2();
        assertThat(doc.path("swagger").asString()).isEqualTo("2.0");
        assertThat(doc.path("info").path("title").asString()).isNotEmpty();
        JsonNode paths = doc.path("paths");

        JsonNode configMap = paths.path("/api/v1/namespaces/{namespace}/configmaps/{name}");
        assertThat(names(configMap.path("parameters"))).containsExactly("namespace", "name");
        assertThat(configMap.path("parameters").get(0).path("in").asString()).isEqualTo("path");
        JsonNode patch = configMap.path("patch");
        assertThat(patch.path("x-kubernetes-action").asString()).isEqualTo("patch");
        assertThat(patch.path("x-kubernetes-group-version-kind")).isEqualTo(gvkNode("", "v1", "ConfigMap"));
        assertThat(names(patch.path("parameters"))).contains("body", "fieldValidation");
        assertThat(patch.path("consumes").toString()).contains("application/merge-patch+json", "application/apply-patch+yaml");
        assertThat(paths.path("/api/v1/namespaces/{namespace}/configmaps").path("get").path("x-kubernetes-action").asString()).isEqualTo("list");

        JsonNode clusterRole = paths.path("/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}");
        assertThat(names(clusterRole.path("parameters"))).containsExactly("name");
        for (String method : List.of("get", "put", "patch", "delete")) {
            assertThat(clusterRole.path(method).path("x-kubernetes-group-version-kind")).as(method)
                    .isEqualTo(gvkNode("rbac.authorization.k8s.io", "v1", "ClusterRole"));
        }
        JsonNode body = clusterRole.path("put").path("parameters").get(0);
        assertThat(body.path("in").asString()).isEqualTo("body");
        assertThat(body.path("schema").path("$ref").asString()).isEqualTo("#/definitions/io.k8s.api.rbac.v1.ClusterRole");

        JsonNode review = paths.path("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
        assertThat(review.propertyNames()).containsExactly("post");
        assertThat(review.path("post").path("x-kubernetes-action").asString()).isEqualTo("post");
        assertThat(paths.has("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/{name}")).isFalse();

        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty().allSatisfy(ref -> {
            assertThat(ref).startsWith("#/definitions/");
            assertThat(doc.path("definitions").has(ref.substring("#/definitions/".length()))).as(ref).isTrue();
        });
    }

    /** The v3 documents and the v2 document describe the same kinds with the same schemas and operations. */
    @Test
    void sameSchemasAndOperationsAsOpenApiV3() throws Exception {
        JsonNode v2 = v2();
        int operations = 0;
        for (JsonNode entry : json(https.get("/openapi/v3")).path("paths")) {
            JsonNode v3 = json(https.get(entry.path("serverRelativeURL").asString()));
            for (Map.Entry<String, JsonNode> schema : v3.path("components").path("schemas").properties()) {
                assertThat(v2.path("definitions").path(schema.getKey())).as(schema.getKey()).isEqualTo(asV2(schema.getValue()));
            }
            for (Map.Entry<String, JsonNode> path : v3.path("paths").properties()) {
                for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                    JsonNode same = v2.path("paths").path(path.getKey()).path(op.getKey());
                    for (String field : List.of("operationId", "x-kubernetes-action", "x-kubernetes-group-version-kind")) {
                        assertThat(same.path(field)).as(path.getKey() + " " + op.getKey() + " " + field).isEqualTo(op.getValue().path(field));
                    }
                    operations++;
                }
            }
        }
        int v2Operations = 0;
        for (JsonNode item : v2.path("paths")) v2Operations += item.size() - (item.has("parameters") ? 1 : 0);
        assertThat(v2Operations).isEqualTo(operations);
    }

    @Test
    void protobufDecodesToTheSameDefinitionsAndPatchParameters() throws Exception {
        JsonNode json = v2();
        Response r = https.get("/openapi/v2", "Accept", PROTOBUF);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(PROTOBUF_RESPONSE);
        UnknownFieldSet document = UnknownFieldSet.parseFrom(r.body());
        assertThat(string(document, 1)).isEqualTo("2.0");                        // Document.swagger

        Map<String, UnknownFieldSet> definitions = named(message(document, 9), 1);   // Document.definitions
        assertThat(definitions.keySet()).containsExactlyElementsOf(json.path("definitions").propertyNames());
        for (Map.Entry<String, UnknownFieldSet> d : definitions.entrySet()) {
            JsonNode want = json.path("definitions").path(d.getKey());
            Map<String, UnknownFieldSet> properties = named(message(d.getValue(), 25), 1);   // Schema.properties
            assertThat(properties.keySet()).as(d.getKey()).containsExactlyElementsOf(want.path("properties").propertyNames());
            assertThat(extensions(d.getValue(), 31)).as(d.getKey())                   // Schema.vendor_extension
                    .isEqualTo(want.has("x-kubernetes-group-version-kind")
                            ? Map.of("x-kubernetes-group-version-kind", want.path("x-kubernetes-group-version-kind")) : Map.of());
        }

        // as kubectl's query parameter check reads it: the PATCH operation of the kind's path, its GVK, a query parameter
        Map<String, UnknownFieldSet> paths = named(message(document, 8), 2);       // Document.paths, Paths.path
        UnknownFieldSet patch = message(paths.get("/api/v1/namespaces/{namespace}/configmaps/{name}"), 8);   // PathItem.patch
        assertThat(extensions(patch, 13)).containsEntry("x-kubernetes-group-version-kind", gvkNode("", "v1", "ConfigMap"))
                .containsEntry("x-kubernetes-action", Json.MAPPER.getNodeFactory().stringNode("patch"));
        List<String> queryParameters = new ArrayList<>();
        for (ByteString item : patch.getField(8).getLengthDelimitedList()) {      // Operation.parameters
            UnknownFieldSet parameter = message(UnknownFieldSet.parseFrom(item), 1);       // ParametersItem.parameter
            if (!parameter.hasField(2)) continue;                                           // Parameter.non_body_parameter
            UnknownFieldSet query = message(message(parameter, 2), 3);                      // NonBodyParameter.query_parameter_sub_schema
            queryParameters.add(string(query, 4));                                          // QueryParameterSubSchema.name
        }
        assertThat(queryParameters).contains("fieldValidation");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            -                                                            | 200 | application/json
            application/json                                             | 200 | application/json
            */*                                                          | 200 | application/json
            application/com.github.proto-openapi.spec.v2@v1.0+protobuf   | 200 | application/com.github.proto-openapi.spec.v2.v1.0+protobuf
            application/com.github.proto-openapi.spec.v2.v1.0+protobuf   | 200 | application/com.github.proto-openapi.spec.v2.v1.0+protobuf
            '*/*, application/com.github.proto-openapi.spec.v2@v1.0+protobuf'                | 200 | application/com.github.proto-openapi.spec.v2.v1.0+protobuf
            'application/json;q=0.5, application/com.github.proto-openapi.spec.v2.v1.0+protobuf;q=0.9' | 200 | application/com.github.proto-openapi.spec.v2.v1.0+protobuf
            application/yaml                                             | 406 | application/json
            """)
    void mediaTypeIsChosenAsKubeOpenApiChoosesIt(String accept, int code, String contentType) throws Exception {
        Response r = accept == null ? https.get("/openapi/v2") : https.get("/openapi/v2", "Accept", accept);
        assertThat(r.status()).isEqualTo(code);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(contentType);
        assertThat(r.headers().allValues("Vary")).contains("Accept");
    }

    @Test
    void aCachedCopyIsConfirmedWithNotModifiedInEitherForm() throws Exception {
        Response first = https.get("/openapi/v2");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[0-9A-F]{128}\"");
        String lastModified = first.headers().firstValue("Last-Modified").orElseThrow();

        Response again = https.get("/openapi/v2", "If-None-Match", etag);
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(again.headers().firstValue("ETag")).hasValue(etag);
        // one ETag for both forms, as upstream: caches keep them apart by Vary: Accept
        Response protobuf = https.get("/openapi/v2", "Accept", PROTOBUF, "If-None-Match", "W/" + etag);
        assertThat(protobuf.status()).isEqualTo(304);
        assertThat(https.get("/openapi/v2", "If-None-Match", "\"other\", " + etag).status()).isEqualTo(304);
        assertThat(https.get("/openapi/v2", "If-Modified-Since", lastModified).status()).isEqualTo(304);

        Response changed = https.get("/openapi/v2", "If-None-Match", "\"other\"");
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.body()).isEqualTo(first.body());
    }

    // ---- helpers ----

    private static JsonNode v2() throws Exception {
        Response r = https.get("/openapi/v2", "Accept", "application/json");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return json(r);
    }

    private static List<String> servedGroupVersions() throws Exception {
        List<String> out = new ArrayList<>(List.of("v1"));
        for (JsonNode g : json(https.get("/apis")).path("groups")) {
            for (JsonNode v : g.path("versions")) out.add(v.path("groupVersion").asString());
        }
        return out;
    }

    /** A v3 schema as v2 writes it: references bare, not wrapped in allOf, and into #/definitions/. */
    private static JsonNode asV2(JsonNode v3) {
        if (v3.isObject()) {
            JsonNode allOf = v3.path("allOf");
            if (v3.size() == 1 && allOf.size() == 1 && allOf.get(0).has("$ref")) return asV2(allOf.get(0));
            ObjectNode out = Json.object();
            for (Map.Entry<String, JsonNode> e : v3.properties()) out.set(e.getKey(), asV2(e.getValue()));
            return out;
        }
        if (v3.isArray()) {
            var out = Json.MAPPER.createArrayNode();
            v3.forEach(n -> out.add(asV2(n)));
            return out;
        }
        if (v3.isString() && v3.asString().startsWith("#/components/schemas/")) {
            return Json.MAPPER.getNodeFactory().stringNode("#/definitions/" + v3.asString().substring("#/components/schemas/".length()));
        }
        return v3;
    }

    private static void collectRefs(JsonNode n, List<String> out) {
        if (n.isObject() && n.has("$ref")) out.add(n.path("$ref").asString());
        for (JsonNode child : n) collectRefs(child, out);
    }

    private static List<String> names(JsonNode parameters) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : parameters) out.add(p.path("name").asString());
        return out;
    }

    private static String gvk(String group, String version, String kind) {
        return group + "/" + version + "/" + kind;
    }

    private static JsonNode gvkNode(String group, String version, String kind) {
        ObjectNode n = Json.object();
        n.put("group", group);
        n.put("version", version);
        n.put("kind", kind);
        return n;
    }

    // ---- protobuf, by field number ----

    private static UnknownFieldSet message(UnknownFieldSet m, int field) throws InvalidProtocolBufferException {
        List<ByteString> values = m.getField(field).getLengthDelimitedList();
        assertThat(values).as("field %d", field).hasSize(1);
        return UnknownFieldSet.parseFrom(values.get(0));
    }

    private static String string(UnknownFieldSet m, int field) {
        return m.getField(field).getLengthDelimitedList().get(0).toStringUtf8();
    }

    /** Repeated Named* messages (name = 1, value = 2), in order. */
    private static Map<String, UnknownFieldSet> named(UnknownFieldSet m, int field) throws InvalidProtocolBufferException {
        Map<String, UnknownFieldSet> out = new LinkedHashMap<>();
        for (ByteString b : m.getField(field).getLengthDelimitedList()) {
            UnknownFieldSet pair = UnknownFieldSet.parseFrom(b);
            out.put(string(pair, 1), message(pair, 2));
        }
        return out;
    }

    /** Vendor extensions as gnostic carries them: NamedAny, its value an Any whose yaml (field 2) is YAML text. */
    private static Map<String, JsonNode> extensions(UnknownFieldSet m, int field) throws InvalidProtocolBufferException {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        YAMLMapper yaml = YAMLMapper.builder().build();
        for (Map.Entry<String, UnknownFieldSet> e : named(m, field).entrySet()) out.put(e.getKey(), yaml.readTree(string(e.getValue(), 2)));
        return out;
    }

    private static JsonNode json(Response r) {
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json();
    }
}
