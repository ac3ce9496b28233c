package io.portcullis.bench;

import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import io.portcullis.testing.Tls;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Delivery latency to many concurrent watchers of one resource: N watchers (default 1,000), each
 * on its own HTTPS connection, watch configmaps; the writer updates one configmap every 100 ms
 * with its send time ({@link System#nanoTime}, the machine's monotonic clock) in an annotation;
 * each watcher records receive time minus send time. The watchers are either one blocking thread
 * each ({@code threads}, the default) or one Vert.x HTTP client on two event loops ({@code loops}),
 * as a client process elsewhere would hold many watches on few threads.
 *
 * <p>With {@code --url} the server is another process (started, say, by bench/watch-fanout.sh),
 * and the watchers and the writer run here; without it the server runs in this JVM. The first
 * {@code --warmup} updates (default 0) are sent but not counted. Prints p50, p99 and max over all
 * deliveries, then, per update, p50 and p99 of the write's own round trip (the PATCH and its
 * fsync), of its first delivery and of its last, and the CPU time per update of this process and,
 * given its {@code --pid}, of the server's, by kind of thread. Run:
 *   java -cp target/test-classes:target/classes:$(cat target/cp.txt) io.portcullis.bench.WatchFanout \
 *       [watchers] [updates] [threads|loops] [--url https://127.0.0.1:PORT --token TOKEN --pid PID] [--warmup N]
 */
public final class WatchFanout {
    private static final byte[] SENT = "\"sent\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final String WATCH = "/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dfan";

    /** One delivery: the writer's send time and the watcher's receive time. */
    private record Delivery(long sent, long received) {}

    public static void main(String[] args) throws Exception {
        List<String> positional = new ArrayList<>();
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) flags.put(args[i].substring(2), args[++i]);
            else positional.add(args[i]);
        }
        int watchers = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 1000;
        int updates = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 50;
        boolean loops = positional.size() > 2 && positional.get(2).equals("loops");
        int warmup = Integer.parseInt(flags.getOrDefault("warmup", "0"));
        String url = flags.get("url");
        if (url != null) {
            URI u = URI.create(url);
            long pid = Long.parseLong(flags.getOrDefault("pid", "-1"));
            run(u.getHost(), u.getPort(), flags.getOrDefault("token", "bench-token"), watchers, updates, warmup, loops, "process", pid);
        } else {
            Path dir = Files.createTempDirectory("portcullis-fanout");
            Path tokens = dir.resolve("tokens.csv");
            Files.writeString(tokens, "bench-token,bench,1,system:masters\n");
            ServerConfig base = ServerConfig.embedded(dir.resolve("data"));
            ServerConfig config = base.withAuthentication(a -> a.withTokenAuthFile(tokens));
            try (Server server = Server.start(config)) {
                run("127.0.0.1", server.port(), "bench-token", watchers, updates, warmup, loops, "in-process", -1);
            }
        }
        System.exit(0);
    }

    private static void run(String host, int port, String token, int watchers, int updates, int warmup, boolean loops,
                            String where, long serverPid) throws Exception {
        SSLContext tls = Tls.trustingAnyServer();
        send(tls, host, port, token, "POST", "/api/v1/namespaces/default/configmaps",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"fan\"}}");
        ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
        CountDownLatch ready = new CountDownLatch(watchers);
        if (loops) {
            watchOnLoops(host, port, token, watchers, ready, deliveries);
        } else {
            // at most 20 TLS handshakes at a time, each within the server's 10 s even on a loaded machine
            Semaphore connecting = new Semaphore(20);
            for (int i = 0; i < watchers; i++) {
                Thread t = new Thread(() -> watch(tls, host, port, token, connecting, ready, deliveries), "watcher-" + i);
                t.setDaemon(true);
                t.start();
            }
        }
        if (!ready.await(600, TimeUnit.SECONDS)) throw new IllegalStateException((watchers - ready.getCount()) + " of " + watchers + " watchers connected in 600 s");
        Thread.sleep(1000);
        Map<Long, Long> acks = new HashMap<>();   // send time -> the PATCH's round trip, for the updates counted
        try (Socket writer = tls.getSocketFactory().createSocket(host, port)) {
            writer.setTcpNoDelay(true);
            BufferedReader replies = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
            Map<String, Long> serverCpu = Map.of(), clientCpu = Map.of();
            for (int i = 0; i < warmup + updates; i++) {
                if (i == warmup) {
                    System.err.println("measuring " + updates + " updates");
                    serverCpu = cpuByThread(serverPid);
                    clientCpu = cpuByThread(ProcessHandle.current().pid());
                }
                long sent = System.nanoTime();
                String body = "{\"metadata\":{\"annotations\":{\"sent\":\"" + sent + "\"}}}";
                patch(writer, replies, token, "/api/v1/namespaces/default/configmaps/fan", body);
                if (i >= warmup) acks.put(sent, System.nanoTime() - sent);
                Thread.sleep(100);
            }
            Thread.sleep(2000);
            report(where, loops, watchers, updates, acks, List.copyOf(deliveries));
            if (serverPid > 0) System.out.println("server CPU per update: " + cpuPerUpdate(serverCpu, cpuByThread(serverPid), updates));
            System.out.println("client CPU per update: " + cpuPerUpdate(clientCpu, cpuByThread(ProcessHandle.current().pid()), updates));
        }
    }

    private static void report(String where, boolean loops, int watchers, int updates, Map<Long, Long> acks, List<Delivery> deliveries) {
        Map<Long, long[]> perUpdate = new HashMap<>();   // send time -> {first, last} delivery latency
        List<Long> all = new ArrayList<>();
        for (Delivery d : deliveries) {
            if (!acks.containsKey(d.sent())) continue;   // a warm-up update
            long latency = d.received() - d.sent();
            all.add(latency);
            perUpdate.merge(d.sent(), new long[] {latency, latency},
                    (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] ack = acks.values().stream().mapToLong(Long::longValue).sorted().toArray();
        long[] first = perUpdate.values().stream().mapToLong(v -> v[0]).sorted().toArray();
        long[] last = perUpdate.values().stream().mapToLong(v -> v[1]).sorted().toArray();
        System.out.printf("client=%s server=%s watchers=%d updates=%d deliveries=%d/%d p50=%.1fms p99=%.1fms max=%.1fms%n",
                loops ? "loops" : "threads", where, watchers, updates, sorted.length, watchers * updates,
                ms(sorted, 0.50), ms(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
        System.out.printf("per update, p50 / p99: write ack %.1f / %.1f ms, first delivery %.1f / %.1f ms, last delivery %.1f / %.1f ms%n",
                ms(ack, 0.50), ms(ack, 0.99), ms(first, 0.50), ms(first, 0.99), ms(last, 0.50), ms(last, 0.99));
    }

    /**
     * CPU time (user and system, in clock ticks of 10 ms) of a process's threads by what they are: the
     * event loops, the watch cache's thread, the SQLite writer, the garbage collector, the rest. Linux only.
     */
    private static Map<String, Long> cpuByThread(long pid) throws Exception {
        Map<String, Long> ticks = new java.util.TreeMap<>();
        Path tasks = Path.of("/proc/" + pid + "/task");
        if (pid <= 0 || !Files.isDirectory(tasks)) return ticks;
        try (var dirs = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) dirs::iterator) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (java.io.IOException gone) {
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long used = Long.parseLong(f[11]) + Long.parseLong(f[12]);   // utime, stime
                String kind = name.startsWith("vert.x-eventloo") ? "event loops" : name.startsWith("watcher-") ? "watchers"
                        : name.equals("watch-cache") ? "watch cache" : name.startsWith("sqlite-store") ? "sqlite writer"
                        : name.startsWith("GC ") || name.startsWith("G1 ") ? "gc" : name.startsWith("C2 ") || name.startsWith("C1 ") ? "jit" : "other";
                ticks.merge(kind, used, Long::sum);
            }
        }
        return ticks;
    }

    /** Milliseconds of CPU per update between two readings, in total and by kind of thread. */
    private static String cpuPerUpdate(Map<String, Long> before, Map<String, Long> after, int updates) {
        StringBuilder out = new StringBuilder();
        long total = 0;
        for (var e : after.entrySet()) {
            long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            total += d;
            if (d > 0) out.append(String.format(", %s %.1f", e.getKey(), d * 10.0 / updates));
        }
        return String.format("%.1f ms", total * 10.0 / updates) + out;
    }

    private static double ms(long[] sorted, double q) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    /** The send time in an event's line, or -1 when it has none. */
    private static long sentIn(byte[] line, int length) {
        outer:
        for (int i = 0; i + SENT.length <= length; i++) {
            for (int j = 0; j < SENT.length; j++) if (line[i + j] != SENT[j]) continue outer;
            long v = 0;
            for (int k = i + SENT.length; k < length && line[k] >= '0' && line[k] <= '9'; k++) v = v * 10 + (line[k] - '0');
            return v;
        }
        return -1;
    }

    /** One watcher on its own thread; a watch that fails to start (a handshake past the server's 10 s on a loaded machine) starts again. */
    private static void watch(SSLContext tls, String host, int port, String token, Semaphore connecting, CountDownLatch ready,
                              ConcurrentLinkedQueue<Delivery> deliveries) {
        while (!watchOnce(tls, host, port, token, connecting, ready, deliveries)) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** False when the watch failed to start. */
    private static boolean watchOnce(SSLContext tls, String host, int port, String token, Semaphore connecting, CountDownLatch ready,
                                     ConcurrentLinkedQueue<Delivery> deliveries) {
        connecting.acquireUninterruptibly();
        boolean counted = false;
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(host, port)) {
            s.setTcpNoDelay(true);
            String req = "GET " + WATCH + " HTTP/1.1\r\n"
                    + "Host: " + host + "\r\nAuthorization: Bearer " + token + "\r\nAccept: application/json\r\n\r\n";
            s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            String line;
            while ((line = in.readLine()) != null) {
                if (!counted && line.isEmpty()) {
                    ready.countDown();
                    counted = true;
                    connecting.release();
                }
                byte[] b = line.getBytes(StandardCharsets.ISO_8859_1);
                long sent = sentIn(b, b.length);
                if (sent >= 0) deliveries.add(new Delivery(sent, System.nanoTime()));
            }
        } catch (Exception e) {
            // the run is over, or this watch failed to start
            if (!counted) {
                System.err.println("a watch failed, starting again: " + e);
                connecting.release();
                return false;
            }
        }
        return true;
    }

    /** Every watch on its own connection of one HTTP client with two event loops, in a Vert.x of its own. */
    private static void watchOnLoops(String host, int port, String token, int watchers, CountDownLatch ready,
                                     ConcurrentLinkedQueue<Delivery> deliveries) {
        Vertx client = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        HttpClient http = client.httpClientBuilder()
                .with(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
                        .setDefaultHost(host).setDefaultPort(port).setTcpNoDelay(true))
                .with(new PoolOptions().setHttp1MaxSize(watchers))
                .build();
        RequestOptions watch = new RequestOptions().setMethod(HttpMethod.GET).setURI(WATCH)
                .putHeader("Authorization", "Bearer " + token).putHeader("Accept", "application/json");
        // at most 50 TLS handshakes at a time, each within the server's 10 s even on a loaded machine
        AtomicInteger toStart = new AtomicInteger(watchers);
        for (int i = 0; i < Math.min(50, watchers); i++) client.runOnContext(v -> startWatch(http, watch, toStart, ready, deliveries));
    }

    private static void startWatch(HttpClient http, RequestOptions watch, AtomicInteger toStart, CountDownLatch ready,
                                   ConcurrentLinkedQueue<Delivery> deliveries) {
        if (toStart.getAndDecrement() <= 0) return;
        http.request(watch).compose(HttpClientRequest::send).onSuccess(resp -> {
            resp.handler(RecordParser.newDelimited("\n", line -> {
                byte[] b = line.getBytes();
                long sent = sentIn(b, b.length);
                if (sent >= 0) deliveries.add(new Delivery(sent, System.nanoTime()));
            }));
            ready.countDown();
            startWatch(http, watch, toStart, ready, deliveries);
        }).onFailure(e -> {
            System.err.println("a watch failed: " + e);
            toStart.incrementAndGet();
            startWatch(http, watch, toStart, ready, deliveries);
        });
    }

    /** One PATCH on a kept-alive connection, so that only the change itself is timed. */
    private static void patch(Socket s, BufferedReader in, String token, String path, String body) throws Exception {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String req = "PATCH " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n"
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

    private static void send(SSLContext tls, String host, int port, String token, String method, String path, String body) throws Exception {
        try (Socket s = tls.getSocketFactory().createSocket(host, port)) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            String type = method.equals("PATCH") ? "application/merge-patch+json" : "application/json";
            String req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n"
                    + "Content-Type: " + type + "\r\nContent-Length: " + b.length + "\r\nConnection: close\r\n\r\n";
            s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(b);
            s.getOutputStream().flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (status == null || !(status.contains(" 200 ") || status.contains(" 201 "))) throw new IllegalStateException(method + " " + path + ": " + status);
        }
    }
}
