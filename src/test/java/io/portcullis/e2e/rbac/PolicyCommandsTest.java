package io.portcullis.e2e.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.portcullis.api.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import tools.jackson.databind.JsonNode;

/**
 * {@code portcullis who-can} and {@code portcullis access-matrix}, run as a user runs them (a
 * separate JVM given a kubeconfig) against a running server, on the walkthrough's example: the
 * ServiceAccount foo in prod reads ConfigMaps and reads and patches one named Secret.
 */
@EndToEnd
class PolicyCommandsTest {
    static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";

    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start(server, """
                nobody-token,nobody,uid-nobody
                alice-token,alice,uid-alice
                """);
        post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"prod\"}}");
        post("/api/v1/namespaces/prod/serviceaccounts", "{\"metadata\":{\"name\":\"foo\"}}");
        post(RBAC + "/namespaces/prod/roles", """
                {"metadata":{"name":"config-reader"},"rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get","list","watch"]}]}""");
        post(RBAC + "/namespaces/prod/roles", """
                {"metadata":{"name":"one-secret"},
                 "rules":[{"apiGroups":[""],"resources":["secrets"],"resourceNames":["app-secret"],"verbs":["get","patch"]}]}""");
        post(RBAC + "/namespaces/prod/rolebindings", """
                {"metadata":{"name":"foo-config"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"config-reader"},
                 "subjects":[{"kind":"ServiceAccount","name":"foo"}]}""");
        post(RBAC + "/namespaces/prod/rolebindings", """
                {"metadata":{"name":"foo-secret"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"one-secret"},
                 "subjects":[{"kind":"ServiceAccount","name":"foo","namespace":"prod"}]}""");
        post(RBAC + "/namespaces/prod/rolebindings", """
                {"metadata":{"name":"alice-admin"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"},
                 "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"alice"}]}""");
    }

    static void post(String path, String body) {
        cluster.admin().post(path, body).expect(201);
    }

    record Run(int exit, String out, String err) {}

    /** {@code portcullis ARGS} in a JVM of its own, as the portcullis script runs it. */
    static Run portcullis(Path kubeconfig, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.portcullis.cli.Main"));
        command.addAll(List.of(args));
        command.add("--kubeconfig=" + kubeconfig);
        Path out = Files.createTempFile(server.dir(), "out", ".txt");
        Path err = Files.createTempFile(server.dir(), "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("portcullis " + String.join(" ", args) + " did not finish");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** The table's rows with runs of spaces collapsed to one. */
    static List<String> rows(String out) {
        return out.lines().map(l -> l.strip().replaceAll(" {2,}", " ")).toList();
    }

    @Test
    void whoCanListsTheNamedGrantWithItsChain() throws Exception {
        Run run = portcullis(cluster.adminKubeconfig(), "who-can", "patch", "secrets", "app-secret", "-n", "prod");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(rows(run.out())).contains("KIND NAME NAMESPACE VIA", "Group system:masters - (allowed before RBAC)",
                "ServiceAccount foo prod RoleBinding prod/foo-secret -> Role one-secret",
                "User alice - RoleBinding prod/alice-admin -> ClusterRole admin");
        Run unnamed = portcullis(cluster.adminKubeconfig(), "who-can", "patch", "secrets", "-n", "prod");
        assertThat(unnamed.exit()).as(unnamed.err()).isZero();
        assertThat(unnamed.out()).contains("alice").doesNotContain("foo-secret");
    }

    @Test
    void whoCanPrintsTheReviewAsJsonAndAsksAboutPaths() throws Exception {
        Run run = portcullis(cluster.adminKubeconfig(), "who-can", "list", "cm", "-n", "prod", "-o", "json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode review = Json.MAPPER.readTree(run.out());
        assertThat(review.path("kind").asString()).isEqualTo("WhoCanReview");
        assertThat(review.path("spec").path("resourceAttributes").path("resource").asString()).isEqualTo("configmaps");
        assertThat(review.path("status").path("subjects").toString()).contains("{\"kind\":\"ServiceAccount\",\"name\":\"foo\",\"namespace\":\"prod\"");
        Run path = portcullis(cluster.adminKubeconfig(), "who-can", "get", "--non-resource-url", "/healthz");
        assertThat(path.exit()).as(path.err()).isZero();
        assertThat(rows(path.out())).contains("Group system:unauthenticated - ClusterRoleBinding system:public-info-viewer -> ClusterRole system:public-info-viewer");
    }

    @Test
    void whoCanIsRefusedToWhoMayNotListTheBindings() throws Exception {
        Run run = portcullis(cluster.kubeconfigFor("nobody-token"), "who-can", "get", "secrets", "-n", "prod");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("Error from server (Forbidden): rolebindings.rbac.authorization.k8s.io is forbidden: "
                + "User \"nobody\" cannot list resource \"rolebindings\" in API group \"rbac.authorization.k8s.io\" in the namespace \"prod\"");
    }

    @Test
    void theMatrixOfAServiceAccountShowsWhatItMayDoAndWhatOnlyByName() throws Exception {
        Run run = portcullis(cluster.adminKubeconfig(), "access-matrix", "--sa", "prod:foo", "-n", "prod");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(rows(run.out())).contains("NAME GET LIST WATCH CREATE UPDATE PATCH DELETE DELETECOLLECTION",
                "configmaps ✔ ✔ ✔ ✗ ✗ ✗ ✗ ✗", "secrets ~ ✗ ✗ ✗ ✗ ~ ✗ ✗", "pods ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗");
        assertThat(run.out()).doesNotContain("namespaces").doesNotContain("clusterroles");
    }

    @Test
    void theMatrixOfOneselfNeedsNoPermission() throws Exception {
        Run run = portcullis(cluster.kubeconfigFor("alice-token"), "access-matrix", "-n", "prod");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(rows(run.out())).contains("pods ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔", "rolebindings.rbac.authorization.k8s.io ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔");
        Run other = portcullis(cluster.kubeconfigFor("alice-token"), "access-matrix", "--as", "bob");
        assertThat(other.exit()).isEqualTo(1);
        assertThat(other.err().strip()).isEqualTo("Error from server (Forbidden): subjectaccessreviews.authorization.k8s.io is forbidden: "
                + "User \"alice\" cannot create resource \"subjectaccessreviews\" in API group \"authorization.k8s.io\" at the cluster scope");
    }

    @Test
    void theSubjectsMatrixShowsEverySubjectForOneResource() throws Exception {
        Run run = portcullis(cluster.adminKubeconfig(), "access-matrix", "--subjects", "configmaps", "-n", "prod");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(rows(run.out())).contains("KIND NAME NAMESPACE GET LIST WATCH CREATE UPDATE PATCH DELETE DELETECOLLECTION",
                "Group system:masters - ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔", "ServiceAccount foo prod ✔ ✔ ✔ ✗ ✗ ✗ ✗ ✗", "User alice - ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔");
    }

    @Test
    void fabric8CreatesBothReviewsAsGenericResources() throws Exception {
        Config config = Config.fromKubeconfig(Files.readString(cluster.adminKubeconfig()));
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            GenericKubernetesResource whoCan = new GenericKubernetesResource();
            whoCan.setApiVersion("policy.portcullis.io/v1alpha1");
            whoCan.setKind("WhoCanReview");
            whoCan.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
            whoCan.setAdditionalProperty("spec", Map.of("resourceAttributes", Map.of("verb", "get", "resource", "configmaps", "namespace", "prod")));
            GenericKubernetesResource answer = client.genericKubernetesResources("policy.portcullis.io/v1alpha1", "WhoCanReview")
                    .resource(whoCan).create();
            assertThat(Json.string(answer.getAdditionalProperties().get("status"))).contains("\"name\":\"foo\"");

            GenericKubernetesResource matrix = new GenericKubernetesResource();
            matrix.setApiVersion("policy.portcullis.io/v1alpha1");
            matrix.setKind("AccessMatrixReview");
            matrix.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
            matrix.setAdditionalProperty("spec", Map.of("user", "alice", "groups", List.of("system:authenticated"), "namespace", "prod"));
            JsonNode status = Json.MAPPER.valueToTree(client.genericKubernetesResources("policy.portcullis.io/v1alpha1", "AccessMatrixReview")
                    .resource(matrix).create().getAdditionalProperties().get("status"));
            JsonNode pods = null;
            for (JsonNode r : status.path("resources")) if (r.path("resource").asString().equals("pods")) pods = r;
            assertThat(pods).as(status.toString()).isNotNull();
            assertThat(pods.path("access").path("delete").asString()).isEqualTo("Allowed");
        }
    }
}
