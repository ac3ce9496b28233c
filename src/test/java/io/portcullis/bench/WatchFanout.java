package io.portcullis.bench;

import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import io.portcullis.testing.Tls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Delivery latency to many concurrent watchers of one resource: N watchers (default 1,000), each
 * on its own HTTPS connection, watch configmaps; the writer updates one configmap every 100 ms
 * with the send time in an annotation; each watcher records receive time minus send time.
 * Prints p50, p99 and max over all deliveries. The watchers are either one blocking thread each
 * ({@code threads}, the default) or one Vert.x HTTP client on two event loops ({@code loops}), as
 * a client process elsewhere would hold many watches on few threads. Run:
 *   java -cp target/test-classes:target/classes:$(cat target/cp.txt) io.portcullis.bench.WatchFanout [watchers] [updates] [threads|loops]
 */
public final class WatchFanout {
    private static final Pattern SENT = Pattern.compile("\"sent\":\"(\\d+)\"");

    public static void main(String[] args) throws Exception {
        int watchers = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int updates = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        boolean loops = args.length > 2 && args[2].equals("loops");
        Path dir = Files.createTempDirectory("portcullis-fanout");
        Path tokens = dir.resolve("tokens.csv");
        Files.writeString(tokens, "bench-token,bench,1,system:masters\n");
        ServerConfig base = ServerConfig.embedded(dir.resolve("data"));
        ServerConfig config = base.withAuthentication(a -> a.withTokenAuthFile(tokens));
        try (Server server = Server.start(config)) {
            SSLContext tls = Tls.trustingAnyServer();
            int port = server.port();
            send(tls, port, "POST", "/api/v1/namespaces/default/configmaps",
                    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"fan\"}}");
            ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
            CountDownLatch ready = new CountDownLatch(watchers);
            if (loops) {
                watchOnLoops(watchers, port, ready, latencies);
            } else {
                // at most 50 TLS handshakes at a time, each within the server's 10 s even on a loaded machine
                Semaphore connecting = new Semaphore(50);
                for (int i = 0; i < watchers; i++) {
                    Thread t = new Thread(() -> watch(tls, port, connecting, ready, latencies), "watcher-" + i);
                    t.setDaemon(true);
                    t.start();
                }
            }
            if (!ready.await(300, TimeUnit.SECONDS)) throw new IllegalStateException((watchers - ready.getCount()) + " of " + watchers + " watchers connected in 300 s");
            Thread.sleep(1000);
            try (Socket writer = tls.getSocketFactory().createSocket("127.0.0.1", port)) {
                writer.setTcpNoDelay(true);
                BufferedReader replies = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
                for (int i = 0; i < updates; i++) {
                    String body = "{\"metadata\":{\"annotations\":{\"sent\":\"" + System.nanoTime() + "\"}}}";
                    patch(writer, replies, "/api/v1/namespaces/default/configmaps/fan", body);
                    Thread.sleep(100);
                }
            }
            Thread.sleep(2000);
            List<Long> all = new ArrayList<>(latencies);
            Collections.sort(all);
            int expected = watchers * updates;
            System.out.printf("client=%s watchers=%d updates=%d deliveries=%d/%d p50=%.1fms p99=%.1fms max=%.1fms%n", loops ? "loops" : "threads", watchers, updates,
                    all.size(), expected, ms(all, 0.50), ms(all, 0.99), all.isEmpty() ? 0 : all.get(all.size() - 1) / 1e6);
        }
        System.exit(0);
    }

    private static double ms(List<Long> sorted, double q) {
        if (sorted.isEmpty()) return 0;
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1)) / 1e6;
    }

    private static void watch(SSLContext tls, int port, Semaphore connecting, CountDownLatch ready,
                              ConcurrentLinkedQueue<Long> latencies) {
        connecting.acquireUninterruptibly();
        boolean counted = false;
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            String req = "GET /api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dfan HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nAuthorization: Bearer bench-token\r\nAccept: application/json\r\n\r\n";
            s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (!counted && line.isEmpty()) {
                    ready.countDown();
                    counted = true;
                    connecting.release();
                }
                Matcher m = SENT.matcher(line);
                if (m.find()) latencies.add(System.nanoTime() - Long.parseLong(m.group(1)));
            }
        } catch (Exception e) {
            // the run is over, or this watch failed to start
            if (!counted) {
                System.err.println("a watch failed: " + e);
                connecting.release();
            }
        }
    }

    /** Every watch on its own connection of one HTTP client with two event loops, in a Vert.x of its own. */
    private static void watchOnLoops(int watchers, int port, CountDownLatch ready, ConcurrentLinkedQueue<Long> latencies) {
        Vertx client = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        HttpClient http = client.httpClientBuilder()
                .with(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
                        .setDefaultHost("127.0.0.1").setDefaultPort(port).setTcpNoDelay(true))
                .with(new PoolOptions().setHttp1MaxSize(watchers))
                .build();
        RequestOptions watch = new RequestOptions().setMethod(HttpMethod.GET)
                .setURI("/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dfan")
                .putHeader("Authorization", "Bearer bench-token").putHeader("Accept", "application/json");
        // at most 50 TLS handshakes at a time, each within the server's 10 s even on a loaded machine
        AtomicInteger toStart = new AtomicInteger(watchers);
        for (int i = 0; i < Math.min(50, watchers); i++) client.runOnContext(v -> startWatch(http, watch, toStart, ready, latencies));
    }

    private static void startWatch(HttpClient http, RequestOptions watch, AtomicInteger toStart, CountDownLatch ready,
                                   ConcurrentLinkedQueue<Long> latencies) {
        if (toStart.getAndDecrement() <= 0) return;
        http.request(watch).compose(HttpClientRequest::send).onSuccess(resp -> {
            resp.handler(RecordParser.newDelimited("\n", line -> {
                Matcher m = SENT.matcher(line.toString(StandardCharsets.UTF_8));
                if (m.find()) latencies.add(System.nanoTime() - Long.parseLong(m.group(1)));
            }));
            ready.countDown();
            startWatch(http, watch, toStart, ready, latencies);
        }).onFailure(e -> {
            System.err.println("a watch failed: " + e);
            toStart.incrementAndGet();
            startWatch(http, watch, toStart, ready, latencies);
        });
    }

    /** One PATCH on a kept-alive connection, so that only the change itself is timed. */
    private static void patch(Socket s, BufferedReader in, String path, String body) throws Exception {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String req = "PATCH " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer bench-token\r\n"
                + "Content-Type: application/merge-patch+json\r\nContent-Length: " + b.length + "\r\n\r\n";
        s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        String status = in.readLine();
        if (status == null || !status.contains(" 200 ")) throw new IllegalStateException("PATCH " + path + ": " + status);
        int length = 0;
        for (String h; (h = in.readLine()) != null && !h.isEmpty(); ) {
            if (h.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(h.substring(15).strip());
        }
        char[] skip = new char[length];
        for (int n = 0; n < length; ) n += in.read(skip, n, length - n);
    }

    private static void send(SSLContext tls, int port, String method, String path, String body) throws Exception {
        try (Socket s = tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            String type = method.equals("PATCH") ? "application/merge-patch+json" : "application/json";
            String req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer bench-token\r\n"
                    + "Content-Type: " + type + "\r\nContent-Length: " + b.length + "\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(b);
            s.getOutputStream().flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (status == null || !(status.contains(" 200 ") || status.contains(" 201 "))) throw new IllegalStateException(method + " " + path + ": " + status);
        }
    }
}
