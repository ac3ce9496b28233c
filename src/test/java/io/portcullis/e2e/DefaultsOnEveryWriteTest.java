package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Https.Response;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * As upstream, every verb that writes defaults what it writes: a RoleBinding's user subject and
 * role reference without an apiGroup get RBAC's, whether created, replaced, patched in any of the
 * four ways or applied (creating or not), and are stored and answered so.
 */
class DefaultsOnEveryWriteTest extends AdminServerTest {
    static final String BINDINGS = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings";
    /** What the rows other than POST and create-on-apply start from: a binding with a service account subject. */
    static final String EXISTING = """
            {"metadata":{"name":"%s"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
             "subjects":[{"kind":"ServiceAccount","name":"sa","namespace":"default"}]}""";

    /** Each row writes binding rb-N (%s is the name); a user subject u without apiGroup must end up with RBAC's. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            create                  | POST  | application/json                       | {"metadata":{"name":"%s"},"roleRef":{"kind":"ClusterRole","name":"view"},"subjects":[{"kind":"User","name":"u"}]}
            update                  | PUT   | application/json                       | {"metadata":{"name":"%s"},"roleRef":{"kind":"ClusterRole","name":"view"},"subjects":[{"kind":"User","name":"u"}]}
            merge patch             | PATCH | application/merge-patch+json           | {"subjects":[{"kind":"User","name":"u"}]}
            strategic merge patch   | PATCH | application/strategic-merge-patch+json | {"subjects":[{"kind":"User","name":"u"}]}
            JSON patch              | PATCH | application/json-patch+json            | [{"op":"add","path":"/subjects/-","value":{"kind":"User","name":"u"}}]
            server-side apply       | PATCH | application/apply-patch+yaml           | {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"%s"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"kind":"User","name":"u"}]}
            create by apply         | PATCH | application/apply-patch+yaml           | {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"%s"},"roleRef":{"kind":"ClusterRole","name":"view"},"subjects":[{"kind":"User","name":"u"}]}
            """)
    void everyWriteIsDefaulted(String how, String method, String contentType, String body) throws Exception {
        String name = "rb-" + how.replace(' ', '-').toLowerCase(java.util.Locale.ROOT);
        if (!how.startsWith("create")) {
            Response r = https.post(BINDINGS, EXISTING.formatted(name));
            assertThat(r.status()).as(r.text()).isEqualTo(201);
        }
        String path = method.equals("POST") ? BINDINGS : BINDINGS + "/" + name;
        String query = contentType.contains("apply") ? "?fieldManager=test&force=true" : "";
        Response r = https.send(method, path + query, contentType, body.formatted(name));
        assertThat(r.status()).as(r.text()).isIn(200, 201);

        for (JsonNode binding : new JsonNode[] {r.json(), https.get(BINDINGS + "/" + name).json()}) {
            assertThat(binding.path("roleRef").path("apiGroup").asString()).isEqualTo("rbac.authorization.k8s.io");
            JsonNode user = null;
            for (JsonNode s : binding.path("subjects")) if (s.path("kind").asString().equals("User")) user = s;
            assertThat(user).as("the user subject of %s", binding).isNotNull();
            assertThat(user.path("apiGroup").asString()).isEqualTo("rbac.authorization.k8s.io");
        }
    }

    /** As upstream's encoding, which omits every empty map of the served kinds: nothing stores or answers {@code labels: {}}. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            create          | POST  | application/json             | {"metadata":{"name":"%s","labels":{},"annotations":{}},"data":{},"binaryData":{}}
            merge patch     | PATCH | application/merge-patch+json | {"metadata":{"labels":{"a":null}},"data":{"k":null}}
            create by apply | PATCH | application/apply-patch+yaml | {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s","labels":{}},"data":{}}
            """)
    void emptyMapsAreNotStored(String how, String method, String contentType, String body) throws Exception {
        String configMaps = "/api/v1/namespaces/default/configmaps";
        String name = "empty-" + how.replace(' ', '-');
        if (how.equals("merge patch")) {
            Response r = https.post(configMaps, "{\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"a\":\"b\"}},\"data\":{\"k\":\"v\"}}");
            assertThat(r.status()).as(r.text()).isEqualTo(201);
        }
        String path = method.equals("POST") ? configMaps : configMaps + "/" + name;
        String query = contentType.contains("apply") ? "?fieldManager=test&force=true" : "";
        Response r = https.send(method, path + query, contentType, body.formatted(name));
        assertThat(r.status()).as(r.text()).isIn(200, 201);

        for (JsonNode cm : new JsonNode[] {r.json(), https.get(configMaps + "/" + name).json()}) {
            assertThat(cm.path("metadata").has("labels")).as("labels in %s", cm).isFalse();
            assertThat(cm.path("metadata").has("annotations")).as("annotations in %s", cm).isFalse();
            assertThat(cm.has("data")).as("data in %s", cm).isFalse();
            assertThat(cm.has("binaryData")).as("binaryData in %s", cm).isFalse();
        }
    }
}
