package io.portcullis.e2e.authn;

import static io.portcullis.e2e.authn.AuditLog.send;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.portcullis.api.Json;
import io.portcullis.pki.Passwords;
import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import io.portcullis.testing.Tls;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * One run that authenticates with every kind of credential (client certificate, token file,
 * ServiceAccount token from a TokenRequest, basic auth, OIDC ID token, token webhook), fails with
 * a bad token and a bad password, writes Secrets every way kubectl and clients do and reviews a
 * token, all audited at Request, the highest level below RequestResponse, to the log and to a
 * webhook that itself takes a bearer token. Then the whole audit log, everything the webhook
 * received and every line the server logged (its own code at every level) are searched for every
 * secret value the run used: none may appear.
 */
@EndToEnd
class AuditRecordsNoCredentialE2eTest {
    @RegisterExtension final TestServer fixture = TestServer.notStarted();
    static final String ALICE_TOKEN = "alice-token-2718281828459";
    static final String WRONG_TOKEN = "wrong-token-1414213562373";
    static final String CAROL_PASSWORD = "carol-password-1732050807";
    static final String WRONG_PASSWORD = "wrong-password-2236067977";
    static final String WEBHOOK_TOKEN = "webhook-token-3141592653589";
    static final String AUDIT_WEBHOOK_TOKEN = "audit-webhook-token-6180339887";
    static final String SECRET_DATA = "secret-data-value-5772156649";
    static final String SECRET_STRING_DATA = "secret-string-value-4669201609";
    static final String KUBECTL_LITERAL = "kubectl-literal-value-2502907875";
    static final String MERGE_PATCHED = "merge-patched-value-1202056903";
    static final String JSON_PATCHED = "json-patched-value-8862269254";
    static final String APPLIED = "applied-value-6931471805";
    static final String REAPPLIED = "reapplied-value-5772156649";
    @TempDir static Path dir;

    /** The webhook's answer: one token is wanda. */
    static String review(String body) {
        boolean known = WEBHOOK_TOKEN.equals(Json.MAPPER.readTree(body).path("spec").path("token").asString(""));
        return known ? "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"status\":{\"authenticated\":true,"
                + "\"user\":{\"username\":\"wanda\",\"groups\":[\"webhook-team\"]}}}"
                : "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"status\":{\"authenticated\":false}}";
    }

    static Path kubeconfig(Path file, LoopbackHttps to, String path, String token) throws Exception {
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: hook
                  cluster:
                    server: %s%s
                    certificate-authority: %s
                users:
                - name: apiserver
                  user: {token: "%s"}
                contexts:
                - name: hook
                  context: {cluster: hook, user: apiserver}
                current-context: hook
                """.formatted(to.url(), path, to.writeCa(dir.resolve(file.getFileName() + "-ca.pem")), token));
        return file;
    }

    @Test
    void noSecretValueOfAnyKindReachesTheAuditLogTheAuditWebhookOrTheServerLog() throws Exception {
        Commands.assumeKubectl();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> serverLog = new ListAppender<>();
        serverLog.start();
        Level level = root.getLevel();
        root.addAppender(serverLog);
        root.setLevel(Level.ALL);
        List<String> received = new CopyOnWriteArrayList<>();
        try (OidcIssuer issuer = OidcIssuer.start();
             LoopbackHttps tokenWebhook = LoopbackHttps.start("token-webhook").json("/authenticate", AuditRecordsNoCredentialE2eTest::review);
             LoopbackHttps auditWebhook = LoopbackHttps.start("audit-webhook").json("/audit", body -> {
                 received.add(body);
                 return "{}";
             })) {
            String oidcToken = issuer.token("olga@example.com", List.of("admins"));
            List<String> secrets = new ArrayList<>(List.of(ALICE_TOKEN, WRONG_TOKEN, CAROL_PASSWORD, WRONG_PASSWORD, WEBHOOK_TOKEN,
                    AUDIT_WEBHOOK_TOKEN, SECRET_DATA, SECRET_STRING_DATA, KUBECTL_LITERAL, MERGE_PATCHED, JSON_PATCHED, APPLIED, REAPPLIED,
                    oidcToken));
            for (String s : List.copyOf(secrets)) secrets.add(base64(s));
            secrets.add(base64("carol:" + CAROL_PASSWORD));
            secrets.add(base64("carol:" + WRONG_PASSWORD));

            Path policy = dir.resolve("policy.yaml");
            Files.writeString(policy, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Request\n");
            Path tokens = dir.resolve("tokens.csv");
            Files.writeString(tokens, ALICE_TOKEN + ",alice,1001,\"devs\"\n");
            Path basic = dir.resolve("basic.csv");
            Files.writeString(basic, Passwords.hash(CAROL_PASSWORD.toCharArray()) + ",carol,2002,\"ops\"\n");
            ServerConfig.Oidc oidc = new ServerConfig.Oidc(issuer.url(), OidcIssuer.CLIENT_ID, "email", "oidc:", "groups", "oidc:",
                    issuer.writeCa(dir.resolve("oidc-ca.pem")), List.of("RS256"), List.of());
            Path auditLog = dir.resolve("audit.log");
            Path auditHook = kubeconfig(dir.resolve("audit-webhook.kubeconfig"), auditWebhook, "/audit", AUDIT_WEBHOOK_TOKEN);
            Path tokenHook = kubeconfig(dir.resolve("token-webhook.kubeconfig"), tokenWebhook, "/authenticate", "");
            Server server = fixture.start(c -> ServerConfig.embedded(dir.resolve("data"))
                    .withAuthentication(a -> a.withTokenAuthFile(tokens).withBasicAuthFile(basic).withOidc(oidc)
                            .withWebhook(tokenHook, Duration.ofSeconds(10)))
                    .withAudit(a -> a.withPolicyFile(policy).withLog(auditLog.toString(), a.logBuffering())
                            .withWebhook(auditHook, new io.portcullis.audit.Buffering(a.webhookBuffering().mode(), 1000, 50, Duration.ofMillis(200))))).server();
            try {
                String sa = use(server, oidcToken);
                secrets.add(sa);
                secrets.add(sa.substring(sa.lastIndexOf('.') + 1)); // the signature alone
            } finally {
                server.close(); // writes what the audit buffers still hold
            }
            secrets.add(base64(server.pki().adminKey().getEncoded()).substring(0, 64));

            List<JsonNode> events = new AuditLog(auditLog).all();
            assertThat(events.stream().map(e -> e.path("user").path("username").asString(""))).contains("portcullis-admin", "alice",
                    "carol", "oidc:olga@example.com", "wanda", "system:serviceaccount:default:robot", "");
            JsonNode review = events.stream().filter(e -> e.path("objectRef").path("resource").asString("").equals("tokenreviews")
                    && e.has("requestObject")).findFirst().orElseThrow();
            assertThat(review.path("requestObject").path("spec").path("token").asString()).isEqualTo("REDACTED");
            assertThat(received).isNotEmpty();
            List<String> logLines = serverLog.list.stream().map(e -> e.getFormattedMessage()
                    + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()))).toList();
            assertThat(logLines).as("the server logged at every level").isNotEmpty();
            String everything = Files.readString(auditLog) + String.join("\n", received) + String.join("\n", logLines);
            for (String secret : secrets) assertThat(everything).as("the secret %s", secret).doesNotContain(secret);
        } finally {
            root.detachAppender(serverLog);
            root.setLevel(level);
        }
    }

    /** Every kind of credential, good and bad; returns the ServiceAccount token the run was issued. */
    static String use(Server server, String oidcToken) throws Exception {
        SSLContext admin = Tls.client(List.of(server.pki().caCertificate()), List.of(server.pki().adminCertificate()), server.pki().adminKey());
        SSLContext plain = Tls.trusting(List.of(server.pki().caCertificate()));
        String secretsUrl = server.url() + "/api/v1/namespaces/default/secrets";
        created(send(admin, secretsUrl, "POST", "{\"metadata\":{\"name\":\"posted\"},\"data\":{\"d\":\"" + base64(SECRET_DATA)
                + "\"},\"stringData\":{\"s\":\"" + SECRET_STRING_DATA + "\"}}"));
        assertThat(send(admin, secretsUrl + "/posted", "PATCH", "{\"stringData\":{\"m\":\"" + MERGE_PATCHED + "\"}}",
                "Content-Type", "application/merge-patch+json").statusCode()).isEqualTo(200);
        assertThat(send(admin, secretsUrl + "/posted", "PATCH", "[{\"op\":\"add\",\"path\":\"/data/j\",\"value\":\"" + base64(JSON_PATCHED)
                + "\"}]", "Content-Type", "application/json-patch+json").statusCode()).isEqualTo(200);
        assertThat(send(admin, secretsUrl + "/posted", "GET", null).body()).contains(base64(JSON_PATCHED));
        Path kubeconfig = AuditLog.kubeconfigWithoutCredentials(dir.resolve("token.kubeconfig"), server.url(), server.pki().caCertificate());
        kubectl(server.kubeconfig(), "create", "secret", "generic", "from-kubectl", "--from-literal=k=" + KUBECTL_LITERAL);
        // client-side apply: a create, then a strategic merge patch, each with the manifest in an annotation
        for (String value : List.of(APPLIED, REAPPLIED)) {
            Path manifest = Files.writeString(dir.resolve("applied-secret.yaml"),
                    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: applied\nstringData:\n  k: " + value + "\n");
            kubectl(server.kubeconfig(), "apply", "-f", manifest.toString());
        }
        kubectl(server.kubeconfig(), "create", "serviceaccount", "robot");
        String saToken = kubectl(server.kubeconfig(), "create", "token", "robot").out().strip();
        created(send(admin, server.url() + "/apis/authentication.k8s.io/v1/tokenreviews", "POST",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"" + ALICE_TOKEN + "\"}}"));

        for (String token : List.of(ALICE_TOKEN, saToken, oidcToken, WEBHOOK_TOKEN)) kubectl(kubeconfig, "--token=" + token, "auth", "whoami");
        created(whoami(server, plain, "Basic " + base64("carol:" + CAROL_PASSWORD)));
        assertThat(whoami(server, plain, "Basic " + base64("carol:" + WRONG_PASSWORD)).statusCode()).isEqualTo(401);
        assertThat(whoami(server, plain, "Bearer " + WRONG_TOKEN).statusCode()).isEqualTo(401);
        assertThat(whoami(server, plain, "Bearer " + oidcToken + "x").statusCode()).isEqualTo(401);
        return saToken;
    }

    static HttpResponse<String> whoami(Server server, SSLContext tls, String authorization) {
        return send(tls, server.url() + "/apis/authentication.k8s.io/v1/selfsubjectreviews", "POST",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}", "Authorization", authorization);
    }

    static void created(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    static Commands.Result kubectl(Path kubeconfig, String... args) throws Exception {
        Commands.Result r = Commands.kubectl(kubeconfig, Files.createTempDirectory(dir, "home"), args);
        assertThat(r.exit()).as(r.all()).isZero();
        return r;
    }

    static String base64(String s) {
        return base64(s.getBytes(StandardCharsets.UTF_8));
    }

    static String base64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }
}
