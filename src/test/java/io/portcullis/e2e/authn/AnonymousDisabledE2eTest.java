package io.portcullis.e2e.authn;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** --anonymous-auth=false: a request without any credential is 401, even for /version; credentials still work. */
@EndToEnd
class AnonymousDisabledE2eTest {
    @RegisterExtension
    static final TestServer server = TestServer.embedded(c -> c.withAuthentication(a -> a.withAnonymous(false)));

    @Test
    void anonymousCurlIsUnauthorizedEvenForVersion() throws Exception {
        Commands.assumeCurl();
        Path home = Files.createDirectories(server.dir().resolve("home"));
        for (String path : new String[] {"/version", "/api", "/api/v1/namespaces/default/configmaps"}) {
            Commands.Result r = Commands.curl(home, "-s", "--cacert", server.pki().caCertificateFile().toString(),
                    "-w", "\n%{http_code}", server.url() + path);
            String out = r.out();
            assertThat(out.substring(out.lastIndexOf('\n') + 1)).as(path + ": " + r.all()).isEqualTo("401");
            JsonNode status = Json.MAPPER.readTree(out.substring(0, out.lastIndexOf('\n')));
            assertThat(status.path("kind").asString()).isEqualTo("Status");
            assertThat(status.path("reason").asString()).isEqualTo("Unauthorized");
            assertThat(status.path("code").asInt()).isEqualTo(401);
        }
    }

    @Test
    void theAdminKubeconfigStillWorks() throws Exception {
        Commands.assumeKubectl();
        Commands.Result r = Commands.kubectl(server.kubeconfig(), Files.createDirectories(server.dir().resolve("home-admin")), "auth", "whoami", "-o", "json");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(Json.MAPPER.readTree(r.out()).path("status").path("userInfo").path("username").asString()).isEqualTo("portcullis-admin");
    }
}
