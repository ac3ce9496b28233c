package io.portcullis.bench;

import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import io.portcullis.storage.encryption.TestKmsPlugin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Secret GET, LIST and create with encryption at rest off and under each provider, side by side:
 * one embedded server per configuration in this JVM, all started first; then, round after round,
 * each phase runs against each server in turn for the same time with the same client threads
 * (HTTP/1.1 over TLS, a system:masters token), each round starting with the next server. GET fetches one of 100 Secrets of a namespace, LIST
 * lists those 100, create writes a new Secret of three keys (about 300 bytes of data). Prints
 * requests/s per round, the median, and the ratio to "off". Run:
 *   java -cp target/test-classes:target/classes:$(cat target/cp-test.txt) io.portcullis.bench.SecretEncryption [rounds] [seconds] [threads]
 */
public final class SecretEncryption {
    static final String KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Path dir = Files.createTempDirectory("portcullis-encryption-bench");
        Path tokens = dir.resolve("tokens.csv");
        Files.writeString(tokens, "bench-token,bench,1,system:masters\n");
        TestKmsPlugin kms = TestKmsPlugin.start(dir.resolve("kms.sock"));

        Map<String, String> providers = new LinkedHashMap<>();
        providers.put("off", null);
        providers.put("aescbc", "{aescbc: {keys: [{name: key1, secret: " + KEY + "}]}}");
        providers.put("aesgcm", "{aesgcm: {keys: [{name: key1, secret: " + KEY + "}]}}");
        providers.put("secretbox", "{secretbox: {keys: [{name: key1, secret: " + KEY + "}]}}");
        providers.put("kms v2", "{kms: {apiVersion: v2, name: bench, endpoint: '" + kms.endpoint() + "'}}");

        Map<String, Server> servers = new LinkedHashMap<>();
        int n = 0;
        for (Map.Entry<String, String> p : providers.entrySet()) {
            ServerConfig config = ServerConfig.embedded(dir.resolve("data-" + n)).withAuthentication(a -> a.withTokenAuthFile(tokens));
            if (p.getValue() != null) {
                Path file = dir.resolve("encryption-" + n + ".yaml");
                Files.writeString(file, "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
                        + "  - resources: [secrets]\n    providers: [" + p.getValue() + "]\n");
                config = config.withEncryption(e -> e.withProviderConfig(file, false));
            }
            servers.put(p.getKey(), Server.start(config));
            n++;
        }
        HttpClient client = client();
        for (Server s : servers.values()) {
            send(client, s, "POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"bench\"}}");
            for (int i = 0; i < 100; i++) send(client, s, "POST", "/api/v1/namespaces/bench/secrets", secret("s" + i));
        }

        String[] phases = {"GET", "LIST", "create"};
        Map<String, List<Double>> results = new LinkedHashMap<>();
        for (Map.Entry<String, Server> s : servers.entrySet()) {   // warm-up: every phase on every server, as long as a measurement
            for (String phase : phases) run(client, s.getValue(), phase, seconds, threads);
        }
        List<Map.Entry<String, Server>> order = new ArrayList<>(servers.entrySet());
        for (int r = 1; r <= rounds; r++) {
            for (String phase : phases) {
                // each round starts with the next server, so that no configuration always runs first or last
                for (int i = 0; i < order.size(); i++) {
                    Map.Entry<String, Server> s = order.get((i + r - 1) % order.size());
                    double rate = run(client, s.getValue(), phase, seconds, threads);
                    results.computeIfAbsent(phase + "|" + s.getKey(), k -> new ArrayList<>()).add(rate);
                    System.out.printf("round %d %-6s %-9s %,10.0f req/s%n", r, phase, s.getKey(), rate);
                }
            }
        }
        System.out.println();
        System.out.println("| operation | provider | " + String.join(" | ", roundHeaders(rounds)) + " | median | vs off |");
        System.out.println("|---|---|" + "---|".repeat(rounds) + "---|---|");
        for (String phase : phases) {
            double off = median(results.get(phase + "|off"));
            for (String provider : servers.keySet()) {
                List<Double> rates = results.get(phase + "|" + provider);
                StringBuilder row = new StringBuilder("| " + phase + " | " + provider + " | ");
                for (double rate : rates) row.append(String.format("%,.0f | ", rate));
                row.append(String.format("%,.0f | %.2f× |", median(rates), median(rates) / off));
                System.out.println(row);
            }
        }
        for (Server s : servers.values()) s.close();
        kms.close();
        System.exit(0);
    }

    private static List<String> roundHeaders(int rounds) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= rounds; i++) out.add("r" + i + " req/s");
        return out;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int m = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
    }

    private static final AtomicInteger CREATED = new AtomicInteger();

    /** Requests per second of one phase against one server: {@code threads} clients for {@code seconds}. */
    private static double run(HttpClient client, Server server, String phase, int seconds, int threads) throws Exception {
        LongAdder done = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                while (!stop.get()) {
                    switch (phase) {
                        case "GET" -> send(client, server, "GET",
                                "/api/v1/namespaces/bench/secrets/s" + ThreadLocalRandom.current().nextInt(100), null);
                        case "LIST" -> send(client, server, "GET", "/api/v1/namespaces/bench/secrets", null);
                        default -> send(client, server, "POST", "/api/v1/namespaces/default/secrets", secret("c" + CREATED.incrementAndGet()));
                    }
                    done.increment();
                }
            });
            w.start();
            workers.add(w);
        }
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread w : workers) w.join();
        return done.sum() / ((System.nanoTime() - start) / 1e9);
    }

    private static String secret(String name) {
        byte[] random = new byte[96];
        ThreadLocalRandom.current().nextBytes(random);
        String b64 = Base64.getEncoder().encodeToString(random);
        return "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"app\":\"bench\"}},"
                + "\"type\":\"Opaque\",\"data\":{\"username\":\"YWRtaW4=\",\"password\":\"" + b64 + "\",\"token\":\"" + b64 + "\"}}";
    }

    private static void send(HttpClient client, Server server, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer bench-token")
                .header("Accept", "application/json");
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() >= 300) throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + new String(r.body()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpClient client() throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, new SecureRandom());
        return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
    }
}
