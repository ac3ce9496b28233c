package io.portcullis.e2e.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A user who may write roles and clusterroles but may escalate only those named "special", as
 * upstream: that right covers updates and patches of "special", never its creation, nor any other
 * role; and, for all four kinds, an update that only touches what the garbage collector uses
 * (finalizers, ownerReferences) needs no escalation.
 */
@EndToEnd
class EscalateByNameTest {
    static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";
    static final String TOKEN = "limited-token";
    static final String SECRETS_RULE = """
            {"apiGroups":[""],"resources":["secrets"],"verbs":["delete"]}""";

    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start(server, TOKEN + ",limited,uid-limited\n");
        admin("POST", "/api/v1/namespaces", """
                {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"names"}}""");
        admin("POST", RBAC + "/clusterroles", """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"writes-roles-escalates-special"},"rules":[
                  {"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles","clusterroles","rolebindings","clusterrolebindings"],
                   "verbs":["create","get","update","patch"]},
                  {"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles","clusterroles"],"verbs":["escalate"],"resourceNames":["special"]}]}""");
        admin("POST", RBAC + "/clusterroles", role("ClusterRole", "secret-deleter", SECRETS_RULE));
        admin("POST", RBAC + "/clusterrolebindings", """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"limited"},
                 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"writes-roles-escalates-special"},
                 "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"limited"}]}""");
    }

    static void admin(String method, String path, String body) {
        Response r = cluster.admin().send(method, path, "application/json", body);
        assertThat(r.status()).as(r.toString()).isBetween(200, 201);
    }

    static String role(String kind, String name, String rules) {
        return """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"%s","metadata":{"name":"%s"},"rules":[%s]}""".formatted(kind, name, rules);
    }

    /** Each row: limited writes a role granting delete on secrets, which limited does not hold; "existing" ones the admin made first, empty. */
    @ParameterizedTest(name = "{0} {1} {3}: {5}")
    @CsvSource(delimiter = '|', textBlock = """
            create      | Role        | POST  | special  | new      | 403
            update      | Role        | PUT   | special  | existing | 200
            merge patch | Role        | PATCH | special  | existing | 200
            update      | Role        | PUT   | other    | existing | 403
            merge patch | Role        | PATCH | other    | existing | 403
            create      | ClusterRole | POST  | special  | new      | 403
            update      | ClusterRole | PUT   | special  | existing | 200
            merge patch | ClusterRole | PATCH | special  | existing | 200
            update      | ClusterRole | PUT   | other    | existing | 403
            merge patch | ClusterRole | PATCH | other    | existing | 403
            """)
    void escalateLimitedByResourceNamesCoversOnlyWritesThatNameTheRole(String how, String kind, String method, String name,
                                                                       String state, int code) {
        String collection = kind.equals("Role") ? RBAC + "/namespaces/names/roles" : RBAC + "/clusterroles";
        String resource = kind.equals("Role") ? "roles" : "clusterroles";
        cluster.admin().delete(collection + "/" + name);
        if (state.equals("existing")) admin("POST", collection, role(kind, name, ""));

        Response r = switch (method) {
            case "POST" -> cluster.as(TOKEN).post(collection, role(kind, name, SECRETS_RULE));
            case "PUT" -> cluster.as(TOKEN).put(collection + "/" + name, role(kind, name, SECRETS_RULE));
            default -> cluster.as(TOKEN).send("PATCH", collection + "/" + name, "application/merge-patch+json",
                    "{\"rules\":[" + SECRETS_RULE + "]}");
        };

        assertThat(r.status()).as(r.toString()).isEqualTo(code);
        Response stored = cluster.admin().get(collection + "/" + name);
        if (code == 200) {
            assertThat(stored.json().path("rules").get(0).path("resources").get(0).asString()).isEqualTo("secrets");
            return;
        }
        assertThat(r.json().path("reason").asString()).isEqualTo("Forbidden");
        assertThat(r.message()).isEqualTo(resource + ".rbac.authorization.k8s.io \"" + name + "\" is forbidden: user \"limited\" "
                + "(groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
                + "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"delete\"]}");
        if (state.equals("new")) assertThat(stored.status()).isEqualTo(404);
        else assertThat(stored.json().path("rules").size()).as("the rules are unchanged").isZero();
    }

    static String binding(String kind, String name) {
        return """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"%s","metadata":{"name":"%s"},
                 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"secret-deleter"},
                 "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"someone"}]}""".formatted(kind, name);
    }

    // each object grants delete on secrets, which limited does not hold: only changes the garbage collector makes pass
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            Role               | /namespaces/names/roles
            ClusterRole        | /clusterroles
            RoleBinding        | /namespaces/names/rolebindings
            ClusterRoleBinding | /clusterrolebindings
            """)
    void anUpdateOfGarbageCollectionFieldsAloneNeedsNoEscalation(String kind, String collection) {
        String name = "gc-" + kind.toLowerCase(Locale.ROOT);
        String path = RBAC + collection + "/" + name;
        admin("POST", RBAC + collection, kind.endsWith("Binding") ? binding(kind, name) : role(kind, name, SECRETS_RULE));

        // owned by the namespace "names", which stays, so the garbage collector leaves the object alone
        String namespaceUid = cluster.admin().get("/api/v1/namespaces/names").expect(200).json().path("metadata").path("uid").asString();
        for (String gcOnly : List.of("{\"metadata\":{\"finalizers\":[\"example.com/keep\"]}}", "{\"metadata\":{\"finalizers\":null}}",
                "{\"metadata\":{\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"name\":\"names\",\"uid\":\""
                        + namespaceUid + "\"}]}}")) {
            Response r = cluster.as(TOKEN).send("PATCH", path, "application/merge-patch+json", gcOnly);
            assertThat(r.status()).as(gcOnly + ": " + r).isEqualTo(200);
        }
        Response labelled = cluster.as(TOKEN).send("PATCH", path, "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
        assertThat(labelled.status()).as("any other change is checked: " + labelled).isEqualTo(403);
    }
}
