package io.portcullis.e2e.authn;

import static io.portcullis.e2e.authn.AuditLog.auditId;
import static io.portcullis.e2e.authn.AuditLog.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.audit.Buffering;
import io.portcullis.pki.CertificateAuthority;
import io.portcullis.pki.Pem;
import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import io.portcullis.testing.Tls;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The audit backends through a running server: the webhook's batches (by size and by wait) as a
 * receiver on loopback sees them, blocking-strict failing requests while its webhook cannot be
 * reached, and the log's rotation by size, backup count and age.
 */
@EndToEnd
class AuditBackendsE2eTest {
    @RegisterExtension final TestServer fixture = TestServer.notStarted();
    static final String WEBHOOK_TOKEN = "audit-receiver-token-1123581321";
    /** Only GET /version is audited: the test knows every event there is. */
    static final String VERSION_ONLY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            rules:
            - level: Metadata
              nonResourceURLs: ["/version"]
            - level: None
            """;
    @TempDir Path dir;

    Path policy(String text) throws Exception {
        return Files.writeString(dir.resolve("policy.yaml"), text);
    }

    Server start(UnaryOperator<ServerConfig.Audit> audit) throws Exception {
        return fixture.start(c -> ServerConfig.embedded(dir.resolve("data")).withAudit(audit)).server();
    }

    static SSLContext admin(Server server) {
        return Tls.client(List.of(server.pki().caCertificate()), List.of(server.pki().adminCertificate()), server.pki().adminKey());
    }

    Path webhookConfig(String url) throws Exception {
        Path file = dir.resolve("audit-webhook.kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: receiver
                  cluster: {server: "%s/audit", certificate-authority: %s}
                users:
                - name: apiserver
                  user: {token: "%s"}
                contexts:
                - name: receiver
                  context: {cluster: receiver, user: apiserver}
                current-context: receiver
                """.formatted(url, dir.resolve("receiver-ca.pem"), WEBHOOK_TOKEN));
        return file;
    }

    /** The value once {@code done} holds, or as it is when {@link AuditLog#WAIT} is over. */
    static <T> T eventually(Supplier<T> value, Predicate<T> done) {
        return eventually(AuditLog.WAIT, value, done);
    }

    static <T> T eventually(Duration wait, Supplier<T> value, Predicate<T> done) {
        long deadline = System.nanoTime() + wait.toNanos();
        T v = value.get();
        while (!done.test(v) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            v = value.get();
        }
        return v;
    }

    static List<JsonNode> items(LoopbackHttps.Received r) {
        return Json.MAPPER.readTree(r.body()).path("items").valueStream().toList();
    }

    @Test
    void theWebhookReceivesEventListsOfExactlyTheBatchMaxSizeWithItsBearerToken() throws Exception {
        List<LoopbackHttps.Received> received = new CopyOnWriteArrayList<>();
        try (LoopbackHttps receiver = LoopbackHttps.start("audit-receiver").recording("/audit", received)) {
            receiver.writeCa(dir.resolve("receiver-ca.pem"));
            Path hook = webhookConfig(receiver.url());
            Path policy = policy(VERSION_ONLY);
            // a wait of an hour: only the batch size can send these
            Server server = start(a -> a.withPolicyFile(policy).withWebhook(hook,
                    Buffering.of("webhook", "batch", 100, 3, Duration.ofHours(1))));
            try {
                SSLContext tls = admin(server);
                List<String> ids = Stream.of(1, 2, 3).map(i -> auditId(send(tls, server.url() + "/version", "GET", null))).toList();
                List<LoopbackHttps.Received> batches = eventually(() -> List.copyOf(received), r -> r.size() >= 2);
                assertThat(batches).hasSize(2);
                for (LoopbackHttps.Received batch : batches) {
                    assertThat(batch.authorization()).isEqualTo("Bearer " + WEBHOOK_TOKEN);
                    assertThat(batch.contentType()).isEqualTo("application/json");
                    JsonNode list = Json.MAPPER.readTree(batch.body());
                    assertThat(list.path("kind").asString()).isEqualTo("EventList");
                    assertThat(list.path("apiVersion").asString()).isEqualTo("audit.k8s.io/v1");
                    assertThat(items(batch)).hasSize(3);
                }
                List<String> stages = batches.stream().flatMap(b -> items(b).stream())
                        .map(e -> e.path("auditID").asString() + " " + e.path("stage").asString()).toList();
                assertThat(stages).containsExactlyInAnyOrder(ids.get(0) + " RequestReceived", ids.get(0) + " ResponseComplete",
                        ids.get(1) + " RequestReceived", ids.get(1) + " ResponseComplete",
                        ids.get(2) + " RequestReceived", ids.get(2) + " ResponseComplete");
            } finally {
                server.close();
            }
        }
    }

    @Test
    void aBatchSmallerThanTheMaxSizeIsSentOnceTheMaxWaitIsOver() throws Exception {
        List<LoopbackHttps.Received> received = new CopyOnWriteArrayList<>();
        try (LoopbackHttps receiver = LoopbackHttps.start("audit-receiver").recording("/audit", received)) {
            receiver.writeCa(dir.resolve("receiver-ca.pem"));
            Path hook = webhookConfig(receiver.url());
            Path policy = policy(VERSION_ONLY);
            Server server = start(a -> a.withPolicyFile(policy).withWebhook(hook,
                    Buffering.of("webhook", "batch", 100, 1000, Duration.ofMillis(100))));
            try {
                String id = auditId(send(admin(server), server.url() + "/version", "GET", null));
                // the server is still running: nothing but the wait can have sent them
                List<JsonNode> events = eventually(() -> received.stream().flatMap(b -> items(b).stream()).toList(), e -> e.size() >= 2);
                assertThat(events).extracting(e -> e.path("auditID").asString()).containsExactly(id, id);
                assertThat(received).allSatisfy(b -> assertThat(items(b).size()).isLessThan(1000));
            } finally {
                server.close();
            }
        }
    }

    @Test
    void blockingStrictFailsRequestsWithUpstreamsStatusWhileTheWebhookCannotBeReached() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Files.writeString(dir.resolve("receiver-ca.pem"), Pem.encode(CertificateAuthority.generate("nobody").certificate()));
        Path hook = webhookConfig("https://127.0.0.1:" + closedPort);
        Path policy = policy(VERSION_ONLY);
        Server server = start(a -> new ServerConfig.Audit(policy, null, 0, 0, 0, a.logBuffering(), hook, Duration.ofMillis(10),
                Buffering.of("webhook", "blocking-strict", 100, 1, Duration.ZERO)));
        try {
            SSLContext tls = admin(server);
            HttpResponse<String> r = eventually(() -> send(tls, server.url() + "/version", "GET", null), x -> x.statusCode() == 500);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
            JsonNode status = Json.MAPPER.readTree(r.body());
            assertThat(status.path("reason").asString()).isEqualTo("InternalError");
            assertThat(status.path("message").asString()).isEqualTo("Internal error occurred: failed to store audit event");
            // what the policy does not audit is not held back
            assertThat(send(tls, server.url() + "/healthz", "GET", null).statusCode()).isEqualTo(200);
        } finally {
            server.close();
        }
    }

    @Test
    void theLogRotatesAtMaxSizeKeepsMaxBackupAndRemovesBackupsOlderThanMaxAge() throws Exception {
        Path policy = policy("""
                apiVersion: audit.k8s.io/v1
                kind: Policy
                rules:
                - level: RequestResponse
                  resources: [{group: "", resources: ["configmaps"]}]
                - level: None
                """);
        Path logDir = Files.createDirectories(dir.resolve("logs"));
        Path old = Files.writeString(logDir.resolve("audit-2020-01-01T00-00-00.000.log"), "{}\n");
        Path other = Files.writeString(logDir.resolve("other.log"), "not a backup\n");
        AuditLog log = new AuditLog(logDir.resolve("audit.log"));
        Server server = start(a -> new ServerConfig.Audit(policy, log.file().toString(), 1, 1, 1, a.logBuffering(), null,
                a.webhookInitialBackoff(), a.webhookBuffering()));
        try {
            SSLContext tls = admin(server);
            String big = "x".repeat(300 * 1024);
            HttpResponse<String> created = send(tls, server.url() + "/api/v1/namespaces/default/configmaps", "POST",
                    "{\"metadata\":{\"name\":\"big\"},\"data\":{\"k\":\"" + big + "\"}}");
            assertThat(created.statusCode()).isEqualTo(201);
            // each GET's ResponseComplete holds the 300 KiB object: the 1 MB file fills every few requests
            String last = null;
            for (int i = 0; i < 8; i++) last = auditId(send(tls, server.url() + "/api/v1/namespaces/default/configmaps/big", "GET", null));
            String lastId = last;
            // its RequestReceived may have gone into the backup
            log.await(e -> e.path("auditID").asString().equals(lastId) && e.path("stage").asString().equals("ResponseComplete"), 1);

            List<String> names;
            try (Stream<Path> files = Files.list(logDir)) {
                names = files.map(p -> p.getFileName().toString()).sorted().toList();
            }
            assertThat(names).hasSize(3).contains("audit.log", "other.log").doesNotContain(old.getFileName().toString());
            String backup = names.stream().filter(n -> !n.equals("audit.log") && !n.equals("other.log")).findFirst().orElseThrow();
            assertThat(backup).matches("audit-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}\\.log");
            for (String n : List.of("audit.log", backup)) {
                Path p = logDir.resolve(n);
                assertThat(Files.size(p)).as(n).isLessThanOrEqualTo(1024 * 1024);
                for (String line : Files.readAllLines(p)) assertThat(Json.MAPPER.readTree(line).path("kind").asString()).isEqualTo("Event");
            }
            assertThat(Files.readString(other)).isEqualTo("not a backup\n");
        } finally {
            server.close();
        }
    }
}
