package io.portcullis.e2e.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
class ScopeEscapeTest {
    static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";

    @TempDir static Path dir;
    static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start(dir, """
                mallory-token,mallory,uid-mallory
                viewer-token,viewer,uid-viewer
                named-token,named,uid-named
                """);
        for (String ns : List.of("team-b", "victim")) {
            created(cluster.asAdmin("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\",\"labels\":{\"tier\":\"gold\"}}}"));
        }
        created(cluster.asAdmin("POST", RBAC + "/namespaces/team-b/roles", """
                {"metadata":{"name":"everything"},"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}"""));
        created(cluster.asAdmin("POST", RBAC + "/namespaces/team-b/rolebindings", binding("mallory-everything", "Role", "everything", "mallory")));
        created(cluster.asAdmin("POST", RBAC + "/namespaces/team-b/rolebindings", binding("viewer-view", "ClusterRole", "view", "viewer")));
        created(cluster.asAdmin("POST", RBAC + "/namespaces/team-b/roles", """
                {"metadata":{"name":"config-a"},"rules":[{"apiGroups":[""],"resources":["configmaps"],"resourceNames":["a"],"verbs":["get","list","watch"]}]}"""));
        created(cluster.asAdmin("POST", RBAC + "/namespaces/team-b/rolebindings", binding("named-config-a", "Role", "config-a", "named")));
        for (String cm : List.of("a", "b")) {
            created(cluster.asAdmin("POST", "/api/v1/namespaces/team-b/configmaps", "{\"metadata\":{\"name\":\"" + cm + "\"},\"data\":{\"k\":\"v\"}}"));
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) cluster.close();
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
        Cluster.Response r = cluster.withToken("mallory-token", method, path, body);
        assertThat(r.status()).as(r.toString()).isEqualTo(404);
        assertThat(r.message()).isEqualTo("the server could not find the requested resource");
        assertThat(state()).as("nothing changed").isEqualTo(before);
    }

    @Test
    void theAttackerStillActsInItsOwnNamespaceAndNowhereElse() {
        assertThat(cluster.withToken("mallory-token", "POST", "/api/v1/namespaces/team-b/configmaps", "{\"metadata\":{\"name\":\"mine\"}}").status())
                .isEqualTo(201);
        Cluster.Response r = cluster.withToken("mallory-token", "DELETE", "/api/v1/namespaces/victim", null);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.message()).isEqualTo("namespaces \"victim\" is forbidden: User \"mallory\" cannot delete resource \"namespaces\" "
                + "in API group \"\" in the namespace \"victim\"");
    }

    @Test
    void aViewerOfOneNamespaceCannotListOrWatchAllNamespaces() {
        for (String path : List.of("/api/v1/namespaces/team-b/namespaces", "/api/v1/namespaces/team-b/namespaces?watch=true",
                "/api/v1/watch/namespaces/team-b/namespaces", "/api/v1/namespaces/team-b/namespaces/victim")) {
            Cluster.Response r = cluster.withToken("viewer-token", "GET", path, null);
            assertThat(r.status()).as(path + ": " + r).isEqualTo(404);
        }
        assertThat(cluster.withToken("viewer-token", "GET", "/api/v1/namespaces/team-b/configmaps", null).status()).isEqualTo(200);
        assertThat(cluster.withToken("viewer-token", "GET", "/api/v1/namespaces", null).status()).isEqualTo(403);
    }

    @Test
    void aWatchOfOneNamedObjectSeesThatObjectAlone() {
        Cluster.Response r = cluster.withToken("named-token", "GET", "/api/v1/watch/namespaces/team-b/configmaps/a?timeoutSeconds=1", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (!line.isBlank()) names.add(Cluster.parse(line).path("object").path("metadata").path("name").asString());
        }
        assertThat(names).containsExactly("a");
        assertThat(cluster.withToken("named-token", "GET", "/api/v1/watch/namespaces/team-b/configmaps/b?timeoutSeconds=1", null).status())
                .isEqualTo(403);
        assertThat(cluster.withToken("named-token", "GET", "/api/v1/watch/namespaces/team-b/configmaps?timeoutSeconds=1", null).status())
                .isEqualTo(403);
    }

    @Test
    void everyMethodUnderTheWatchPrefixIsAWatchAndOnlyGetIsServed() {
        for (String method : List.of("DELETE", "PUT", "PATCH", "POST")) {
            Cluster.Response r = cluster.asAdmin(method, "/api/v1/watch/namespaces/team-b/configmaps/b", method.equals("DELETE") ? null : "{}");
            assertThat(r.status()).as(method + ": " + r).isEqualTo(405);
        }
        assertThat(cluster.asAdmin("GET", "/api/v1/namespaces/team-b/configmaps/b", null).status()).isEqualTo(200);
    }

    @Test
    void aPathWithAnEmptySegmentIsNotServed() {
        for (String path : List.of("//api/v1/namespaces/team-b/configmaps/a", "/api//v1/namespaces/team-b/configmaps/a",
                "/api/v1/namespaces//configmaps", "/api/v1/namespaces/team-b//configmaps/a")) {
            Cluster.Response r = cluster.asAdmin("GET", path, null);
            assertThat(r.status()).as(path + ": " + r).isEqualTo(404);
        }
        assertThat(cluster.asAdmin("DELETE", "/api/v1/namespaces/team-b/configmaps//a", null).status()).isEqualTo(404);
        assertThat(cluster.asAdmin("GET", "/api/v1/namespaces/team-b/configmaps/a/", null).status()).isEqualTo(200);
    }

    /** Namespaces, cluster roles and cluster role bindings, name to resourceVersion (aggregated roles left out: their controller writes them). */
    private static String state() {
        StringBuilder out = new StringBuilder();
        for (String path : List.of("/api/v1/namespaces", RBAC + "/clusterroles", RBAC + "/clusterrolebindings")) {
            for (JsonNode item : cluster.get(path).path("items")) {
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

    private static void created(Cluster.Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }
}
