package io.portcullis.e2e.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A server-side apply that creates its object needs the right to create it, as upstream asks the
 * authorizer for {@code create} too: the right to patch alone changes existing objects only.
 */
@EndToEnd
class ApplyCreateRightTest {
    static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";
    static final String CONFIGMAPS = "/api/v1/namespaces/apply/configmaps/";

    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start(server, """
                patcher-token,patcher,uid-patcher
                creator-token,creator,uid-creator
                """);
        created(cluster.admin().post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"apply\"}}"));
        role("patch-only", "\"get\",\"patch\"", "patcher");
        role("patch-and-create", "\"get\",\"patch\",\"create\"", "creator");
        created(cluster.admin().post("/api/v1/namespaces/apply/configmaps", "{\"metadata\":{\"name\":\"existing\"},\"data\":{\"k\":\"v\"}}"));
    }

    static Response apply(String token, String name, String query) {
        return cluster.as(token).send("PATCH", CONFIGMAPS + name + "?fieldManager=tool" + query, "application/apply-patch+yaml",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"k\":\"applied\"}}");
    }

    @Test
    void theRightToPatchDoesNotCreate() {
        for (String dryRun : new String[] {"", "&dryRun=All"}) {
            Response r = apply("patcher-token", "fresh", dryRun);
            assertThat(r.status()).as(r.toString()).isEqualTo(403);
            assertThat(r.json().path("reason").asString()).isEqualTo("Forbidden");
            assertThat(r.message()).startsWith("configmaps \"fresh\" is forbidden");
            assertThat(r.json().at("/details/name").asString()).isEqualTo("fresh");
        }
        assertThat(cluster.admin().get(CONFIGMAPS + "fresh").status()).as("nothing was created").isEqualTo(404);
    }

    @Test
    void theRightToPatchStillAppliesToAnExistingObject() {
        Response r = apply("patcher-token", "existing", "&force=true");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(cluster.admin().get(CONFIGMAPS + "existing").json().at("/data/k").asString()).isEqualTo("applied");
    }

    @Test
    void withTheRightToCreateAnApplyCreates() {
        Response r = apply("creator-token", "made", "");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(cluster.admin().get(CONFIGMAPS + "made").status()).isEqualTo(200);
        Response again = apply("creator-token", "made", "");
        assertThat(again.status()).as("an apply to an object that exists answers 200").isEqualTo(200);
    }

    private static void role(String name, String verbs, String user) {
        created(cluster.admin().post(RBAC + "/namespaces/apply/roles", """
                {"metadata":{"name":"%s"},"rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":[%s]}]}""".formatted(name, verbs)));
        created(cluster.admin().post(RBAC + "/namespaces/apply/rolebindings", """
                {"metadata":{"name":"%s"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"%s"},
                 "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"%s"}]}""".formatted(name, name, user)));
    }

    private static void created(Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }
}
