package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** With --legacy-service-account-token-secrets=true, as clusters before 1.24: the walk-through of issue 4. */
class LegacyTokenSecretsTest {
    @TempDir
    static Path dir;
    static Server server;
    static Https http;

    @BeforeAll
    static void start() throws IOException {
        server = Server.start(ServerConfig.embedded(dir).withServiceAccounts(sa -> sa.withLegacyTokenSecrets(true)));
        http = new Https(server);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static JsonNode get(String path) {
        Https.Response r = http.admin("GET", path, null);
        return r.code() == 200 ? r.body() : null;
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
        assertThat(http.admin("POST", "/api/v1/namespaces/default/serviceaccounts", "{\"metadata\":{\"name\":\"foo\"}}").code()).isEqualTo(201);
        eventually("foo lists its token secret", () -> get("/api/v1/namespaces/default/serviceaccounts/foo").path("secrets").size() == 1);
        String secretName = get("/api/v1/namespaces/default/serviceaccounts/foo").path("secrets").get(0).path("name").asString();
        assertThat(secretName).matches("foo-token-[bcdfghjklmnpqrstvwxz2456789]{5}");
        JsonNode secret = get("/api/v1/namespaces/default/secrets/" + secretName);
        assertThat(secret.path("type").asString()).isEqualTo("kubernetes.io/service-account-token");
        assertThat(List.of("ca.crt", "namespace", "token")).allMatch(k -> !secret.path("data").path(k).asString("").isEmpty());
        String token = new String(Base64.getDecoder().decode(secret.path("data").path("token").asString()), StandardCharsets.UTF_8);

        assertThat(http.withToken(token, "GET", "/api/v1/namespaces/default/pods", null).code()).isEqualTo(403);
        String bound = http.admin("POST", "/api/v1/namespaces/default/serviceaccounts/foo/token", "{\"spec\":{}}")
                .body().path("status").path("token").asString();
        assertThat(http.withToken(bound, "GET", "/api/v1/namespaces/default/pods", null).code()).isEqualTo(403);

        assertThat(http.admin("DELETE", "/api/v1/namespaces/default/serviceaccounts/foo", null).code()).isEqualTo(200);
        eventually("both tokens are refused", () -> http.withToken(token, "GET", "/api/v1/namespaces/default/pods", null).code() == 401
                && http.withToken(bound, "GET", "/api/v1/namespaces/default/pods", null).code() == 401);
        eventually("the token secret is gone", () -> get("/api/v1/namespaces/default/secrets/" + secretName) == null);
    }
}
