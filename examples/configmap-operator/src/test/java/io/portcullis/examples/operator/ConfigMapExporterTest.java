package io.portcullis.examples.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Secret;
import io.portcullis.junit.Access;
import io.portcullis.junit.AsServiceAccount;
import io.portcullis.junit.Portcullis;
import io.portcullis.junit.PortcullisServer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The exporter, run as its ServiceAccount under exactly the Role it ships, against a real API server with real RBAC. */
@Portcullis
@Tag("e2e")   // the project's convention for tests that start a server: left out by -DexcludedGroups=e2e
class ConfigMapExporterTest {

    @Test
    void exportsEachLabelledConfigMapAsASecretUnderTheRoleItShips(PortcullisServer server, KubernetesClient admin, ApiClient official,
                                                                 @AsServiceAccount("apps/configmap-exporter") KubernetesClient exporterClient)
            throws Exception {
        server.applyResource("rbac.yaml");

        try (ConfigMapExporter exporter = new ConfigMapExporter(exporterClient, "apps").start()) {
            admin.configMaps().inNamespace("apps").resource(configMap(Map.of("color", "blue"))).create();
            Secret exported = awaitSecret(admin, "{\"color\":\"blue\"}");
            assertEquals(ConfigMapExporter.sha3("{\"color\":\"blue\"}"), exported.getMetadata().getAnnotations().get(ConfigMapExporter.DIGEST));
            assertEquals("settings", exported.getMetadata().getOwnerReferences().get(0).getName());

            admin.configMaps().inNamespace("apps").resource(configMap(Map.of("color", "green", "size", "L"))).update();
            awaitSecret(admin, "{\"color\":\"green\",\"size\":\"L\"}");
        }

        // the official Java client reads what fabric8 wrote
        V1Secret read = new CoreV1Api(official).readNamespacedSecret("settings-export", "apps").execute();
        assertEquals("{\"color\":\"green\",\"size\":\"L\"}", new String(read.getData().get("config.json"), StandardCharsets.UTF_8));

        Access access = server.accessOfServiceAccount("apps/configmap-exporter");
        access.assertNeverDenied();
        System.out.println(access.report());
        String least = access.leastPrivilegeRoles();
        assertTrue(least.contains("\"watch\"") && least.contains("\"patch\""), least);
    }

    static ConfigMap configMap(Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName("settings").addToLabels(ConfigMapExporter.LABEL, "true").endMetadata()
                .withData(data).build();
    }

    /** Waits (a minute at most) for settings-export to hold {@code document}. */
    static Secret awaitSecret(KubernetesClient admin, String document) {
        return admin.secrets().inNamespace("apps").withName("settings-export").waitUntilCondition(s -> s != null && Objects.equals(document,
                new String(java.util.Base64.getDecoder().decode(s.getData().get("config.json")), StandardCharsets.UTF_8)), 1, TimeUnit.MINUTES);
    }
}
