package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.e2e.Kubectl.Run;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What kubectl's own command tests (test/cmd in the Kubernetes repository) assert of the commands
 * wait, run, explain, get --raw, auth, create, label, annotate, get's printers and watch, and of
 * exec credential plugins, for the kinds served here, with the real kubectl.
 */
@Timeout(120)
@EndToEnd
class KubectlCommandsTest {
    static final AtomicInteger SEQ = new AtomicInteger();

    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    @TempDir static Path home;
    static Kubectl kubectl;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Kubectl.PATH), "no kubectl at " + Kubectl.PATH);
        server.start();
        kubectl = new Kubectl(server, home);
    }

    static Run kubectl(String... args) throws Exception {
        return kubectl.run(args);
    }

    static String namespace() throws Exception {
        return kubectl.namespace("c" + SEQ.incrementAndGet());
    }

    /** A kubectl left running, with -v=6 so that its standard error tells when its watch is open. */
    record Background(Process process, Path out, Path err) implements AutoCloseable {
        static Background start(String... args) throws Exception {
            List<String> all = new ArrayList<>(List.of(args));
            all.add("-v=6");
            Path out = Files.createTempFile(home, "bg", ".out");
            Path err = Files.createTempFile(home, "bg", ".err");
            Process p = kubectl.command(all).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            return new Background(p, out, err);
        }

        void awaitWatch() throws Exception {
            await(err, Pattern.compile("GET \\S+watch=true\\S* 200"), "an open watch");
        }

        String awaitOut(Pattern p, String what) throws Exception {
            return await(out, p, what);
        }

        private String await(Path file, Pattern p, String what) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!p.matcher(Files.readString(file)).find()) {
                assertThat(System.nanoTime()).as("%s within 20 s; stdout:%n%s%nstderr:%n%s", what,
                        Files.readString(out), Files.readString(err)).isLessThan(deadline);
                Thread.sleep(50);
            }
            return Files.readString(file);
        }

        int exit() throws Exception {
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("kubectl ends").isTrue();
            return process.exitValue();
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }

    // ---- wait.sh ----

    @Test
    void waitForJsonpathConditionAndDeletion() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "run", "a", "--image=busybox").ok();
        kubectl("-n", ns, "run", "b", "--image=busybox").ok();

        assertThat(kubectl("-n", ns, "wait", "--for=jsonpath={.status.phase}=Pending", "pod/a", "--timeout=10s").ok().out())
                .isEqualTo("pod/a condition met\n");
        assertThat(kubectl("-n", ns, "wait", "--for=jsonpath={.status.phase}", "pod/a", "--timeout=10s").ok().out())
                .isEqualTo("pod/a condition met\n");
        Run never = kubectl("-n", ns, "wait", "--for=jsonpath=.status.readyReplicas=1", "pod/a", "--timeout=1s");
        assertThat(never.exit()).isOne();
        assertThat(never.err()).contains("timed out waiting for the condition on pods/a");
        Run invalid = kubectl("-n", ns, "wait", "pod", "--selector=run=b", "--for=condition=InvalidCondition", "--timeout=1s");
        assertThat(invalid.exit()).isOne();
        assertThat(invalid.err()).contains("timed out waiting for the condition on pods/b");

        // a condition in the status, written through the status subresource as a kubelet would
        kubectl("-n", ns, "patch", "pod", "a", "--subresource=status", "--type=merge",
                "-p", "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}").ok();
        assertThat(kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/a", "--timeout=10s").ok().out())
                .isEqualTo("pod/a condition met\n");
        assertThat(kubectl("-n", ns, "wait", "--for=condition=Ready=false", "pod/a", "--timeout=1s").exit()).isOne();

        try (Background created = Background.start("-n", ns, "wait", "--for=create", "configmap/later", "--timeout=30s")) {
            kubectl("-n", ns, "create", "configmap", "later").ok();
            assertThat(created.exit()).isZero();
            assertThat(Files.readString(created.out())).isEqualTo("configmap/later condition met\n");
        }
        assertThat(kubectl("-n", ns, "wait", "--for=create", "configmap/never", "--timeout=1s").err()).contains("timed out waiting for the condition");

        try (Background wait = Background.start("-n", ns, "wait", "pod", "--for=delete", "--all", "--timeout=30s")) {
            wait.awaitWatch();
            kubectl("-n", ns, "delete", "pod", "--all", "--wait=false").ok();
            assertThat(wait.exit()).isZero();
            assertThat(Files.readString(wait.out()).lines().sorted().toList())
                    .containsExactly("pod/a condition met", "pod/b condition met");
        }
    }

    // ---- run.sh ----

    @Test
    void runCreatesAPodLabelledWithItsNameAndDryRunsCreateNothing() throws Exception {
        String ns = namespace();
        assertThat(kubectl("-n", ns, "run", "--dry-run=client", "nginx", "--image=nginx").ok().out()).isEqualTo("pod/nginx created (dry run)\n");
        assertThat(kubectl("-n", ns, "run", "--dry-run=server", "nginx", "--image=nginx").ok().out()).isEqualTo("pod/nginx created (server dry run)\n");
        assertThat(kubectl("-n", ns, "get", "pods", "-o", "name").ok().out()).isEmpty();

        assertThat(kubectl("-n", ns, "run", "test1", "--image=validname").ok().out()).isEqualTo("pod/test1 created\n");
        assertThat(kubectl("-n", ns, "get", "pod", "test1", "-o", "jsonpath={.metadata.labels}|{.spec.containers[0].name}|{.spec.containers[0].image}|{.spec.restartPolicy}").ok().out())
                .isEqualTo("{\"run\":\"test1\"}|test1|validname|Always");
        assertThat(kubectl("-n", ns, "get", "pods", "-l", "run=test1", "-o", "name").ok().out()).isEqualTo("pod/test1\n");
        // as upstream, kubectl-run owns what it sent, defaulted, and neither the status nor what ServiceAccount admission added
        assertThat(kubectl("-n", ns, "get", "pod", "test1", "--show-managed-fields",
                "-o", "jsonpath={.metadata.managedFields[*].manager} {.metadata.managedFields[*].operation}").ok().out()).isEqualTo("kubectl-run Update");
        assertThat(kubectl("-n", ns, "get", "pod", "test1", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[0].fieldsV1}").ok().out())
                .contains("\"f:run\"", "\"f:image\"", "\"f:imagePullPolicy\"", "\"f:dnsPolicy\"", "\"f:terminationGracePeriodSeconds\"")
                .doesNotContain("f:status", "f:volumes", "f:volumeMounts", "f:serviceAccountName", "f:priority");
        assertThat(kubectl("-n", ns, "get", "pod", "test1", "-o", "jsonpath={.spec.serviceAccountName} {.status.phase}").ok().out())
                .isEqualTo("default Pending");

        kubectl("-n", ns, "run", "cmd", "--image=busybox", "--restart=Never", "--labels=app=x", "--env=K=V", "--port=8080",
                "--command", "--", "sh", "-c", "sleep 1").ok();
        assertThat(kubectl("-n", ns, "get", "pod", "cmd", "-o",
                "jsonpath={.metadata.labels}|{.spec.restartPolicy}|{.spec.containers[0].env}|{.spec.containers[0].ports[0].containerPort}|{.spec.containers[0].command}").ok().out())
                .isEqualTo("{\"app\":\"x\"}|Never|[{\"name\":\"K\",\"value\":\"V\"}]|8080|[\"sh\",\"-c\",\"sleep 1\"]");

        Run bad = kubectl("-n", ns, "run", "test2", "--image=InvalidImageName");
        assertThat(bad.exit()).isOne();
        assertThat(bad.err()).contains("error: Invalid image name \"InvalidImageName\": invalid reference format");
    }

    // ---- discovery.sh: explain, short names, categories; get --raw ----

    @Test
    void explainFindsKindsByShortNameAndRefusesAnUnknownField() throws Exception {
        assertThat(kubectl("explain", "po").ok().out()).contains("KIND:       Pod", "VERSION:    v1", "FIELDS:", "spec\t<PodSpec>");
        assertThat(kubectl("explain", "po.status.message").ok().out()).contains("FIELD: message <string>");
        assertThat(kubectl("explain", "roles.rules", "--recursive").ok().out()).contains("apiGroups\t<[]string>", "verbs\t<[]string>");
        assertThat(kubectl("explain", "leases.spec", "--output=plaintext-openapiv2").ok().out()).contains("holderIdentity\t<string>");
        Run unknown = kubectl("explain", "pods.nope");
        assertThat(unknown.exit()).isOne();
        assertThat(unknown.err()).contains("field \"nope\" does not exist");
        Run unserved = kubectl("explain", "cronjob");
        assertThat(unserved.exit()).isOne();
        assertThat(unserved.err()).contains("the server doesn't have a resource type \"cronjob\"");
    }

    @Test
    void getRawServesDiscoveryVersionOpenApiAndResourcePaths() throws Exception {
        assertThat(kubectl("get", "--raw", "/api").ok().out()).startsWith("{\"kind\":\"APIVersions\",\"versions\":[\"v1\"]");
        assertThat(kubectl("get", "--raw", "/version").ok().out()).contains("\"major\":\"1\"", "\"minor\":\"32\"", "\"gitVersion\":\"v1.32.");
        assertThat(kubectl("get", "--raw", "/openapi/v2").ok().out()).startsWith("{\"swagger\":\"2.0\"").contains("\"/api/v1/namespaces/{namespace}/configmaps\"");
        assertThat(kubectl("get", "--raw", "/api/v1/namespaces/default").ok().out()).contains("\"kind\":\"Namespace\"", "\"name\":\"default\"");

        // discovery.sh: short names, categories and the storage version hash (upstream's: SHA-256 of "/v1/ConfigMap")
        String coreV1 = kubectl("get", "--raw=/api/v1").ok().out();
        assertThat(coreV1).contains("{\"name\":\"configmaps\",\"singularName\":\"configmap\",\"namespaced\":true,\"kind\":\"ConfigMap\","
                + "\"verbs\":[\"create\",\"delete\",\"deletecollection\",\"get\",\"list\",\"patch\",\"update\",\"watch\"],"
                + "\"shortNames\":[\"cm\"],\"storageVersionHash\":\"qFsyl6wFWjQ=\"}");
        assertThat(coreV1).containsPattern("\"name\":\"pods\"[^}]*\"categories\":\\[\"all\"\\],\"storageVersionHash\":\"xPOwRZ\\+Yhw8=\"");
        // review kinds are not stored: no hash
        assertThat(kubectl("get", "--raw=/apis/authentication.k8s.io/v1").ok().out()).contains("\"kind\":\"TokenReview\"").doesNotContain("storageVersionHash");

        Run missing = kubectl("get", "--raw", "/api/v1/namespaces/nope");
        assertThat(missing.exit()).isOne();
        assertThat(missing.err()).contains("Error from server (NotFound): namespaces \"nope\" not found");
        Run unknown = kubectl("get", "unknownresourcetype");
        assertThat(unknown.exit()).isOne();
        assertThat(unknown.err()).contains("the server doesn't have a resource type \"unknownresourcetype\"");
        // certificate.sh needs CertificateSigningRequests, which are not served here
        assertThat(kubectl("certificate", "approve", "foo").err()).contains("the server doesn't have a resource type \"certificatesigningrequests\"");
    }

    // ---- authentication.sh: exec credential plugins ----

    @Test
    void execCredentialPluginsOfBothVersionsAuthenticateAndAnExplicitTokenWins() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "create", "serviceaccount", "plugged").ok();
        kubectl("-n", ns, "create", "rolebinding", "plugged-view", "--clusterrole=view", "--serviceaccount=" + ns + ":plugged").ok();
        String token = kubectl("-n", ns, "create", "token", "plugged").ok().out().strip();
        String ca = kubectl("config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}").ok().out();

        for (String apiVersion : List.of("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")) {
            Path plugin = home.resolve("plugin-" + apiVersion.substring(apiVersion.lastIndexOf('/') + 1) + ".sh");
            Files.writeString(plugin, """
                    #!/bin/sh
                    echo '{"kind":"ExecCredential","apiVersion":"%s","status":{"token":"%s"}}'
                    """.formatted(apiVersion, token));
            Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwx------"));
            Path config = Files.writeString(home.resolve("exec-" + plugin.getFileName() + ".kubeconfig"), """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: test
                      cluster: {server: "%s", certificate-authority-data: "%s"}
                    contexts:
                    - name: test
                      context: {cluster: test, user: exec, namespace: %s}
                    current-context: test
                    users:
                    - name: exec
                      user:
                        exec:
                          apiVersion: %s
                          command: %s
                          interactiveMode: IfAvailable
                    """.formatted(server.url(), ca, ns, apiVersion, plugin));

            assertThat(kubectl("--kubeconfig", config.toString(), "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").ok().out())
                    .as(apiVersion).isEqualTo("system:serviceaccount:" + ns + ":plugged");
            assertThat(kubectl("--kubeconfig", config.toString(), "get", "configmap", "kube-root-ca.crt", "-o", "name").ok().out())
                    .isEqualTo("configmap/kube-root-ca.crt\n");
            Run denied = kubectl("--kubeconfig", config.toString(), "get", "secrets");
            assertThat(denied.err()).contains("User \"system:serviceaccount:" + ns + ":plugged\" cannot list resource \"secrets\"");
            // a --token on the command line is used instead of the plugin
            Run bogus = kubectl("--kubeconfig", config.toString(), "--token=bogus", "get", "configmaps");
            assertThat(bogus.exit()).isOne();
            assertThat(bogus.err()).contains("error: You must be logged in to the server (Unauthorized)");
        }
    }

    // ---- authorization / auth_whoami / auth reconcile ----

    @Test
    void authCanIAnswersForTheCallerAndForImpersonatedUsersAndLists() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "create", "rolebinding", "alice-edit", "--clusterrole=edit", "--user=alice").ok();

        assertThat(kubectl("auth", "can-i", "create", "pods").ok().out()).isEqualTo("yes\n");
        assertThat(kubectl("auth", "can-i", "*", "*").ok().out()).isEqualTo("yes\n");
        Run no = kubectl("auth", "can-i", "get", "pods", "--as=nobody");
        assertThat(no.exit()).isOne();
        assertThat(no.out()).isEqualTo("no\n");
        Run quiet = kubectl("auth", "can-i", "get", "pods", "--as=nobody", "--quiet");
        assertThat(quiet.exit()).isOne();
        assertThat(quiet.out()).isEmpty();

        assertThat(kubectl("-n", ns, "auth", "can-i", "create", "configmaps", "--as=alice").ok().out()).isEqualTo("yes\n");
        assertThat(kubectl("-n", ns, "auth", "can-i", "get", "pods", "--subresource=log", "--as=alice").ok().out()).isEqualTo("yes\n");
        assertThat(kubectl("-n", ns, "auth", "can-i", "create", "roles", "--as=alice").out()).isEqualTo("no\n");
        assertThat(kubectl("-n", "default", "auth", "can-i", "create", "configmaps", "--as=alice").out()).isEqualTo("no\n");
        assertThat(kubectl("auth", "can-i", "get", "/healthz", "--as=nobody").ok().out()).isEqualTo("yes\n");
        assertThat(kubectl("auth", "can-i", "get", "/logs/foo", "--as=alice").out()).isEqualTo("no\n");

        String list = kubectl("-n", ns, "auth", "can-i", "--list", "--as=alice").ok().out();
        assertThat(list.lines().findFirst()).hasValueSatisfying(h -> assertThat(h).matches("Resources\\s+Non-Resource URLs\\s+Resource Names\\s+Verbs\\s*"));
        assertThat(list).containsPattern("(?m)^configmaps\\s+\\[\\]\\s+\\[\\]\\s+\\[create delete deletecollection patch update get list watch\\]")
                .containsPattern("(?m)^selfsubjectreviews.authentication.k8s.io\\s+\\[\\]\\s+\\[\\]\\s+\\[create\\]")
                .containsPattern("(?m)^\\s+\\[/healthz\\]\\s+\\[\\]\\s+\\[get\\]");
        assertThat(kubectl("-n", ns, "auth", "can-i", "--list", "--as=alice", "--no-headers").ok().out()).doesNotContain("Non-Resource URLs");
    }

    @Test
    void authWhoamiPrintsTheSelfSubjectReview() throws Exception {
        assertThat(kubectl("auth", "whoami", "-o", "json").ok().out()).contains("\"kind\": \"SelfSubjectReview\"", "\"username\": \"portcullis-admin\"");
        assertThat(kubectl("auth", "whoami").ok().out()).containsPattern("Username\\s+portcullis-admin")
                .containsPattern("Groups\\s+\\[system:masters system:authenticated\\]");
        assertThat(kubectl("auth", "whoami", "--as=bob", "--as-group=devs", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}").ok().out())
                .isEqualTo("bob [\"devs\",\"system:authenticated\"]");
    }

    @Test
    void authReconcileCreatesTheNamespaceAndObjectsThenAddsAndRemovesRules() throws Exception {
        String ns = "reconciled-" + SEQ.incrementAndGet();
        Path file = Files.writeString(home.resolve("reconcile.yaml"), """
                apiVersion: v1
                kind: List
                items:
                - apiVersion: rbac.authorization.k8s.io/v1
                  kind: ClusterRole
                  metadata: {name: testing-CR, labels: {test-cmd: auth}}
                  rules:
                  - {apiGroups: [""], resources: [pods], verbs: [get, list, watch]}
                  - {nonResourceURLs: ["*"], verbs: [get]}
                - apiVersion: rbac.authorization.k8s.io/v1
                  kind: ClusterRoleBinding
                  metadata: {name: testing-CRB, labels: {test-cmd: auth}}
                  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: testing-CR}
                  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:masters}]
                - apiVersion: rbac.authorization.k8s.io/v1
                  kind: Role
                  metadata: {name: testing-R, namespace: %1$s, labels: {test-cmd: auth}}
                  rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
                - apiVersion: rbac.authorization.k8s.io/v1
                  kind: RoleBinding
                  metadata: {name: testing-RB, namespace: %1$s, labels: {test-cmd: auth}}
                  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: testing-R}
                  subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:masters}]
                """.formatted(ns));

        assertThat(kubectl("auth", "reconcile", "--dry-run=client", "-f", file.toString()).ok().out()).contains("reconciled (dry run)");
        assertThat(kubectl("get", "ns", ns).exit()).isOne();

        // kubectl prints what it reconciled on standard output, what it changed on standard error
        Run created = kubectl("auth", "reconcile", "-f", file.toString()).ok();
        assertThat(created.out()).contains("clusterrole.rbac.authorization.k8s.io/testing-CR reconciled",
                "rolebinding.rbac.authorization.k8s.io/testing-RB reconciled");
        assertThat(created.err()).contains("reconciliation required create", "missing rules added:");
        assertThat(kubectl("get", "ns", ns, "-o", "name").ok().out()).isEqualTo("namespace/" + ns + "\n");
        assertThat(kubectl("get", "clusterroles,clusterrolebindings", "-l", "test-cmd=auth", "-o", "name").ok().out().lines().toList())
                .containsExactly("clusterrole.rbac.authorization.k8s.io/testing-CR", "clusterrolebinding.rbac.authorization.k8s.io/testing-CRB");
        assertThat(kubectl("-n", ns, "get", "roles,rolebindings", "-l", "test-cmd=auth", "-o", "name").ok().out().lines().toList())
                .containsExactly("role.rbac.authorization.k8s.io/testing-R", "rolebinding.rbac.authorization.k8s.io/testing-RB");
        assertThat(kubectl("auth", "reconcile", "-f", file.toString()).ok().err()).doesNotContain("reconciliation required");

        Files.writeString(file, Files.readString(file).replace("verbs: [get, list, watch]", "verbs: [get]"));
        assertThat(kubectl("auth", "reconcile", "-f", file.toString()).ok().err()).doesNotContain("reconciliation required");
        assertThat(kubectl("get", "clusterrole", "testing-CR", "-o", "jsonpath={.rules[0].verbs}").ok().out()).isEqualTo("[\"get\",\"list\",\"watch\"]");
        assertThat(kubectl("auth", "reconcile", "-f", file.toString(), "--remove-extra-permissions").ok().err())
                .contains("reconciliation required update", "extra rules removed:");
        assertThat(kubectl("get", "clusterrole", "testing-CR", "-o", "jsonpath={.rules[0].verbs}").ok().out()).isEqualTo("[\"get\"]");
        kubectl("delete", "-f", file.toString()).ok();
    }

    // ---- core.sh: label and annotate ----

    @Test
    void labelAndAnnotateHonourResourceVersionAndOverwrite() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "create", "configmap", "cm1", "--from-literal=a=b").ok();
        kubectl("-n", ns, "create", "configmap", "cm2").ok();
        String rv = kubectl("-n", ns, "get", "cm", "cm1", "-o", "jsonpath={.metadata.resourceVersion}").ok().out();

        assertThat(kubectl("-n", ns, "label", "cm", "cm1", "emptylabel=").ok().out()).isEqualTo("configmap/cm1 labeled\n");
        Run stale = kubectl("-n", ns, "label", "cm", "cm1", "a=b", "--resource-version=" + rv);
        assertThat(stale.exit()).isOne();
        assertThat(stale.err()).contains("Error from server (Conflict): Operation cannot be fulfilled on configmaps \"cm1\": "
                + "the object has been modified; please apply your changes to the latest version and try again");
        String current = kubectl("-n", ns, "get", "cm", "cm1", "-o", "jsonpath={.metadata.resourceVersion}").ok().out();
        assertThat(kubectl("-n", ns, "label", "cm", "cm1", "a=b", "--resource-version=" + current).ok().out()).isEqualTo("configmap/cm1 labeled\n");
        Run noOverwrite = kubectl("-n", ns, "label", "cm", "cm1", "a=c");
        assertThat(noOverwrite.err()).contains("'a' already has a value (b), and --overwrite is false");
        kubectl("-n", ns, "label", "cm", "cm1", "a=c", "--overwrite").ok();
        assertThat(kubectl("-n", ns, "get", "cm", "cm1", "-o", "jsonpath={.metadata.labels}").ok().out()).isEqualTo("{\"a\":\"c\",\"emptylabel\":\"\"}");
        assertThat(kubectl("-n", ns, "label", "cm", "cm1", "a-").ok().out()).isEqualTo("configmap/cm1 unlabeled\n");

        Run staleAnnotate = kubectl("-n", ns, "annotate", "cm", "cm1", "x=y", "--resource-version=1");
        assertThat(staleAnnotate.err()).contains("Error from server (Conflict)");
        kubectl("-n", ns, "annotate", "cm", "cm1", "x=y").ok();
        assertThat(kubectl("-n", ns, "annotate", "cm", "cm1", "x=z").err())
                .contains("--overwrite is false but found the following declared annotation(s): 'x' already has a value (y)");
        kubectl("-n", ns, "annotate", "cm", "cm1", "x=z", "--overwrite").ok();
        assertThat(kubectl("-n", ns, "annotate", "cm", "--all", "q=1").ok().out().lines().toList())
                .containsExactly("configmap/cm1 annotated", "configmap/cm2 annotated", "configmap/kube-root-ca.crt annotated");
        assertThat(kubectl("-n", ns, "get", "cm", "-l", "emptylabel", "-o", "jsonpath={.items[*].metadata.annotations}").ok().out())
                .isEqualTo("{\"q\":\"1\",\"x\":\"z\"}");
        assertThat(kubectl("-n", ns, "label", "cm", "-l", "emptylabel", "l=2", "--dry-run=server").ok().out()).isEqualTo("configmap/cm1 labeled (server dry run)\n");
        assertThat(kubectl("-n", ns, "get", "cm", "cm1", "-o", "jsonpath={.metadata.labels.l}").ok().out()).isEmpty();
    }

    // ---- get.sh ----

    @Test
    void getPrintsTemplatesColumnsAndTheAbsenceOfObjectsAsUpstream() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "create", "configmap", "one", "--from-literal=k=v1").ok();
        kubectl("-n", ns, "create", "configmap", "two", "--from-literal=k=v2").ok();

        assertThat(kubectl("-n", ns, "get", "cm", "--sort-by=.metadata.name", "-o", "custom-columns=NAME:.metadata.name,K:.data.k").ok().out())
                .isEqualTo("""
                        NAME               K
                        kube-root-ca.crt   <none>
                        one                v1
                        two                v2
                        """);
        assertThat(kubectl("-n", ns, "get", "cm", "one", "-o", "jsonpath={.metadata.name}={.data.k}").ok().out()).isEqualTo("one=v1");
        assertThat(kubectl("-n", ns, "get", "cm", "--chunk-size=1", "-o", "go-template={{range .items}}{{.metadata.name}}:{{end}}").ok().out())
                .isEqualTo("kube-root-ca.crt:one:two:");
        assertThat(kubectl("-n", ns, "get", "cm", "one", "--template={{.metadata.name}}:").ok().out()).isEqualTo("one:");
        assertThat(kubectl("-n", ns, "get", "cm", "one", "-o", "jsonpath={.missing}").ok().out()).isEmpty();
        assertThat(kubectl("-n", ns, "get", "cm", "one", "--allow-missing-template-keys=false", "-o", "jsonpath={.missing}").err())
                .contains("missing is not found");
        assertThat(kubectl("-n", ns, "get", "cm", "one", "--allow-missing-template-keys=false", "-o", "go-template={{.missing}}").err())
                .contains("map has no entry for key \"missing\"");

        // no pods: a human-readable list says so, the machine formats do not
        assertThat(kubectl("-n", ns, "get", "pods").ok().err()).isEqualTo("No resources found in " + ns + " namespace.\n");
        assertThat(kubectl("-n", ns, "get", "pods", "-o", "wide").ok().err()).contains("No resources found");
        for (String format : List.of("json", "yaml", "name", "jsonpath={.items}", "go-template={{.items}}", "custom-columns=NAME:.metadata.name")) {
            Run r = kubectl("-n", ns, "get", "pods", "-o", format).ok();
            assertThat(r.out() + r.err()).as(format).doesNotContain("No resources found");
        }
        assertThat(kubectl("-n", ns, "get", "pods", "--ignore-not-found").ok().err()).isEmpty();
        Run absent = kubectl("-n", ns, "get", "pods", "abc", "-o", "json");
        assertThat(absent.exit()).isOne();
        assertThat(absent.err()).contains("pods \"abc\" not found");
        assertThat(absent.out()).doesNotContain("List");

        // chunked lists: the limit and continue kubectl sends
        String log = kubectl("get", "clusterroles", "--chunk-size=10", "-v=6").ok().err();
        assertThat(log).contains("/clusterroles?limit=10 200 OK").contains("/v1/clusterroles?continue=");
        assertThat(kubectl("get", "clusterroles", "-v=6").ok().err()).contains("/clusterroles?limit=500 200 OK");
        assertThat(kubectl("get", "namespaces", "--chunk-size=1", "--no-headers").ok().out()).contains("default", "kube-public", "kube-system");
        // sort-by asks for a table with the full objects
        assertThat(kubectl("-n", ns, "get", "cm", "--sort-by={.metadata.name}", "-v=8").ok().err()).contains("as=Table", "includeObject=Object");

        // --subresource
        kubectl("-n", ns, "run", "valid-pod", "--image=nginx").ok();
        assertThat(kubectl("-n", ns, "get", "pod", "valid-pod", "--subresource=status").ok().out()).containsPattern("valid-pod\\s+0/1\\s+Pending");
        assertThat(kubectl("-n", ns, "get", "pod", "valid-pod", "--subresource=scale").err()).contains("the server could not find the requested resource");
    }

    @Test
    void watchOnlyPrintsJustTheLaterChangesAndAChunkedWatchWorks() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "create", "configmap", "before").ok();
        try (Background watch = Background.start("-n", ns, "get", "configmaps", "--watch-only", "-o", "name")) {
            watch.awaitWatch();
            kubectl("-n", ns, "create", "configmap", "first").ok();
            kubectl("-n", ns, "label", "configmap", "first", "x=y").ok();
            kubectl("-n", ns, "delete", "configmap", "first").ok();
            String out = watch.awaitOut(Pattern.compile("(configmap/first\\n){3}"), "three events of configmap/first");
            assertThat(out).isEqualTo("configmap/first\n".repeat(3));
        }
        try (Background watch = Background.start("-n", ns, "get", "configmaps", "--watch-only", "--output-watch-events")) {
            watch.awaitWatch();
            kubectl("-n", ns, "create", "configmap", "second").ok();
            assertThat(watch.awaitOut(Pattern.compile("ADDED\\s+second"), "the ADDED event"))
                    .matches("EVENT\\s+NAME\\s+DATA\\s+AGE\\s*\\nADDED\\s+second\\s+0\\s+\\d+s\\s*\\n");
        }
        Run chunked = kubectl("-n", ns, "get", "configmaps", "--chunk-size=1", "--watch", "--request-timeout=1s");
        assertThat(chunked.out()).contains("before", "kube-root-ca.crt", "second");
        assertThat(chunked.err()).doesNotContain("watch is only supported on individual resources");
    }

    // ---- create.sh, rbac.sh, core.sh: the imperative create commands ----

    @Test
    void createSecretConfigMapAndServiceAccountVariants() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "create", "secret", "generic", "test-secret", "--from-literal=key1=value1", "--type=test-type").ok();
        assertThat(kubectl("-n", ns, "get", "secret", "test-secret", "-o", "jsonpath={.type}:{.data.key1}").ok().out())
                .isEqualTo("test-type:" + Base64.getEncoder().encodeToString("value1".getBytes(StandardCharsets.UTF_8)));
        kubectl("-n", ns, "create", "secret", "docker-registry", "test-secret2", "--docker-username=test-user",
                "--docker-password=test-password", "--docker-email=test-user@test.com").ok();
        assertThat(kubectl("-n", ns, "get", "secret", "test-secret2", "-o", "go-template={{.type}}").ok().out()).isEqualTo("kubernetes.io/dockerconfigjson");
        // the admin's client certificate and key: a pair that belongs together
        Path crt = home.resolve("tls.crt");
        Path key = home.resolve("tls.key");
        Files.write(crt, Base64.getDecoder().decode(kubectl("config", "view", "--raw", "--minify", "-o", "jsonpath={.users[0].user.client-certificate-data}").ok().out()));
        Files.write(key, Base64.getDecoder().decode(kubectl("config", "view", "--raw", "--minify", "-o", "jsonpath={.users[0].user.client-key-data}").ok().out()));
        kubectl("-n", ns, "create", "secret", "tls", "test-secret3", "--cert=" + crt, "--key=" + key).ok();
        assertThat(kubectl("-n", ns, "get", "secret", "test-secret3", "-o", "jsonpath={.type} {.data.tls\\.crt}").ok().out())
                .isEqualTo("kubernetes.io/tls " + Base64.getEncoder().encodeToString(Files.readAllBytes(crt)));

        kubectl.runWith("""
                apiVersion: v1
                kind: Secret
                metadata: {name: string-data, namespace: %s}
                data: {k1: djE=, k2: djI=}
                stringData: {k2: v2-changed, k3: v3}
                """.formatted(ns), null, "create", "-f", "-").ok();
        assertThat(kubectl("-n", ns, "get", "secret", "string-data", "-o", "jsonpath={.data}|{.stringData}").ok().out())
                .isEqualTo("{\"k1\":\"djE=\",\"k2\":\"djItY2hhbmdlZA==\",\"k3\":\"djM=\"}|");

        kubectl("-n", ns, "create", "configmap", "test-configmap", "--from-literal=key1=config1", "--from-literal=emoji=\uD83D\uDE00").ok();
        assertThat(kubectl("-n", ns, "get", "cm", "test-configmap", "-o", "jsonpath={.data.key1} {.data.emoji}").ok().out()).isEqualTo("config1 \uD83D\uDE00");
        Path binary = Files.write(home.resolve("blob"), new byte[] {0, (byte) 0xff, 1, 2});
        kubectl("-n", ns, "create", "configmap", "test-binary", "--from-file=" + binary).ok();
        assertThat(kubectl("-n", ns, "get", "cm", "test-binary", "-o", "jsonpath={.binaryData.blob}").ok().out()).isEqualTo("AP8BAg==");

        assertThat(kubectl("-n", ns, "create", "serviceaccount", "test-service-account").ok().out())
                .isEqualTo("serviceaccount/test-service-account created\n");
        assertThat(kubectl("-n", ns, "get", "sa", "test-service-account", "-o", "name").ok().out()).isEqualTo("serviceaccount/test-service-account\n");
    }

    @Test
    void createRoleClusterRoleAndBindingsThenSetSubjects() throws Exception {
        String ns = namespace();
        String rules = "jsonpath={range .rules[*]}{.apiGroups}{.resources}{.resourceNames}{.nonResourceURLs}{.verbs};{end}";

        kubectl("-n", ns, "create", "role", "pod-admin", "--verb=*", "--resource=pods").ok();
        assertThat(kubectl("-n", ns, "get", "role", "pod-admin", "-o", rules).ok().out()).isEqualTo("[\"\"][\"pods\"][\"*\"];");
        kubectl("-n", ns, "create", "role", "resource-reader", "--verb=get,list", "--resource=pods/status,leases.coordination.k8s.io").ok();
        assertThat(kubectl("-n", ns, "get", "role", "resource-reader", "-o", rules).ok().out())
                .isEqualTo("[\"\"][\"pods/status\"][\"get\",\"list\"];[\"coordination.k8s.io\"][\"leases\"][\"get\",\"list\"];");
        kubectl("-n", ns, "create", "role", "resourcename-reader", "--verb=get,list", "--resource=pods", "--resource-name=foo").ok();
        assertThat(kubectl("-n", ns, "get", "role", "resourcename-reader", "-o", rules).ok().out()).isEqualTo("[\"\"][\"pods\"][\"foo\"][\"get\",\"list\"];");
        assertThat(kubectl("-n", ns, "create", "role", "invalid", "--verb=*", "--resource=invalid-resource").err())
                .contains("the server doesn't have a resource type \"invalid-resource\"");
        assertThat(kubectl("-n", ns, "create", "role", "invalid", "--verb=get", "--resource=rs.invalid-group/scale").err())
                .contains("the server doesn't have a resource type \"rs\" in group \"invalid-group\"");

        String cr = "cr" + SEQ.incrementAndGet();
        kubectl("create", "clusterrole", cr + "-urls", "--verb=get", "--non-resource-url=/logs/*", "--non-resource-url=/healthz/*").ok();
        assertThat(kubectl("get", "clusterrole", cr + "-urls", "-o", rules).ok().out()).isEqualTo("[\"/logs/*\",\"/healthz/*\"][\"get\"];");
        kubectl("create", "clusterrole", cr + "-aggregated", "--aggregation-rule=foo1=foo2").ok();
        assertThat(kubectl("get", "clusterrole", cr + "-aggregated", "-o", "jsonpath={.aggregationRule.clusterRoleSelectors[0].matchLabels}").ok().out())
                .isEqualTo("{\"foo1\":\"foo2\"}");
        Run deleted = kubectl("delete", "clusterrole", cr + "-urls", "-n", "test");
        assertThat(deleted.ok().err()).contains("deleting cluster-scoped resources");
        assertThat(deleted.out()).isEqualTo("clusterrole.rbac.authorization.k8s.io \"" + cr + "-urls\" deleted\n");

        String subjects = "jsonpath={.roleRef.kind}/{.roleRef.name}:{range .subjects[*]}{.kind}={.namespace}/{.name},{end}";
        kubectl("create", "clusterrolebinding", cr + "-super", "--clusterrole=admin", "--user=super-admin", "--group=the-group",
                "--serviceaccount=otherns:sa-name").ok();
        kubectl("set", "subject", "clusterrolebinding", cr + "-super", "--user=foo", "--serviceaccount=otherfoo:foo").ok();
        assertThat(kubectl("get", "clusterrolebinding", cr + "-super", "-o", subjects).ok().out())
                .isEqualTo("ClusterRole/admin:User=/super-admin,Group=/the-group,ServiceAccount=otherns/sa-name,User=/foo,ServiceAccount=otherfoo/foo,");
        kubectl("-n", ns, "create", "rolebinding", "admin", "--clusterrole=admin", "--user=default-admin").ok();
        kubectl("-n", ns, "create", "rolebinding", "localrole", "--role=pod-admin", "--group=the-group").ok();
        assertThat(kubectl("-n", ns, "set", "subject", "rolebinding", "--all", "--user=test-all-user").ok().out().lines().toList())
                .containsExactly("rolebinding.rbac.authorization.k8s.io/admin subjects updated",
                        "rolebinding.rbac.authorization.k8s.io/localrole subjects updated");
        assertThat(kubectl("-n", ns, "get", "rolebinding", "localrole", "-o", subjects).ok().out())
                .isEqualTo("Role/pod-admin:Group=/the-group,User=/test-all-user,");
        assertThat(kubectl("-n", ns, "get", "rolebindings", "-o", "wide").ok().out())
                .containsPattern("admin\\s+ClusterRole/admin\\s+\\d+s\\s+default-admin, test-all-user")
                .containsPattern("localrole\\s+Role/pod-admin\\s+\\d+s\\s+test-all-user\\s+the-group");
        kubectl("delete", "clusterrole,clusterrolebinding", cr + "-aggregated", cr + "-super", "--ignore-not-found").ok();
    }

    @Test
    void createTokenHonoursAudiencesDurationsAndBoundObjects() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "create", "serviceaccount", "tokens").ok();
        kubectl("-n", ns, "create", "secret", "generic", "holder").ok();
        String token = kubectl("-n", ns, "create", "token", "tokens", "--audience=a", "--audience=b", "--duration=15m",
                "--bound-object-kind=Secret", "--bound-object-name=holder").ok().out().strip();
        String claims = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        assertThat(claims).contains("\"aud\":[\"a\",\"b\"]", "\"sub\":\"system:serviceaccount:" + ns + ":tokens\"", "\"secret\":{\"name\":\"holder\"");
        assertThat(claims).containsPattern("\"exp\":(\\d+)").containsPattern("\"iat\":(\\d+)");

        String usable = kubectl("-n", ns, "create", "token", "tokens").ok().out().strip();
        assertThat(kubectl("--token=" + usable, "--kubeconfig=" + server.kubeconfigWithoutCredentials(), "auth", "whoami",
                "-o", "jsonpath={.status.userInfo.username}").ok().out()).isEqualTo("system:serviceaccount:" + ns + ":tokens");

        assertThat(kubectl("-n", ns, "create", "token", "tokens", "--duration=1s").err())
                .contains("spec.expirationSeconds: Invalid value: 1: may not specify a duration less than 10 minutes");
        assertThat(kubectl("-n", ns, "create", "token", "nope").err()).contains("error: failed to create token: serviceaccounts \"nope\" not found");
        assertThat(kubectl("-n", ns, "create", "token", "tokens", "--bound-object-kind=Pod", "--bound-object-name=nope").err())
                .contains("error: failed to create token: pods \"nope\" not found");
    }

    // ---- events.sh ----

    @Test
    void eventsAreListedFilteredAndPrintedWideAsUpstream() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "run", "pi", "--image=perl").ok();
        kubectl.runWith("""
                apiVersion: v1
                kind: Event
                metadata: {name: pi.1, namespace: %1$s}
                involvedObject: {kind: Pod, name: pi, namespace: %1$s, apiVersion: v1, fieldPath: "spec.containers{pi}"}
                reason: InvalidImage
                message: "  bad image  "
                type: Warning
                source: {component: kubelet, host: node-1}
                firstTimestamp: "2020-01-01T00:00:00Z"
                lastTimestamp: "2020-01-01T00:00:00Z"
                count: 3
                """.formatted(ns), null, "create", "-f", "-").ok();

        assertThat(kubectl("-n", ns, "get", "events").ok().out())
                .matches("LAST SEEN\\s+TYPE\\s+REASON\\s+OBJECT\\s+MESSAGE\\s*\\n\\S+\\s+Warning\\s+InvalidImage\\s+pod/pi\\s+bad image\\s*\\n");
        assertThat(kubectl("-n", ns, "get", "events", "-o", "wide").ok().out())
                .matches("LAST SEEN\\s+TYPE\\s+REASON\\s+OBJECT\\s+SUBOBJECT\\s+SOURCE\\s+MESSAGE\\s+FIRST SEEN\\s+COUNT\\s+NAME\\s*\\n"
                        + "\\S+\\s+Warning\\s+InvalidImage\\s+pod/pi\\s+spec.containers\\{pi\\}\\s+kubelet, node-1\\s+bad image\\s+\\S+\\s+3\\s+pi.1\\s*\\n");
        for (String selector : List.of("source=kubelet", "involvedObject.kind=Pod,reason=InvalidImage,type=Warning", "involvedObject.fieldPath=spec.containers{pi}")) {
            assertThat(kubectl("-n", ns, "get", "events", "--field-selector=" + selector, "-o", "name").ok().out()).as(selector).isEqualTo("event/pi.1\n");
        }
        assertThat(kubectl("-n", ns, "get", "events", "--field-selector=source=scheduler", "-o", "name").ok().out()).isEmpty();
        assertThat(kubectl("-n", ns, "get", "events", "--field-selector=message=x").err())
                .contains("field label not supported: message");

        assertThat(kubectl("events", "-A").ok().out()).containsPattern(ns + "\\s+.+\\(x3 over .+\\)\\s+Warning\\s+InvalidImage\\s+Pod/pi\\s+bad image");
        assertThat(kubectl("-n", ns, "events", "--for=pod/pi", "--types=Warning").ok().out()).containsPattern("Warning\\s+InvalidImage\\s+Pod/pi");
        assertThat(kubectl("-n", ns, "events", "--for=pod/pi", "--types=Normal").ok().out()).doesNotContain("InvalidImage");
        assertThat(kubectl("-n", ns, "events", "--for=pod/pi", "--no-headers").ok().out()).doesNotContain("LAST SEEN").contains("InvalidImage");
        assertThat(kubectl("-n", ns, "events", "--for=pod/pi", "-o", "json").ok().out()).contains("\"reason\": \"InvalidImage\"");
        assertThat(kubectl("-n", ns, "events", "--for=pod/pi", "--watch", "--request-timeout=1").out()).containsPattern("Warning\\s+InvalidImage\\s+Pod/pi");
    }

    // ---- proxy.sh ----

    @Test
    void proxyServesTheApiUnderItsPrefix() throws Exception {
        // HTTP/1.1: kubectl proxy passes an h2c upgrade on to the server as the start of a stream, and fails it
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (String prefix : List.of("", "/custom")) {
            List<String> args = new ArrayList<>(List.of("proxy", "--port=0"));
            if (!prefix.isEmpty()) args.add("--api-prefix=" + prefix);
            try (Background proxy = Background.start(args.toArray(String[]::new))) {
                var serving = Pattern.compile("Starting to serve on 127.0.0.1:(\\d+)").matcher(proxy.awaitOut(Pattern.compile("Starting to serve on \\S+:\\d+"), "the proxy's port"));
                assertThat(serving.find()).isTrue();
                String base = "http://127.0.0.1:" + serving.group(1) + prefix;
                for (var expected : List.of(Map.entry("/api/kubernetes", 404), Map.entry("/api/v1/namespaces", 200), Map.entry("/apis", 200), Map.entry("/metrics", 200))) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + expected.getKey())).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(prefix + expected.getKey()).isEqualTo(expected.getValue());
                }
            }
        }
    }

    // ---- delete.sh ----

    @Test
    void deleteBySelectorAcrossNamespacesAfterDryRunsThatKeepEverything() throws Exception {
        String one = namespace();
        String two = namespace();
        kubectl("-n", one, "create", "configmap", "one").ok();
        kubectl("-n", two, "create", "configmap", "two").ok();
        String label = "deletetest" + SEQ.incrementAndGet();
        kubectl("-n", one, "label", "configmap", "one", label + "=true").ok();
        kubectl("-n", two, "label", "configmap", "two", label + "=true").ok();

        assertThat(kubectl("delete", "configmap", "--dry-run=client", "-l", label + "=true", "--all-namespaces").ok().out())
                .isEqualTo("configmap \"one\" deleted (dry run)\nconfigmap \"two\" deleted (dry run)\n");
        assertThat(kubectl("delete", "configmap", "--dry-run=server", "-l", label + "=true", "--all-namespaces").ok().out())
                .isEqualTo("configmap \"one\" deleted (server dry run)\nconfigmap \"two\" deleted (server dry run)\n");
        assertThat(kubectl("get", "configmap", "-A", "-l", label, "-o", "name").ok().out()).isEqualTo("configmap/one\nconfigmap/two\n");
        kubectl("delete", "configmap", "-l", label + "=true", "--all-namespaces").ok();
        assertThat(kubectl("get", "configmap", "-A", "-l", label, "-o", "name").ok().out()).isEmpty();
    }
}
