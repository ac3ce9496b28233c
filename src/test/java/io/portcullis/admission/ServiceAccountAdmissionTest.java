package io.portcullis.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.api.ResourceType;
import io.portcullis.authn.UserInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class ServiceAccountAdmissionTest {
    static final ResourceType PODS = new ResourceType("", "v1", "pods", "pod", "Pod", true, ResourceType.ALL_VERBS,
            List.of(), List.of(), List.of(), Object.class, io.portcullis.api.patch.PatchSchemas.POD,
            io.kubernetes.client.proto.V1.Pod.getDefaultInstance());

    static ObjectNode json(String s) {
        return (ObjectNode) Json.tree(s.getBytes(StandardCharsets.UTF_8));
    }

    static AdmissionRequest create(ObjectNode pod) {
        return new AdmissionRequest(Operation.CREATE, PODS, "", "ns", "p", pod, null, UserInfo.of("u"), false);
    }

    @ParameterizedTest(name = "pod {0}, account {1}: mount {2}")
    @CsvSource(delimiter = '|', textBlock = """
            null  | null  | true
            null  | false | false
            true  | false | true
            false | true  | false
            false | null  | false
            """)
    void thePodsAutomountChoiceWinsOverTheAccounts(String pod, String account, boolean mounted) {
        JsonNode sa = json("{\"metadata\":{\"name\":\"default\"}" + (account.equals("null") ? "" : ",\"automountServiceAccountToken\":" + account) + "}");
        ObjectNode spec = json("{\"containers\":[{\"name\":\"c\"}]" + (pod.equals("null") ? "" : ",\"automountServiceAccountToken\":" + pod) + "}");
        assertThat(ServiceAccountAdmission.automount(sa, spec)).isEqualTo(mounted);
    }

    @Test
    void theDefaultAccountIsLookedForAgainWhileTheControllerCreatesIt() {
        AtomicInteger calls = new AtomicInteger();
        var plugin = new ServiceAccountAdmission((ns, name) -> calls.incrementAndGet() < 3 ? Optional.empty()
                : Optional.of(json("{\"metadata\":{\"name\":\"default\"}}")), 10, Duration.ZERO);
        ObjectNode pod = plugin.admit(create(json("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}")));
        assertThat(calls.get()).isEqualTo(3);
        assertThat(pod.path("spec").path("serviceAccountName").asString()).isEqualTo("default");
    }

    @Test
    void anExistingAccessVolumeIsReused() {
        var plugin = new ServiceAccountAdmission((ns, name) -> Optional.of(json("{\"metadata\":{\"name\":\"default\"}}")), 1, Duration.ZERO);
        ObjectNode pod = plugin.admit(create(json("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\"}],"
                + "\"volumes\":[{\"name\":\"kube-api-access-abcde\",\"emptyDir\":{}}]}}")));
        assertThat(pod.path("spec").path("volumes").size()).isEqualTo(1);
        assertThat(pod.path("spec").path("containers").get(0).path("volumeMounts").get(0).path("name").asString()).isEqualTo("kube-api-access-abcde");
    }

    @Test
    void aMirrorPodIsNotMutatedAndMayNotNameAnAccount() {
        var plugin = new ServiceAccountAdmission((ns, name) -> Optional.empty(), 1, Duration.ZERO);
        ObjectNode mirror = json("{\"metadata\":{\"name\":\"p\",\"annotations\":{\"kubernetes.io/config.mirror\":\"x\"}},"
                + "\"spec\":{\"serviceAccountName\":\"foo\",\"containers\":[{\"name\":\"c\"}]}}");
        ObjectNode out = plugin.admit(create(mirror.deepCopy()));
        assertThat(out).isEqualTo(mirror);
        assertThatThrownBy(() -> plugin.validate(create(mirror))).isInstanceOf(ApiException.class)
                .hasMessageContaining("a mirror pod may not reference service accounts");
    }

    @Test
    void enforcedMountableSecretsRefuseAnUnlistedSecretVolume() {
        var plugin = new ServiceAccountAdmission((ns, name) -> Optional.of(json("{\"metadata\":{\"name\":\"foo\",\"annotations\":"
                + "{\"kubernetes.io/enforce-mountable-secrets\":\"true\"}},\"secrets\":[{\"name\":\"ok\"}]}")), 1, Duration.ZERO);
        ObjectNode pod = json("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"serviceAccountName\":\"foo\",\"automountServiceAccountToken\":false,"
                + "\"containers\":[{\"name\":\"c\"}],\"volumes\":[{\"name\":\"v\",\"secret\":{\"secretName\":\"x\"}}]}}");
        assertThatThrownBy(() -> plugin.admit(create(pod))).isInstanceOf(ApiException.class)
                .hasMessage("pods \"p\" is forbidden: volume with secret.secretName=\"x\" is not allowed because service account foo does not reference that secret");
    }
}
