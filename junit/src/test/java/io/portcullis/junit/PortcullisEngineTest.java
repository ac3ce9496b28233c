package io.portcullis.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/** The extension's lifecycle, seen from the JUnit engine: the classes below are run by these tests only (surefire leaves nested classes out). */
@Tag("e2e")
class PortcullisEngineTest {
    static final List<String> seen = new ArrayList<>();

    @Test
    void aSharedServerServesEveryClassThatAsksAndIsResetBetweenThem() {
        seen.clear();
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(SharedFirst.class), selectClass(SharedSecond.class)).execute();
        results.testEvents().assertStatistics(s -> s.started(3).succeeded(3));
        assertThat(seen).hasSize(3).containsOnly(seen.get(0));   // one URL for both classes and the nested one
    }

    @Test
    void withoutResetWhatATestLeftStaysForTheNextAndANestedClassUsesTheSameServer() {
        seen.clear();
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(KeptBetweenTests.class)).execute();
        results.testEvents().assertStatistics(s -> s.started(3).succeeded(3));
        assertThat(seen).hasSize(3).containsOnly(seen.get(0));
    }

    @Test
    void fieldsAreSetAnewForEachTestSoThatAClientOutlivesNoReset() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(OneInstanceForTheClass.class)).execute();
        results.testEvents().assertStatistics(s -> s.started(2).succeeded(2));
    }

    @Test
    void aBadFlagFailsTheClassNamingTheFlag() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(BadFlag.class)).execute();
        results.testEvents().assertStatistics(s -> s.started(0));
        assertThat(failure(results.containerEvents().failed().list())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown option: '--no-such-flag'");
        results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(ExtensionOwnFlag.class)).execute();
        assertThat(failure(results.containerEvents().failed().list())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--secure-port is chosen by the extension (a temporary directory, 127.0.0.1, a free port)");
    }

    @Test
    void aParameterWithTwoIdentitiesFailsNamingBoth() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(TwoIdentities.class)).execute();
        assertThat(failure(results.testEvents().failed().list())).isInstanceOf(org.junit.jupiter.api.extension.ParameterResolutionException.class)
                .hasMessageContaining("@AsUser and @AsServiceAccount together: choose one");
    }

    private static Throwable failure(List<Event> failed) {
        assertThat(failed).isNotEmpty();
        return failed.get(0).getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    @Portcullis(shared = true, flags = "--authorization-mode=RBAC")
    static class SharedFirst {
        @Test
        void leavesAConfigMapBehindWithoutReset(PortcullisServer server, KubernetesClient admin) {
            seen.add(server.url());
            admin.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("from-first").endMetadata().build())
                    .create();
        }

        @Nested
        class Inner {
            @Test
            void seesTheSameServer(PortcullisServer server) {
                seen.add(server.url());
            }
        }
    }

    @Portcullis(shared = true, flags = "--authorization-mode=RBAC")
    static class SharedSecond {
        @Test
        void startsFromAFreshCluster(PortcullisServer server, KubernetesClient admin) {
            seen.add(server.url());
            assertThat(admin.configMaps().inNamespace("default").withName("from-first").get()).isNull();
        }
    }

    @Portcullis(reset = false)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class KeptBetweenTests {
        @Test
        @Order(1)
        void writes(PortcullisServer server, KubernetesClient admin) {
            seen.add(server.url());
            admin.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("kept").endMetadata().build()).create();
        }

        @Test
        @Order(2)
        void reads(PortcullisServer server, KubernetesClient admin) {
            seen.add(server.url());
            assertThat(admin.configMaps().inNamespace("default").withName("kept").get()).isNotNull();
        }

        @Nested
        class Inner {
            @Test
            void readsToo(PortcullisServer server, KubernetesClient admin) {
                seen.add(server.url());
                assertThat(admin.configMaps().inNamespace("default").withName("kept").get()).isNotNull();
            }
        }
    }

    @Portcullis
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class OneInstanceForTheClass {
        @AsServiceAccount("x/y")
        KubernetesClient sa;

        @Test
        @Order(1)
        void first() {
            assertThatThrownBy(() -> sa.configMaps().inNamespace("x").list())   // authenticated (403), not 401
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        }

        @Test
        @Order(2)
        void secondAfterAReset() {
            first();
        }
    }

    @Portcullis
    static class TwoIdentities {
        @Test
        void never(@AsUser("alice") @AsServiceAccount("a/b") KubernetesClient both) {
        }
    }

    @Portcullis(flags = "--no-such-flag")
    static class BadFlag {
        @Test
        void never() {
        }
    }

    @Portcullis(flags = "--secure-port=6443")
    static class ExtensionOwnFlag {
        @Test
        void never() {
        }
    }
}
