package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Authentication;
import io.kubernetes.client.proto.V1Authorization;
import io.kubernetes.client.proto.V1Rbac;
import io.portcullis.api.Json;
import io.portcullis.api.protobuf.ProtobufBodies;
import io.portcullis.testing.Https.Response;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Thousands of mutated bodies (JSON, YAML, protobuf and the four patch types) against every served
 * kind of a real server over HTTPS, as the admin: none may get a 500 or go unanswered. The seed is
 * fixed; a failure names the request, with its body in base64 for replay.
 */
@Timeout(120)
class BodyFuzzTest extends AdminServerTest {
    static final long SEED = 20261201L;
    static final Duration PER_REQUEST = Duration.ofSeconds(10);
    static final String NS = "fuzz";
    static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";
    static final YAMLMapper YAML = YAMLMapper.builder().build();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A served kind: where its objects live, one valid object, and its protobuf message. */
    record Kind(String collection, String name, String seed, String apiVersion, String kind, Descriptor proto) {
        String object() { return collection + "/" + name; }
        boolean stored() { return name != null; }
    }

    static final List<Kind> KINDS = List.of(
            new Kind("/api/v1/namespaces", "fuzz-ns", """
                    {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"fuzz-ns","labels":{"a":"b"}},"spec":{"finalizers":["kubernetes"]}}""",
                    "v1", "Namespace", V1.Namespace.getDescriptor()),
            new Kind("/api/v1/namespaces/fuzz/configmaps", "cm", """
                    {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","labels":{"a":"b"},"annotations":{"x":"y"},"finalizers":["f/x"],
                     "managedFields":[{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:k":{}}}}]},
                     "data":{"k":"v"},"binaryData":{"b":"aGVsbG8="},"immutable":false}""",
                    "v1", "ConfigMap", V1.ConfigMap.getDescriptor()),
            new Kind("/api/v1/namespaces/fuzz/secrets", "s", """
                    {"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"Opaque","data":{"k":"dg=="},"stringData":{"p":"q"}}""",
                    "v1", "Secret", V1.Secret.getDescriptor()),
            new Kind("/api/v1/namespaces/fuzz/serviceaccounts", "sa", """
                    {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap",
                     "name":"cm","uid":"00000000-0000-0000-0000-000000000001"}]},"secrets":[{"name":"x"}],"imagePullSecrets":[{"name":"y"}],
                     "automountServiceAccountToken":true}""",
                    "v1", "ServiceAccount", V1.ServiceAccount.getDescriptor()),
            new Kind("/api/v1/namespaces/fuzz/pods", "p", """
                    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"x"}},"spec":{"containers":[{"name":"c","image":"i",
                     "ports":[{"containerPort":80,"protocol":"TCP"}],"env":[{"name":"E","value":"v"}],"resources":{"limits":{"cpu":"1"}},
                     "volumeMounts":[{"name":"v","mountPath":"/v"}]}],"terminationGracePeriodSeconds":30,"volumes":[{"name":"v","emptyDir":{}}],
                     "tolerations":[{"key":"k","operator":"Exists"}],"nodeSelector":{"a":"b"}}}""",
                    "v1", "Pod", V1.Pod.getDescriptor()),
            new Kind("/api/v1/namespaces/fuzz/events", "e", """
                    {"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},"involvedObject":{"kind":"Pod","name":"p","namespace":"fuzz"},
                     "reason":"R","message":"m","type":"Normal","count":1,"firstTimestamp":"2024-01-01T00:00:00Z",
                     "eventTime":"2024-01-01T00:00:00.000000Z","source":{"component":"c"}}""",
                    "v1", "Event", V1.Event.getDescriptor()),
            new Kind(RBAC + "/namespaces/fuzz/roles", "r", """
                    {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r"},
                     "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"],"resourceNames":["p"]}]}""",
                    "rbac.authorization.k8s.io/v1", "Role", V1Rbac.Role.getDescriptor()),
            new Kind(RBAC + "/clusterroles", "fuzz-cr", """
                    {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"fuzz-cr","labels":{"fuzz":"yes"}},
                     "rules":[{"nonResourceURLs":["/x"],"verbs":["get"]}],
                     "aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"fuzz-agg":"yes"},"matchExpressions":[{"key":"a","operator":"In","values":["b"]}]}]}}""",
                    "rbac.authorization.k8s.io/v1", "ClusterRole", V1Rbac.ClusterRole.getDescriptor()),
            new Kind(RBAC + "/namespaces/fuzz/rolebindings", "rb", """
                    {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb"},
                     "subjects":[{"kind":"User","name":"u","apiGroup":"rbac.authorization.k8s.io"},{"kind":"ServiceAccount","name":"sa","namespace":"fuzz"}],
                     "roleRef":{"kind":"Role","name":"r","apiGroup":"rbac.authorization.k8s.io"}}""",
                    "rbac.authorization.k8s.io/v1", "RoleBinding", V1Rbac.RoleBinding.getDescriptor()),
            new Kind(RBAC + "/clusterrolebindings", "fuzz-crb", """
                    {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"fuzz-crb"},
                     "subjects":[{"kind":"Group","name":"g","apiGroup":"rbac.authorization.k8s.io"}],
                     "roleRef":{"kind":"ClusterRole","name":"fuzz-cr","apiGroup":"rbac.authorization.k8s.io"}}""",
                    "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", V1Rbac.ClusterRoleBinding.getDescriptor()),
            new Kind("/apis/coordination.k8s.io/v1/namespaces/fuzz/leases", "l", """
                    {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l"},"spec":{"holderIdentity":"h",
                     "leaseDurationSeconds":10,"acquireTime":"2024-01-01T00:00:00.000000Z","renewTime":"2024-01-01T00:00:00.000000Z","leaseTransitions":1}}""",
                    "coordination.k8s.io/v1", "Lease", null),
            new Kind("/apis/authentication.k8s.io/v1/tokenreviews", null, """
                    {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"abc.def.ghi","audiences":["x"]}}""",
                    "authentication.k8s.io/v1", "TokenReview", V1Authentication.TokenReview.getDescriptor()),
            new Kind("/apis/authentication.k8s.io/v1/selfsubjectreviews", null, """
                    {"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","metadata":{"name":"x"}}""",
                    "authentication.k8s.io/v1", "SelfSubjectReview", V1Authentication.SelfSubjectReview.getDescriptor()),
            new Kind("/apis/authorization.k8s.io/v1/subjectaccessreviews", null, """
                    {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"u","groups":["g"],"extra":{"k":["v"]},"uid":"1",
                     "resourceAttributes":{"namespace":"fuzz","verb":"get","group":"","resource":"pods","subresource":"log","name":"p",
                     "fieldSelector":{"rawSelector":"a=b","requirements":[{"key":"a","operator":"In","values":["b"]}]},
                     "labelSelector":{"rawSelector":"a in (b)","requirements":[{"key":"a","operator":"Exists"}]}}}}""",
                    "authorization.k8s.io/v1", "SubjectAccessReview", V1Authorization.SubjectAccessReview.getDescriptor()),
            new Kind("/apis/authorization.k8s.io/v1/namespaces/fuzz/localsubjectaccessreviews", null, """
                    {"apiVersion":"authorization.k8s.io/v1","kind":"LocalSubjectAccessReview","metadata":{"namespace":"fuzz"},
                     "spec":{"user":"u","resourceAttributes":{"namespace":"fuzz","verb":"list","resource":"configmaps"}}}""",
                    "authorization.k8s.io/v1", "LocalSubjectAccessReview", V1Authorization.LocalSubjectAccessReview.getDescriptor()),
            new Kind("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", null, """
                    {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"nonResourceAttributes":{"path":"/x","verb":"get"}}}""",
                    "authorization.k8s.io/v1", "SelfSubjectAccessReview", V1Authorization.SelfSubjectAccessReview.getDescriptor()),
            new Kind("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", null, """
                    {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","spec":{"namespace":"fuzz"}}""",
                    "authorization.k8s.io/v1", "SelfSubjectRulesReview", V1Authorization.SelfSubjectRulesReview.getDescriptor()),
            new Kind("/apis/policy.portcullis.io/v1alpha1/whocanreviews", null, """
                    {"apiVersion":"policy.portcullis.io/v1alpha1","kind":"WhoCanReview","spec":{
                     "resourceAttributes":{"namespace":"fuzz","verb":"get","group":"","resource":"pods","name":"p"}}}""",
                    "policy.portcullis.io/v1alpha1", "WhoCanReview", null),
            new Kind("/apis/policy.portcullis.io/v1alpha1/accessmatrixreviews", null, """
                    {"apiVersion":"policy.portcullis.io/v1alpha1","kind":"AccessMatrixReview","spec":{"user":"u","groups":["g"],"uid":"1",
                     "extra":{"k":["v"]},"namespace":"fuzz"}}""",
                    "policy.portcullis.io/v1alpha1", "AccessMatrixReview", null),
            new Kind("/apis/policy.portcullis.io/v1alpha1/leastprivilegereviews", null, """
                    {"apiVersion":"policy.portcullis.io/v1alpha1","kind":"LeastPrivilegeReview","spec":{"subject":"system:serviceaccount:fuzz:sa",
                     "sinceSeconds":3600,"namespace":"fuzz"}}""",
                    "policy.portcullis.io/v1alpha1", "LeastPrivilegeReview", null),
            new Kind("/api/v1/namespaces/fuzz/serviceaccounts/sa/token", null, """
                    {"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"audiences":["a"],"expirationSeconds":3600,
                     "boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"p"}}}""",
                    "authentication.k8s.io/v1", "TokenRequest", V1Authentication.TokenRequest.getDescriptor()));

    /** A subresource that takes a body (PUT and PATCH), with the kind whose object it writes: the seed is that kind's. */
    record Subresource(Kind of, String name) {
        String path() { return of.object() + "/" + name; }
    }

    static final List<Subresource> SUBRESOURCES = List.of(
            new Subresource(KINDS.get(0), "status"),
            new Subresource(KINDS.get(0), "finalize"),
            new Subresource(KINDS.get(4), "status"));

    /**
     * Every resource and subresource discovery lists with a verb that takes a body is fuzzed: a kind
     * or subresource served later cannot be left out of the set above unnoticed.
     */
    @Test
    void everyServedResourceThatTakesABodyIsFuzzed() {
        java.util.Set<String> fuzzed = new java.util.TreeSet<>();
        for (Kind k : KINDS) fuzzed.add(resourceOf(k.collection()));
        for (Subresource sub : SUBRESOURCES) fuzzed.add(resourceOf(sub.of().collection()) + "/" + sub.name());
        java.util.Set<String> served = new java.util.TreeSet<>();
        List<String> versions = new ArrayList<>(List.of("/api/v1"));
        for (JsonNode g : https.get("/apis").json().path("groups")) {
            for (JsonNode v : g.path("versions")) versions.add("/apis/" + v.path("groupVersion").asString());
        }
        for (String version : versions) {
            String group = version.equals("/api/v1") ? "" : version.substring("/apis/".length(), version.lastIndexOf('/'));
            for (JsonNode r : https.get(version).json().path("resources")) {
                List<String> verbs = new ArrayList<>();
                r.path("verbs").forEach(v -> verbs.add(v.asString()));
                if (verbs.contains("create") || verbs.contains("update") || verbs.contains("patch")) {
                    served.add(group + "/" + r.path("name").asString());
                }
            }
        }
        assertThat(served).as("served resources that take a body").isNotEmpty();
        assertThat(fuzzed).containsAll(served);
    }

    /** "group/resource" of a collection the fuzzer sends to, or "group/resource/subresource" of a kind's subresource path. */
    static String resourceOf(String path) {
        String[] p = path.substring(1).split("/");
        int at = p[0].equals("api") ? 2 : 3;   // past /api/v1 or /apis/<group>/<version>
        String group = p[0].equals("api") ? "" : p[1];
        if (p.length > at && p[at].equals("namespaces") && p.length > at + 2) at += 2;   // a namespace's own objects
        String resource = p[at];
        return group + "/" + resource + (p.length > at + 2 ? "/" + p[at + 2] : "");
    }

    /** One request the fuzzer sends, and how to send it again. */
    record Request(String method, String path, String contentType, byte[] body) {
        String replay() {
            return method + " " + path + " (Content-Type: " + contentType + ")\nbody (base64): " + Base64.getEncoder().encodeToString(body);
        }
    }

    @BeforeAll
    static void seeds() throws Exception {
        send(new Request("POST", "/api/v1/namespaces", "application/json", "{\"metadata\":{\"name\":\"fuzz\"}}".getBytes(StandardCharsets.UTF_8)), 201);
        for (Kind k : KINDS) if (k.stored()) send(new Request("POST", k.collection(), "application/json", bytes(k.seed())), 201);
        send(new Request("POST", "/api/v1/namespaces/fuzz/configmaps", "application/json",
                bytes("{\"metadata\":{\"name\":\"repro\"},\"data\":{\"a\":\"b\"}}")), 201);
    }

    // --- the review's repros, as fixed rows --------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            duplicate key, then a syntax error, JSON | POST  | /api/v1/namespaces/fuzz/configmaps        | application/json            | {"metadata":{"name":"d","name":"e"},  | 400 | the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: unexpected end of JSON input
            duplicate key, then a syntax error, YAML | POST  | /api/v1/namespaces/fuzz/configmaps        | application/yaml            | 'metadata: {name: d}\\nmetadata: {'  | 400 | the object provided is unrecognized (must be of type ConfigMap): error converting YAML to JSON: yaml: 
            26 copies each doubling the document     | PATCH | /api/v1/namespaces/fuzz/configmaps/repro  | application/json-patch+json | DOUBLING_COPIES                       | 422 | Unable to complete the copy
            """)
    void reviewReprosAreClientErrorsThatChangeNothing(String name, String method, String path, String contentType, String body, int code,
                                                      String says) throws Exception {
        String object = path.endsWith("/repro") ? path : path + "/d";
        String before = https.get(object).text();
        String payload = body.equals("DOUBLING_COPIES") ? doublingCopies() : body.replace("\\n", "\n");
        JsonNode status = send(new Request(method, path, contentType, bytes(payload)), code).json();
        assertThat(status.path("kind").asString()).isEqualTo("Status");
        assertThat(status.path("message").asString() + status.path("details").path("causes")).contains(says);
        assertThat(https.get(object).text()).as("nothing changed").isEqualTo(before);
    }

    /** The review's 26 copies of data into itself (each doubles the document): 1,249 bytes. */
    static String doublingCopies() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < 26; i++) b.append(i == 0 ? "" : ",").append("{\"op\":\"copy\",\"from\":\"/data\",\"path\":\"/data/k%02d\"}".formatted(i));
        return b.append(']').toString();
    }

    // --- the fuzzer ----------------------------------------------------------------------------------

    @Test
    void noMutatedBodyGetsA500OrNoAnswer() throws Exception {
        Random random = new Random(SEED);
        List<Request> requests = new ArrayList<>();
        for (Kind k : KINDS) requests.addAll(requests(k, random));
        for (Subresource sub : SUBRESOURCES) requests.addAll(requests(sub, random));
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(35);
        for (Request r : requests) {
            pool.execute(() -> {
                if (failures.size() >= 5 || System.nanoTime() > deadline) return;
                String failure = check(r);
                if (failure != null) failures.add(failure);
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(90, TimeUnit.SECONDS)).isTrue();
        assertThat(failures).as("%d requests", requests.size()).isEmpty();
        // a slow machine sends fewer: the bound is on time, and each request sent was checked
        if (System.nanoTime() > deadline) System.err.println("BodyFuzzTest: the time bound stopped the fuzzer before its last requests");
        // whatever was stored, the authorizer still answers for the subjects the fuzzed bindings name
        var asSubject = https.withHeader("Impersonate-User", "u").withHeader("Impersonate-Group", "g");
        for (Response r : List.of(asSubject.get("/api/v1/namespaces/fuzz/pods"), asSubject.get("/api/v1/namespaces"),
                asSubject.post("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
                        "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\",\"spec\":{\"namespace\":\"fuzz\"}}"),
                https.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", KINDS.stream()
                        .filter(k -> k.kind().equals("SubjectAccessReview")).findFirst().orElseThrow().seed()))) {
            assertThat(r.status()).as(r.text()).isLessThan(500);
        }
    }

    /** Why the request failed the fuzzer, or null when it was answered below 500. */
    static String check(Request r) {
        try {
            HttpResponse<String> resp = https.client().send(http(r), HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() < 500) return null;
            return "answered " + resp.statusCode() + " " + resp.body() + "\n" + r.replay();
        } catch (HttpTimeoutException e) {
            return "no answer within " + PER_REQUEST + "\n" + r.replay();
        } catch (Exception e) {
            return "failed: " + e + "\n" + r.replay();
        }
    }

    static HttpRequest http(Request r) {
        return https.request(r.path()).timeout(PER_REQUEST).header("Content-Type", r.contentType())
                .method(r.method(), HttpRequest.BodyPublishers.ofByteArray(r.body())).build();
    }

    static Response send(Request r, int code) throws Exception {
        Response resp = https.send(r.method(), r.path(), r.contentType(), r.body());
        assertThat(resp.status()).as("%s -> %s", r.replay(), resp.text()).isEqualTo(code);
        return resp;
    }

    /** Every request of a kind: creates (or the review), updates and the four patch types, each with its mutations. */
    static List<Request> requests(Kind k, Random random) {
        ObjectNode seed = (ObjectNode) Json.MAPPER.readTree(k.seed());
        List<Request> out = new ArrayList<>();
        for (ObjectNode wrong : wrongTypes(seed)) {
            out.add(new Request("POST", k.collection(), "application/json", Json.bytes(renamed(wrong, random))));
            if (k.stored()) out.add(new Request("PATCH", k.object(), "application/merge-patch+json", Json.bytes(wrong)));
        }
        for (int i = 0; i < 20; i++) {
            out.add(new Request("POST", k.collection(), "application/json", jsonMutation(renamed(seed, random), random)));
            out.add(new Request("POST", k.collection(), "application/yaml", yamlMutation(renamed(seed, random), random)));
            out.add(new Request("POST", k.collection(), ProtobufBodies.MEDIA_TYPE, protobuf(k, random)));
            if (!k.stored()) continue;
            out.add(new Request("PUT", k.object(), i % 2 == 0 ? "application/json" : "application/yaml",
                    i % 2 == 0 ? jsonMutation(seed, random) : yamlMutation(seed, random)));
            out.add(new Request("PATCH", k.object(), "application/json-patch+json", jsonPatch(seed, random)));
            out.add(new Request("PATCH", k.object(), "application/merge-patch+json", jsonMutation(subtree(seed, random), random)));
            out.add(new Request("PATCH", k.object(), "application/strategic-merge-patch+json", strategicPatch(seed, random)));
            out.add(new Request("PATCH", k.object() + "?fieldManager=fuzz" + (random.nextBoolean() ? "&force=true" : ""),
                    "application/apply-patch+yaml", random.nextBoolean() ? yamlMutation(seed, random) : jsonMutation(seed, random)));
        }
        return out;
    }

    /** Every request of a subresource: updates and the four patch types of its kind's seed, each with its mutations. */
    static List<Request> requests(Subresource sub, Random random) {
        ObjectNode seed = (ObjectNode) Json.MAPPER.readTree(sub.of().seed());
        List<Request> out = new ArrayList<>();
        for (ObjectNode wrong : wrongTypes(seed)) out.add(new Request("PUT", sub.path(), "application/json", Json.bytes(wrong)));
        for (int i = 0; i < 20; i++) {
            out.add(new Request("PUT", sub.path(), i % 2 == 0 ? "application/json" : "application/yaml",
                    i % 2 == 0 ? jsonMutation(seed, random) : yamlMutation(seed, random)));
            out.add(new Request("PUT", sub.path(), ProtobufBodies.MEDIA_TYPE, protobuf(sub.of(), random)));
            out.add(new Request("PATCH", sub.path(), "application/json-patch+json", jsonPatch(seed, random)));
            out.add(new Request("PATCH", sub.path(), "application/merge-patch+json", jsonMutation(subtree(seed, random), random)));
            out.add(new Request("PATCH", sub.path(), "application/strategic-merge-patch+json", strategicPatch(seed, random)));
            out.add(new Request("PATCH", sub.path() + "?fieldManager=fuzz", "application/apply-patch+yaml",
                    random.nextBoolean() ? yamlMutation(seed, random) : jsonMutation(seed, random)));
        }
        return out;
    }

    /** The seed with a fresh valid name half the time, so that some mutations reach past name validation. */
    static ObjectNode renamed(ObjectNode seed, Random random) {
        ObjectNode copy = seed.deepCopy();
        if (random.nextBoolean() && copy.get("metadata") instanceof ObjectNode m) m.put("name", "fz-" + Integer.toHexString(random.nextInt()));
        return copy;
    }

    // --- tree mutations ------------------------------------------------------------------------------

    /** Every node of the tree but the root, as its parent and its key (a field name or an index). */
    record Place(JsonNode parent, String field, int index) {
        void set(JsonNode value) {
            if (parent instanceof ObjectNode o) o.set(field, value);
            else ((ArrayNode) parent).set(index, value);
        }
        JsonNode get() { return parent instanceof ObjectNode o ? o.get(field) : parent.get(index); }
    }

    static List<Place> places(JsonNode root) {
        List<Place> out = new ArrayList<>();
        if (root instanceof ObjectNode o) {
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                out.add(new Place(o, e.getKey(), -1));
                out.addAll(places(e.getValue()));
            }
        } else if (root instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                out.add(new Place(a, null, i));
                out.addAll(places(a.get(i)));
            }
        }
        return out;
    }

    static final List<JsonNode> WRONG = List.of(NODES.stringNode("x"), NODES.numberNode(-1), NODES.numberNode(1.5), NODES.booleanNode(true),
            NODES.nullNode(), NODES.arrayNode(), NODES.objectNode(), NODES.arrayNode().add(1), NODES.objectNode().put("a", 1),
            NODES.numberNode(new java.math.BigInteger("9".repeat(40))));

    /** The seed with each of its fields in turn given a value of each wrong type. */
    static List<ObjectNode> wrongTypes(ObjectNode seed) {
        List<ObjectNode> out = new ArrayList<>();
        int n = places(seed).size();
        for (int i = 0; i < n; i++) {
            for (JsonNode wrong : WRONG) {
                ObjectNode copy = seed.deepCopy();
                places(copy).get(i).set(wrong.deepCopy());
                out.add(copy);
            }
        }
        return out;
    }

    static final String[] ODD_TEXT = {"", "\u0000", "a\u0001b", "\u202e", "\ud83d\ude00", "\ud800", "\udfff", "\n\r\t", "\\", "\"", "-",
            "~", "/", "..", "$patch", "a".repeat(70_000), "\u00ff\u0100", "k:{\"name\":\"c\"}", "f:spec", "v:1", "i:0"};

    /** A random value: scalars at their edges, odd text, deep nesting. */
    static JsonNode oddValue(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> NODES.numberNode(new java.math.BigDecimal("1e" + (random.nextBoolean() ? "999999999" : "-999999999")));
            case 1 -> NODES.numberNode(random.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE);
            case 2 -> NODES.numberNode(new java.math.BigInteger("9".repeat(1 + random.nextInt(999))));
            case 3 -> NODES.numberNode(random.nextBoolean() ? Double.MAX_VALUE : -Double.MIN_VALUE);
            case 4 -> NODES.stringNode(ODD_TEXT[random.nextInt(ODD_TEXT.length)]);
            case 5 -> deep(new int[] {10, 99, 100, 101}[random.nextInt(4)], random);
            case 6 -> NODES.objectNode().put(ODD_TEXT[random.nextInt(ODD_TEXT.length)], ODD_TEXT[random.nextInt(ODD_TEXT.length)]);
            case 7 -> NODES.nullNode();
            case 8 -> NODES.arrayNode().add(NODES.objectNode()).add(NODES.nullNode()).add("x");
            case 9 -> NODES.numberNode(random.nextInt());
            case 10 -> NODES.booleanNode(random.nextBoolean());
            default -> WRONG.get(random.nextInt(WRONG.size())).deepCopy();
        };
    }

    static JsonNode deep(int depth, Random random) {
        JsonNode n = NODES.stringNode("x");
        for (int i = 0; i < depth; i++) n = random.nextBoolean() ? NODES.arrayNode().add(n) : NODES.objectNode().set("a", n);
        return n;
    }

    /** The tree with a few places given odd values, or odd keys added. */
    static ObjectNode mutateTree(ObjectNode tree, Random random) {
        ObjectNode copy = tree.deepCopy();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            List<Place> places = places(copy);
            Place p = places.get(random.nextInt(places.size()));
            if (random.nextInt(4) == 0 && p.get() instanceof ObjectNode o) o.set(ODD_TEXT[random.nextInt(ODD_TEXT.length)], oddValue(random));
            else p.set(oddValue(random));
        }
        return copy;
    }

    /** A part of the tree, as a merge patch would carry it. */
    static ObjectNode subtree(ObjectNode tree, Random random) {
        ObjectNode patch = Json.object();
        for (Map.Entry<String, JsonNode> e : tree.properties()) if (random.nextBoolean()) patch.set(e.getKey(), e.getValue().deepCopy());
        return mutateTree(patch.isEmpty() ? tree : patch, random);
    }

    // --- text and byte mutations ---------------------------------------------------------------------

    static byte[] jsonMutation(ObjectNode tree, Random random) {
        return switch (random.nextInt(8)) {
            case 0, 1, 2 -> Json.bytes(mutateTree(tree, random));
            case 3 -> flip(Json.bytes(tree), random);
            case 4 -> truncate(Json.bytes(tree), random);
            case 5 -> duplicateKey(Json.string(tree), random);
            case 6 -> invalidUtf8(Json.bytes(tree), random);
            default -> bytes("{\"a\":" + "[".repeat(new int[] {100, 101, 5000, 200_000}[random.nextInt(4)]) + "}");
        };
    }

    static byte[] yamlMutation(ObjectNode tree, Random random) {
        String yaml = YAML.writeValueAsString(tree);
        return switch (random.nextInt(9)) {
            case 0 -> bytes(YAML.writeValueAsString(mutateTree(tree, random)));
            case 1 -> flip(bytes(yaml), random);
            case 2 -> truncate(bytes(yaml), random);
            case 3 -> bytes(yaml + "metadata: {name: dup}\n");
            case 4 -> bytes(yaml.replaceFirst("metadata:", "metadata: &m") + "extra: *m\nmore: *nope\n");
            case 5 -> bytes(yaml.replaceFirst(": ", ": " + new String[] {"!!binary ", "!!python/object:os.system ", "!foo ", "!!int ", "!!float ",
                    "!!timestamp ", "!!set ", "!!omap ", "!!null ", "!<tag:yaml.org,2002:str> "}[random.nextInt(10)]));
            case 6 -> bytes(laughs() + yaml);
            case 7 -> bytes(new String[] {"%YAML 1.1\n---\n" + yaml, yaml + "---\nkind: Other\n", "? [a, b]\n: c\n" + yaml,
                    yaml.replace("  ", "\t"), "<<: {a: 1}\n" + yaml, "a: " + "[".repeat(5000), "a: " + "- ".repeat(3000) + "x\n",
                    "a: &a [*a]\n" + yaml, "\ufeff" + yaml}[random.nextInt(9)]);
            default -> invalidUtf8(bytes(yaml), random);
        };
    }

    static String laughs() {
        StringBuilder b = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 9; i++) b.append("l").append(i).append(": &l").append(i).append(" [").append(("*l" + (i - 1) + ", ").repeat(8))
                .append("*l").append(i - 1).append("]\n");
        return b.toString();
    }

    static byte[] flip(byte[] b, Random random) {
        byte[] out = b.clone();
        for (int i = 1 + random.nextInt(4); i > 0 && out.length > 0; i--) out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        return out;
    }

    static byte[] truncate(byte[] b, Random random) {
        return java.util.Arrays.copyOf(b, b.length == 0 ? 0 : random.nextInt(b.length));
    }

    static byte[] duplicateKey(String json, Random random) {
        List<String> keys = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"([^\"]+)\":").matcher(json);
        while (m.find()) keys.add(m.group());
        String key = keys.get(random.nextInt(keys.size()));
        int at = json.indexOf(key);
        String dup = key + Json.string(oddValue(random)) + ",";
        String out = json.substring(0, at) + dup + json.substring(at);
        return bytes(random.nextBoolean() ? out : out.substring(0, out.length() - 1 - random.nextInt(Math.max(1, out.length() / 2))));
    }

    static byte[] invalidUtf8(byte[] b, Random random) {
        int quote = -1;
        for (int i = 0; i < 20 && quote < 0; i++) {
            int at = random.nextInt(b.length);
            if (b[at] == '"') quote = at;
        }
        if (quote < 0) quote = b.length / 2;
        byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                {(byte) 0xC0, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};
        byte[] insert = bad[random.nextInt(bad.length)];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, 0, quote + 1);
        out.writeBytes(insert);
        out.write(b, quote + 1, b.length - quote - 1);
        return out.toByteArray();
    }

    // --- patches -------------------------------------------------------------------------------------

    static final String[] OPS = {"add", "remove", "replace", "move", "copy", "test", "frob"};

    static byte[] jsonPatch(ObjectNode seed, Random random) {
        List<String> pointers = new ArrayList<>(List.of("", "/", "/-", "//", "/~2", "/metadata/labels/-", "/metadata/finalizers/-",
                "/metadata/finalizers/0", "/metadata/finalizers/99999999999", "/metadata/managedFields", "/metadata/name", "/a/b/c"));
        collectPointers(seed, "", pointers);
        ArrayNode ops = NODES.arrayNode();
        for (int i = 1 + random.nextInt(4); i > 0; i--) {
            ObjectNode op = ops.addObject();
            op.put("op", OPS[random.nextInt(OPS.length)]);
            if (random.nextInt(10) > 0) op.put("path", pointers.get(random.nextInt(pointers.size())));
            if (random.nextBoolean()) op.put("from", pointers.get(random.nextInt(pointers.size())));
            if (random.nextInt(5) > 0) op.set("value", random.nextBoolean() ? oddValue(random) : seed.deepCopy());
        }
        return random.nextInt(4) == 0 ? jsonMutation(NODES.objectNode().set("ops", ops), random) : Json.bytes(ops);
    }

    static void collectPointers(JsonNode node, String at, List<String> out) {
        if (node instanceof ObjectNode o) {
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                String p = at + "/" + e.getKey().replace("~", "~0").replace("/", "~1");
                out.add(p);
                collectPointers(e.getValue(), p, out);
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                out.add(at + "/" + i);
                collectPointers(a.get(i), at + "/" + i, out);
            }
        }
    }

    static final String[] DIRECTIVES = {"$patch", "$retainKeys", "$setElementOrder/containers", "$setElementOrder/finalizers",
            "$deleteFromPrimitiveList/finalizers", "$setElementOrder/rules", "$setElementOrder/subjects", "$deleteFromPrimitiveList/verbs"};
    static final JsonNode[] DIRECTIVE_VALUES = {NODES.stringNode("replace"), NODES.stringNode("delete"), NODES.stringNode("merge"),
            NODES.stringNode("frob"), NODES.arrayNode().add("name").add("x"), NODES.arrayNode().add(NODES.objectNode().put("name", "c")),
            NODES.arrayNode().add(1).add(NODES.nullNode()), NODES.arrayNode().add(NODES.objectNode()), NODES.objectNode(), NODES.nullNode()};

    static byte[] strategicPatch(ObjectNode seed, Random random) {
        ObjectNode patch = subtree(seed, random);
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            List<ObjectNode> objects = new ArrayList<>();
            objects.add(patch);
            for (Place p : places(patch)) if (p.get() instanceof ObjectNode o) objects.add(o);
            objects.get(random.nextInt(objects.size())).set(DIRECTIVES[random.nextInt(DIRECTIVES.length)],
                    DIRECTIVE_VALUES[random.nextInt(DIRECTIVE_VALUES.length)].deepCopy());
        }
        return random.nextInt(5) == 0 ? jsonMutation(patch, random) : Json.bytes(patch);
    }

    // --- protobuf ------------------------------------------------------------------------------------

    /** A random message of the kind in an envelope (or an envelope of garbage), then maybe mangled bytes. */
    static byte[] protobuf(Kind k, Random random) {
        byte[] body = k.proto() == null || random.nextInt(6) == 0
                ? envelope(k, randomBytes(random))
                : ProtobufBodies.encode(k.apiVersion(), k.kind(), named(randomMessage(k.proto(), random, 0), random));
        return switch (random.nextInt(6)) {
            case 0 -> flip(body, random);
            case 1 -> truncate(body, random);
            case 2 -> overlongVarint(body, random);
            default -> body;
        };
    }

    static DynamicMessage named(DynamicMessage m, Random random) {
        FieldDescriptor metadata = m.getDescriptorForType().findFieldByName("metadata");
        if (metadata == null || random.nextBoolean()) return m;
        Descriptor meta = metadata.getMessageType();
        return m.toBuilder().setField(metadata, DynamicMessage.newBuilder(meta)
                .setField(meta.findFieldByName("name"), "fz-" + Integer.toHexString(random.nextInt())).build()).build();
    }

    /** An envelope of the kind around raw bytes that may be anything. */
    static byte[] envelope(Kind k, byte[] raw) {
        byte[] env = Runtime.Unknown.newBuilder()
                .setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion(k.apiVersion()).setKind(k.kind()))
                .setRaw(ByteString.copyFrom(raw)).build().toByteArray();
        byte[] out = java.util.Arrays.copyOf(bytes("k8s\0"), 4 + env.length);
        System.arraycopy(env, 0, out, 4, env.length);
        return out;
    }

    static DynamicMessage randomMessage(Descriptor d, Random random, int depth) {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(d);
        for (FieldDescriptor f : d.getFields()) {
            if (random.nextInt(3) == 0 || (depth > 5 && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE)) continue;
            if (f.isRepeated()) {
                for (int i = random.nextInt(3); i > 0; i--) b.addRepeatedField(f, randomValue(f, random, depth));
            } else {
                b.setField(f, randomValue(f, random, depth));
            }
        }
        return b.build();
    }

    static Object randomValue(FieldDescriptor f, Random random, int depth) {
        return switch (f.getJavaType()) {
            case MESSAGE -> randomMessage(f.getMessageType(), random, depth + 1);
            case STRING -> random.nextInt(3) == 0 ? ODD_TEXT[random.nextInt(ODD_TEXT.length)] : "v" + random.nextInt(5);
            case INT -> new int[] {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, random.nextInt()}[random.nextInt(6)];
            case LONG -> new long[] {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 253402300800L, random.nextLong()}[random.nextInt(7)];
            case BOOLEAN -> random.nextBoolean();
            case FLOAT -> new float[] {0, Float.NaN, Float.POSITIVE_INFINITY, 1.5f}[random.nextInt(4)];
            case DOUBLE -> new double[] {0, Double.NaN, Double.NEGATIVE_INFINITY, 1e308}[random.nextInt(4)];
            case BYTE_STRING -> ByteString.copyFrom(random.nextBoolean() ? randomBytes(random)
                    : bytes(new String[] {"{}", "{\"a\":" + "[".repeat(300) + "]".repeat(300) + "}", "null", "[1]", "{\"f:a\":{\"k:{\\\"x\\\"\":{}}}}",
                    "{bad"}[random.nextInt(6)]));
            case ENUM -> f.getEnumType().getValues().get(random.nextInt(f.getEnumType().getValues().size()));
        };
    }

    static byte[] randomBytes(Random random) {
        byte[] b = new byte[random.nextInt(64)];
        random.nextBytes(b);
        return b;
    }

    /** A varint that never ends (eleven continuation bytes) spliced in somewhere. */
    static byte[] overlongVarint(byte[] body, Random random) {
        int at = 4 + random.nextInt(Math.max(1, body.length - 4));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(body, 0, Math.min(at, body.length));
        for (int i = 0; i < 11; i++) out.write(0xFF);
        if (at < body.length) out.write(body, at, body.length - at);
        return out.toByteArray();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
