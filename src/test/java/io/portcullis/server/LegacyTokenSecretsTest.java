package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** With --legacy-service-account-token-secrets=true, as clusters before 1.24: the walk-through of issue 4. */
@EndToEnd
class LegacyTokenSecretsTest {
    @RegisterExtension
    static final TestServer server = TestServer.embedded(c -> c.withServiceAccounts(sa -> sa.withLegacyTokenSecrets(true)));
    static Https admin;

    @BeforeAll
    static void adminClient() {
        admin = server.admin();
    }

    static JsonNode get(String path) {
        Response r = admin.get(path);
        return r.status() == 200 ? r.json() : null;
    }

    static void eventually(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void everyServiceAccountGetsAListedTokenSecretWhoseTokenDiesWithIt() {
        eventually("default has its token secret", () -> {
            JsonNode sa = get("/api/v1/namespaces/default/serviceaccounts/default");
            return sa != null && sa.path("secrets").size() == 1;
        });
        assertThat(admin.post("/api/v1/namespaces/default/serviceaccounts", "{\"metadata\":{\"name\":\"foo\"}}").status()).isEqualTo(201);
        eventually("foo lists its token secret", () -> get("/api/v1/namespaces/default/serviceaccounts/foo").path("secrets").size() == 1);
        String secretName = get("/api/v1/namespaces/default/serviceaccounts/foo").path("secrets").get(0).path("name").asString();
        assertThat(secretName).matches("foo-token-[bcdfghjklmnpqrstvwxz2456789]{5}");
        JsonNode secret = get("/api/v1/namespaces/default/secrets/" + secretName);
        assertThat(secret.path("type").asString()).isEqualTo("kubernetes.io/service-account-token");
        assertThat(List.of("ca.crt", "namespace", "token")).allMatch(k -> !secret.path("data").path(k).asString("").isEmpty());
        String token = new String(Base64.getDecoder().decode(secret.path("data").path("token").asString()), StandardCharsets.UTF_8);

        assertThat(server.anonymous().withToken(token).get("/api/v1/namespaces/default/pods").status()).isEqualTo(403);
        String bound = admin.post("/api/v1/namespaces/default/serviceaccounts/foo/token", "{\"spec\":{}}")
                .json().path("status").path("token").asString();
        assertThat(server.anonymous().withToken(bound).get("/api/v1/namespaces/default/pods").status()).isEqualTo(403);

        assertThat(admin.delete("/api/v1/namespaces/default/serviceaccounts/foo").status()).isEqualTo(200);
        eventually("both tokens are refused", () -> server.anonymous().withToken(token).get("/api/v1/namespaces/default/pods").status() == 401
                && server.anonymous().withToken(bound).get("/api/v1/namespaces/default/pods").status() == 401);
        eventually("the token secret is gone", () -> get("/api/v1/namespaces/default/secrets/" + secretName) == null);
    }
}
