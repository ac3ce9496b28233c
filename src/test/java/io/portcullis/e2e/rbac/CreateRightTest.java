package io.portcullis.e2e.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A write that creates its object needs the right to create it, as upstream asks the authorizer for
 * {@code create} too: a server-side apply of a missing object, and a PUT of a missing object of a
 * kind that creates on update (the RBAC kinds, Leases). The right to patch or update alone changes
 * existing objects only.
 */
@EndToEnd
class CreateRightTest {
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
        role("patch-only", "\"get\",\"patch\",\"update\"", "patcher");
        role("patch-and-create", "\"get\",\"patch\",\"update\",\"create\"", "creator");
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

    @Test
    void aPutOfAMissingObjectCreatesOnlyForKindsThatCreateOnUpdateAndOnlyWithTheRightToCreate() {
        String lease = "/apis/coordination.k8s.io/v1/namespaces/apply/leases/";
        String leaseBody = "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"%s\"},\"spec\":{\"holderIdentity\":\"me\"}}";
        Response refused = cluster.as("patcher-token").put(lease + "l1", leaseBody.formatted("l1"));
        assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
        assertThat(refused.message()).startsWith("leases.coordination.k8s.io \"l1\" is forbidden");
        assertThat(cluster.admin().get(lease + "l1").status()).as("nothing was created").isEqualTo(404);

        Response made = cluster.as("creator-token").put(lease + "l1", leaseBody.formatted("l1"));
        assertThat(made.status()).as(made.toString()).isEqualTo(201);
        Response again = cluster.as("patcher-token").put(lease + "l1", leaseBody.formatted("l1").replace("\"me\"", "\"you\""));
        assertThat(again.status()).as("updating what exists needs update alone: " + again).isEqualTo(200);

        String role = RBAC + "/namespaces/apply/roles/put-made";
        String roleBody = "{\"metadata\":{\"name\":\"put-made\"},\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],\"verbs\":[\"get\"]}]}";
        Response r = cluster.admin().put(role, roleBody);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(cluster.admin().put(role, roleBody).status()).isEqualTo(200);

        Response configMap = cluster.as("creator-token").put(CONFIGMAPS + "by-put", "{\"metadata\":{\"name\":\"by-put\"}}");
        assertThat(configMap.status()).as("a ConfigMap is never created by PUT: " + configMap).isEqualTo(404);
    }

    private static void role(String name, String verbs, String user) {
        created(cluster.admin().post(RBAC + "/namespaces/apply/roles", """
                {"metadata":{"name":"%s"},"rules":[{"apiGroups":["","coordination.k8s.io"],"resources":["configmaps","leases"],"verbs":[%s]}]}""".formatted(name, verbs)));
        created(cluster.admin().post(RBAC + "/namespaces/apply/rolebindings", """
                {"metadata":{"name":"%s"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"%s"},
                 "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"%s"}]}""".formatted(name, name, user)));
    }

    private static void created(Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }
}
