package io.portcullis.e2e.authn;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.testing.EndToEnd;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The audit flags as an operator gives them to {@code portcullis server}: the events on standard
 * output ({@code --audit-log-path -}) and, batched by {@code --audit-webhook-batch-max-size}, at a
 * webhook receiver on loopback, for a request kubectl made.
 */
@EndToEnd
class AuditCliE2eTest {
    @TempDir Path dir;

    @Test
    void theServerWritesEventsToStandardOutputAndBatchesThemToTheWebhookAsItsFlagsSay() throws Exception {
        Commands.assumeKubectl();
        Path policy = Files.writeString(dir.resolve("policy.yaml"), """
                apiVersion: audit.k8s.io/v1
                kind: Policy
                rules:
                - level: Metadata
                  nonResourceURLs: ["/version"]
                - level: None
                """);
        List<LoopbackHttps.Received> received = new CopyOnWriteArrayList<>();
        List<String> stdout = new CopyOnWriteArrayList<>();
        try (LoopbackHttps receiver = LoopbackHttps.start("audit-receiver").recording("/audit", received)) {
            Path hook = Files.writeString(dir.resolve("hook.kubeconfig"), """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: receiver
                      cluster: {server: "%s/audit", certificate-authority: %s}
                    users:
                    - name: apiserver
                      user: {token: "cli-receiver-token-5358979"}
                    contexts:
                    - name: receiver
                      context: {cluster: receiver, user: apiserver}
                    current-context: receiver
                    """.formatted(receiver.url(), receiver.writeCa(dir.resolve("receiver-ca.pem"))));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.portcullis.cli.Main", "server",
                    "--data-dir", dir.resolve("data").toString(), "--secure-port", "0",
                    "--audit-policy-file", policy.toString(), "--audit-log-path", "-", "--audit-log-mode", "blocking",
                    "--audit-webhook-config-file", hook.toString(), "--audit-webhook-mode", "batch",
                    "--audit-webhook-batch-max-size", "2", "--audit-webhook-batch-max-wait", "1h")
                    .redirectError(dir.resolve("stderr.txt").toFile());
            pb.environment().put("PORTCULLIS_LOG_LEVEL", "WARN");
            Process server = pb.start();
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) stdout.add(line);
                } catch (java.io.IOException e) {
                    // the process is gone
                }
            });
            reader.start();
            try {
                List<String> started = AuditBackendsE2eTest.eventually(Duration.ofSeconds(90), () -> List.copyOf(stdout),
                        lines -> lines.stream().anyMatch(l -> l.startsWith("Admin kubeconfig: ")) || !server.isAlive());
                assertThat(started).as(Files.readString(dir.resolve("stderr.txt")))
                        .anyMatch(l -> l.startsWith("Portcullis is serving the Kubernetes API at https://127.0.0.1:"));
                Path kubeconfig = dir.resolve("data/admin.kubeconfig");
                Commands.Result k = Commands.kubectl(kubeconfig, Files.createDirectories(dir.resolve("home")), "get", "--raw", "/version");
                assertThat(k.exit()).as(k.all()).isZero();

                // kubectl may ask more than once; each request has its two events, in order
                List<JsonNode> events = AuditBackendsE2eTest.eventually(() -> stdout.stream().filter(l -> l.startsWith("{"))
                        .map(l -> Json.MAPPER.readTree(l)).toList(), e -> e.size() >= 2 && e.size() % 2 == 0);   // kubectl has exited: every event is written, maybe not yet read
                assertThat(events.size() % 2).isZero();
                for (int i = 0; i < events.size(); i += 2) {
                    assertThat(events.get(i).path("stage").asString()).isEqualTo("RequestReceived");
                    assertThat(events.get(i + 1).path("stage").asString()).isEqualTo("ResponseComplete");
                    assertThat(events.get(i + 1).path("auditID").asString()).isEqualTo(events.get(i).path("auditID").asString());
                }
                assertThat(events).allSatisfy(e -> {
                    assertThat(e.path("requestURI").asString()).startsWith("/version");
                    assertThat(e.path("userAgent").asString()).startsWith("kubectl"); // its version check says kubectl-dispatcher
                });

                int expected = events.size() / 2;
                List<LoopbackHttps.Received> batches = AuditBackendsE2eTest.eventually(() -> List.copyOf(received), r -> r.size() >= expected);
                assertThat(batches).hasSize(expected).allSatisfy(b -> {
                    assertThat(b.authorization()).isEqualTo("Bearer cli-receiver-token-5358979");
                    assertThat(AuditBackendsE2eTest.items(b)).hasSize(2);
                });
                assertThat(batches.stream().flatMap(b -> AuditBackendsE2eTest.items(b).stream()).map(e -> e.path("auditID").asString()))
                        .containsExactlyInAnyOrderElementsOf(events.stream().map(e -> e.path("auditID").asString()).toList());
            } finally {
                server.destroy();
                if (!server.waitFor(60, TimeUnit.SECONDS)) server.destroyForcibly();
                reader.join(10_000);
            }
        }
    }
}
