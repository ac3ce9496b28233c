package io.portcullis.e2e.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * RBAC end to end with the real kubectl, as a cluster user meets it.
 *
 * <p>The ServiceAccount users here come from the token file: a user named
 * system:serviceaccount:NS:NAME in groups system:serviceaccounts and system:serviceaccounts:NS is
 * authorized exactly like that ServiceAccount's own token, since RBAC sees only the name and groups.
 */
@EndToEnd
class RbacKubectlTest {
    static final String FOO = "system:serviceaccount:default:foo";
    static final String BAR = "system:serviceaccount:team-a:bar";
    static final String BAZ = "system:serviceaccount:team-a:baz";

    static final String TOKENS = """
            foo-token,system:serviceaccount:default:foo,uid-foo,"system:serviceaccounts,system:serviceaccounts:default"
            bar-token,system:serviceaccount:team-a:bar,uid-bar,"system:serviceaccounts,system:serviceaccounts:team-a"
            baz-token,system:serviceaccount:team-a:baz,uid-baz,"system:serviceaccounts,system:serviceaccounts:team-a"
            alice-token,alice,uid-alice
            ed-token,ed,uid-ed
            maker-token,maker,uid-maker
            """;

    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start(server, TOKENS);
        for (String ns : List.of("team-a", "team-b", "esc", "esc2", "recon")) ok(cluster.kubectl("create", "namespace", ns));
        ok(cluster.kubectlWithInput("""
                apiVersion: v1
                kind: Pod
                metadata: {name: x, namespace: default}
                spec:
                  containers:
                  - name: c
                    image: nginx
                """, "apply", "-f", "-"));
        ok(cluster.kubectl("create", "role", "pod-reader", "--verb=get,list", "--resource=pods", "-n", "default"));
        ok(cluster.kubectl("create", "rolebinding", "foo-reads-pods", "--role=pod-reader", "--serviceaccount=default:foo", "-n", "default"));
    }

    static Cluster.Run ok(Cluster.Run run) {
        assertThat(run.exit()).as(run.toString()).isZero();
        return run;
    }

    static Cluster.Run refused(Cluster.Run run) {
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        return run;
    }

    @Test
    void aServiceAccountWithARoleThatMayGetAndListPodsCanListThem() {
        Cluster.Run run = ok(cluster.kubectlAs("foo-token", "get", "pods", "-o", "name"));
        assertThat(run.out()).isEqualTo("pod/x\n");
        ok(cluster.kubectlAs("foo-token", "get", "pod", "x", "-o", "name"));
    }

    @Test
    void theServiceAccountMayNotDeleteAPodAndNothingIsDeleted() {
        Cluster.Run run = refused(cluster.kubectlAs("foo-token", "delete", "pod", "x"));
        assertThat(run.err()).isEqualTo("Error from server (Forbidden): pods \"x\" is forbidden: User \"" + FOO
                + "\" cannot delete resource \"pods\" in API group \"\" in the namespace \"default\"\n");
        ok(cluster.kubectl("get", "pod", "x"));
    }

    @Test
    void theServiceAccountMayNotReadSecrets() {
        Cluster.Run run = refused(cluster.kubectlAs("foo-token", "get", "secrets"));
        assertThat(run.err()).isEqualTo("Error from server (Forbidden): secrets is forbidden: User \"" + FOO
                + "\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"\n");
    }

    @Test
    void theRoleGrantsNothingOutsideItsNamespace() {
        Cluster.Run run = refused(cluster.kubectlAs("foo-token", "get", "pods", "-n", "team-b"));
        assertThat(run.err()).isEqualTo("Error from server (Forbidden): pods is forbidden: User \"" + FOO
                + "\" cannot list resource \"pods\" in API group \"\" in the namespace \"team-b\"\n");
    }

    @Test
    void canIAnswersYesWithExitZeroForAnAllowedVerb() {
        Cluster.Run run = ok(cluster.kubectlAs("foo-token", "auth", "can-i", "get", "pods"));
        assertThat(run.out()).isEqualTo("yes\n");
    }

    @Test
    void canIAnswersAPlainNoWithExitOneForAVerbNotGranted() {
        Cluster.Run run = refused(cluster.kubectlAs("foo-token", "auth", "can-i", "delete", "pods"));
        assertThat(run.out()).isEqualTo("no\n");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void theAdminCanAskOnBehalfOfTheServiceAccountWithAs() {
        assertThat(ok(cluster.kubectl("auth", "can-i", "get", "pods", "--as=" + FOO)).out()).isEqualTo("yes\n");
        assertThat(ok(cluster.kubectl("auth", "can-i", "list", "pods", "-n", "default", "--as=" + FOO)).out()).isEqualTo("yes\n");
        assertThat(refused(cluster.kubectl("auth", "can-i", "delete", "pods", "--as=" + FOO)).out()).isEqualTo("no\n");
        assertThat(refused(cluster.kubectl("auth", "can-i", "get", "secrets", "--as=" + FOO)).out()).isEqualTo("no\n");
    }

    /** Rows of the can-i --list table, keyed by the first three columns; the value is the verbs column. */
    static Map<String, String> table(String out) {
        List<String> lines = out.lines().toList();
        assertThat(lines.get(0)).matches("Resources\\s+Non-Resource URLs\\s+Resource Names\\s+Verbs");
        int urls = lines.get(0).indexOf("Non-Resource URLs");
        int names = lines.get(0).indexOf("Resource Names");
        int verbs = lines.get(0).indexOf("Verbs");
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String key = line.substring(0, urls).strip() + " | " + line.substring(urls, names).strip() + " | "
                    + line.substring(names, verbs).strip();
            rows.put(key, line.substring(verbs).strip());
        }
        return rows;
    }

    @Test
    void canIListShowsExactlyTheRulesOfTheServiceAccountsBindings() {
        Cluster.Run run = ok(cluster.kubectlAs("foo-token", "auth", "can-i", "--list"));
        Map<String, String> rows = table(run.out());
        Map<String, String> resources = new LinkedHashMap<>();
        List<String> urls = new ArrayList<>();
        rows.forEach((k, v) -> {
            String[] cols = k.split(" \\| ", -1);
            if (!cols[0].isEmpty()) resources.put(cols[0] + " " + cols[2], v);
            else urls.add(cols[1] + " " + v);
        });
        assertThat(resources).as(run.out()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "pods []", "[get list]",
                "selfsubjectreviews.authentication.k8s.io []", "[create]",
                "selfsubjectaccessreviews.authorization.k8s.io []", "[create]",
                "selfsubjectrulesreviews.authorization.k8s.io []", "[create]",
                // system:portcullis:policy-reviewer (system:authenticated): the answer decides what the asker sees
                "accessmatrixreviews.policy.portcullis.io []", "[create]",
                "whocanreviews.policy.portcullis.io []", "[create]"));
        // system:discovery and system:public-info-viewer (system:authenticated), and
        // system:service-account-issuer-discovery (system:serviceaccounts)
        assertThat(urls).as(run.out()).contains(
                "[/api/*] [get]", "[/api] [get]", "[/apis/*] [get]", "[/apis] [get]", "[/healthz] [get]", "[/livez] [get]",
                "[/openapi/*] [get]", "[/openapi] [get]", "[/readyz] [get]", "[/version/] [get]", "[/version] [get]",
                "[/.well-known/openid-configuration/] [get]", "[/.well-known/openid-configuration] [get]",
                "[/openid/v1/jwks/] [get]", "[/openid/v1/jwks] [get]");
        assertThat(urls).as(run.out()).allMatch(u -> u.endsWith(" [get]"));
    }

    @Test
    void canIListInAnotherNamespaceLacksTheRoleBindingsRules() {
        Cluster.Run run = ok(cluster.kubectlAs("foo-token", "auth", "can-i", "--list", "-n", "team-b"));
        assertThat(table(run.out()).keySet()).noneMatch(k -> k.startsWith("pods "));
    }

    @Test
    void aClusterRoleBoundByARoleBindingGrantsOnlyWithinThatNamespace() {
        ok(cluster.kubectl("create", "clusterrole", "cm-reader", "--verb=get,list", "--resource=configmaps"));
        ok(cluster.kubectl("create", "rolebinding", "alice-cm", "--clusterrole=cm-reader", "--user=alice", "-n", "team-a"));
        ok(cluster.kubectl("create", "configmap", "settings", "--from-literal=a=b", "-n", "team-a"));

        assertThat(ok(cluster.kubectlAs("alice-token", "get", "configmaps", "-n", "team-a", "-o", "name")).out())
                .contains("configmap/settings\n");
        assertThat(refused(cluster.kubectlAs("alice-token", "get", "configmaps", "-n", "team-b")).err()).isEqualTo(
                "Error from server (Forbidden): configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\""
                        + " in API group \"\" in the namespace \"team-b\"\n");
        assertThat(refused(cluster.kubectlAs("alice-token", "get", "configmaps", "-A")).err()).isEqualTo(
                "Error from server (Forbidden): configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\""
                        + " in API group \"\" at the cluster scope\n");
        assertThat(refused(cluster.kubectlAs("alice-token", "auth", "can-i", "get", "configmaps", "-n", "default")).out())
                .isEqualTo("no\n");
    }

    @Test
    void aBindingToTheServiceAccountGroupOfANamespaceCoversEveryServiceAccountInIt() {
        ok(cluster.kubectl("create", "rolebinding", "team-a-sas-view", "--clusterrole=view",
                "--group=system:serviceaccounts:team-a", "-n", "team-a"));
        ok(cluster.kubectlAs("bar-token", "get", "pods", "-n", "team-a"));
        ok(cluster.kubectlAs("baz-token", "get", "configmaps", "-n", "team-a"));
        assertThat(ok(cluster.kubectlAs("bar-token", "auth", "can-i", "list", "serviceaccounts", "-n", "team-a")).out())
                .isEqualTo("yes\n");

        assertThat(refused(cluster.kubectlAs("bar-token", "get", "pods", "-n", "team-b")).err()).isEqualTo(
                "Error from server (Forbidden): pods is forbidden: User \"" + BAR + "\" cannot list resource \"pods\""
                        + " in API group \"\" in the namespace \"team-b\"\n");
        assertThat(refused(cluster.kubectlAs("baz-token", "get", "secrets", "-n", "team-a")).err()).isEqualTo(
                "Error from server (Forbidden): secrets is forbidden: User \"" + BAZ + "\" cannot list resource \"secrets\""
                        + " in API group \"\" in the namespace \"team-a\"\n");
        // foo is a ServiceAccount of another namespace, so not in system:serviceaccounts:team-a
        refused(cluster.kubectlAs("foo-token", "get", "configmaps", "-n", "team-a"));
    }

    @Test
    void aBindingToAllServiceAccountsCoversServiceAccountsOfEveryNamespace() {
        ok(cluster.kubectl("create", "namespace", "shared"));
        ok(cluster.kubectl("create", "clusterrole", "cm-lister", "--verb=list", "--resource=configmaps"));
        ok(cluster.kubectl("create", "rolebinding", "all-sas-list-configmaps", "--clusterrole=cm-lister",
                "--group=system:serviceaccounts", "-n", "shared"));
        ok(cluster.kubectlAs("foo-token", "get", "configmaps", "-n", "shared"));
        ok(cluster.kubectlAs("bar-token", "get", "configmaps", "-n", "shared"));
        assertThat(refused(cluster.kubectlAs("alice-token", "get", "configmaps", "-n", "shared")).err()).isEqualTo(
                "Error from server (Forbidden): configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\""
                        + " in API group \"\" in the namespace \"shared\"\n");
    }

    @Test
    void anonymousMayReadVersionAndHealthzButNotDiscovery() {
        Response version = cluster.anonymous().get("/version");
        assertThat(version.status()).as(version.toString()).isEqualTo(200);
        assertThat(version.json().path("gitVersion").asString()).startsWith("v1.32");

        Response healthz = cluster.anonymous().get("/healthz");
        assertThat(healthz.status()).as(healthz.toString()).isEqualTo(200);
        assertThat(healthz.text()).isEqualTo("ok");

        Response api = cluster.anonymous().get("/api");
        assertThat(api.status()).as(api.toString()).isEqualTo(403);
        JsonNode status = api.json();
        assertThat(status.path("kind").asString()).isEqualTo("Status");
        assertThat(status.path("status").asString()).isEqualTo("Failure");
        assertThat(status.path("reason").asString()).isEqualTo("Forbidden");
        assertThat(status.path("code").asInt()).isEqualTo(403);
        assertThat(status.path("message").asString()).isEqualTo("forbidden: User \"system:anonymous\" cannot get path \"/api\"");
    }

    @Test
    void aUserWithEditCannotBindAdminUntilGrantedBindOnIt() {
        ok(cluster.kubectl("create", "rolebinding", "ed-edit", "--clusterrole=edit", "--user=ed", "-n", "esc"));
        // edit holds no rights on RBAC objects; this Role lets ed write bindings so the escalation check is what decides
        ok(cluster.kubectl("create", "role", "binding-writer", "--verb=create,get,list", "--resource=rolebindings.rbac.authorization.k8s.io", "-n", "esc"));
        ok(cluster.kubectl("create", "rolebinding", "ed-binding-writer", "--role=binding-writer", "--user=ed", "-n", "esc"));

        Cluster.Run run = refused(cluster.kubectlAs("ed-token", "create", "rolebinding", "ed-admin", "--clusterrole=admin",
                "--user=ed", "-n", "esc"));
        assertThat(run.err()).startsWith("error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io \"ed-admin\""
                + " is forbidden: user \"ed\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{");
        assertThat(run.err()).contains("\n{APIGroups:[\"rbac.authorization.k8s.io\"], Resources:[\"roles\"], Verbs:[");
        refused(cluster.kubectl("get", "rolebinding", "ed-admin", "-n", "esc"));

        ok(cluster.kubectl("create", "role", "bind-admin", "--verb=bind", "--resource=clusterroles.rbac.authorization.k8s.io",
                "--resource-name=admin", "-n", "esc"));
        ok(cluster.kubectl("create", "rolebinding", "ed-bind-admin", "--role=bind-admin", "--user=ed", "-n", "esc"));
        ok(cluster.kubectlAs("ed-token", "create", "rolebinding", "ed-admin", "--clusterrole=admin", "--user=ed", "-n", "esc"));
        ok(cluster.kubectl("get", "rolebinding", "ed-admin", "-n", "esc"));
    }

    @Test
    void aRoleWithRulesTheCreatorDoesNotHoldIsRefusedUnlessTheCreatorMayEscalate() {
        ok(cluster.kubectl("create", "role", "role-writer", "--verb=create,get,list", "--resource=roles.rbac.authorization.k8s.io", "-n", "esc2"));
        ok(cluster.kubectl("create", "role", "pod-getter", "--verb=get", "--resource=pods", "-n", "esc2"));
        ok(cluster.kubectl("create", "rolebinding", "maker-writes-roles", "--role=role-writer", "--user=maker", "-n", "esc2"));
        ok(cluster.kubectl("create", "rolebinding", "maker-gets-pods", "--role=pod-getter", "--user=maker", "-n", "esc2"));

        ok(cluster.kubectlAs("maker-token", "create", "role", "held", "--verb=get", "--resource=pods", "-n", "esc2"));

        Cluster.Run run = refused(cluster.kubectlAs("maker-token", "create", "role", "too-much", "--verb=delete",
                "--resource=secrets", "-n", "esc2"));
        assertThat(run.err()).isEqualTo("Error from server (Forbidden): roles.rbac.authorization.k8s.io \"too-much\" is forbidden:"
                + " user \"maker\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
                + "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"delete\"]}\n");
        refused(cluster.kubectl("get", "role", "too-much", "-n", "esc2"));

        ok(cluster.kubectl("create", "role", "role-escalator", "--verb=escalate", "--resource=roles.rbac.authorization.k8s.io", "-n", "esc2"));
        ok(cluster.kubectl("create", "rolebinding", "maker-escalates", "--role=role-escalator", "--user=maker", "-n", "esc2"));
        ok(cluster.kubectlAs("maker-token", "create", "role", "too-much", "--verb=delete", "--resource=secrets", "-n", "esc2"));
        ok(cluster.kubectl("get", "role", "too-much", "-n", "esc2"));
    }

    static final String RECONCILE = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: deployer
              namespace: recon
            rules:
            - apiGroups: [""]
              resources: ["configmaps"]
              verbs: ["get", "list", "create", "update"]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: deployer
              namespace: recon
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: Role
              name: deployer
            subjects:
            - kind: ServiceAccount
              name: ci
              namespace: recon
            """;

    static final String RECON = "/apis/rbac.authorization.k8s.io/v1/namespaces/recon";

    @Test
    void authReconcileCreatesARoleAndBindingAndIsIdempotent() {
        Cluster.Run first = ok(cluster.kubectlWithInput(RECONCILE, "auth", "reconcile", "-f", "-"));
        assertThat(first.out()).contains("role.rbac.authorization.k8s.io/deployer reconciled",
                "rolebinding.rbac.authorization.k8s.io/deployer reconciled");
        JsonNode role = cluster.admin().get(RECON + "/roles/deployer").expect(200).json();
        JsonNode binding = cluster.admin().get(RECON + "/rolebindings/deployer").expect(200).json();
        assertThat(role.path("rules").get(0).path("verbs").toString()).isEqualTo("[\"get\",\"list\",\"create\",\"update\"]");
        assertThat(binding.path("subjects").get(0).path("name").asString()).isEqualTo("ci");
        assertThat(ok(cluster.kubectl("auth", "can-i", "create", "configmaps", "-n", "recon",
                "--as=system:serviceaccount:recon:ci")).out()).isEqualTo("yes\n");

        Cluster.Run second = ok(cluster.kubectlWithInput(RECONCILE, "auth", "reconcile", "-f", "-"));
        assertThat(second.out()).doesNotContain("reconciliation required");
        assertThat(cluster.admin().get(RECON + "/roles/deployer").expect(200).json().path("metadata")
                .path("resourceVersion")).isEqualTo(role.path("metadata").path("resourceVersion"));
        assertThat(cluster.admin().get(RECON + "/rolebindings/deployer").expect(200).json().path("metadata")
                .path("resourceVersion")).isEqualTo(binding.path("metadata").path("resourceVersion"));
    }
}
