package io.portcullis.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@Portcullis
@Tag("e2e")   // starts a server: left out of the fast run (-DexcludedGroups=e2e)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PortcullisTest {
    @AsUser(value = "carol", groups = "dev")
    KubernetesClient carol;
    PortcullisServer server;
    private static final String TEAM_READER = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: configmap-reader, namespace: team}
            rules:
            - apiGroups: [""]
              resources: [configmaps]
              verbs: [get, list]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: dev-reads-configmaps, namespace: team}
            subjects:
            - {kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}
            - {kind: ServiceAccount, name: robot, namespace: team}
            roleRef: {kind: Role, name: configmap-reader, apiGroup: rbac.authorization.k8s.io}
            """;

    @Test
    @Order(1)
    void theAdminClientsOfBothLibrariesSeeTheBootstrapCluster(KubernetesClient admin, ApiClient official) throws ApiException {
        assertThat(admin.rbac().clusterRoles().withName("view").get()).isNotNull();
        List<String> namespaces = new CoreV1Api(official).listNamespace().execute().getItems().stream()
                .map(n -> n.getMetadata().getName()).toList();
        assertThat(namespaces).contains("default", "kube-system");
    }

    @Test
    @Order(2)
    void aUserHasWhatRbacGrantsItsGroupsAndNothingMore(@AsUser(value = "alice", groups = "dev") KubernetesClient alice,
                                                        @AsUser(value = "alice", groups = "dev") ApiClient aliceOfficial) throws ApiException {
        server.apply("{apiVersion: v1, kind: Namespace, metadata: {name: team}}");
        assertThatThrownBy(() -> alice.configMaps().inNamespace("team").list())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
                .hasMessageContaining("User \"alice\" cannot list resource \"configmaps\"");

        assertThat(server.apply(TEAM_READER)).containsExactly("Role team/configmap-reader", "RoleBinding team/dev-reads-configmaps");

        assertThat(alice.configMaps().inNamespace("team").list().getItems()).extracting(c -> c.getMetadata().getName())
                .containsExactly("kube-root-ca.crt");
        assertThat(new CoreV1Api(aliceOfficial).listNamespacedConfigMap("team").execute().getItems()).hasSize(1);
        assertThat(carol.configMaps().inNamespace("team").list().getItems()).as("a field, injected as the parameters are").hasSize(1);
        assertThatThrownBy(() -> alice.configMaps().inNamespace("team").resource(new ConfigMapBuilder().withNewMetadata().withName("x")
                .endMetadata().build()).create()).hasMessageContaining("cannot create resource \"configmaps\"");
    }

    @Test
    @Order(3)
    void aServiceAccountIsCreatedWhenMissingAndAuthenticatesByItsToken(KubernetesClient admin,
                                                                      @AsServiceAccount("robots/r2") KubernetesClient r2,
                                                                      @AsServiceAccount("robots/r2") ApiClient r2official) {
        assertThat(admin.serviceAccounts().inNamespace("robots").withName("r2").get()).isNotNull();
        assertThatThrownBy(() -> r2.secrets().inNamespace("robots").list())
                .hasMessageContaining("User \"system:serviceaccount:robots:r2\" cannot list resource \"secrets\"");
        assertThatThrownBy(() -> new CoreV1Api(r2official).listNamespacedSecret("robots").execute())
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(403);
                    assertThat(e.getResponseBody()).contains("system:serviceaccount:robots:r2");
                });
    }

    @Test
    @Order(4)
    void aKubeconfigServesKubectl(@Kubeconfig Path admin, @Kubeconfig @AsUser(value = "bob", groups = {"qa", "ops"}) Path bob,
                                  @Kubeconfig @AsServiceAccount("robots/r2") Path r2, PortcullisServer server) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is not installed");
        assertThat(admin).isEqualTo(server.kubeconfig());
        assertThat(kubectl(bob, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"))
                .isEqualTo("bob [\"qa\",\"ops\",\"system:authenticated\"]");
        assertThat(kubectl(r2, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).isEqualTo("system:serviceaccount:robots:r2");
        assertThat(kubectl(r2, "config", "view", "--minify", "-o", "jsonpath={.contexts[0].context.namespace}")).isEqualTo("robots");
    }

    @Test
    @Order(5)
    void theTestBeforeLeftSomethingEverywhere(KubernetesClient admin) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("leftover").endMetadata().build()).create();
        admin.configMaps().inNamespace("leftover").resource(new ConfigMapBuilder().withNewMetadata().withName("a").endMetadata().build()).create();
        admin.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("b").endMetadata().build()).create();
        admin.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName("custom").endMetadata().build()).create();
        admin.rbac().clusterRoles().withName("view").delete();
    }

    @Test
    @Order(6)
    void aResetLeavesTheClusterAsStartedForTheNextTest(KubernetesClient admin) {
        assertThat(admin.namespaces().list().getItems()).extracting(n -> n.getMetadata().getName())
                .containsExactlyInAnyOrder("default", "kube-system", "kube-public", "kube-node-lease");
        assertThat(admin.configMaps().inNamespace("default").list().getItems()).extracting(c -> c.getMetadata().getName())
                .containsExactly("kube-root-ca.crt");
        assertThat(admin.serviceAccounts().inNamespace("default").withName("default").get()).isNotNull();
        assertThat(admin.rbac().clusterRoles().withName("custom").get()).isNull();
        assertThat(admin.rbac().clusterRoles().withName("view").get()).as("a bootstrap role removed comes back").isNotNull();
        assertThat(admin.rbac().clusterRoleBindings().withName("cluster-admin").get()).isNotNull();
    }

    @Test
    @Order(7)
    void whatAServiceAccountWasDeniedIsListedAndTheLeastPrivilegeSuggested(PortcullisServer server,
                                                                          @AsServiceAccount("team/robot") KubernetesClient robot) {
        server.apply(TEAM_READER);
        server.apply("{apiVersion: v1, kind: ConfigMap, metadata: {name: settings, namespace: team}, data: {color: blue}}");
        Access access = server.accessOfServiceAccount("team/robot");
        assertThat(robot.configMaps().inNamespace("team").withName("settings").get().getData()).containsEntry("color", "blue");
        access.assertNeverDenied();
        assertThat(access.leastPrivilegeRoles()).contains("kind: \"Role\"", "namespace: \"team\"", "- \"settings\"", "- \"get\"")
                .doesNotContain("list");

        assertThatThrownBy(() -> robot.secrets().inNamespace("team").withName("token").get()).isInstanceOf(KubernetesClientException.class);

        assertThat(access.denials()).containsExactly(new Access.Denial("get", "", "secrets", "", "team", "token", "", 1));
        assertThat(access.denials().get(0)).hasToString("get secrets/token in team");
        assertThatThrownBy(access::assertNeverDenied).isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("system:serviceaccount:team:robot was denied 1 request:\n  get secrets/token in team\n")
                .hasMessageContaining("# Denied:\n#   get secrets/token in team (once");
    }

    @Test
    @Order(8)
    void aManifestThatIsNotAServedObjectIsRefusedByName(PortcullisServer server) {
        assertThatThrownBy(() -> server.apply("{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the server does not serve kind Widget of example.com/v1 (w)");
        assertThatThrownBy(() -> server.apply("{apiVersion: v1, kind: ConfigMap}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("a manifest document needs apiVersion, kind and metadata.name");
        assertThatThrownBy(() -> server.apply("kind: [unclosed"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("the manifest is not valid YAML");
        assertThatThrownBy(() -> server.apply("{apiVersion: v1, kind: ConfigMap, metadata: {name: Not_Valid}}"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("(Invalid)").hasMessageContaining("Not_Valid");
        assertThatThrownBy(() -> server.kubeconfigAsUser(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a client certificate needs a user name");
        assertThatThrownBy(() -> server.kubeconfigAsServiceAccount("no-slash"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a ServiceAccount is \"namespace/name\", not \"no-slash\"");
    }

    @Test
    @Order(9)
    void theServerRunsInAClassLoaderOfItsOwn() {
        assertThat(getClass().getClassLoader().getResource("io/portcullis/server/Server.class")).as("not on the test class path").isNull();
        assertThat(ServerRuntime.loader().getParent()).isSameAs(ClassLoader.getPlatformClassLoader());
    }

    private static String kubectl(Path kubeconfig, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/kubectl", "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }
}
