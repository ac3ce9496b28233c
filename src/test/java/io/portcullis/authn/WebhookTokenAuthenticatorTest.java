package io.portcullis.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.portcullis.api.Json;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class WebhookTokenAuthenticatorTest {
    static final TestPki CA = TestPki.ca("webhook-ca");
    static HttpsServer server;
    static final List<JsonNode> received = new CopyOnWriteArrayList<>();
    static final List<String> authorizations = new CopyOnWriteArrayList<>();
    @TempDir static Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(CA.server().serverContext()));
        server.createContext("/review", ex -> {
            JsonNode review = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes());
            received.add(review);
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            String token = review.path("spec").path("token").asString("");
            String status = switch (token) {
                case "good" -> "{\"authenticated\":true,\"user\":{\"username\":\"jane\",\"uid\":\"42\",\"groups\":[\"devs\"],\"extra\":{\"scopes\":[\"a\",\"b\"]}},\"audiences\":[\"api\"]}";
                case "expired" -> "{\"authenticated\":false,\"error\":\"token expired\"}";
                default -> "{\"authenticated\":false}";
            };
            byte[] body = ("{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
            int code = token.equals("boom") ? 500 : 200;
            ex.sendResponseHeaders(code, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() { server.stop(0); }

    static WebhookTokenAuthenticator webhook(String url) throws Exception {
        Path config = dir.resolve("webhook-" + Math.abs(url.hashCode()) + ".yaml");
        Files.writeString(dir.resolve("ca.pem"), CA.certPem());
        Files.writeString(config, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: remote
                  cluster:
                    server: %s
                    certificate-authority: ca.pem
                users:
                - name: apiserver
                  user:
                    token: webhook-secret
                contexts:
                - name: webhook
                  context: {cluster: remote, user: apiserver}
                current-context: webhook
                """.formatted(url));
        return WebhookTokenAuthenticator.load(config);
    }

    static String url() { return "https://localhost:" + server.getAddress().getPort() + "/review"; }

    @Test
    void anAuthenticatedReviewBecomesTheUser() throws Exception {
        var result = webhook(url()).authenticateToken("good", List.of("api", "other")).orElseThrow();
        assertThat(result.user()).isEqualTo(new UserInfo("jane", "42", List.of("devs"), Map.of("scopes", List.of("a", "b"))));
        assertThat(result.audiences()).containsExactly("api");
        JsonNode sent = received.get(received.size() - 1);
        assertThat(sent.path("apiVersion").asString()).isEqualTo("authentication.k8s.io/v1");
        assertThat(sent.path("kind").asString()).isEqualTo("TokenReview");
        assertThat(sent.path("spec").path("audiences").toString()).isEqualTo("[\"api\",\"other\"]");
        assertThat(authorizations.get(authorizations.size() - 1)).isEqualTo("Bearer webhook-secret");
    }

    @Test
    void aForeignAudienceIsNotOurs() throws Exception {
        assertThat(webhook(url()).authenticateToken("good", List.of("elsewhere"))).isEmpty();
    }

    @Test
    void anUnauthenticatedReviewIsNotOursUnlessItSaysWhy() throws Exception {
        var w = webhook(url());
        assertThat(w.authenticateToken("unknown", List.of())).isEmpty();
        assertThatThrownBy(() -> w.authenticateToken("expired", List.of())).hasMessageContaining("token expired");
    }

    @Test
    void aFailingOrUnreachableWebhookIsAnError() throws Exception {
        assertThatThrownBy(() -> webhook(url()).authenticateToken("boom", List.of()))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("500");
        assertThatThrownBy(() -> webhook("https://127.0.0.1:1/review").authenticateToken("good", List.of()))
                .isInstanceOf(AuthenticationException.class).hasMessageStartingWith("token webhook:");
    }

    @Test
    void anUntrustedWebhookCertificateIsAnError() throws Exception {
        Path config = dir.resolve("untrusted.yaml");
        String otherCa = Base64.getEncoder().encodeToString(TestPki.ca("other").certPem().getBytes(StandardCharsets.US_ASCII));
        Files.writeString(config, "clusters:\n- cluster:\n    server: " + url() + "\n    certificate-authority-data: " + otherCa + "\nusers:\n- user: {}\n");
        assertThatThrownBy(() -> WebhookTokenAuthenticator.load(config).authenticateToken("good", List.of()))
                .isInstanceOf(AuthenticationException.class);
    }

    @Test
    void theCacheAnswersRepeatsWithoutCalling() throws Exception {
        var cached = WebhookTokenAuthenticator.cached(webhook(url()), WebhookTokenAuthenticator.DEFAULT_CACHE_TTL);
        int before = received.size();
        cached.authenticateToken("good", List.of());
        cached.authenticateToken("good", List.of());
        assertThat(received.size() - before).isEqualTo(1);
    }

    @Test
    void aConfigWithoutServerNamesFlagAndFile() throws Exception {
        Path config = dir.resolve("empty.yaml");
        Files.writeString(config, "clusters: []\n");
        assertThatThrownBy(() -> WebhookTokenAuthenticator.load(config))
                .hasMessageStartingWith("--authentication-token-webhook-config-file " + config + ": clusters[0].cluster.server is required");
    }
}
