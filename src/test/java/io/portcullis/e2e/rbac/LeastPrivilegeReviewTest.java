package io.portcullis.e2e.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.authz.AccessRecorder.Observed;
import io.portcullis.authz.AccessRecorder.Request;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * LeastPrivilegeReview and {@code portcullis least-privilege} on a running server. The proof: a
 * ServiceAccount bound to {@code edit} reads ConfigMaps in one namespace and patches one named
 * Secret, through the real kubectl; the suggestion, applied with kubectl in place of the edit
 * binding, lets the same workload run without a single denial and allows nothing else it was not
 * seen doing (every verb, resource, name and namespace around it asked by SubjectAccessReview).
 */
@EndToEnd
class LeastPrivilegeReviewTest {
    static final String REVIEWS = "/apis/policy.portcullis.io/v1alpha1/leastprivilegereviews";
    static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";
    static final String WORKER = "system:serviceaccount:app:worker";
    static final String TOKENS = """
            nobody-token,nobody,uid-nobody
            appadmin-token,appadmin,uid-appadmin
            """;

    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start(server, TOKENS);
        for (String ns : List.of("app", "other")) post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}");
        post("/api/v1/namespaces/app/serviceaccounts", "{\"metadata\":{\"name\":\"worker\"}}");
        for (String ns : List.of("app", "other")) {
            post("/api/v1/namespaces/" + ns + "/configmaps", "{\"metadata\":{\"name\":\"cfg\"},\"data\":{\"mode\":\"fast\"}}");
            post("/api/v1/namespaces/" + ns + "/configmaps", "{\"metadata\":{\"name\":\"other-cfg\"}}");
            post("/api/v1/namespaces/" + ns + "/secrets", "{\"metadata\":{\"name\":\"app-secret\"},\"stringData\":{\"k\":\"v\"}}");
            post("/api/v1/namespaces/" + ns + "/secrets", "{\"metadata\":{\"name\":\"other-secret\"}}");
        }
        post(RBAC + "/namespaces/app/rolebindings", """
                {"metadata":{"name":"worker-edit"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},
                 "subjects":[{"kind":"ServiceAccount","name":"worker","namespace":"app"}]}""");
        post(RBAC + "/namespaces/app/rolebindings", """
                {"metadata":{"name":"appadmin"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"},
                 "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"appadmin"}]}""");
    }

    static void post(String path, String body) {
        cluster.admin().post(path, body).expect(201);
    }

    /** What the worker does: list and read ConfigMaps, patch its one Secret; each kubectl must succeed. */
    static void workload(String token) {
        for (String[] args : List.of(new String[] {"-n", "app", "get", "configmaps"}, new String[] {"-n", "app", "get", "configmap", "cfg", "-o", "yaml"},
                new String[] {"-n", "app", "patch", "secret", "app-secret", "-p", "{\"metadata\":{\"labels\":{\"rotated\":\"yes\"}}}"})) {
            Cluster.Run run = cluster.kubectlAs(token, args);
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.err()).as(run.toString()).doesNotContain("Forbidden");
        }
    }

    static String token() {
        return cluster.admin().post("/api/v1/namespaces/app/serviceaccounts/worker/token", "{\"spec\":{}}").expect(201)
                .json().path("status").path("token").asString();
    }

    static ObjectNode review(String subject, String namespace, Long sinceSeconds) {
        ObjectNode review = Json.object();
        review.put("apiVersion", "policy.portcullis.io/v1alpha1");
        review.put("kind", "LeastPrivilegeReview");
        ObjectNode spec = review.putObject("spec");
        if (subject != null) spec.put("subject", subject);
        if (namespace != null) spec.put("namespace", namespace);
        if (sinceSeconds != null) spec.put("sinceSeconds", sinceSeconds);
        return review;
    }

    @Test
    void theSuggestionAppliedInPlaceOfEditRunsTheWorkloadAndAllowsNothingElse() throws Exception {
        String token = token();
        workload(token);
        // the records outlive a restart
        cluster = Cluster.start(server, TOKENS);
        Path records = server.dataDir().resolve("access-records.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(records))).isEqualTo("rw-------");

        Run suggested = portcullis(cluster.adminKubeconfig(), "least-privilege", WORKER, "--since", "1h");
        assertThat(suggested.exit()).as(suggested.err()).isZero();
        assertThat(suggested.out()).contains("kind: \"Role\"", "namespace: \"app\"", "name: \"least-privilege:app:worker\"", "resourceNames:",
                "# Held and not used (candidates to remove):", "#   RoleBinding app/worker-edit -> ClusterRole edit: ", "# Denied: nothing.",
                "# Allowed to everybody (system:authenticated, system:unauthenticated or system:serviceaccounts), so in no Role above: ", "get /apis");
        assertThat(suggested.out()).doesNotContain("kind: \"ClusterRole", "system:service-account-issuer-discovery");

        Cluster.Run applied = cluster.kubectlWithInput(suggested.out(), "apply", "-f", "-");
        assertThat(applied.exit()).as(applied.toString()).isZero();
        assertThat(applied.out()).contains("role.rbac.authorization.k8s.io/least-privilege:app:worker created",
                "rolebinding.rbac.authorization.k8s.io/least-privilege:app:worker created");
        Cluster.Run removed = cluster.kubectl("-n", "app", "delete", "rolebinding", "worker-edit");
        assertThat(removed.exit()).as(removed.toString()).isZero();

        workload(token());
        JsonNode after = cluster.admin().post(REVIEWS, review(WORKER, null, null)).expect(201).json().path("status");
        assertThat(after.path("denied").isEmpty()).as(after.toString()).isTrue();
        assertThat(after.path("unused").isEmpty()).as(after.toString()).isTrue();

        // allowed exactly when a request the worker made covers it (same verb and resource, that name or any)
        List<Observed> seen = server.server().accessRecorder().observed(WORKER, null);
        assertThat(seen).allSatisfy(o -> assertThat(o.denied()).as(o.toString()).isZero());
        List<String> mismatches = new ArrayList<>();
        int asked = 0;
        for (String verb : List.of("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")) {
            for (String resource : List.of("configmaps", "secrets", "pods")) {
                for (String ns : List.of("app", "other", "")) {
                    for (String name : List.of("", "cfg", "other-cfg", "app-secret", "other-secret")) {
                        Request q = new Request(true, verb, "", resource, "", ns, name, "");
                        boolean want = seen.stream().anyMatch(o -> o.allowed() > 0 && covers(o.request(), q));
                        if (sar(q) != want) mismatches.add(q.describe() + (want ? " should be allowed" : " should be denied"));
                        asked++;
                    }
                }
            }
        }
        assertThat(asked).isEqualTo(360);
        assertThat(mismatches).isEmpty();
        assertThat(sar(new Request(true, "patch", "", "secrets", "", "app", "app-secret", ""))).isTrue();
        assertThat(sar(new Request(true, "list", "", "configmaps", "", "app", "", ""))).isTrue();
    }

    static boolean covers(Request o, Request q) {
        return o.resourceRequest() && o.verb().equals(q.verb()) && o.apiGroup().equals(q.apiGroup()) && o.resource().equals(q.resource())
                && o.subresource().equals(q.subresource()) && o.namespace().equals(q.namespace()) && (o.name().isEmpty() || o.name().equals(q.name()));
    }

    static boolean sar(Request q) {
        return sar(cluster.admin(), q);
    }

    /** Whether a SubjectAccessReview for the worker, asked through {@code https}, allows the request. */
    static boolean sar(io.portcullis.testing.Https https, Request q) {
        ObjectNode review = Json.object();
        review.put("apiVersion", "authorization.k8s.io/v1");
        review.put("kind", "SubjectAccessReview");
        ObjectNode spec = review.putObject("spec");
        spec.put("user", WORKER);
        ArrayNode groups = spec.putArray("groups");
        List.of("system:serviceaccounts", "system:serviceaccounts:app", "system:authenticated").forEach(groups::add);
        ObjectNode ra = spec.putObject("resourceAttributes");
        ra.put("verb", q.verb());
        ra.put("resource", q.resource());
        ra.put("namespace", q.namespace());
        ra.put("name", q.name());
        return https.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", review).expect(201)
                .json().path("status").path("allowed").asBoolean();
    }

    @Test
    void whatWasDeniedIsReportedAndTheReviewIsServedAsJson() throws Exception {
        cluster.as("nobody-token").get("/api/v1/namespaces/other/secrets/app-secret").expect(403);
        cluster.as("nobody-token").get("/api/v1/namespaces/other/secrets/app-secret").expect(403);
        Response r = cluster.admin().post(REVIEWS, review("nobody", "other", 3600L)).expect(201);
        JsonNode status = r.json().path("status");
        assertThat(status.path("since").asString()).isNotEmpty();
        assertThat(status.path("denied")).singleElement().satisfies(d -> {
            assertThat(d.path("verb").asString()).isEqualTo("get");
            assertThat(d.path("resource").asString()).isEqualTo("secrets");
            assertThat(d.path("namespace").asString()).isEqualTo("other");
            assertThat(d.path("name").asString()).isEqualTo("app-secret");
            assertThat(d.path("denied").asLong()).isEqualTo(2);
        });
        assertThat(status.path("suggestion").path("roles").isEmpty()).isTrue();

        Run json = portcullis(cluster.adminKubeconfig(), "least-privilege", "nobody", "-n", "other", "-o", "json");
        assertThat(json.exit()).as(json.err()).isZero();
        assertThat(Json.MAPPER.readTree(json.out()).path("kind").asString()).isEqualTo("LeastPrivilegeReview");
        Run text = portcullis(cluster.adminKubeconfig(), "least-privilege", "nobody", "-n", "other");
        assertThat(text.out()).contains("# Nothing to suggest for nobody", "# Denied:", "#   get secrets/app-secret in other (2 times, last ");
    }

    @Test
    void askingTakesTheRightToListTheBindings() throws Exception {
        Response refused = cluster.as("nobody-token").post(REVIEWS, review(WORKER, "app", null));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.message()).isEqualTo("rolebindings.rbac.authorization.k8s.io is forbidden: User \"nobody\" cannot list resource "
                + "\"rolebindings\" in API group \"rbac.authorization.k8s.io\" in the namespace \"app\"");
        Response clusterWide = cluster.as("appadmin-token").post(REVIEWS, review(WORKER, null, null));
        assertThat(clusterWide.status()).isEqualTo(403);
        assertThat(clusterWide.message()).isEqualTo("clusterrolebindings.rbac.authorization.k8s.io is forbidden: User \"appadmin\" cannot list "
                + "resource \"clusterrolebindings\" in API group \"rbac.authorization.k8s.io\" at the cluster scope");
        JsonNode inApp = cluster.as("appadmin-token").post(REVIEWS, review(WORKER, "app", null)).expect(201).json().path("status");
        assertThat(inApp.path("incomplete").asBoolean()).isTrue();
        assertThat(inApp.path("reason").asString()).startsWith("ClusterRoleBindings are not shown: ");

        Run cli = portcullis(cluster.kubeconfigFor("nobody-token"), "least-privilege", WORKER, "-n", "app");
        assertThat(cli.exit()).isEqualTo(1);
        assertThat(cli.err().strip()).isEqualTo("Error from server (Forbidden): " + refused.message());
    }

    @Test
    void badSpecsAreRefusedWithTheFieldAtFault() throws Exception {
        assertInvalid(review(null, null, null), "LeastPrivilegeReview.policy.portcullis.io \"\" is invalid: spec.subject: Required value");
        assertInvalid(review("system:serviceaccount:app", null, null), "LeastPrivilegeReview.policy.portcullis.io \"\" is invalid: "
                + "spec.subject: Invalid value: \"system:serviceaccount:app\": must be a user name or system:serviceaccount:<namespace>:<name>");
        assertInvalid(review(WORKER, null, 0L), "LeastPrivilegeReview.policy.portcullis.io \"\" is invalid: "
                + "spec.sinceSeconds: Invalid value: 0: must be greater than 0");
        Run badSince = portcullis(cluster.adminKubeconfig(), "least-privilege", WORKER, "--since", "yesterday");
        assertThat(badSince.exit()).isEqualTo(1);
        assertThat(badSince.err().strip()).isEqualTo("error: invalid argument \"yesterday\" for \"--since\" flag: time: invalid duration \"yesterday\"");
    }

    static void assertInvalid(ObjectNode review, String message) {
        Response r = cluster.admin().post(REVIEWS, review);
        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        assertThat(r.reason()).isEqualTo("Invalid");
        assertThat(r.message()).isEqualTo(message);
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
}
