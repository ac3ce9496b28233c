package io.portcullis.e2e.authn;

import io.portcullis.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.JsonNode;

/** The audit log of a test server, read as its events are written (off the request path, so a moment later). */
record AuditLog(Path file) {
    static final Duration WAIT = Duration.ofSeconds(10);

    List<JsonNode> all() {
        try {
            if (!Files.exists(file)) return List.of();
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(file)) if (!line.isBlank()) out.add(Json.MAPPER.readTree(line));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The events matching, once there are at least {@code count} of them (fails after {@link #WAIT}). */
    List<JsonNode> await(Predicate<JsonNode> which, int count) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<JsonNode> found = all().stream().filter(which).toList();
            if (found.size() >= count || System.nanoTime() > deadline) {
                if (found.size() < count) throw new AssertionError("wanted " + count + " events, found " + found);
                return found;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** The events of one request, once there are {@code count}. */
    List<JsonNode> await(String auditId, int count) {
        return await(e -> e.path("auditID").asString("").equals(auditId), count);
    }

    static List<String> stages(List<JsonNode> events) {
        return events.stream().map(e -> e.path("stage").asString()).toList();
    }

    /** One HTTPS request; {@code headers} alternate name and value (a JSON body's Content-Type among them replaces the default). */
    static HttpResponse<String> send(SSLContext tls, String url, String method, String body, String... headers) {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) b.setHeader(headers[i], headers[i + 1]);
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(method + " " + url + ": " + e, e);
        }
    }

    /** A kubeconfig for {@code url} that trusts {@code ca} and holds no credential, for kubectl with {@code --token}. */
    static Path kubeconfigWithoutCredentials(Path file, String url, java.security.cert.X509Certificate ca) throws IOException {
        String data = java.util.Base64.getEncoder().encodeToString(io.portcullis.pki.Pem.encode(ca).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: portcullis
                  cluster: {server: "%s", certificate-authority-data: %s}
                users:
                - name: nobody
                  user: {}
                contexts:
                - name: portcullis
                  context: {cluster: portcullis, user: nobody}
                current-context: portcullis
                """.formatted(url, data));
    }

    static String auditId(HttpResponse<?> r) {
        return r.headers().firstValue("Audit-ID").orElseThrow(() -> new AssertionError("no Audit-ID header"));
    }
}
