package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --enable/--disable-admission-plugins over HTTPS, and the order the plugins run in, as kube-apiserver's. */
class AdmissionPluginsTest {
    static final String POD = "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";

    @TempDir
    Path dir;

    @Test
    void aPodInAMissingNamespaceIsTheNamespacesNotFoundAsUpstreamWhereNamespaceLifecycleRunsFirst() throws Exception {
        try (Server server = Server.start(ServerConfig.embedded(dir))) {
            Https.Response r = new Https(server).admin("POST", "/api/v1/namespaces/nowhere/pods", POD);
            assertThat(r.code()).isEqualTo(404);
            assertThat(r.body()).isEqualTo(Json.tree("""
                    {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \\"nowhere\\" not found",
                     "reason":"NotFound","details":{"name":"nowhere","kind":"namespaces"},"code":404}""".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void withoutNamespaceLifecycleACreateInAMissingNamespaceGoesOnToTheServiceAccountPlugin() throws Exception {
        try (Server server = Server.start(ServerConfig.embedded(dir).withAdmission(a -> a.withDisablePlugins(List.of("NamespaceLifecycle"))))) {
            Https.Response r = new Https(server).admin("POST", "/api/v1/namespaces/nowhere/pods", POD);
            assertThat(r.code()).isEqualTo(403);
            assertThat(r.message()).isEqualTo("pods \"p\" is forbidden: error looking up service account nowhere/default: "
                    + "serviceaccount \"default\" not found");
        }
    }

    @Test
    void withoutTheServiceAccountPluginAPodGetsNoAccountAndNoTokenVolume() throws Exception {
        try (Server server = Server.start(ServerConfig.embedded(dir).withAdmission(a -> a.withDisablePlugins(List.of("ServiceAccount"))))) {
            Https.Response r = new Https(server).admin("POST", "/api/v1/namespaces/default/pods", POD);
            assertThat(r.code()).as("%s", r.body()).isEqualTo(201);
            assertThat(r.body().path("spec").has("serviceAccountName")).isFalse();
            assertThat(r.body().path("spec").has("volumes")).isFalse();
            assertThat(r.body().path("spec").path("containers").get(0).has("volumeMounts")).isFalse();
        }
    }
}
