package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.e2e.Kubectl.Run;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The real kubectl, with the admin kubeconfig, against one embedded server. */
@Timeout(120)
@EndToEnd
class KubectlTest {
    static final Path KUBECTL = Kubectl.PATH;
    static final AtomicInteger SEQ = new AtomicInteger();

    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    @TempDir static Path home;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(KUBECTL), "no kubectl at " + KUBECTL);
        server.start();
    }

    @Test
    void matchServerVersionPassesWithTheKubectlOfTheServedMinor() throws Exception {
        Run r = kubectl("get", "namespaces", "--match-server-version", "-o", "name").ok();
        assertThat(r.out()).contains("namespace/default");
    }

    static ProcessBuilder command(List<String> args) {
        return new Kubectl(server, home).command(args);
    }

    static Run kubectl(String... args) throws Exception {
        return kubectlWith(null, null, args);
    }

    static Run kubectlWith(String stdin, String editor, String... args) throws Exception {
        return new Kubectl(server, home).runWith(stdin, editor, args);
    }

    /** A fresh namespace, returned once the controllers have filled it. */
    static String namespace() throws Exception {
        return new Kubectl(server, home).namespace("k" + SEQ.incrementAndGet());
    }

    static Path file(String name, String text) throws IOException {
        Path f = home.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    // ---- discovery ----

    @Test
    void apiResourcesListsEveryServedKindWithShortNames() throws Exception {
        String out = kubectl("api-resources").ok().out();
        assertThat(out.lines().findFirst()).hasValueSatisfying(h -> assertThat(h).matches("NAME\\s+SHORTNAMES\\s+APIVERSION\\s+NAMESPACED\\s+KIND\\s*"));
        assertThat(out).containsPattern("configmaps\\s+cm\\s+v1\\s+true\\s+ConfigMap")
                .containsPattern("namespaces\\s+ns\\s+v1\\s+false\\s+Namespace")
                .containsPattern("pods\\s+po\\s+v1\\s+true\\s+Pod")
                .containsPattern("serviceaccounts\\s+sa\\s+v1\\s+true\\s+ServiceAccount")
                .containsPattern("secrets\\s+v1\\s+true\\s+Secret")
                .containsPattern("events\\s+ev\\s+v1\\s+true\\s+Event")
                .containsPattern("leases\\s+coordination.k8s.io/v1\\s+true\\s+Lease")
                .containsPattern("clusterrolebindings\\s+rbac.authorization.k8s.io/v1\\s+false\\s+ClusterRoleBinding")
                .containsPattern("roles\\s+rbac.authorization.k8s.io/v1\\s+true\\s+Role");
        assertThat(kubectl("api-resources", "--api-group=rbac.authorization.k8s.io", "-o", "name").ok().out().lines().sorted().toList())
                .containsExactly("clusterrolebindings.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io",
                        "rolebindings.rbac.authorization.k8s.io", "roles.rbac.authorization.k8s.io");
    }

    @Test
    void apiVersionsListsTheServedGroupVersions() throws Exception {
        assertThat(kubectl("api-versions").ok().out().lines().toList())
                .contains("v1", "rbac.authorization.k8s.io/v1", "coordination.k8s.io/v1");
    }

    @Test
    void getNamespacesShowsTheSystemNamespaces() throws Exception {
        String out = kubectl("get", "ns").ok().out();
        assertThat(out.lines().findFirst()).hasValueSatisfying(h -> assertThat(h).matches("NAME\\s+STATUS\\s+AGE\\s*"));
        for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
            assertThat(out).containsPattern("(?m)^" + ns + "\\s+Active\\s+\\d+[smhd]");
        }
    }

    @Test
    void explainDescribesFieldsFromOpenApi() throws Exception {
        assertThat(kubectl("explain", "configmap").ok().out()).contains("KIND:", "ConfigMap", "VERSION:", "v1", "FIELDS:", "data");
        assertThat(kubectl("explain", "pod.spec.containers.image").ok().out()).contains("FIELD:", "image");
        assertThat(kubectl("explain", "roles.rules").ok().out()).contains("verbs");
    }

    /** plaintext-openapiv2 reads /openapi/v2 in protobuf (client-go's OpenAPISchema) and finds the kind by its group-version-kind. */
    @Test
    void explainReadsOpenApiV2WhenAskedTo() throws Exception {
        assertThat(kubectl("explain", "configmap", "--output=plaintext-openapiv2").ok().out())
                .contains("KIND:", "ConfigMap", "VERSION:", "v1", "FIELDS:", "data", "metadata");
        assertThat(kubectl("explain", "pod.spec.containers.image", "--output=plaintext-openapiv2").ok().out()).contains("FIELD:", "image", "<string>");
        assertThat(kubectl("explain", "clusterroles.rules", "--output=plaintext-openapiv2").ok().out()).contains("verbs", "<[]string>");

        // kubectl's HTTP cache revalidates its copy by ETag, and the server confirms it with a 304
        String log = kubectl("explain", "configmap", "--output=plaintext-openapiv2", "-v=8").ok().err();
        assertThat(log).containsPattern("GET https://\\S+/openapi/v2").contains("X-From-Cache: 1");
        assertThat(kubectl("get", "--raw", "/metrics").ok().out()).contains("apiserver_request_total{code=\"304\",group=\"\",resource=\"\",verb=\"GET\"}");
    }

    // ---- imperative create and get ----

    @Test
    void createConfigMapSecretAndServiceAccountThenGetThemInEveryFormat() throws Exception {
        String ns = namespace();
        assertThat(kubectl("-n", ns, "create", "configmap", "c1", "--from-literal=a=1", "--from-literal=b=two").ok().out())
                .isEqualTo("configmap/c1 created\n");
        assertThat(kubectl("-n", ns, "create", "secret", "generic", "s1", "--from-literal=password=hunter2").ok().out())
                .isEqualTo("secret/s1 created\n");
        assertThat(kubectl("-n", ns, "create", "serviceaccount", "robot").ok().out()).isEqualTo("serviceaccount/robot created\n");

        assertThat(kubectl("-n", ns, "get", "cm", "c1", "-o", "jsonpath={.data.b}").ok().out()).isEqualTo("two");
        assertThat(kubectl("-n", ns, "get", "secret", "s1", "-o", "jsonpath={.data.password}").ok().out()).isEqualTo("aHVudGVyMg==");
        assertThat(kubectl("-n", ns, "get", "secret", "s1").ok().out()).containsPattern("NAME\\s+TYPE\\s+DATA\\s+AGE")
                .containsPattern("s1\\s+Opaque\\s+1\\s+");
        assertThat(kubectl("-n", ns, "get", "sa", "robot").ok().out()).containsPattern("NAME\\s+SECRETS\\s+AGE").containsPattern("robot\\s+0\\s+");

        String yaml = kubectl("-n", ns, "get", "cm", "c1", "-o", "yaml").ok().out();
        assertThat(yaml).contains("apiVersion: v1", "kind: ConfigMap", "name: c1", "namespace: " + ns, "  a: \"1\"", "  b: two", "uid: ");
        JsonNode json = Json.MAPPER.readTree(kubectl("-n", ns, "get", "cm", "c1", "-o", "json").ok().out());
        assertThat(json.path("data").path("a").asString()).isEqualTo("1");
        assertThat(json.path("metadata").path("resourceVersion").asString()).matches("\\d+");
        assertThat(kubectl("-n", ns, "get", "cm", "-o", "wide").ok().out()).containsPattern("NAME\\s+DATA\\s+AGE").containsPattern("c1\\s+2\\s+");
        assertThat(kubectl("-n", ns, "get", "cm,secret,sa", "-o", "name").ok().out().lines().toList())
                .contains("configmap/c1", "secret/s1", "serviceaccount/robot");
        JsonNode list = Json.MAPPER.readTree(kubectl("-n", ns, "get", "cm", "-o", "json").ok().out());
        assertThat(list.path("kind").asString()).isEqualTo("List");
        List<String> listed = new ArrayList<>();
        list.path("items").forEach(i -> listed.add(i.path("metadata").path("name").asString()));
        assertThat(listed).containsExactlyInAnyOrder("c1", "kube-root-ca.crt");

        Run missing = kubectl("-n", ns, "get", "cm", "nope");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("Error from server (NotFound): configmaps \"nope\" not found");
        Run dup = kubectl("-n", ns, "create", "configmap", "c1");
        assertThat(dup.exit()).isEqualTo(1);
        assertThat(dup.err()).contains("configmaps \"c1\" already exists");
    }

    @Test
    void getPodsPrintsUpstreamColumns() throws Exception {
        String ns = namespace();
        kubectlWith("""
                apiVersion: v1
                kind: Pod
                metadata: {name: web}
                spec:
                  containers: [{name: app, image: nginx}]
                """, null, "-n", ns, "create", "-f", "-").ok();
        assertThat(kubectl("-n", ns, "get", "pods").ok().out()).containsPattern("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE")
                .containsPattern("web\\s+0/1\\s+Pending\\s+0\\s+");
        assertThat(kubectl("-n", ns, "get", "pods", "-o", "wide").ok().out()).containsPattern("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE\\s+IP\\s+NODE");
    }

    /** kubectl speaks HTTP/2: the server answers while it is still sending, then resets the stream. */
    @Test
    void aBodyTooLargeIsRefusedWithUpstreamsStatus() throws Exception {
        String ns = namespace();
        Path big = file("big.json", "{\"metadata\":{\"name\":\"big\"},\"data\":{\"a\":\"" + "x".repeat(32 << 20) + "\"}}");
        Run r = kubectl("create", "--raw", "/api/v1/namespaces/" + ns + "/configmaps", "-f", big.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("Error from server (RequestEntityTooLarge): Request entity too large: limit is 3145728");
        assertThat(kubectl("-n", ns, "get", "configmap", "big", "--ignore-not-found", "-o", "name").ok().out()).isEmpty();
    }

    // ---- apply ----

    static final String MANIFEST = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              labels: {app: demo}
            data:
              mode: "%s"
            ---
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: demo
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: reader
            rules:
            - apiGroups: [""]
              resources: [configmaps]
              verbs: [get, list]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: demo-reads
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
            subjects:
            - {kind: ServiceAccount, name: demo}
            """;

    @Test
    void applyAMultiDocumentManifestClientSide() throws Exception {
        String ns = namespace();
        Path f = file("manifest-" + ns + ".yaml", MANIFEST.formatted("one"));
        assertThat(kubectl("-n", ns, "apply", "-f", f.toString()).ok().out().lines().toList()).containsExactly(
                "configmap/settings created", "serviceaccount/demo created", "role.rbac.authorization.k8s.io/reader created",
                "rolebinding.rbac.authorization.k8s.io/demo-reads created");
        assertThat(kubectl("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.metadata.annotations}").ok().out())
                .contains("kubectl.kubernetes.io/last-applied-configuration");
        assertThat(kubectl("-n", ns, "apply", "-f", f.toString()).ok().out().lines().toList()).containsExactly(
                "configmap/settings unchanged", "serviceaccount/demo unchanged", "role.rbac.authorization.k8s.io/reader unchanged",
                "rolebinding.rbac.authorization.k8s.io/demo-reads unchanged");
        Files.writeString(f, MANIFEST.formatted("two"));
        assertThat(kubectl("-n", ns, "apply", "-f", f.toString()).ok().out()).contains("configmap/settings configured", "serviceaccount/demo unchanged");
        assertThat(kubectl("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.data.mode}").ok().out()).isEqualTo("two");
    }

    @Test
    void serverSideApplyTakesOverAClientSideAppliedManifest() throws Exception {
        String ns = namespace();
        Path f = file("upgrade-" + ns + ".yaml", MANIFEST.formatted("two"));
        kubectl("-n", ns, "apply", "-f", f.toString()).ok();
        Files.writeString(f, MANIFEST.formatted("three"));
        assertThat(kubectl("-n", ns, "apply", "--server-side", "-f", f.toString()).ok().out().lines().toList()).containsExactly(
                "configmap/settings serverside-applied", "serviceaccount/demo serverside-applied",
                "role.rbac.authorization.k8s.io/reader serverside-applied", "rolebinding.rbac.authorization.k8s.io/demo-reads serverside-applied");
        assertThat(kubectl("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.data.mode}").ok().out()).isEqualTo("three");
        assertThat(kubectl("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.metadata.managedFields[*].manager}").ok().out())
                .contains("kubectl");
    }

    @Test
    void serverSideApplyKeepsTheClientSideAnnotationInStepSoALaterClientSideApplyPrunes() throws Exception {
        String ns = namespace();
        String manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: upgrade}\ndata: %s\n";
        Path f = file("upgrade-prune-" + ns + ".yaml", manifest.formatted("{mode: one}"));
        assertThat(kubectl("-n", ns, "apply", "-f", f.toString()).ok().out()).isEqualTo("configmap/upgrade created\n");

        Files.writeString(f, manifest.formatted("{mode: two, extra: x}"));
        Run ssa = kubectl("-n", ns, "apply", "--server-side", "-f", f.toString()).ok();
        assertThat(ssa.out()).isEqualTo("configmap/upgrade serverside-applied\n");
        assertThat(ssa.err()).isEmpty();
        String annotation = kubectl("-n", ns, "get", "cm", "upgrade", "-o",
                "jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}").ok().out();
        assertThat(Json.MAPPER.readTree(annotation).path("data").toString()).isEqualTo("{\"extra\":\"x\",\"mode\":\"two\"}");

        Files.writeString(f, manifest.formatted("{mode: three}"));
        assertThat(kubectl("-n", ns, "apply", "-f", f.toString()).ok().out()).isEqualTo("configmap/upgrade configured\n");
        assertThat(kubectl("-n", ns, "get", "cm", "upgrade", "-o", "jsonpath={.data}").ok().out()).isEqualTo("{\"mode\":\"three\"}");
    }

    @Test
    void serverSideApplyConflictsBetweenManagersAndForceTakesTheField() throws Exception {
        String ns = namespace();
        Path f = file("ssa-" + ns + ".yaml", MANIFEST.formatted("three"));
        assertThat(kubectl("-n", ns, "apply", "--server-side", "-f", f.toString()).ok().out().lines().toList()).containsExactly(
                "configmap/settings serverside-applied", "serviceaccount/demo serverside-applied",
                "role.rbac.authorization.k8s.io/reader serverside-applied", "rolebinding.rbac.authorization.k8s.io/demo-reads serverside-applied");
        assertThat(kubectl("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.data.mode}").ok().out()).isEqualTo("three");
        assertThat(kubectl("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.metadata.managedFields[*].manager}").ok().out())
                .isEqualTo("kubectl");

        // a second manager applying a different value conflicts, and --force-conflicts takes the field
        Path other = file("other-" + ns + ".yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: four}\n");
        Run conflict = kubectl("-n", ns, "apply", "--server-side", "--field-manager=other", "-f", other.toString());
        assertThat(conflict.exit()).isEqualTo(1);
        assertThat(conflict.err()).contains("Apply failed with 1 conflict: conflict with \"kubectl\"", ".data.mode");
        kubectl("-n", ns, "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", other.toString()).ok();
        assertThat(kubectl("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.data.mode}").ok().out()).isEqualTo("four");
    }

    @Test
    void diffServerSideRightAfterAServerSideApplyFindsNothing() throws Exception {
        String ns = namespace();
        Path f = file("diff-" + ns + ".yaml", MANIFEST.formatted("same"));
        kubectl("-n", ns, "apply", "--server-side", "-f", f.toString()).ok();
        Thread.sleep(1100);   // a later second: a managedFields time that moved would make the dry run differ
        Run diff = kubectl("-n", ns, "diff", "--server-side", "-f", f.toString());
        assertThat(diff.exit()).as("kubectl diff exit code; stdout:%n%s%nstderr:%n%s", diff.out(), diff.err()).isZero();
        assertThat(diff.out()).isEmpty();
    }

    @Test
    void createWithStrictValidationRefusesAnUnknownField() throws Exception {
        String ns = namespace();
        Run r = kubectlWith("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndta: {a: b}\n", null,
                "-n", ns, "create", "--validate=strict", "-f", "-");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("unknown field \"dta\"");
        assertThat(kubectl("-n", ns, "get", "cm", "-o", "name").ok().out()).doesNotContain("configmap/x");
    }

    @Test
    void createRbacObjectsImperativelyAndDeleteAManifest() throws Exception {
        String ns = namespace();
        assertThat(kubectl("-n", ns, "create", "role", "r", "--verb=get,list", "--resource=configmaps").ok().out())
                .isEqualTo("role.rbac.authorization.k8s.io/r created\n");
        assertThat(kubectl("-n", ns, "create", "rolebinding", "rb", "--role=r", "--user=alice").ok().out())
                .isEqualTo("rolebinding.rbac.authorization.k8s.io/rb created\n");
        String cr = "cr-" + ns;
        assertThat(kubectl("create", "clusterrole", cr, "--verb=get", "--resource=namespaces").ok().out())
                .isEqualTo("clusterrole.rbac.authorization.k8s.io/" + cr + " created\n");
        assertThat(kubectl("create", "clusterrolebinding", cr, "--clusterrole=" + cr, "--group=devs").ok().out())
                .isEqualTo("clusterrolebinding.rbac.authorization.k8s.io/" + cr + " created\n");
        assertThat(kubectl("-n", ns, "get", "rolebinding", "rb", "-o", "jsonpath={.roleRef.name} {.subjects[0].name}").ok().out())
                .isEqualTo("r alice");
        assertThat(kubectl("get", "clusterrole", cr, "-o", "jsonpath={.rules[0].verbs}").ok().out()).isEqualTo("[\"get\"]");

        Path f = file("delete-" + ns + ".yaml", MANIFEST.formatted("x"));
        kubectl("-n", ns, "apply", "-f", f.toString()).ok();
        assertThat(kubectl("-n", ns, "delete", "-f", f.toString()).ok().out().lines().toList()).containsExactly(
                "configmap \"settings\" deleted", "serviceaccount \"demo\" deleted", "role.rbac.authorization.k8s.io \"reader\" deleted",
                "rolebinding.rbac.authorization.k8s.io \"demo-reads\" deleted");
        assertThat(kubectl("-n", ns, "get", "cm,sa", "-o", "name").ok().out()).doesNotContain("settings", "serviceaccount/demo");
        kubectl("delete", "clusterrolebinding,clusterrole", cr).ok();
    }

    @Test
    void serverDryRunChunkedListsAndDeleteBySelector() throws Exception {
        String ns = namespace();
        assertThat(kubectl("-n", ns, "create", "configmap", "dry", "--dry-run=server").ok().out()).isEqualTo("configmap/dry created (server dry run)\n");
        assertThat(kubectl("-n", ns, "get", "cm", "-o", "name").ok().out()).doesNotContain("configmap/dry");
        for (int i = 0; i < 7; i++) kubectl("-n", ns, "create", "configmap", "c" + i).ok();
        kubectl("-n", ns, "label", "cm", "c0", "c1", "c2", "gone=yes").ok();
        assertThat(kubectl("-n", ns, "get", "cm", "--chunk-size=2", "-o", "name").ok().out().lines().filter(l -> l.startsWith("configmap/c")).count())
                .isEqualTo(7);
        assertThat(kubectl("-n", ns, "delete", "cm", "-l", "gone=yes").ok().out().lines().toList())
                .containsExactly("configmap \"c0\" deleted", "configmap \"c1\" deleted", "configmap \"c2\" deleted");
        assertThat(kubectl("-n", ns, "get", "cm", "-o", "name", "--field-selector", "metadata.name!=c3").ok().out().lines()
                .filter(l -> l.startsWith("configmap/c")).toList()).containsExactly("configmap/c4", "configmap/c5", "configmap/c6");
    }

    // ---- namespaces ----

    static final String LABELLED_NAMESPACE = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: %s
              labels:
                team: %s
                kubernetes.io/metadata.name: spoofed
            """;

    static JsonNode namespaceLabels(String ns) throws Exception {
        return Json.MAPPER.readTree(kubectl("get", "namespace", ns, "-o", "jsonpath={.metadata.labels}").ok().out());
    }

    @Test
    void aNamespaceKeepsItsLabelsAndGetsItsNameLabelOnCreateReplaceApplyLabelAndPatch() throws Exception {
        String ns = "labelled-" + SEQ.incrementAndGet();
        kubectl("create", "-f", file(ns + ".yaml", LABELLED_NAMESPACE.formatted(ns, "blue")).toString()).ok();
        assertThat(namespaceLabels(ns)).isEqualTo(Json.MAPPER.readTree(
                "{\"team\":\"blue\",\"kubernetes.io/metadata.name\":\"" + ns + "\"}"));

        kubectl("replace", "-f", file(ns + "-2.yaml", LABELLED_NAMESPACE.formatted(ns, "green")).toString()).ok();
        assertThat(namespaceLabels(ns).path("team").asString()).isEqualTo("green");
        kubectl("apply", "--server-side", "--force-conflicts", "-f", file(ns + "-3.yaml", LABELLED_NAMESPACE.formatted(ns, "red")).toString()).ok();
        assertThat(namespaceLabels(ns).path("team").asString()).isEqualTo("red");
        kubectl("label", "namespace", ns, "tier=web").ok();
        kubectl("patch", "namespace", ns, "--type=merge", "-p", "{\"metadata\":{\"labels\":{\"kubernetes.io/metadata.name\":null}}}").ok();
        kubectl("patch", "namespace", ns, "--type=json", "-p", "[{\"op\":\"replace\",\"path\":\"/metadata/labels\",\"value\":{\"only\":\"this\"}}]").ok();
        assertThat(namespaceLabels(ns)).isEqualTo(Json.MAPPER.readTree(
                "{\"only\":\"this\",\"kubernetes.io/metadata.name\":\"" + ns + "\"}"));
        kubectl("delete", "namespace", ns, "--wait=false").ok();
    }

    // ---- label, annotate, patch, replace, edit, describe, delete ----

    @Test
    void labelAnnotatePatchReplaceEditDescribeAndDelete() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "create", "configmap", "c", "--from-literal=a=1").ok();

        assertThat(kubectl("-n", ns, "label", "cm", "c", "tier=web").ok().out()).isEqualTo("configmap/c labeled\n");
        assertThat(kubectl("-n", ns, "get", "cm", "-l", "tier=web", "-o", "name").ok().out()).isEqualTo("configmap/c\n");
        // the controllers' unlabelled ConfigMap matches a negative selector, as upstream
        assertThat(kubectl("-n", ns, "get", "cm", "-l", "tier!=web", "-o", "name").ok().out()).isEqualTo("configmap/kube-root-ca.crt\n");
        Run relabel = kubectl("-n", ns, "label", "cm", "c", "tier=db");
        assertThat(relabel.exit()).isEqualTo(1);
        assertThat(relabel.err()).contains("'tier' already has a value (web), and --overwrite is false");
        kubectl("-n", ns, "label", "cm", "c", "tier=db", "--overwrite").ok();
        assertThat(kubectl("-n", ns, "annotate", "cm", "c", "owner=alice").ok().out()).isEqualTo("configmap/c annotated\n");
        assertThat(kubectl("-n", ns, "get", "cm", "c", "-o", "jsonpath={.metadata.labels.tier} {.metadata.annotations.owner}").ok().out())
                .isEqualTo("db alice");
        kubectl("-n", ns, "label", "cm", "c", "tier-").ok();
        assertThat(kubectl("-n", ns, "get", "cm", "c", "-o", "jsonpath={.metadata.labels}").ok().out()).doesNotContain("tier");

        assertThat(kubectl("-n", ns, "patch", "cm", "c", "--type=json", "-p", "[{\"op\":\"add\",\"path\":\"/data/b\",\"value\":\"2\"}]").ok().out())
                .isEqualTo("configmap/c patched\n");
        kubectl("-n", ns, "patch", "cm", "c", "--type=merge", "-p", "{\"data\":{\"a\":null,\"c\":\"3\"}}").ok();
        kubectl("-n", ns, "patch", "cm", "c", "-p", "{\"data\":{\"d\":\"4\"}}").ok();
        assertThat(Json.MAPPER.readTree(kubectl("-n", ns, "get", "cm", "c", "-o", "jsonpath={.data}").ok().out()).propertyNames())
                .containsExactlyInAnyOrder("b", "c", "d");
        assertThat(kubectl("-n", ns, "patch", "cm", "c", "--type=merge", "-p", "{\"data\":{\"d\":\"4\"}}").ok().out())
                .isEqualTo("configmap/c patched (no change)\n");

        kubectlWith("""
                apiVersion: v1
                kind: Pod
                metadata: {name: p}
                spec:
                  containers: [{name: a, image: busybox}, {name: b, image: nginx}]
                """, null, "-n", ns, "create", "-f", "-").ok();
        kubectl("-n", ns, "patch", "pod", "p", "--type=strategic", "-p", "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"nginx:2\"}]}}").ok();
        assertThat(kubectl("-n", ns, "get", "pod", "p", "-o", "jsonpath={range .spec.containers[*]}{.name}={.image} {end}").ok().out())
                .isEqualTo("a=busybox b=nginx:2 ");

        Path replacement = file("replace-" + ns + ".yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {only: this}\n");
        assertThat(kubectl("-n", ns, "replace", "-f", replacement.toString()).ok().out()).isEqualTo("configmap/c replaced\n");
        assertThat(kubectl("-n", ns, "get", "cm", "c", "-o", "jsonpath={.data}").ok().out()).isEqualTo("{\"only\":\"this\"}");

        Path editor = home.resolve("editor-" + ns + ".sh");
        Files.writeString(editor, "#!/bin/sh\nsed -i 's/only: this/only: edited/' \"$1\"\n");
        Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwx------"));
        assertThat(kubectlWith(null, editor.toString(), "-n", ns, "edit", "cm", "c").ok().out()).isEqualTo("configmap/c edited\n");
        assertThat(kubectl("-n", ns, "get", "cm", "c", "-o", "jsonpath={.data.only}").ok().out()).isEqualTo("edited");

        String described = kubectl("-n", ns, "describe", "cm", "c").ok().out();
        assertThat(described).containsPattern("Name:\\s+c").containsPattern("Namespace:\\s+" + ns).contains("only", "edited");
        assertThat(kubectl("-n", ns, "describe", "pod", "p").ok().out()).containsPattern("Name:\\s+p").contains("Containers:", "nginx:2");
        assertThat(kubectl("describe", "ns", ns).ok().out()).containsPattern("Status:\\s+Active");

        assertThat(kubectl("-n", ns, "delete", "cm", "c").ok().out()).isEqualTo("configmap \"c\" deleted\n");
        Run gone = kubectl("-n", ns, "get", "cm", "c");
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.err()).contains("NotFound");
        assertThat(kubectl("-n", ns, "delete", "pod", "p", "--wait=true").ok().out()).isEqualTo("pod \"p\" deleted\n");
    }

    // ---- defaults and replace ----

    /** A pod to which no admission plugin adds anything: it names its account and mounts no token. */
    static final String PLAIN_POD = """
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              serviceAccountName: default
              automountServiceAccountToken: false
              containers:
              - name: app
                image: nginx:1.27
                ports: [{containerPort: %d}]
                env: [{name: MY_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
                readinessProbe: {httpGet: {port: 80}}
              volumes: [{name: settings, configMap: {name: kube-root-ca.crt}}]
            """;

    @Test
    void describePodShowsTheDefaultedApiVersionOfAFieldRef() throws Exception {
        String ns = namespace();
        kubectlWith(PLAIN_POD.formatted(80), null, "-n", ns, "create", "-f", "-").ok();
        assertThat(kubectl("-n", ns, "describe", "pod", "p").ok().out()).containsPattern("MY_NAME:\\s+p \\(v1:metadata.name\\)")
                .containsPattern("Port:\\s+80/TCP").containsPattern("Readiness:\\s+http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3");
    }

    @Test
    void replaceOfAnUnchangedPodManifestSucceedsAndAnImmutableChangeIsRefused() throws Exception {
        String ns = namespace();
        Path manifest = file("pod-" + ns + ".yaml", PLAIN_POD.formatted(80));
        kubectl("-n", ns, "create", "-f", manifest.toString()).ok();
        assertThat(kubectl("-n", ns, "replace", "-f", manifest.toString()).ok().out()).isEqualTo("pod/p replaced\n");
        Path newImage = file("pod-image-" + ns + ".yaml", PLAIN_POD.formatted(80).replace("nginx:1.27", "nginx:1.28"));
        assertThat(kubectl("-n", ns, "replace", "-f", newImage.toString()).ok().out()).isEqualTo("pod/p replaced\n");

        Run port = kubectl("-n", ns, "replace", "-f", file("pod-port-" + ns + ".yaml", PLAIN_POD.formatted(8080)).toString());
        assertThat(port.exit()).isEqualTo(1);
        assertThat(port.err()).contains("The Pod \"p\" is invalid: spec: Forbidden: pod updates may not change fields other than "
                + "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
                + "`spec.tolerations` (only additions to existing tolerations),"
                + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)");
    }

    /**
     * As upstream, which keeps nothing the ServiceAccount plugin added on create (it admits
     * creates only, and the pod strategy carries over status alone): a manifest that left the
     * token volume to admission no longer matches the pod, and replacing it is refused.
     */
    @Test
    void replaceOfAPodManifestKeepsWhatServiceAccountAdmissionAdded() throws Exception {
        String ns = namespace();
        Path manifest = file("pod-sa-" + ns + ".yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app, image: nginx}]\n");
        kubectl("-n", ns, "create", "-f", manifest.toString()).ok();
        String before = kubectl("-n", ns, "get", "pod", "p", "-o", "jsonpath={.spec.volumes[0].name} {.spec.containers[0].volumeMounts[0].mountPath}").ok().out();
        assertThat(before).startsWith("kube-api-access-").endsWith(" /var/run/secrets/kubernetes.io/serviceaccount");
        kubectl("-n", ns, "replace", "-f", manifest.toString()).ok();
        assertThat(kubectl("-n", ns, "get", "pod", "p", "-o", "jsonpath={.spec.volumes[0].name} {.spec.containers[0].volumeMounts[0].mountPath}")
                .ok().out()).isEqualTo(before);
    }

    // ---- watch ----

    @Test
    void getWatchPrintsAConcurrentChange() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "create", "configmap", "before").ok();
        Process watch = command(List.of("-n", ns, "get", "cm", "-w", "--output-watch-events")).redirectErrorStream(true).start();
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) lines.add(line);
                } catch (IOException ignored) {
                    // the process was killed
                }
            });
            reader.setDaemon(true);
            reader.start();
            // the watch is open once kubectl has printed what it listed
            assertThat(lines.poll(20, TimeUnit.SECONDS)).as("header").isNotNull().matches("EVENT\\s+NAME\\s+DATA\\s+AGE\\s*");
            assertThat(lines.poll(20, TimeUnit.SECONDS)).as("listed object").isNotNull().matches("ADDED\\s+before\\s+0\\s+\\d+s\\s*");
            Thread.sleep(300);
            kubectl("-n", ns, "create", "configmap", "seen", "--from-literal=x=y").ok();
            String line;
            do {
                line = lines.poll(20, TimeUnit.SECONDS);
                assertThat(line).as("a line for the new configmap").isNotNull();
            } while (!line.contains("seen"));
            assertThat(line).matches("ADDED\\s+seen\\s+1\\s+\\d+s\\s*");
            assertThat(watch.isAlive()).isTrue();
        } finally {
            watch.destroy();
            if (!watch.waitFor(5, TimeUnit.SECONDS)) watch.destroyForcibly();
        }
    }

    // ---- restart ----

    @Test
    void restartOnTheSameDataDirectoryLosesNothing() throws Exception {
        String ns = namespace();
        kubectl("-n", ns, "apply", "-f", file("restart-" + ns + ".yaml", MANIFEST.formatted("kept")).toString()).ok();
        kubectl("-n", ns, "create", "secret", "generic", "s", "--from-literal=k=v").ok();
        String before = kubectl("-n", ns, "get", "cm,sa,secret,role,rolebinding", "-o",
                "jsonpath={range .items[*]}{.kind}/{.metadata.name} {.metadata.uid} {.metadata.resourceVersion}{\"\\n\"}{end}").ok().out();
        assertThat(before.lines().map(l -> l.split(" ")[0])).containsExactlyInAnyOrder("ConfigMap/kube-root-ca.crt", "ConfigMap/settings",
                "ServiceAccount/default", "ServiceAccount/demo", "Secret/s", "Role/reader", "RoleBinding/demo-reads");

        server.restart();

        String after = kubectl("-n", ns, "get", "cm,sa,secret,role,rolebinding", "-o",
                "jsonpath={range .items[*]}{.kind}/{.metadata.name} {.metadata.uid} {.metadata.resourceVersion}{\"\\n\"}{end}").ok().out();
        assertThat(after).isEqualTo(before);
        assertThat(kubectl("get", "ns", ns, "-o", "jsonpath={.status.phase}").ok().out()).isEqualTo("Active");
        assertThat(kubectl("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.data.mode}").ok().out()).isEqualTo("kept");
        // writes carry on with later resourceVersions
        kubectl("-n", ns, "label", "cm", "settings", "after=restart").ok();
        long rvBefore = before.lines().filter(l -> l.startsWith("ConfigMap/settings")).map(l -> Long.parseLong(l.split(" ")[2])).findFirst().orElseThrow();
        long rvAfter = Long.parseLong(kubectl("-n", ns, "get", "cm", "settings", "-o", "jsonpath={.metadata.resourceVersion}").ok().out());
        assertThat(rvAfter).isGreaterThan(rvBefore);
    }
}
