package io.portcullis.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.portcullis.api.Json;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Authorizer.Verdict;
import io.portcullis.testing.Tls;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class WebhookAuthorizerTest {
    static final UserInfo ALICE = new UserInfo("alice", "u-1", List.of("devs", "system:authenticated"), Map.of("scopes", List.of("a")));
    static final UserInfo BOB = UserInfo.of("bob", "system:authenticated");
    static final UserInfo EVE = UserInfo.of("eve");

    @TempDir Path dir;
    HttpsServer server;
    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    final List<String> tokens = new CopyOnWriteArrayList<>();
    volatile int failWith = 0;
    String caPem;

    @BeforeEach
    void start() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(256);
        KeyPair kp = gen.generateKeyPair();
        X500Name name = new X500Name("CN=webhook");
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, Date.from(Instant.now().minusSeconds(60)),
                Date.from(Instant.now().plusSeconds(3600)), name, kp.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) { pem.writeObject(cert); }
        caPem = w.toString();

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(Tls.server(List.of(cert), kp.getPrivate())));
        server.createContext("/authorize", exchange -> {
            JsonNode review = Json.tree(exchange.getRequestBody().readAllBytes());
            received.add(review);
            tokens.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            if (failWith != 0) {
                exchange.sendResponseHeaders(failWith, -1);
                exchange.close();
                return;
            }
            String user = Json.text(review.path("spec"), "user");
            String status = switch (user) {
                case "alice" -> "{\"allowed\":true,\"reason\":\"alice may\"}";
                case "bob" -> "{\"allowed\":false,\"denied\":true,\"reason\":\"bob may not\"}";
                default -> "{\"allowed\":false,\"reason\":\"no policy\"}";
            };
            byte[] body = ("{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"status\":" + status + "}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    Path kubeconfig(String caField) throws Exception {
        Path ca = dir.resolve("ca.crt");
        Files.writeString(ca, caPem);
        String caLine = caField.equals("file") ? "certificate-authority: ca.crt"
                : "certificate-authority-data: " + Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII));
        Path cfg = dir.resolve("webhook.yaml");
        Files.writeString(cfg, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: webhook
                  cluster:
                    server: https://127.0.0.1:%d/authorize
                    %s
                users:
                - name: apiserver
                  user:
                    token: s3cret
                contexts:
                - name: webhook
                  context: {cluster: webhook, user: apiserver}
                current-context: webhook
                """.formatted(server.getAddress().getPort(), caLine));
        return cfg;
    }

    @Test
    void allowedDeniedAndNoOpinionComeFromTheReviewStatus() throws Exception {
        Authorizer webhook = WebhookAuthorizer.load(kubeconfig("data"), Duration.ofMinutes(5), Duration.ofSeconds(30));
        assertThat(webhook.authorize(Attributes.resource(ALICE, "get", "apps", "deployments", "scale", "ns", "d")))
                .isEqualTo(Verdict.allow("alice may"));
        assertThat(webhook.authorize(Attributes.resource(BOB, "get", "", "pods", "", "ns", ""))).isEqualTo(Verdict.deny("bob may not"));
        assertThat(webhook.authorize(Attributes.nonResource(EVE, "get", "/healthz"))).isEqualTo(Verdict.noOpinion("no policy"));
        assertThat(tokens).containsOnly("Bearer s3cret");

        JsonNode first = received.get(0);
        assertThat(Json.text(first, "apiVersion")).isEqualTo("authorization.k8s.io/v1");
        assertThat(Json.text(first, "kind")).isEqualTo("SubjectAccessReview");
        assertThat(Json.string(first.get("spec"))).isEqualTo(
                "{\"resourceAttributes\":{\"namespace\":\"ns\",\"verb\":\"get\",\"group\":\"apps\",\"version\":\"*\",\"resource\":\"deployments\","
                        + "\"subresource\":\"scale\",\"name\":\"d\"},\"user\":\"alice\",\"groups\":[\"devs\",\"system:authenticated\"],"
                        + "\"extra\":{\"scopes\":[\"a\"]},\"uid\":\"u-1\"}");
        assertThat(Json.string(received.get(2).get("spec"))).isEqualTo(
                "{\"nonResourceAttributes\":{\"path\":\"/healthz\",\"verb\":\"get\"},\"user\":\"eve\"}");
    }

    @Test
    void answersAreCachedByTheRequestAttributes() throws Exception {
        Authorizer webhook = WebhookAuthorizer.load(kubeconfig("file"), Duration.ofMinutes(5), Duration.ofSeconds(30));
        Attributes a = Attributes.resource(ALICE, "get", "", "pods", "", "ns", "p");
        Attributes b = Attributes.resource(BOB, "get", "", "pods", "", "ns", "p");
        for (int i = 0; i < 3; i++) {
            assertThat(webhook.authorize(a).allowed()).isTrue();
            assertThat(webhook.authorize(b).decision()).isEqualTo(Decision.DENY);
        }
        assertThat(received).hasSize(2);
        webhook.authorize(Attributes.resource(ALICE, "get", "", "pods", "", "ns", "other"));
        assertThat(received).hasSize(3);
    }

    @Test
    void aZeroTtlDisablesTheCache() throws Exception {
        Authorizer webhook = WebhookAuthorizer.load(kubeconfig("file"), Duration.ZERO, Duration.ZERO);
        Attributes a = Attributes.resource(ALICE, "get", "", "pods", "", "ns", "p");
        webhook.authorize(a);
        webhook.authorize(a);
        assertThat(received).hasSize(2);
    }

    @Test
    void callErrorsAreAuthorizationExceptionsAndNotCached() throws Exception {
        Authorizer webhook = WebhookAuthorizer.load(kubeconfig("data"), Duration.ofMinutes(5), Duration.ofSeconds(30));
        failWith = 500;
        Attributes a = Attributes.resource(ALICE, "get", "", "pods", "", "ns", "p");
        assertThatThrownBy(() -> webhook.authorize(a)).isInstanceOf(AuthorizationException.class).hasMessageContaining("HTTP 500");
        failWith = 0;
        assertThat(webhook.authorize(a).allowed()).isTrue();
        server.stop(0);
        Attributes other = Attributes.resource(ALICE, "list", "", "pods", "", "ns", "");
        assertThatThrownBy(() -> webhook.authorize(other)).isInstanceOf(AuthorizationException.class);
        assertThat(webhook.authorize(a).allowed()).isTrue();   // still cached
    }

    @Test
    void anUntrustedServerIsAnError() throws Exception {
        Path cfg = kubeconfig("data");
        Files.writeString(cfg, Files.readString(cfg).replaceAll("certificate-authority-data: .*", "insecure-skip-tls-verify: false"));
        Authorizer webhook = WebhookAuthorizer.load(cfg, Duration.ofMinutes(5), Duration.ofSeconds(30));
        assertThatThrownBy(() -> webhook.authorize(Attributes.nonResource(ALICE, "get", "/"))).isInstanceOf(AuthorizationException.class);
    }

    @Test
    void aConfigWithoutServerIsRejectedAtStart() throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "clusters: []\n");
        assertThatThrownBy(() -> WebhookAuthorizer.load(cfg, Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clusters[0].cluster.server is required");
    }
}
