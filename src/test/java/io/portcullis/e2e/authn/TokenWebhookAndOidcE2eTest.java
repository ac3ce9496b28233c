package io.portcullis.e2e.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.portcullis.api.Json;
import io.portcullis.server.ServerConfig;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** OIDC ID tokens from an issuer on loopback and a TokenReview webhook on loopback, end to end with kubectl. */
@EndToEnd
class TokenWebhookAndOidcE2eTest {
    static final String WEBHOOK_TOKEN = "webhook-token-1618033";
    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static OidcIssuer issuer;
    static LoopbackHttps webhook;
    static Path kubeconfig;

    @BeforeAll
    static void start() throws Exception {
        issuer = OidcIssuer.start();
        Path dir = server.dir();
        webhook = LoopbackHttps.start("token-webhook").json("/authenticate", TokenWebhookAndOidcE2eTest::review);
        Path webhookConfig = dir.resolve("webhook.kubeconfig");
        Files.writeString(webhookConfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: token-webhook
                  cluster:
                    server: %s/authenticate
                    certificate-authority: %s
                users:
                - name: apiserver
                  user: {}
                contexts:
                - name: webhook
                  context:
                    cluster: token-webhook
                    user: apiserver
                current-context: webhook
                """.formatted(webhook.url(), webhook.writeCa(dir.resolve("webhook-ca.pem"))));
        ServerConfig.Oidc oidc = new ServerConfig.Oidc(issuer.url(), OidcIssuer.CLIENT_ID, "email", "oidc:", "groups", "oidc:",
                issuer.writeCa(dir.resolve("oidc-ca.pem")), List.of("RS256"), List.of());
        server.start(c -> c.withAuthentication(a -> a.withOidc(oidc).withWebhook(webhookConfig, a.webhookCacheTtl())));
        kubeconfig = server.kubeconfigWithoutCredentials();
    }

    /** The webhook: one token is wanda, everything else is not authenticated. */
    static String review(String body) {
        JsonNode request = Json.MAPPER.readTree(body);
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("apiVersion", request.path("apiVersion").asString("authentication.k8s.io/v1"));
        response.put("kind", "TokenReview");
        ObjectNode status = response.putObject("status");
        if (WEBHOOK_TOKEN.equals(request.path("spec").path("token").asString(""))) {
            status.put("authenticated", true);
            ObjectNode user = status.putObject("user");
            user.put("username", "wanda");
            user.put("uid", "w-1");
            user.putArray("groups").add("webhook-team");
            user.putObject("extra").putArray("scopes").add("read");
        } else {
            status.put("authenticated", false);
        }
        return Json.MAPPER.writeValueAsString(response);
    }

    @AfterAll
    static void stop() {
        if (webhook != null) webhook.close();
        if (issuer != null) issuer.close();
    }

    static Commands.Result whoami(String token) throws Exception {
        return Commands.kubectl(kubeconfig, Files.createTempDirectory(server.dir(), "home"), "--token=" + token, "auth", "whoami", "-o", "json");
    }

    static List<String> groups(JsonNode user) {
        return user.path("groups").valueStream().map(JsonNode::asString).toList();
    }

    @Test
    void kubectlWithAnOidcIdTokenIsThePrefixedUserWithPrefixedGroups() throws Exception {
        Commands.assumeKubectl();
        Commands.Result r = whoami(issuer.token("olga@example.com", List.of("admins", "readers")));
        assertThat(r.exit()).as(r.all()).isZero();
        JsonNode user = Json.MAPPER.readTree(r.out()).path("status").path("userInfo");
        assertThat(user.path("username").asString()).isEqualTo("oidc:olga@example.com");
        assertThat(groups(user)).containsExactly("oidc:admins", "oidc:readers", "system:authenticated");
    }

    static Stream<Arguments> rejectedIdTokens() {
        return Stream.of(
                arguments("for another audience", (Supplier<String>) () -> issuer.token("olga@example.com", List.of(),
                        c -> c.audience("someone-else"))),
                arguments("expired", (Supplier<String>) () -> issuer.token("olga@example.com", List.of(),
                        c -> c.issueTime(Date.from(Instant.now().minusSeconds(7200))).notBeforeTime(Date.from(Instant.now().minusSeconds(7200)))
                                .expirationTime(Date.from(Instant.now().minusSeconds(3600))))),
                arguments("signed by an unknown key", (Supplier<String>) () -> {
                    try {
                        return OidcIssuer.sign(new RSAKeyGenerator(2048).keyID("unknown-key").generate(),
                                issuer.claims("olga@example.com", List.of()).build());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
    }

    @ParameterizedTest(name = "an ID token {0} must log in again")
    @MethodSource("rejectedIdTokens")
    void kubectlWithARejectedIdTokenMustLogIn(String why, Supplier<String> token) throws Exception {
        Commands.assumeKubectl();
        Commands.Result r = whoami(token.get());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("error: You must be logged in to the server (Unauthorized)");
        Response http = server.anonymous().whoami("Authorization", "Bearer " + token.get());
        assertThat(http.status()).isEqualTo(401);
        assertThat(http.json().path("reason").asString()).isEqualTo("Unauthorized");
    }

    @Test
    void kubectlWithATokenTheWebhookAcceptsIsItsUserWithUidGroupsAndExtra() throws Exception {
        Commands.assumeKubectl();
        Commands.Result r = whoami(WEBHOOK_TOKEN);
        assertThat(r.exit()).as(r.all()).isZero();
        JsonNode user = Json.MAPPER.readTree(r.out()).path("status").path("userInfo");
        assertThat(user.path("username").asString()).isEqualTo("wanda");
        assertThat(user.path("uid").asString()).isEqualTo("w-1");
        assertThat(groups(user)).containsExactly("webhook-team", "system:authenticated");
        assertThat(user.path("extra").path("scopes").valueStream().map(JsonNode::asString).toList()).containsExactly("read");
    }

    @Test
    void kubectlWithATokenTheWebhookRefusesMustLogIn() throws Exception {
        Commands.assumeKubectl();
        Commands.Result r = Commands.kubectl(kubeconfig, Files.createTempDirectory(server.dir(), "home"), "--token=webhook-says-no", "auth", "whoami");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("error: You must be logged in to the server (Unauthorized)");
    }
}
