package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.portcullis.api.Json;
import io.portcullis.server.Server;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.TestServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * --max-requests-inflight, --max-mutating-requests-inflight, --request-timeout and
 * --min-request-timeout over real HTTPS, with small limits: 2 read seats, 1 write seat, as many
 * places in line. A request holds its seat deterministically here: the authorization webhook
 * (which upstream also consults after flow control) keeps every request of the user "slow"
 * waiting until the test opens its gate. Outcomes are asserted, never durations.
 */
@EndToEnd
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OverloadTest {
    static final String CMS = "/api/v1/namespaces/default/configmaps";
    static final String SLOW = "slow-token-5e1f0a";
    static final String NOISY = "noisy-token-77a2c9";
    static final String QUIET = "quiet-token-0b93d4";
    static final String TOO_MANY = "Too many requests, please try again later.";

    @RegisterExtension static final TestServer fixture = TestServer.notStarted();
    @TempDir static Path dir;
    static Server server;
    static HttpServer webhook;
    static Https admin;
    static HttpClient tokens;
    static volatile CountDownLatch gate = new CountDownLatch(0);
    static final AtomicInteger holding = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.setExecutor(Executors.newCachedThreadPool());
        webhook.createContext("/authorize", ex -> {
            try (ex) {
                JsonNode review = Json.tree(ex.getRequestBody().readAllBytes());
                if (review.path("spec").path("user").asString("").equals("slow")) {
                    holding.incrementAndGet();
                    try {
                        gate.await(120, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        holding.decrementAndGet();
                    }
                }
                byte[] allowed = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"status\":{\"allowed\":true}}"
                        .getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, allowed.length);
                ex.getResponseBody().write(allowed);
            }
        });
        webhook.start();
        Path webhookConfig = Files.writeString(dir.resolve("authz.kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: authz
                  cluster:
                    server: http://127.0.0.1:%d/authorize
                users:
                - name: portcullis
                  user: {}
                """.formatted(webhook.getAddress().getPort()));
        Path tokenFile = Files.writeString(dir.resolve("tokens.csv"), SLOW + ",slow,1\n" + NOISY + ",noisy,2\n" + QUIET + ",quiet,3\n");
        fixture.start(c -> c
                .withAuthentication(a -> a.withTokenAuthFile(tokenFile))
                .withAuthorization(a -> a.withModes(List.of("Webhook")).withWebhook(webhookConfig, Duration.ZERO, Duration.ZERO))
                .withServing(s -> s.withRequestLimits(Duration.ofSeconds(120), Duration.ofSeconds(2), 2, 1)));
        server = fixture.server();
        admin = fixture.admin();
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", server.pki().caCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        tokens = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() {
        gate.countDown();
        if (webhook != null) webhook.stop(0);
    }

    /** Every test leaves the seats as it found them. */
    @AfterEach
    void allSeatsFree() throws Exception {
        gate.countDown();
        await(() -> holding.get() == 0 && metric("apiserver_current_inflight_requests{request_kind=\"readOnly\"}") == 0
                && metric("apiserver_current_inflight_requests{request_kind=\"mutating\"}") == 0
                && metric("apiserver_current_inqueue_requests{request_kind=\"readOnly\"}") == 0
                && metric("apiserver_current_inqueue_requests{request_kind=\"mutating\"}") == 0, "every seat free again");
    }

    @Test
    void readsPastTheLimitWaitInLineTheOverflowIs429AndAdminsProbesWritesAndWatchesGoOn() throws Exception {
        double dropped = metric("apiserver_dropped_requests_total{request_kind=\"readOnly\"}");
        double rejected = metric("apiserver_flowcontrol_rejected_requests_total{flow_schema=\"per-user\",priority_level=\"readOnly\",reason=\"queue-full\"}");
        CountDownLatch open = closeGate();
        CompletableFuture<HttpResponse<String>> hold1, hold2, inLine3, inLine4, quiet;
        try {
            hold1 = sendAsync(SLOW, "GET", CMS + "/hold-r1", null);
            hold2 = sendAsync(SLOW, "GET", CMS + "/hold-r2", null);
            await(() -> holding.get() == 2, "both read seats held by slow");
            // one after the other: requests sent together may take their places in line in either order,
            // and the newest in line is the one the quiet user pushes out below
            inLine3 = sendAsync(SLOW, "GET", CMS + "/hold-r3", null);
            await(() -> metric("apiserver_current_inqueue_requests{request_kind=\"readOnly\"}") == 1, "the first place in line taken");
            inLine4 = sendAsync(SLOW, "GET", CMS + "/hold-r4", null);
            await(() -> metric("apiserver_current_inqueue_requests{request_kind=\"readOnly\"}") == 2, "both places in line taken");

            HttpResponse<String> refused = send(SLOW, "GET", CMS + "/hold-r5", null);
            assertTooManyRequests(refused);

            // a user with nothing in flight pushes the flood's newest out of line
            quiet = sendAsync(QUIET, "GET", CMS, null);
            assertTooManyRequests(inLine4.get(60, TimeUnit.SECONDS));

            // never held back: system:masters, the probes, writes (their own seats) and watches
            assertThat(admin.get(CMS).status()).isEqualTo(200);
            for (String probe : List.of("/healthz", "/livez", "/readyz", "/readyz/ping")) {
                assertThat(send(null, "GET", probe, null).statusCode()).as(probe).isEqualTo(200);
            }
            assertThat(send(QUIET, "POST", CMS, "{\"metadata\":{\"name\":\"written-while-reads-wait\"}}").statusCode()).isEqualTo(201);
            HttpResponse<InputStream> watch = tokens.send(request(QUIET, "GET", CMS + "?watch=true&timeoutSeconds=5", null).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(watch.statusCode()).isEqualTo(200);
            watch.body().close();

            assertThat(quiet).as("the quiet user waits its turn").isNotDone();
        } finally {
            open.countDown();
        }
        assertThat(hold1.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(404);
        assertThat(hold2.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(404);
        assertThat(inLine3.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(404);
        assertThat(quiet.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(metric("apiserver_dropped_requests_total{request_kind=\"readOnly\"}") - dropped).isEqualTo(2);
        assertThat(metric("apiserver_flowcontrol_rejected_requests_total{flow_schema=\"per-user\",priority_level=\"readOnly\",reason=\"queue-full\"}")
                - rejected).isEqualTo(2);
    }

    @Test
    void kubectlAsTheAdminIsAnsweredWhileEveryReadSeatAndPlaceInLineIsTaken() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(KUBECTL), "kubectl is not installed at " + KUBECTL);
        CountDownLatch open = closeGate();
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        try {
            for (int i = 1; i <= 2; i++) held.add(sendAsync(SLOW, "GET", CMS + "/hold-k" + i, null));
            await(() -> holding.get() == 2, "both read seats held by slow");
            for (int i = 3; i <= 4; i++) held.add(sendAsync(SLOW, "GET", CMS + "/hold-k" + i, null));
            await(() -> metric("apiserver_current_inqueue_requests{request_kind=\"readOnly\"}") == 2, "both places in line taken");
            Kubectl r = kubectl(fixture.kubeconfig(), "get", "configmaps", "-n", "default", "-o", "name");
            assertThat(r.exit()).as(r.err()).isZero();
        } finally {
            open.countDown();
        }
        for (CompletableFuture<HttpResponse<String>> f : held) assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(404);
    }

    @Test
    void writesPastTheLimitWaitInLineTheOverflowIs429AndChangesNothingWhileReadsGoOn() throws Exception {
        CountDownLatch open = closeGate();
        CompletableFuture<HttpResponse<String>> hold, quietWrite;
        try {
            hold = sendAsync(SLOW, "POST", CMS, configMap("hold-w1"));
            await(() -> holding.get() == 1, "the write seat held by slow");
            CompletableFuture<HttpResponse<String>> inLine = sendAsync(SLOW, "POST", CMS, configMap("hold-w2"));
            await(() -> metric("apiserver_current_inqueue_requests{request_kind=\"mutating\"}") == 1, "the place in line taken");

            assertTooManyRequests(send(SLOW, "POST", CMS, configMap("hold-w3")));
            quietWrite = sendAsync(QUIET, "POST", CMS, configMap("quiet-w"));
            assertTooManyRequests(inLine.get(60, TimeUnit.SECONDS));

            assertThat(send(QUIET, "GET", CMS, null).statusCode()).as("reads have seats of their own").isEqualTo(200);
            assertThat(quietWrite).isNotDone();
        } finally {
            open.countDown();
        }
        assertThat(hold.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
        assertThat(quietWrite.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
        assertThat(admin.get(CMS + "/hold-w2").status()).as("a refused write changes nothing").isEqualTo(404);
        assertThat(admin.get(CMS + "/hold-w3").status()).as("a refused write changes nothing").isEqualTo(404);
    }

    @Test
    void aFloodingUserDoesNotKeepAnotherUsersReadsOut() throws Exception {
        int threads = 12;
        AtomicBoolean flooding = new AtomicBoolean(true);
        Map<Integer, AtomicInteger> noisy = new ConcurrentHashMap<>();
        AtomicInteger sent = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> flood = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                flood.add(pool.submit(() -> {
                    for (int i = 0; i < 2000 && flooding.get(); i++) {
                        int code;
                        try {
                            code = send(NOISY, "GET", CMS, null).statusCode();
                        } catch (Exception e) {
                            code = -1;
                        }
                        noisy.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
                        sent.incrementAndGet();
                    }
                }));
            }
            await(() -> sent.get() >= 3 * threads, "the flood under way");
            List<Integer> quiet = new ArrayList<>();
            for (int i = 0; i < 50; i++) quiet.add(send(QUIET, "GET", CMS, null).statusCode());
            flooding.set(false);
            for (Future<?> f : flood) f.get(60, TimeUnit.SECONDS);

            String rejections = java.util.Arrays.stream(admin.get("/metrics").text().split("\n"))
                    .filter(l -> l.startsWith("apiserver_flowcontrol_rejected")).toList().toString();
            assertThat(quiet).as("the quiet user's reads during the flood; %s", rejections).containsOnly(200);
            assertThat(noisy.keySet()).as("the flood's answers").isSubsetOf(200, 429);
            assertThat(noisy.get(200)).as("seats nobody else wants serve the flood").isNotNull();
        } finally {
            flooding.set(false);
            pool.shutdownNow();
        }
    }

    @Test
    void aRequestPastItsTimeoutIs504WithUpstreamsStatus() throws Exception {
        CountDownLatch open = closeGate();
        try {
            HttpResponse<String> r = send(SLOW, "GET", CMS + "/hold-t?timeout=1s", null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
            JsonNode status = Json.tree(r.body().getBytes(StandardCharsets.UTF_8));
            assertThat(status.path("reason").asString()).isEqualTo("Timeout");
            assertThat(status.path("code").asInt()).isEqualTo(504);
            assertThat(status.path("message").asString())
                    .isEqualTo("Timeout: request did not complete within requested timeout - context deadline exceeded");
        } finally {
            open.countDown();
        }
    }

    @Test
    void aMalformedTimeoutIsBadRequestWithUpstreamsWords() throws Exception {
        HttpResponse<String> r = send(QUIET, "GET", CMS + "?timeout=soon", null);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Json.tree(r.body().getBytes(StandardCharsets.UTF_8)).path("message").asString())
                .isEqualTo("invalid timeout specified in the request URL - time: invalid duration \"soon\"");
    }

    @Test
    void aWatchWithoutTimeoutSecondsEndsOnItsOwnAfterMinRequestTimeout() throws Exception {
        HttpResponse<InputStream> watch = tokens.send(request(QUIET, "GET", CMS + "?watch=true&resourceVersion=" + revision(), null).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(watch.statusCode()).isEqualTo(200);
        try (InputStream in = watch.body()) {
            in.readAllBytes();   // returns once the server ends the stream (--min-request-timeout is 2 s here)
        }
    }

    @Test
    void aWatchOutlivesTheTimeoutParameterAsUpstreamIgnoresItForWatches() throws Exception {
        HttpResponse<InputStream> watch = tokens.send(request(QUIET, "GET", CMS + "?watch=true&timeout=1s&timeoutSeconds=60&resourceVersion="
                + revision(), null).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(watch.statusCode()).isEqualTo(200);
        Thread.sleep(2500);
        assertThat(send(QUIET, "POST", CMS, configMap("after-timeout-param")).statusCode()).isEqualTo(201);
        try (InputStream in = watch.body()) {
            String line;
            do {
                line = readLine(in);
                assertThat(line).as("the watch is still open").isNotEmpty();
            } while (!line.contains("after-timeout-param"));
            assertThat(line).contains("\"type\":\"ADDED\"");
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    static final Path KUBECTL = Path.of("/usr/bin/kubectl");

    record Kubectl(int exit, String out, String err) {}

    static Kubectl kubectl(Path kubeconfig, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(KUBECTL.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        Path home = Files.createTempDirectory(dir, "home");
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("HOME", home.toString());
        Path out = home.resolve("out"), err = home.resolve("err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish; stderr: " + Files.readString(err));
        }
        return new Kubectl(p.exitValue(), Files.readString(out), Files.readString(err));
    }


    static void assertTooManyRequests(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        JsonNode status = Json.tree(r.body().getBytes(StandardCharsets.UTF_8));
        assertThat(status.path("kind").asString()).isEqualTo("Status");
        assertThat(status.path("status").asString()).isEqualTo("Failure");
        assertThat(status.path("reason").asString()).isEqualTo("TooManyRequests");
        assertThat(status.path("message").asString()).isEqualTo(TOO_MANY);
        assertThat(status.path("details").path("retryAfterSeconds").asInt()).isEqualTo(1);
    }

    static CountDownLatch closeGate() {
        CountDownLatch g = new CountDownLatch(1);
        gate = g;
        return g;
    }

    static String configMap(String name) {
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"k\":\"v\"}}";
    }

    static HttpRequest.Builder request(String token, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(90));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (body != null) b.header("Content-Type", "application/json");
        return b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    }

    static HttpResponse<String> send(String token, String method, String path, String body) throws Exception {
        return tokens.send(request(token, method, path, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    static CompletableFuture<HttpResponse<String>> sendAsync(String token, String method, String path, String body) {
        return tokens.sendAsync(request(token, method, path, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A sample of the server's /metrics (0 when absent), read as the admin. */
    static double metric(String series) throws Exception {
        for (String line : admin.get("/metrics").text().split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).strip());
        }
        return 0;
    }

    /** Waits until the condition holds (the server decides; the test only waits to see it). */
    static void await(Callable condition, String what) throws Exception {
        for (int i = 0; i < 1200; i++) {
            if (condition.call()) return;
            Thread.sleep(50);
        }
        throw new AssertionError("never came: " + what);
    }

    interface Callable {
        boolean call() throws Exception;
    }

    static String revision() throws Exception {
        return admin.get(CMS).json().path("metadata").path("resourceVersion").asString();
    }

    static String readLine(InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') line.write(b);
        return line.toString(StandardCharsets.UTF_8);
    }
}
