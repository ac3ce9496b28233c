package io.portcullis.e2e.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The tenancy escape an outside review found: a user whose only right is a Role in namespace
 * team-b reached cluster-scoped objects through {@code /namespaces/team-b/...} paths, authorized
 * in team-b and executed at the cluster scope. Every such path is 404 and changes nothing, and a
 * request is only ever executed in the scope it was authorized for.
 */
@EndToEnd
class ScopeEscapeTest {
    static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";

    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start(server, """
                mallory-token,mallory,uid-mallory
                viewer-token,viewer,uid-viewer
                named-token,named,uid-named
                """);
        for (String ns : List.of("team-b", "victim")) {
            created(cluster.admin().post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\",\"labels\":{\"tier\":\"gold\"}}}"));
        }
        created(cluster.admin().post(RBAC + "/namespaces/team-b/roles", """
                {"metadata":{"name":"everything"},"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}"""));
        created(cluster.admin().post(RBAC + "/namespaces/team-b/rolebindings", binding("mallory-everything", "Role", "everything", "mallory")));
        created(cluster.admin().post(RBAC + "/namespaces/team-b/rolebindings", binding("viewer-view", "ClusterRole", "view", "viewer")));
        created(cluster.admin().post(RBAC + "/namespaces/team-b/roles", """
                {"metadata":{"name":"config-a"},"rules":[{"apiGroups":[""],"resources":["configmaps"],"resourceNames":["a"],"verbs":["get","list","watch"]}]}"""));
        created(cluster.admin().post(RBAC + "/namespaces/team-b/rolebindings", binding("named-config-a", "Role", "config-a", "named")));
        for (String cm : List.of("a", "b")) {
            created(cluster.admin().post("/api/v1/namespaces/team-b/configmaps", "{\"metadata\":{\"name\":\"" + cm + "\"},\"data\":{\"k\":\"v\"}}"));
        }
    }

    static Stream<Arguments> clusterScopedObjectsThroughANamespacedPath() {
        String clusterRole = "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"mallory-all\"},"
                + "\"rules\":[{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}]}";
        return Stream.of(
                Arguments.of("delete another tenant's namespace", "DELETE", "/api/v1/namespaces/team-b/namespaces/victim", null),
                Arguments.of("relabel a namespace", "PATCH", "/api/v1/namespaces/team-b/namespaces/victim", "{\"metadata\":{\"labels\":{\"tier\":\"free\"}}}"),
                Arguments.of("create a namespace", "POST", "/api/v1/namespaces/team-b/namespaces", "{\"metadata\":{\"name\":\"mallory-ns\"}}"),
                Arguments.of("list namespaces", "GET", "/api/v1/namespaces/team-b/namespaces", null),
                Arguments.of("list cluster role bindings", "GET", RBAC + "/namespaces/team-b/clusterrolebindings", null),
                Arguments.of("delete a cluster role binding", "DELETE", RBAC + "/namespaces/team-b/clusterrolebindings/cluster-admin", null),
                Arguments.of("list cluster roles", "GET", RBAC + "/namespaces/team-b/clusterroles", null),
                Arguments.of("create a cluster role", "POST", RBAC + "/namespaces/team-b/clusterroles", clusterRole),
                Arguments.of("review another user's token", "POST", "/apis/authentication.k8s.io/v1/namespaces/team-b/tokenreviews",
                        "{\"spec\":{\"token\":\"viewer-token\"}}"),
                Arguments.of("a cluster-wide access review", "POST", "/apis/authorization.k8s.io/v1/namespaces/team-b/subjectaccessreviews",
                        "{\"spec\":{\"user\":\"viewer\",\"resourceAttributes\":{\"verb\":\"get\",\"resource\":\"secrets\"}}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void clusterScopedObjectsThroughANamespacedPath(String what, String method, String path, String body) {
        String before = state();
        Response r = cluster.as("mallory-token").send(method, path, "application/json", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(404);
        assertThat(r.message()).isEqualTo("the server could not find the requested resource");
        assertThat(state()).as("nothing changed").isEqualTo(before);
    }

    @Test
    void theAttackerStillActsInItsOwnNamespaceAndNowhereElse() {
        assertThat(cluster.as("mallory-token").post("/api/v1/namespaces/team-b/configmaps", "{\"metadata\":{\"name\":\"mine\"}}").status())
                .isEqualTo(201);
        Response r = cluster.as("mallory-token").delete("/api/v1/namespaces/victim");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.message()).isEqualTo("namespaces \"victim\" is forbidden: User \"mallory\" cannot delete resource \"namespaces\" "
                + "in API group \"\" in the namespace \"victim\"");
    }

    @Test
    void aViewerOfOneNamespaceCannotListOrWatchAllNamespaces() {
        for (String path : List.of("/api/v1/namespaces/team-b/namespaces", "/api/v1/namespaces/team-b/namespaces?watch=true",
                "/api/v1/watch/namespaces/team-b/namespaces", "/api/v1/namespaces/team-b/namespaces/victim")) {
            Response r = cluster.as("viewer-token").get(path);
            assertThat(r.status()).as(path + ": " + r).isEqualTo(404);
        }
        assertThat(cluster.as("viewer-token").get("/api/v1/namespaces/team-b/configmaps").status()).isEqualTo(200);
        assertThat(cluster.as("viewer-token").get("/api/v1/namespaces").status()).isEqualTo(403);
    }

    @Test
    void aWatchOfOneNamedObjectSeesThatObjectAlone() {
        Response r = cluster.as("named-token").get("/api/v1/watch/namespaces/team-b/configmaps/a?timeoutSeconds=1");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        for (String line : r.text().split("\n")) {
            if (!line.isBlank()) names.add(Json.MAPPER.readTree(line).path("object").path("metadata").path("name").asString());
        }
        assertThat(names).containsExactly("a");
        assertThat(cluster.as("named-token").get("/api/v1/watch/namespaces/team-b/configmaps/b?timeoutSeconds=1").status())
                .isEqualTo(403);
        assertThat(cluster.as("named-token").get("/api/v1/watch/namespaces/team-b/configmaps?timeoutSeconds=1").status())
                .isEqualTo(403);
    }

    @Test
    void everyMethodUnderTheWatchPrefixIsAWatchAndOnlyGetIsServed() {
        for (String method : List.of("DELETE", "PUT", "PATCH", "POST")) {
            Response r = cluster.admin().send(method, "/api/v1/watch/namespaces/team-b/configmaps/b", "application/json",
                    method.equals("DELETE") ? null : "{}");
            assertThat(r.status()).as(method + ": " + r).isEqualTo(405);
        }
        assertThat(cluster.admin().get("/api/v1/namespaces/team-b/configmaps/b").status()).isEqualTo(200);
    }

    @Test
    void aPathWithAnEmptySegmentIsNotServed() {
        for (String path : List.of("//api/v1/namespaces/team-b/configmaps/a", "/api//v1/namespaces/team-b/configmaps/a",
                "/api/v1/namespaces//configmaps", "/api/v1/namespaces/team-b//configmaps/a")) {
            Response r = cluster.admin().get(path);
            assertThat(r.status()).as(path + ": " + r).isEqualTo(404);
        }
        assertThat(cluster.admin().delete("/api/v1/namespaces/team-b/configmaps//a").status()).isEqualTo(404);
        assertThat(cluster.admin().get("/api/v1/namespaces/team-b/configmaps/a/").status()).isEqualTo(200);
    }

    /** Namespaces, cluster roles and cluster role bindings, name to resourceVersion (aggregated roles left out: their controller writes them). */
    private static String state() {
        StringBuilder out = new StringBuilder();
        for (String path : List.of("/api/v1/namespaces", RBAC + "/clusterroles", RBAC + "/clusterrolebindings")) {
            for (JsonNode item : cluster.admin().get(path).expect(200).json().path("items")) {
                if (item.has("aggregationRule")) continue;
                JsonNode meta = item.path("metadata");
                out.append(path).append('/').append(meta.path("name").asString()).append('=').append(meta.path("resourceVersion").asString())
                        .append(meta.path("deletionTimestamp").isMissingNode() ? "" : " deleting").append('\n');
            }
        }
        return out.toString();
    }

    private static String binding(String name, String roleKind, String role, String user) {
        return """
                {"metadata":{"name":"%s"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"%s","name":"%s"},
                 "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"%s"}]}""".formatted(name, roleKind, role, user);
    }

    private static void created(Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }
}
