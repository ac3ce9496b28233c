package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Bad requests over raw HTTPS: each gets a 4xx Status naming the problem, never a 500, and the
 * store is the same afterwards.
 */
@Timeout(60)
@EndToEnd
class BadInputTest {
    @RegisterExtension
    static final TestServer server = TestServer.embedded();
    static Https https;

    static final String CMS = "/api/v1/namespaces/bad/configmaps";
    static final String ROLES = "/apis/rbac.authorization.k8s.io/v1/namespaces/bad/roles";
    /** Lists whose items, with their resourceVersions, make up what a bad request must not change. */
    static final List<String> WATCHED = List.of("/api/v1/namespaces", "/api/v1/configmaps", "/api/v1/secrets", "/api/v1/pods",
            "/apis/rbac.authorization.k8s.io/v1/roles", "/apis/rbac.authorization.k8s.io/v1/clusterroles");

    @BeforeAll
    static void start() throws Exception {
        https = server.admin();
        expect(201, https.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"bad\"}}"));
        expect(201, https.post(CMS, "{\"metadata\":{\"name\":\"cm1\"},\"data\":{\"a\":\"1\"}}"));
        expect(201, https.post("/api/v1/namespaces/bad/pods",
                "{\"metadata\":{\"name\":\"p1\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}"));
        expect(201, https.post(ROLES, "{\"metadata\":{\"name\":\"r1\"},\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\"]}]}"));
        awaitRootCaInEveryNamespace();
    }

    /**
     * The root CA controller writes a ConfigMap into every namespace shortly after it appears; a
     * snapshot taken before it has done so would see its write as the bad request's.
     */
    static void awaitRootCaInEveryNamespace() throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            java.util.Set<String> namespaces = new java.util.TreeSet<>();
            for (JsonNode ns : https.get("/api/v1/namespaces").json().get("items")) {
                namespaces.add(ns.get("metadata").get("name").asString());
            }
            java.util.Set<String> withRootCa = new java.util.TreeSet<>();
            for (JsonNode cm : https.get("/api/v1/configmaps?fieldSelector=metadata.name%3Dkube-root-ca.crt").json().get("items")) {
                withRootCa.add(cm.get("metadata").get("namespace").asString());
            }
            if (withRootCa.containsAll(namespaces)) return;
            assertThat(System.nanoTime()).as("kube-root-ca.crt in every namespace of %s within 10 s", namespaces).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    static void expect(int code, Response r) {
        assertThat(r.status()).as(r.text()).isEqualTo(code);
    }

    /** Every object of the watched lists, keyed by list, namespace and name, with its resourceVersion. */
    static Map<String, String> snapshot() throws Exception {
        Map<String, String> all = new TreeMap<>();
        for (String path : WATCHED) {
            Response r = https.get(path);
            expect(200, r);
            for (JsonNode item : r.json().get("items")) {
                JsonNode m = item.get("metadata");
                all.put(path + " " + m.path("namespace").asString("") + "/" + m.get("name").asString(), m.get("resourceVersion").asString());
            }
        }
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            # case                                   | method | path                                         | content type                      | body                                                                                    | code | reason               | message contains
            malformed JSON                           | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"x"},                                                               | 400  | BadRequest           | json
            JSON that is not an object               | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | [1,2]                                                                                   | 400  | BadRequest           | object
            malformed YAML                           | POST   | /api/v1/namespaces/bad/configmaps           | application/yaml                   | 'metadata: {name: [x'                                                                   | 400  | BadRequest           | yaml
            empty body                               | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | ''                                                                                      | 400  | BadRequest           | the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)
            kind not matching the URL                | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}                             | 400  | BadRequest           | Secret
            apiVersion not matching the URL          | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}                    | 400  | BadRequest           | apps/v1
            RBAC kind under a core URL               | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"x"}}    | 400  | BadRequest           | converting (v1.Role) to (core.ConfigMap)
            body namespace not the URL's             | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"x","namespace":"default"}}                                         | 400  | BadRequest           | the namespace of the provided object does not match the namespace sent on the request
            body name not the URL's on PUT           | PUT    | /api/v1/namespaces/bad/configmaps/cm1       | application/json                   | {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm2"},"data":{"a":"2"}}      | 400  | BadRequest           | the name of the object (cm2) does not match the name on the URL (cm1)
            upper-case configmap name                | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"Bad_Name"}}                                                        | 422  | Invalid              | ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain
            configmap name over 253 characters       | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"LONG254"}}                                                         | 422  | Invalid              | must be no more than 253 characters
            namespace name with a dot                | POST   | /api/v1/namespaces                          | application/json                   | {"metadata":{"name":"a.b"}}                                                             | 422  | Invalid              | a lowercase RFC 1123 label
            namespace name over 63 characters        | POST   | /api/v1/namespaces                          | application/json                   | {"metadata":{"name":"LONG64"}}                                                          | 422  | Invalid              | must be no more than 63 characters
            role name with a slash                   | POST   | /apis/rbac.authorization.k8s.io/v1/namespaces/bad/roles | application/json       | {"metadata":{"name":"a/b"},"rules":[]}                                                  | 422  | Invalid              | may not contain '/'
            role name ..                             | POST   | /apis/rbac.authorization.k8s.io/v1/namespaces/bad/roles | application/json       | {"metadata":{"name":".."},"rules":[]}                                                   | 422  | Invalid              | may not be '..'
            missing name and generateName            | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{}}                                                                          | 422  | Invalid              | name or generateName is required
            label key with a space                   | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"x","labels":{"bad key":"v"}}}                                      | 422  | Invalid              | metadata.labels: Invalid value: "bad key"
            pod without containers                   | POST   | /api/v1/namespaces/bad/pods                 | application/json                   | {"metadata":{"name":"x"},"spec":{"containers":[]}}                                      | 422  | Invalid              | spec.containers: Required value
            aggregation selector, unknown operator   | POST   | /apis/rbac.authorization.k8s.io/v1/clusterroles | application/json   | {"metadata":{"name":"agg"},"aggregationRule":{"clusterRoleSelectors":[{"matchExpressions":[{"key":"a","operator":"Frob"}]}]}} | 422 | Invalid | aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator: Unsupported value: "Frob"
            aggregation selector, In without values  | POST   | /apis/rbac.authorization.k8s.io/v1/clusterroles | application/json   | {"metadata":{"name":"agg"},"aggregationRule":{"clusterRoleSelectors":[{"matchExpressions":[{"key":"a","operator":"In"}]}]}} | 422 | Invalid | aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Required value
            aggregation rule without selectors       | POST   | /apis/rbac.authorization.k8s.io/v1/clusterroles | application/json   | {"metadata":{"name":"agg"},"aggregationRule":{}}                                        | 422  | Invalid              | at least one clusterRoleSelector required
            rolebinding without roleRef              | POST   | /apis/rbac.authorization.k8s.io/v1/namespaces/bad/rolebindings | application/json | {"metadata":{"name":"x"}}                                                           | 422  | Invalid              | roleRef
            configmap data of the wrong type         | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"x"},"data":["a"]}                                                  | 400  | BadRequest           | data
            managedFields with an unknown operation  | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"x","managedFields":[{"manager":"m","operation":"Frob"}]}}          | 400  | BadRequest           | invalid managedFields
            managedFields with a key that is no JSON | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"x","managedFields":[{"manager":"m","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"k:{bad":{}}}]}} | 400 | BadRequest | invalid managedFields
            unknown group                            | GET    | /apis/widgets.example.com/v1/widgets        |                                    |                                                                                         | 404  | NotFound             | the server could not find the requested resource
            unknown core resource                    | GET    | /api/v1/namespaces/bad/widgets              |                                    |                                                                                         | 404  | NotFound             | the server could not find the requested resource
            unknown version                          | GET    | /api/v2/namespaces                          |                                    |                                                                                         | 404  | NotFound             | the server could not find the requested resource
            unknown subresource                      | GET    | /api/v1/namespaces/bad/configmaps/cm1/frob  |                                    |                                                                                         | 404  | NotFound             | the server could not find the requested resource
            unknown top-level path                   | GET    | /nothing/here                               |                                    |                                                                                         | 404  | NotFound             | the server could not find the requested resource
            create with text/plain                   | POST   | /api/v1/namespaces/bad/configmaps           | text/plain                         | {"metadata":{"name":"x"}}                                                               | 415  | UnsupportedMediaType | the body of the request was in an unknown format - accepted media types include: application/json, application/yaml
            patch with application/json              | PATCH  | /api/v1/namespaces/bad/configmaps/cm1       | application/json                   | {"data":{"a":"2"}}                                                                      | 415  | UnsupportedMediaType | the body of the request was in an unknown format
            patch with an unknown media type         | PATCH  | /api/v1/namespaces/bad/configmaps/cm1       | application/x-frob                 | {"data":{"a":"2"}}                                                                      | 415  | UnsupportedMediaType | the body of the request was in an unknown format
            POST on pods/status                      | POST   | /api/v1/namespaces/bad/pods/p1/status       | application/json                   | {"metadata":{"name":"p1"}}                                                              | 405  | MethodNotAllowed     | ''
            POST on /version                         | POST   | /version                                    | application/json                   | {}                                                                                      | 405  | MethodNotAllowed     | ''
            unparsable label selector                | GET    | /api/v1/namespaces/bad/configmaps?labelSelector=a%20in%20(b |                     |                                                                                         | 400  | BadRequest           | unable to parse requirement
            label selector with a bad value          | GET    | /api/v1/namespaces/bad/configmaps?labelSelector=a%3D%25%25 |                      |                                                                                         | 400  | BadRequest           | %%
            field selector without operator          | GET    | /api/v1/namespaces/bad/configmaps?fieldSelector=metadata.name |                   |                                                                                         | 400  | BadRequest           | metadata.name
            unsupported field label                  | GET    | /api/v1/namespaces/bad/configmaps?fieldSelector=data.a%3D1 |                      |                                                                                         | 400  | BadRequest           | field label not supported: data.a
            unsupported pod field label              | GET    | /api/v1/namespaces/bad/pods?fieldSelector=spec.frob%3Dx |                         |                                                                                         | 400  | BadRequest           | field label not supported: spec.frob
            non-numeric resourceVersion on list      | GET    | /api/v1/namespaces/bad/configmaps?resourceVersion=abc |                           |                                                                                         | 400  | BadRequest           | abc
            non-numeric resourceVersion on watch     | GET    | /api/v1/namespaces/bad/configmaps?watch=true&resourceVersion=abc |                |                                                                                         | 400  | BadRequest           | abc
            non-numeric resourceVersion on update    | PUT    | /api/v1/namespaces/bad/configmaps/cm1       | application/json                   | {"metadata":{"name":"cm1","resourceVersion":"abc"},"data":{"a":"9"}}                    | 400  | BadRequest           | abc
            bad resourceVersionMatch                 | GET    | /api/v1/namespaces/bad/configmaps?resourceVersion=1&resourceVersionMatch=Frob |   |                                                                                         | 400  | BadRequest           | Frob
            invalid continue token                   | GET    | /api/v1/namespaces/bad/configmaps?limit=1&continue=not-a-token |                  |                                                                                         | 400  | BadRequest           | continue
            JSON patch that is not a list            | PATCH  | /api/v1/namespaces/bad/configmaps/cm1       | application/json-patch+json        | {"op":"add","path":"/data/b","value":"2"}                                              | 400  | BadRequest           | patch
            JSON patch with an unknown op            | PATCH  | /api/v1/namespaces/bad/configmaps/cm1       | application/json-patch+json        | [{"op":"frob","path":"/data/a"}]                                                        | 422  | Invalid              | the server rejected our request due to an error in our request
            JSON patch removing a missing path       | PATCH  | /api/v1/namespaces/bad/configmaps/cm1       | application/json-patch+json        | [{"op":"remove","path":"/data/nope"}]                                                   | 422  | Invalid              | the server rejected our request due to an error in our request
            malformed JSON patch                     | PATCH  | /api/v1/namespaces/bad/configmaps/cm1       | application/json-patch+json        | [{"op":"add",                                                                           | 400  | BadRequest           | patch
            malformed merge patch                    | PATCH  | /api/v1/namespaces/bad/configmaps/cm1       | application/merge-patch+json       | {"data":                                                                                | 400  | BadRequest           | patch
            merge patch giving data a wrong type     | PATCH  | /api/v1/namespaces/bad/configmaps/cm1       | application/merge-patch+json       | {"data":{"a":1}}                                                                        | 422  | Invalid              | json: cannot unmarshal number into Go struct field ConfigMap.data of type string
            apply patch without fieldManager         | PATCH  | /api/v1/namespaces/bad/configmaps/cm1       | application/apply-patch+yaml       | {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1"}}                        | 422  | Invalid              | fieldManager: Required value: is required for apply patch
            force on a merge patch                   | PATCH  | /api/v1/namespaces/bad/configmaps/cm1?force=true | application/merge-patch+json  | {"data":{"a":"2"}}                                                                      | 422  | Invalid              | may not be specified for non-apply patch
            Strict create with an unknown field      | POST   | /api/v1/namespaces/bad/configmaps?fieldValidation=Strict | application/json      | {"metadata":{"name":"x"},"spec":{"a":1}}                                                | 400  | BadRequest           | strict decoding error: unknown field "spec"
            Strict update with an unknown field      | PUT    | /api/v1/namespaces/bad/configmaps/cm1?fieldValidation=Strict | application/json  | {"metadata":{"name":"cm1"},"dta":{"a":"2"}}                                             | 400  | BadRequest           | unknown field "dta"
            Strict pod with a field of a later release | POST | /api/v1/namespaces/bad/pods?fieldValidation=Strict | application/json        | {"metadata":{"name":"x"},"spec":{"hostnameOverride":"h","containers":[{"name":"c","image":"i"}]}} | 400 | BadRequest | strict decoding error: unknown field "spec.hostnameOverride"
            Strict create with a duplicate field     | POST   | /api/v1/namespaces/bad/configmaps?fieldValidation=Strict | application/json      | {"metadata":{"name":"x","name":"y"}}                                                    | 400  | BadRequest           | strict decoding error: duplicate
            bad fieldValidation value                | POST   | /api/v1/namespaces/bad/configmaps?fieldValidation=Frob | application/json        | {"metadata":{"name":"x"}}                                                               | 400  | BadRequest           | Frob
            bad dryRun value                         | POST   | /api/v1/namespaces/bad/configmaps?dryRun=Some | application/json                 | {"metadata":{"name":"x"}}                                                               | 400  | BadRequest           | Some
            delete with a malformed body             | DELETE | /api/v1/namespaces/bad/configmaps/cm1       | application/json                   | {"propagationPolicy":                                                                   | 400  | BadRequest           | json
            delete with a bad propagationPolicy      | DELETE | /api/v1/namespaces/bad/configmaps/cm1       | application/json                   | {"propagationPolicy":"Sideways"}                                                        | 422  | Invalid              | Sideways
            create in a missing namespace            | POST   | /api/v1/namespaces/nope/configmaps          | application/json                   | {"metadata":{"name":"x"}}                                                               | 404  | NotFound             | namespaces "nope" not found
            """)
    void badRequestGetsAClearStatusAndChangesNothing(String name, String method, String path, String contentType, String body,
                                                      int code, String reason, String message) throws Exception {
        Map<String, String> before = snapshot();
        String payload = body == null ? null : body.replace("LONG254", "a".repeat(254)).replace("LONG64", "a".repeat(64));
        Response r = https.send(method, path, contentType, payload == null && "POST PUT PATCH".contains(method) ? "" : payload);

        assertThat(r.status()).as("%s -> %s", name, r.text()).isEqualTo(code);
        JsonNode status = r.json();
        assertThat(status.path("kind").asString()).as(r.text()).isEqualTo("Status");
        assertThat(status.path("apiVersion").asString()).isEqualTo("v1");
        assertThat(status.path("status").asString()).isEqualTo("Failure");
        assertThat(status.path("reason").asString()).isEqualTo(reason);
        assertThat(status.path("code").asInt()).isEqualTo(code);
        assertThat(status.path("message").asString()).as("message").isNotBlank();
        // as upstream's NewGenericServerResponse, a failed JSON patch keeps the generic message and puts the reason in the causes
        StringBuilder said = new StringBuilder(status.path("message").asString());
        for (JsonNode cause : status.path("details").path("causes")) said.append('\n').append(cause.path("message").asString());
        if (message != null) assertThat(said.toString().toLowerCase()).contains(message.toLowerCase());
        assertThat(snapshot()).as("store unchanged").isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            # case                                   | method | path                                         | content type                      | body                                                                                    | code | reason               | message contains
            PATCH on a collection                    | PATCH  | /api/v1/namespaces/bad/configmaps           | application/merge-patch+json       | {"data":{"a":"2"}}                                                                      | 405  | MethodNotAllowed     | ''
            DELETE on pods/status                    | DELETE | /api/v1/namespaces/bad/pods/p1/status       |                                    |                                                                                         | 405  | MethodNotAllowed     | ''
            PUT on a collection                      | PUT    | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"x"}}                                                               | 405  | MethodNotAllowed     | ''
            POST on an object                        | POST   | /api/v1/namespaces/bad/configmaps/cm1       | application/json                   | {"metadata":{"name":"x"}}                                                               | 405  | MethodNotAllowed     | ''
            """)
    void methodsUpstreamRefuses(String name, String method, String path, String contentType, String body,
                                int code, String reason, String message) throws Exception {
        badRequestGetsAClearStatusAndChangesNothing(name, method, path, contentType, body, code, reason, message);
    }

    @Test
    void mergePatchRenamingTheObjectIsRefused() throws Exception {
        badRequestGetsAClearStatusAndChangesNothing("merge patch renaming the object", "PATCH", CMS + "/cm1", "application/merge-patch+json",
                "{\"metadata\":{\"name\":\"other\"}}", 400, "BadRequest", "the name of the object (other) does not match the name on the URL (cm1)");
    }

    /** As upstream's update: no write names another namespace than its path's, and none moves or copies the object there. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            merge patch                         | PATCH | /api/v1/namespaces/bad/configmaps/cm1                      | application/merge-patch+json           | {"metadata":{"namespace":"default"}}
            strategic merge patch               | PATCH | /api/v1/namespaces/bad/configmaps/cm1                      | application/strategic-merge-patch+json | {"metadata":{"namespace":"default"}}
            JSON patch                          | PATCH | /api/v1/namespaces/bad/configmaps/cm1                      | application/json-patch+json            | [{"op":"replace","path":"/metadata/namespace","value":"default"}]
            server-side apply                   | PATCH | /api/v1/namespaces/bad/configmaps/cm1?fieldManager=m       | application/apply-patch+yaml           | {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1","namespace":"default"}}
            server-side apply that would create | PATCH | /api/v1/namespaces/bad/configmaps/fresh?fieldManager=m     | application/apply-patch+yaml           | {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fresh","namespace":"default"}}
            update                              | PUT   | /api/v1/namespaces/bad/configmaps/cm1                      | application/json                       | {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1","namespace":"default"}}
            patch of a Role                     | PATCH | /apis/rbac.authorization.k8s.io/v1/namespaces/bad/roles/r1 | application/merge-patch+json           | {"metadata":{"namespace":"kube-system"}}
            """)
    void aWriteNamingAnotherNamespaceIsRefusedAndMovesNothing(String name, String method, String path, String contentType, String body)
            throws Exception {
        badRequestGetsAClearStatusAndChangesNothing(name, method, path, contentType, body, 400, "BadRequest",
                "the namespace of the provided object does not match the namespace sent on the request");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            # case                                   | method | path                                         | content type                      | body                                                                                    | code | reason               | message contains
            label value over 63 characters           | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"x","labels":{"k":"LONG64"}}}                                       | 422  | Invalid              | metadata.labels: Invalid value: "LONG64": must be no more than 63 characters
            secret data that is not base64           | POST   | /api/v1/namespaces/bad/secrets              | application/json                   | {"metadata":{"name":"x"},"data":{"k":"not base64!"}}                                    | 400  | BadRequest           | Secret in version "v1" cannot be handled as a Secret: illegal base64 data
            a Pod posted as a Namespace              | POST   | /api/v1/namespaces                          | application/json                   | {"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}                                | 400  | BadRequest           | Pod in version "v1" cannot be handled as a Namespace: converting (v1.Pod) to (core.Namespace): unknown conversion
            a kind nothing serves                    | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"apiVersion":"v1","kind":"pod","metadata":{"name":"x"}}                                | 400  | BadRequest           | pod in version "v1" cannot be handled as a ConfigMap: no kind "pod" is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30"
            labels that are a string, on create      | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"x","labels":"a=b"}}                                                | 400  | BadRequest           | ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string
            strategic patch making labels a string   | PATCH  | /api/v1/namespaces/bad/configmaps/cm1       | application/strategic-merge-patch+json | {"metadata":{"labels":"invalid"}}                                                  | 422  | Invalid              | "" is invalid: patch: Invalid value: "map[metadata:map[labels:invalid]]": cannot restore map from string
            strategic patch making a port a list     | PATCH  | /api/v1/namespaces/bad/pods/p1              | application/strategic-merge-patch+json | {"spec":{"containers":[{"name":"c","ports":[{"containerPort":[80.5,1e7]}]}]}}        | 422  | Invalid              | Invalid value: "map[spec:map[containers:[map[name:c ports:[map[containerPort:[80.5 1e+07]]]]]]]": unrecognized type: int32
            tls secret without its key pair          | POST   | /api/v1/namespaces/bad/secrets              | application/json                   | {"metadata":{"name":"x"},"type":"kubernetes.io/tls","data":{"a":"Yg=="}}                | 422  | Invalid              | Secret "x" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]
            docker config that is not JSON           | POST   | /api/v1/namespaces/bad/secrets              | application/json                   | {"metadata":{"name":"x"},"type":"kubernetes.io/dockerconfigjson","data":{".dockerconfigjson":"eHl6"}} | 422 | Invalid | data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 'x' looking for beginning of value
            docker config without its key            | POST   | /api/v1/namespaces/bad/secrets              | application/json                   | {"metadata":{"name":"x"},"type":"kubernetes.io/dockercfg","stringData":{"a":"{}"}}      | 422  | Invalid              | data[.dockercfg]: Required value
            basic-auth secret with neither field     | POST   | /api/v1/namespaces/bad/secrets              | application/json                   | {"metadata":{"name":"x"},"type":"kubernetes.io/basic-auth"}                             | 422  | Invalid              | [data[username]: Required value, data[password]: Required value]
            ssh-auth secret with an empty key        | POST   | /api/v1/namespaces/bad/secrets              | application/json                   | {"metadata":{"name":"x"},"type":"kubernetes.io/ssh-auth","data":{"ssh-privatekey":""}}  | 422  | Invalid              | data[ssh-privatekey]: Required value
            pod with a zero activeDeadlineSeconds    | POST   | /api/v1/namespaces/bad/pods                 | application/json                   | {"metadata":{"name":"x"},"spec":{"activeDeadlineSeconds":0,"containers":[{"name":"c","image":"i"}]}} | 422 | Invalid | spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive
            malformed JSON, cut short                | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | {"metadata":{"name":"x"},                                                               | 400  | BadRequest           | the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: unexpected end of JSON input ({"metadata":{"name":"x"},)
            malformed JSON, a colon missing          | PUT    | /api/v1/namespaces/bad/configmaps/cm1       | application/json                   | {"metadata" {"name":"cm1"},"data":{"a":"2"}}                                            | 400  | BadRequest           | the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character '{' after object key ({"metadata" {"name":"cm1"},"da ...)
            malformed JSON, a misspelt null          | POST   | /api/v1/namespaces/bad/secrets              | application/json                   | {"metadata":nope}                                                                       | 400  | BadRequest           | the object provided is unrecognized (must be of type Secret): couldn't get version/kind; json parse error: invalid character 'o' in literal null (expecting 'u') ({"metadata":nope})
            a JSON array for an object               | POST   | /api/v1/namespaces/bad/configmaps           | application/json                   | [1,2]                                                                                   | 400  | BadRequest           | the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b312c325d)
            a container port that is not a number    | POST   | /api/v1/namespaces/bad/pods                 | application/json                   | {"metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":"80"}]}]}} | 400 | BadRequest | json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32
            """)
    void validationMessagesAsUpstream(String name, String method, String path, String contentType, String body,
                                      int code, String reason, String message) throws Exception {
        badRequestGetsAClearStatusAndChangesNothing(name, method, path, contentType, body, code, reason,
                message.replace("LONG64", "a".repeat(64)));
    }

    /** As upstream's JSON and merge patches: a value of the wrong type is the patch's, 422 naming the patched object. */
    @Test
    void mergePatchMakingLabelsAStringIsInvalidAsUpstreamWordsIt() throws Exception {
        Map<String, String> before = snapshot();
        Response r = https.send("PATCH", CMS + "/cm1", "application/merge-patch+json", "{\"metadata\":{\"labels\":\"a=b\"}}");

        expect(422, r);
        JsonNode status = r.json();
        assertThat(status.path("reason").asString()).isEqualTo("Invalid");
        String message = status.path("message").asString();
        assertThat(message).startsWith(" \"\" is invalid: patch: Invalid value: \"{\\\"")
                .contains("\\\"labels\\\":\\\"a=b\\\"")
                .endsWith("\": json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type map[string]string");
        assertThat(status.path("details").path("causes").get(0).path("field").asString()).isEqualTo("patch");
        assertThat(snapshot()).as("store unchanged").isEqualTo(before);
    }

    /** A long string in each YAML scalar style reads as it is, in about the time JSON takes rather than seconds. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            block    | '|\n    STRING'
            plain    | STRING
            quoted   | '"STRING"'
            """)
    void aYamlBodyWithAStringOfMebibytesIsReadAsItIs(String style, String scalar) throws Exception {
        String string = "y".repeat(5 << 19);
        String name = "long-" + style;
        String yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  a: "
                + scalar.replace("\\n", "\n").replace("STRING", string) + "\n";
        Response r = https.send("POST", CMS, "application/yaml", yaml);
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        assertThat(https.get(CMS + "/" + name).json().path("data").path("a").asString()).isEqualTo(style.equals("block") ? string + "\n" : string);
    }

    /**
     * The client is still sending when the answer goes out over HTTP/1.1: it must read the 413, not
     * a reset connection (over HTTP/2 see KubectlTest#aBodyTooLargeIsRefusedWithUpstreamsStatus).
     */
    @ParameterizedTest(name = "{0} MiB")
    @ValueSource(ints = {3, 32})
    void bodyOverThreeMebibytesIsRequestEntityTooLargeAndWritesNothing(int mebibytes) throws Exception {
        Map<String, String> before = snapshot();
        byte[] body = ("{\"metadata\":{\"name\":\"huge\"},\"data\":{\"a\":\"" + "x".repeat(mebibytes * 1024 * 1024 + 10) + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        Response r = https.post(CMS, body);
        assertThat(r.status()).isEqualTo(413);
        JsonNode status = r.json();
        assertThat(status.path("reason").asString()).isEqualTo("RequestEntityTooLarge");
        assertThat(status.path("code").asInt()).isEqualTo(413);
        // upstream words it "Request entity too large: limit is 3145728"
        assertThat(status.path("message").asString()).contains("3145728");
        assertThat(snapshot()).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a merge patch adding two mebibytes       | application/merge-patch+json       | {"data":{"b":"TWO_MIB"}}
            a strategic merge patch adding two       | application/strategic-merge-patch+json | {"data":{"b":"TWO_MIB"}}
            a JSON patch copying a mebibyte twice    | application/json-patch+json        | [{"op":"copy","from":"/data/a","path":"/data/b"},{"op":"copy","from":"/data/a","path":"/data/c"}]
            an apply adding two mebibytes            | application/apply-patch+yaml       | {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"grown"},"data":{"b":"TWO_MIB"}}
            """)
    void patchGrowingAnObjectPastThreeMebibytesIsTooLargeAndChangesNothing(String name, String contentType, String patch) throws Exception {
        String mib = "x".repeat(1024 * 1024 + 100);
        Response created = https.post(CMS, "{\"metadata\":{\"name\":\"grown\"},\"data\":{\"a\":\"" + mib + "\"}}");
        assertThat(created.status()).as(created.text()).isIn(201, 409);
        Map<String, String> before = snapshot();
        Response r = https.send("PATCH", CMS + "/grown?fieldManager=test", contentType, patch.replace("TWO_MIB", mib + mib));
        assertThat(r.status()).as(r.text()).isEqualTo(413);
        JsonNode status = r.json();
        assertThat(status.path("reason").asString()).isEqualTo("RequestEntityTooLarge");
        assertThat(status.path("message").asString()).startsWith("Request entity too large: ConfigMap \"grown\" would take ")
                .endsWith("bytes, limit is 3145728");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void duplicateFieldWithoutStrictIsAcceptedWithAWarning() throws Exception {
        Response r = https.post(CMS, "{\"metadata\":{\"name\":\"dupwarn\"},\"data\":{\"a\":\"1\",\"a\":\"2\"}}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        assertThat(r.headers().allValues("warning")).containsExactly("299 - \"duplicate field \\\"data.a\\\"\"");
    }

    @Test
    void unknownFieldWithoutStrictIsDroppedWithAWarning() throws Exception {
        Response r = https.post(CMS, "{\"metadata\":{\"name\":\"unkwarn\"},\"spec\":{}}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        assertThat(r.headers().allValues("warning")).anySatisfy(w -> assertThat(w).contains("unknown field \\\"spec\\\""));
        assertThat(r.json().has("spec")).isFalse();
    }

    @Test
    void unknownFieldWithAControlCharacterIsWarnedAboutEscaped() throws Exception {
        Response r = https.post(CMS, "{\"metadata\":{\"name\":\"ctlwarn\"},\"\\u0000kind\":1}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        assertThat(r.headers().allValues("warning")).anySatisfy(w -> assertThat(w).contains("unknown field \\\"\\\\x00kind\\\""));
    }

    @Test
    void strictDuplicateFieldIsWordedAsUpstream() throws Exception {
        Response r = https.post(CMS + "?fieldValidation=Strict", "{\"metadata\":{\"name\":\"x\",\"name\":\"y\"}}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("message").asString())
                .isEqualTo("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: duplicate field \"metadata.name\"");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown op            | [{"op":"frob","path":"/data/a"}]      | frob
            removing missing path | [{"op":"remove","path":"/data/nope"}] | nope
            """)
    void failedJsonPatchNamesTheProblemInItsCauses(String name, String patch, String named) throws Exception {
        Response r = https.send("PATCH", CMS + "/cm1", "application/json-patch+json", patch);
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.json().path("details").path("causes").path(0).path("message").asString()).contains(named);
    }

    @Test
    void patchWithANonPatchMediaTypeListsThePatchTypes() throws Exception {
        Response r = https.send("PATCH", CMS + "/cm1", "application/json", "{\"data\":{\"a\":\"2\"}}");
        assertThat(r.status()).isEqualTo(415);
        assertThat(r.json().path("message").asString()).isEqualTo("the body of the request was in an unknown format - "
                + "accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
                + "application/strategic-merge-patch+json");
    }

    @Test
    void requestWithoutAClientCertificateIsRefusedWithAStatus() throws Exception {
        Https anonymous = server.anonymous().overHttp2();
        Map<String, String> before = snapshot();

        Response r = anonymous.post(CMS, "{\"metadata\":{\"name\":\"anon\"}}");
        assertThat(r.status()).as(r.text()).isIn(401, 403);
        JsonNode status = r.json();
        assertThat(status.path("kind").asString()).isEqualTo("Status");
        if (r.status() == 403) {
            assertThat(status.path("message").asString()).isEqualTo("configmaps is forbidden: User \"system:anonymous\" cannot create "
                    + "resource \"configmaps\" in API group \"\" in the namespace \"bad\"");
        } else {
            assertThat(status.path("message").asString()).isEqualTo("Unauthorized");
        }
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void versionAndHealthAnswerWithoutAClientCertificate() throws Exception {
        Https anonymous = server.anonymous().overHttp2();
        for (String path : List.of("/version", "/healthz", "/livez", "/readyz")) {
            assertThat(anonymous.get(path).status()).as(path).isEqualTo(200);
        }
    }


    @Test
    void warningsCarryClientTextSafely() throws Exception {
        Map<String, String> before = snapshot();
        String body = "{\"metadata\":{\"name\":\"warned\"},\"\\u0001bad\\r\\nInjected: yes\":1,\"\u00fcber\\\"q\":2}";
        Response r = https.post(CMS + "?fieldValidation=Warn", body);
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        assertThat(r.headers().firstValue("Injected")).isEmpty();
        List<String> warnings = r.headers().allValues("Warning").stream()
                .map(w -> new String(w.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)).toList();
        // the text quotes the field as Go's %q; the header escapes that again, as upstream's warning recorder does
        assertThat(warnings).containsExactlyInAnyOrder("299 - \"unknown field \\\"\\\\x01bad\\\\r\\\\nInjected: yes\\\"\"",
                "299 - \"unknown field \\\"\u00fcber\\\\\\\"q\\\"\"");
        https.delete(CMS + "/warned");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void manyWarningsAreShortenedToABoundedHeader() throws Exception {
        StringBuilder body = new StringBuilder("{\"metadata\":{\"name\":\"chatty\"}");
        for (int i = 0; i < 200; i++) body.append(",\"unknown").append(i).append('_').append("x".repeat(100)).append("\":1");
        Response r = https.post(CMS + "?fieldValidation=Warn&dryRun=All", body.append('}').toString());
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        List<String> warnings = r.headers().allValues("Warning");
        assertThat(warnings).isNotEmpty();
        assertThat(warnings.stream().mapToInt(String::length).sum()).isLessThanOrEqualTo(4096);
    }

    @Test
    void noBadRequestAnswersWith500() throws Exception {
        List<String[]> odd = Arrays.asList(
                new String[] {"GET", "/api/v1/namespaces/bad/configmaps?limit=abc"},
                new String[] {"GET", "/api/v1/namespaces/bad/configmaps?timeoutSeconds=abc"},
                new String[] {"GET", "/api/v1/namespaces//configmaps"},
                new String[] {"DELETE", "/api/v1/namespaces/bad/configmaps/ghost?gracePeriodSeconds=abc"},
                new String[] {"GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/bad/roles?labelSelector=%21"});
        for (String[] req : odd) {
            Response r = https.send(req[0], req[1], null, null);
            assertThat(r.status()).as("%s %s -> %s", req[0], req[1], r.text()).isBetween(200, 499);
        }
        assertThat(https.get(CMS + "/cm1").status()).isEqualTo(200);
    }
}
