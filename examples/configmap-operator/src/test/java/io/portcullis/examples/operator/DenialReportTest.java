package io.portcullis.examples.operator;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.portcullis.junit.Access;
import io.portcullis.junit.AsServiceAccount;
import io.portcullis.junit.Portcullis;
import io.portcullis.junit.PortcullisServer;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * The failing variant: the same test under a Role one verb short. It is run here through the JUnit
 * engine, so that the build stays green while showing what its failure says.
 */
@Tag("e2e")
class DenialReportTest {

    @Test
    void aRoleOneVerbShortFailsTheTestWithTheDenialReport() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(UnderTooSmallRole.class)).execute();
        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        Throwable failure = results.testEvents().failed().list().get(0).getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
        System.out.println("The failing variant says:\n" + failure.getMessage());

        assertInstanceOf(AssertionError.class, failure);
        String report = failure.getMessage();
        assertTrue(report.startsWith("system:serviceaccount:apps:configmap-exporter was denied 1 request:\n  patch secrets/settings-export in apps\n"),
                report);
        assertTrue(report.contains("# Denied:\n#   patch secrets/settings-export in apps"), report);
        assertTrue(report.contains("kind: \"Role\"") && report.contains("- \"watch\""), report);   // the suggestion for what was allowed
    }

    /** Left out by surefire (a nested class); run by the test above. */
    @Portcullis
    static class UnderTooSmallRole {
        @Test
        void exportsUnderTheRoleItShips(PortcullisServer server, KubernetesClient admin,
                                        @AsServiceAccount("apps/configmap-exporter") KubernetesClient exporterClient) throws InterruptedException {
            server.applyResource("rbac-without-patch.yaml");
            Access access = server.accessOfServiceAccount("apps/configmap-exporter");
            try (ConfigMapExporter exporter = new ConfigMapExporter(exporterClient, "apps").start()) {
                admin.configMaps().inNamespace("apps").resource(ConfigMapExporterTest.configMap(Map.of("color", "blue"))).create();
                for (int i = 0; i < 600 && access.denials().isEmpty(); i++) Thread.sleep(100);   // until the exporter has tried
            }
            access.assertNeverDenied();
        }
    }
}
