package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.portcullis.registry.ServedKinds;
import io.portcullis.testing.Https.Response;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * What a DELETE answers, per kind, as upstream's storage decides: the deleted object for the kinds
 * whose storage returns it (Pods, ServiceAccounts, Namespaces), a Success Status naming the object
 * for every other kind; the object itself while finalizers hold it (202 when the client asked for
 * dependents not to be orphaned); the listed objects for a deletecollection.
 */
class DeleteResponsesTest extends AdminServerTest {
    static final String NS = "/api/v1/namespaces/deletes";

    @BeforeAll
    static void namespace() throws Exception {
        assertThat(https.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"deletes\"}}").status())
                .isEqualTo(201);
    }

    /**
     * Every stored kind, with what its DELETE answers: "object" for the kinds whose upstream storage
     * returns the deleted object, "status" for the others. A new kind fails
     * {@link #everyStoredKindSaysWhatItsDeleteAnswers} until it has a row here.
     */
    static final String ANSWERS = """
            configmaps          | /api/v1/namespaces/deletes/configmaps                                      | {"metadata":{"name":"d"}}                          | ''                          | status
            secrets             | /api/v1/namespaces/deletes/secrets                                         | {"metadata":{"name":"d"}}                          | ''                          | status
            events              | /api/v1/namespaces/deletes/events                                          | {"metadata":{"name":"d"}}                          | ''                          | status
            leases              | /apis/coordination.k8s.io/v1/namespaces/deletes/leases                     | {"metadata":{"name":"d"}}                          | coordination.k8s.io         | status
            roles               | /apis/rbac.authorization.k8s.io/v1/namespaces/deletes/roles                | {"metadata":{"name":"d"}}                          | rbac.authorization.k8s.io   | status
            rolebindings        | /apis/rbac.authorization.k8s.io/v1/namespaces/deletes/rolebindings         | {"metadata":{"name":"d"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}} | rbac.authorization.k8s.io | status
            clusterroles        | /apis/rbac.authorization.k8s.io/v1/clusterroles                            | {"metadata":{"name":"deletes-d"}}                  | rbac.authorization.k8s.io   | status
            clusterrolebindings | /apis/rbac.authorization.k8s.io/v1/clusterrolebindings                     | {"metadata":{"name":"deletes-d"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}} | rbac.authorization.k8s.io | status
            serviceaccounts     | /api/v1/namespaces/deletes/serviceaccounts                                 | {"metadata":{"name":"d"}}                          | ''                          | object
            pods                | /api/v1/namespaces/deletes/pods                                            | {"metadata":{"name":"d"},"spec":{"containers":[{"name":"c","image":"i"}]}} | '' | object
            namespaces          | /api/v1/namespaces                                                         | {"metadata":{"name":"deletes-d"}}                  | ''                          | object
            """;

    static Stream<Arguments> answers() {
        return ANSWERS.lines().map(String::strip).filter(l -> !l.isEmpty()).map(l -> {
            String[] c = l.split("\\s*\\|\\s*");
            return arguments(c[0], c[1], c[2], c[3].equals("''") ? "" : c[3], c[4]);
        });
    }

    @Test
    void everyStoredKindSaysWhatItsDeleteAnswers() {
        List<String> pinned = answers().map(a -> a.get()[0] + " " + a.get()[3]).toList();
        List<String> stored = ServedKinds.storedTypes().stream().map(t -> t.resource() + " " + t.group()).toList();
        assertThat(pinned).containsExactlyInAnyOrderElementsOf(stored);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void aDeleteAnswersAsTheKindsStorageDoes(String resource, String collection, String body, String group, String answer) throws Exception {
        JsonNode created = created(collection, body);
        String name = created.path("metadata").path("name").asString();
        String uid = created.path("metadata").path("uid").asString();
        for (String dryRun : new String[] {"?dryRun=All", ""}) {
            Response r = https.send("DELETE", collection + "/" + name + dryRun, "application/json", "{\"propagationPolicy\":\"Background\"}");
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            JsonNode got = r.json();
            if (answer.equals("status")) {
                assertThat(got.path("kind").asString()).isEqualTo("Status");
                assertThat(got.path("apiVersion").asString()).isEqualTo("v1");
                assertThat(got.path("status").asString()).isEqualTo("Success");
                assertThat(got.has("code")).isFalse();
                JsonNode details = got.path("details");
                assertThat(details.path("name").asString()).isEqualTo(name);
                assertThat(details.path("group").asString("")).isEqualTo(group);
                assertThat(details.path("kind").asString()).isEqualTo(resource);
                assertThat(details.path("uid").asString()).isEqualTo(uid);
            } else {
                assertThat(got.path("metadata").path("uid").asString()).isEqualTo(uid);
                assertThat(got.path("kind").asString()).isNotEqualTo("Status");
            }
        }
    }

    @Test
    void anObjectHeldByAFinalizerIsAnsweredItselfAnd202WhenDependentsAreNotOrphaned() throws Exception {
        created(NS + "/configmaps", "{\"metadata\":{\"name\":\"held\",\"finalizers\":[\"example.com/hold\"]}}");
        Response r = https.send("DELETE", NS + "/configmaps/held", "application/json", "{\"orphanDependents\":false}");
        assertThat(r.status()).as(r.text()).isEqualTo(202);
        JsonNode got = r.json();
        assertThat(got.path("kind").asString()).isEqualTo("ConfigMap");
        assertThat(got.path("metadata").path("deletionTimestamp").asString()).isNotEmpty();
        r = https.delete(NS + "/configmaps/held");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("kind").asString()).isEqualTo("ConfigMap");
        assertThat(https.send("PATCH", NS + "/configmaps/held", "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}")
                .status()).isEqualTo(200);
    }

    @Test
    void aDeleteCollectionListsWhatItDeleted() throws Exception {
        for (String n : new String[] {"c1", "c2"}) {
            created(NS + "/configmaps", "{\"metadata\":{\"name\":\"" + n + "\",\"labels\":{\"batch\":\"x\"}}}");
        }
        Response r = https.delete(NS + "/configmaps?labelSelector=batch%3Dx");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        JsonNode list = r.json();
        assertThat(list.path("kind").asString()).isEqualTo("ConfigMapList");
        assertThat(list.path("items")).extracting(i -> i.path("metadata").path("name").asString()).containsExactly("c1", "c2");
        assertThat(https.get(NS + "/configmaps/c1").status()).isEqualTo(404);
    }

    private static JsonNode created(String collection, String body) throws Exception {
        Response r = https.post(collection, body);
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.json();
    }
}
