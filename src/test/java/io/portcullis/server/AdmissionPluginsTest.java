package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** --enable/--disable-admission-plugins over HTTPS, and the order the plugins run in, as kube-apiserver's. */
@EndToEnd
class AdmissionPluginsTest {
    static final String POD = "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";

    @RegisterExtension
    final TestServer server = TestServer.notStarted();

    @Test
    void aPodInAMissingNamespaceIsTheNamespacesNotFoundAsUpstreamWhereNamespaceLifecycleRunsFirst() throws Exception {
        Response r = server.start().admin().post("/api/v1/namespaces/nowhere/pods", POD);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json()).isEqualTo(Json.tree("""
                {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \\"nowhere\\" not found",
                 "reason":"NotFound","details":{"name":"nowhere","kind":"namespaces"},"code":404}""".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void withoutNamespaceLifecycleACreateInAMissingNamespaceGoesOnToTheServiceAccountPlugin() throws Exception {
        server.start(c -> c.withAdmission(a -> a.withDisablePlugins(List.of("NamespaceLifecycle"))));
        Response r = server.admin().post("/api/v1/namespaces/nowhere/pods", POD);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.message()).isEqualTo("pods \"p\" is forbidden: error looking up service account nowhere/default: "
                + "serviceaccount \"default\" not found");
    }

    @Test
    void withoutTheServiceAccountPluginAPodGetsNoAccountAndNoTokenVolume() throws Exception {
        server.start(c -> c.withAdmission(a -> a.withDisablePlugins(List.of("ServiceAccount"))));
        Response r = server.admin().post("/api/v1/namespaces/default/pods", POD);
        assertThat(r.status()).as("%s", r.text()).isEqualTo(201);
        assertThat(r.json().path("spec").has("serviceAccountName")).isFalse();
        assertThat(r.json().path("spec").has("volumes")).isFalse();
        assertThat(r.json().path("spec").path("containers").get(0).has("volumeMounts")).isFalse();
    }
}
