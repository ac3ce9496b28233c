package io.portcullis.e2e.rbac;

import static io.portcullis.e2e.rbac.LeastPrivilegeReviewTest.portcullis;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.e2e.rbac.LeastPrivilegeReviewTest.Run;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * {@code portcullis least-privilege --from-audit-log}: from the server's own audit log, the answer
 * is the one the server gives from its records (the same suggestion, unused permissions, denials
 * and counts), whether the policy is listed from the server or read from a file, and whether the
 * log is one file or rotated pieces, one gzipped, given in any order.
 */
@EndToEnd
class LeastPrivilegeAuditLogTest {
    static final String WORKER = "system:serviceaccount:app:worker";
    static final String POLICY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            rules:
            - level: Metadata
            """;

    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static Cluster cluster;
    static Path log;

    @BeforeAll
    static void start() throws Exception {
        Path policy = Files.writeString(server.dir().resolve("audit-policy.yaml"), POLICY);
        log = server.dir().resolve("logs").resolve("audit.log");
        cluster = Cluster.start(server, "nobody-token,nobody,uid-nobody\nauditor-token,auditor,uid-auditor\n",
                c -> c.withAudit(a -> a.withPolicyFile(policy).withLog(log.toString(), a.logBuffering())));
        LeastPrivilegeReviewTest.cluster = cluster;   // its workload and helpers, on this server
        for (String ns : List.of("app", "other")) LeastPrivilegeReviewTest.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}");
        LeastPrivilegeReviewTest.post("/api/v1/namespaces/app/serviceaccounts", "{\"metadata\":{\"name\":\"worker\"}}");
        for (String ns : List.of("app", "other")) {
            LeastPrivilegeReviewTest.post("/api/v1/namespaces/" + ns + "/configmaps", "{\"metadata\":{\"name\":\"cfg\"}}");
            LeastPrivilegeReviewTest.post("/api/v1/namespaces/" + ns + "/secrets", "{\"metadata\":{\"name\":\"app-secret\"}}");
        }
        LeastPrivilegeReviewTest.post("/apis/rbac.authorization.k8s.io/v1/namespaces/app/rolebindings", """
                {"metadata":{"name":"worker-edit"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},
                 "subjects":[{"kind":"ServiceAccount","name":"worker","namespace":"app"}]}""");
        // the auditor may list every RBAC kind but ClusterRoleBindings
        LeastPrivilegeReviewTest.post("/apis/rbac.authorization.k8s.io/v1/clusterroles", """
                {"metadata":{"name":"rbac-lister"},"rules":[{"apiGroups":["rbac.authorization.k8s.io"],
                 "resources":["clusterroles","roles","rolebindings"],"verbs":["list"]}]}""");
        LeastPrivilegeReviewTest.post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", """
                {"metadata":{"name":"auditor"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"rbac-lister"},
                 "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"auditor"}]}""");
    }

    @Test
    void theAnswerFromTheLogIsTheAnswerFromTheServersRecords() throws Exception {
        String token = LeastPrivilegeReviewTest.token();
        LeastPrivilegeReviewTest.workload(token);
        cluster.anonymous().withToken(token).get("/api/v1/namespaces/other/secrets/app-secret").expect(403);
        cluster.anonymous().withToken(token).get("/api/v1/namespaces/other/secrets/app-secret").expect(403);
        // the log is written from a buffer, in order: once the last request is in, every one before it is
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (Files.readAllLines(log).stream().filter(l -> l.contains("\"stage\":\"ResponseComplete\"")
                && l.contains("/api/v1/namespaces/other/secrets/app-secret")).count() < 2) {
            assertThat(System.nanoTime()).as("the log holds the last request within a minute").isLessThan(deadline);
            Thread.sleep(50);
        }

        Run online = portcullis(server.kubeconfig(), "least-privilege", WORKER, "-o", "json");
        assertThat(online.exit()).as(online.err()).isZero();
        JsonNode want = Json.MAPPER.readTree(online.out()).path("status");
        assertThat(want.path("allowed")).isNotEmpty();
        assertThat(want.path("denied")).isNotEmpty();

        Run fromLog = portcullis(server.kubeconfig(), "least-privilege", WORKER, "--from-audit-log", log.toString(), "-o", "json");
        assertThat(fromLog.exit()).as(fromLog.err()).isZero();
        JsonNode review = Json.MAPPER.readTree(fromLog.out());
        assertThat(review.path("kind").asString()).isEqualTo("LeastPrivilegeReview");
        assertSameAnswer(review.path("status"), want);
        assertThat(review.path("status").path("reason").asString()).startsWith("from ").contains(" audit events in 1 file: ");

        // offline: the policy as kubectl lists it, the log rotated in two pieces, the older gzipped, given newest first
        Cluster.Run listed = cluster.kubectl("get", "clusterroles,clusterrolebindings,roles,rolebindings", "-A", "-o", "yaml");
        assertThat(listed.exit()).as(listed.toString()).isZero();
        Path policy = Files.writeString(server.dir().resolve("rbac.yaml"), listed.out());
        List<String> lines = Files.readAllLines(log);
        Path older = server.dir().resolve("audit-2026-01-01T00-00-00.000.log.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(older))) {
            out.write((String.join("\n", lines.subList(0, lines.size() / 2)) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Path newer = Files.write(server.dir().resolve("audit.log"), lines.subList(lines.size() / 2, lines.size()));
        Path noServer = server.dir().resolve("no-such.kubeconfig");
        Run offline = portcullis(noServer, "least-privilege", WORKER, "--from-audit-log", newer + "," + older, "--policy-file", policy.toString(),
                "-o", "json");
        assertThat(offline.exit()).as(offline.err()).isZero();
        assertSameAnswer(Json.MAPPER.readTree(offline.out()).path("status"), want);

        Run text = portcullis(noServer, "least-privilege", WORKER, "--from-audit-log", log.toString(), "--policy-file", policy.toString(),
                "-n", "app");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("kind: \"Role\"", "name: \"least-privilege:app:worker\"", "#   RoleBinding app/worker-edit -> ClusterRole edit: ",
                "# Denied: nothing.", "# Note: from ");
        Run window = portcullis(noServer, "least-privilege", WORKER, "--from-audit-log", log.toString(), "--policy-file", policy.toString(),
                "--since", "1h", "-o", "json");
        assertThat(Json.MAPPER.readTree(window.out()).path("status").path("allowed")).hasSameSizeAs(want.path("allowed"));
    }

    /** The same suggestion, unused permissions, and requests allowed and denied with their counts (times aside: the log's are its own). */
    static void assertSameAnswer(JsonNode got, JsonNode want) {
        assertThat(got.path("suggestion")).isEqualTo(want.path("suggestion"));
        assertThat(got.path("unused")).isEqualTo(want.path("unused"));
        for (String list : List.of("allowed", "denied", "allowedToAll")) {
            assertThat(counts(got.path(list))).as(list).isEqualTo(counts(want.path(list)));
        }
    }

    static TreeSet<String> counts(JsonNode requests) {
        TreeSet<String> out = new TreeSet<>();
        for (JsonNode r : requests) {
            List<String> fields = new ArrayList<>();
            for (String f : List.of("verb", "group", "resource", "subresource", "namespace", "name", "path", "allowed", "denied")) {
                fields.add(r.path(f).asString(""));
            }
            out.add(String.join(" ", fields));
        }
        return out;
    }

    @Test
    void badArgumentsAreRefusedWithWhatIsWrong() throws Exception {
        Path missing = server.dir().resolve("missing.log");
        expectError(portcullis(server.kubeconfig(), "least-privilege", WORKER, "--from-audit-log", missing.toString()),
                "error: cannot read audit log " + missing + ": no such file");
        Path policyYaml = server.dir().resolve("audit-policy.yaml");
        expectError(portcullis(server.kubeconfig(), "least-privilege", WORKER, "--from-audit-log", policyYaml.toString()),
                "error: " + policyYaml + ":1: not JSON, so not an audit.k8s.io/v1 event");
        expectError(portcullis(server.kubeconfig(), "least-privilege", WORKER, "--policy-file", policyYaml.toString()),
                "error: --policy-file is only used with --from-audit-log");
        Path empty = Files.writeString(server.dir().resolve("empty.log"), "");
        expectError(portcullis(server.kubeconfig(), "least-privilege", WORKER, "--from-audit-log", empty.toString(), "--policy-file",
                policyYaml.toString()), "error: policy file " + policyYaml + " holds no Role, ClusterRole, RoleBinding or ClusterRoleBinding");
        expectError(portcullis(server.kubeconfig(), "least-privilege", "system:serviceaccount:app", "--from-audit-log", empty.toString()),
                "error: SUBJECT \"system:serviceaccount:app\" must be a user name or system:serviceaccount:<namespace>:<name>");
        // who may not list the bindings is told so, as kubectl would be
        Run refused = portcullis(cluster.kubeconfigFor("nobody-token"), "least-privilege", WORKER, "--from-audit-log", empty.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err().strip()).startsWith("Error from server (Forbidden): roles.rbac.authorization.k8s.io is forbidden: User \"nobody\"");
    }

    @Test
    void withoutTheRightToListClusterRoleBindingsANamespacedAnswerSaysItIsIncomplete() throws Exception {
        Path empty = Files.writeString(server.dir().resolve("nothing.log"), "");
        Path auditor = cluster.kubeconfigFor("auditor-token");
        Run inApp = portcullis(auditor, "least-privilege", WORKER, "--from-audit-log", empty.toString(), "-n", "app", "-o", "json");
        assertThat(inApp.exit()).as(inApp.err()).isZero();
        JsonNode status = Json.MAPPER.readTree(inApp.out()).path("status");
        assertThat(status.path("incomplete").asBoolean()).isTrue();
        assertThat(status.path("reason").asString()).isEqualTo("from 0 audit events in 1 file: 0 requests of " + WORKER
                + "; ClusterRoleBindings are not shown: they cannot be listed");
        Run everywhere = portcullis(auditor, "least-privilege", WORKER, "--from-audit-log", empty.toString());
        assertThat(everywhere.exit()).isEqualTo(1);
        assertThat(everywhere.err().strip()).startsWith("Error from server (Forbidden): clusterrolebindings.rbac.authorization.k8s.io is forbidden: "
                + "User \"auditor\" cannot list resource \"clusterrolebindings\"");
    }

    static void expectError(Run run, String message) {
        assertThat(run.exit()).as(run.out()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo(message);
    }
}
