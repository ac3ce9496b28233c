package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import io.portcullis.testing.Tls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients that have not been admitted hold nothing: a body is read only once its request has been
 * authenticated and authorized, a connection that never completes its headers or sits idle is
 * closed, and an authenticated client is answered throughout. The timeouts are shortened here
 * (upstream's are 32 s for headers and 90 s idle); the bounds are the same code.
 */
@EndToEnd
class SlowClientsTest {
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

    @RegisterExtension
    static final TestServer server = TestServer.embedded(c -> c.withServing(s -> s.withTimeouts(HEADER_TIMEOUT, IDLE_TIMEOUT, REQUEST_TIMEOUT)));
    static final SSLContext anyServer = Tls.trustingAnyServer();
    static Https admin;

    @BeforeAll
    static void start() {
        admin = server.admin();
    }

    @Test
    void hundredsOfAnonymousClientsTricklingBodiesAndHeadersHoldNoMemoryWhileTheAdminIsAnswered() throws Exception {
        long before = usedHeapAfterGc();
        int each = 150;
        List<SSLSocket> bodies = new ArrayList<>();
        List<SSLSocket> headers = new ArrayList<>();
        AtomicBoolean attacking = new AtomicBoolean(true);
        AtomicInteger answered = new AtomicInteger();
        List<String> failures = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            // an authenticated client keeps working through it all
            Future<?> adminLoop = pool.submit(() -> {
                int i = 0;
                while (attacking.get()) {
                    try {
                        Response r = i++ % 2 == 0 ? admin.get("/api/v1/namespaces/default/configmaps")
                                : admin.post("/api/v1/namespaces/default/configmaps",
                                        "{\"metadata\":{\"generateName\":\"busy-\"},\"data\":{\"k\":\"v\"}}");
                        if (r.status() / 100 == 2) answered.incrementAndGet();
                        else synchronized (failures) { failures.add(r.status() + " " + r.text()); }
                    } catch (Exception e) {
                        synchronized (failures) { failures.add(e.toString()); }
                    }
                }
            });
            String chunk = "x".repeat(64 * 1024);
            ExecutorService openers = Executors.newFixedThreadPool(8);
            List<Future<SSLSocket>> opening = new ArrayList<>();
            for (int i = 0; i < each; i++) {
                opening.add(openers.submit(() -> {
                    SSLSocket s = open();
                    write(s, "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 2900000\r\n\r\n{\"metadata\":{\"name\":\"");
                    try {
                        // a megabyte of the 2.9 promised, as far as the server takes it
                        for (int k = 0; k < 16; k++) write(s, chunk);
                    } catch (IOException e) {
                        // refused and closed: what should happen
                    }
                    return s;
                }));
                opening.add(openers.submit(() -> {
                    SSLSocket h = open();
                    write(h, "GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nX-Trickle: ");
                    return h;
                }));
            }
            for (int i = 0; i < opening.size(); i++) (i % 2 == 0 ? bodies : headers).add(opening.get(i).get(60, TimeUnit.SECONDS));
            openers.shutdown();
            // keep trickling while the server decides
            Future<?> trickle = pool.submit(() -> {
                while (attacking.get()) {
                    for (SSLSocket s : headers) {
                        try {
                            write(s, "a");
                        } catch (IOException e) {
                            // closed by the server, as it should be
                        }
                    }
                    sleep(300);
                }
            });
            for (SSLSocket s : bodies) {
                String head = readAll(s, Duration.ofSeconds(20));
                assertThat(head).as("an anonymous POST is refused before its body is read").startsWith("HTTP/1.1 403 ");
                assertThat(head).containsIgnoringCase("connection: close");
            }
            long held = usedHeapAfterGc() - before;
            assertThat(held).as("heap held by %d half-sent bodies and %d half-sent headers", each, each).isLessThan(64L << 20);
            for (SSLSocket s : headers) {
                assertThat(readAll(s, HEADER_TIMEOUT.multipliedBy(10))).as("closed without an answer").isEmpty();
            }
            attacking.set(false);
            trickle.get(30, TimeUnit.SECONDS);
            adminLoop.get(30, TimeUnit.SECONDS);
        } finally {
            attacking.set(false);
            pool.shutdownNow();
            for (SSLSocket s : bodies) s.close();
            for (SSLSocket s : headers) s.close();
        }
        assertThat(failures).isEmpty();
        assertThat(answered.get()).as("the admin's requests answered during the attack").isGreaterThan(10);
    }

    @Test
    void anIdleKeepAliveConnectionIsClosed() throws Exception {
        try (SSLSocket s = open()) {
            long start = System.nanoTime();
            write(s, "GET /version HTTP/1.1\r\nHost: x\r\n\r\n");
            String answer = readUntilQuiet(s);
            assertThat(answer).startsWith("HTTP/1.1 200 ");
            assertThat(readAll(s, IDLE_TIMEOUT.multipliedBy(10))).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(IDLE_TIMEOUT.minusMillis(500));
        }
    }

    @Test
    void aQuietWatchOutlivesTheIdleTimeout() throws Exception {
        String ns = "quiet";
        assertThat(admin.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}").status())
                .isEqualTo(201);
        HttpRequest watch = admin.request("/api/v1/namespaces/" + ns
                + "/configmaps?watch=true&timeoutSeconds=30&resourceVersion=" + revision(ns)).GET().build();
        HttpResponse<InputStream> r = admin.client().send(watch, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        Thread.sleep(IDLE_TIMEOUT.multipliedBy(2).toMillis());
        assertThat(admin.post("/api/v1/namespaces/" + ns + "/configmaps",
                "{\"metadata\":{\"name\":\"late\"}}").status()).isEqualTo(201);
        try (InputStream in = r.body()) {
            String line;
            do {
                line = new String(readLine(in), StandardCharsets.UTF_8);
                assertThat(line).as("the watch is still open").isNotEmpty();
            } while (!line.contains("\"name\":\"late\""));
            assertThat(line).contains("\"type\":\"ADDED\"");
        }
    }

    @Test
    void aQuietWebSocketWatchOutlivesTheIdleTimeout() throws Exception {
        String ns = "quiet-ws";
        assertThat(admin.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}").status())
                .isEqualTo(201);
        java.util.concurrent.BlockingQueue<String> events = new java.util.concurrent.LinkedBlockingQueue<>();
        java.net.http.WebSocket ws = admin.client().newWebSocketBuilder().buildAsync(URI.create(admin.url().replace("https:", "wss:")
                + "/api/v1/namespaces/" + ns + "/configmaps?watch=true&resourceVersion=" + revision(ns)), new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket socket, CharSequence data, boolean last) {
                        events.add(data.toString());
                        socket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        try {
            Thread.sleep(IDLE_TIMEOUT.multipliedBy(2).toMillis());
            assertThat(admin.post("/api/v1/namespaces/" + ns + "/configmaps",
                    "{\"metadata\":{\"name\":\"late\"}}").status()).isEqualTo(201);
            String event;
            do {
                event = events.poll(10, TimeUnit.SECONDS);
                assertThat(event).as("an event on the still open WebSocket").isNotNull();
            } while (!event.contains("\"name\":\"late\""));
        } finally {
            ws.abort();
        }
    }

    @Test
    void anAdmittedBodyThatDoesNotArriveInTimeIs504AndChangesNothing() throws Exception {
        // a bearer-less admitted request needs a client certificate: the admin's, over the JDK client, sending slowly
        HttpRequest slow = admin.request("/api/v1/namespaces/default/configmaps")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.fromPublisher(new SlowBody("{\"metadata\":{\"name\":\"slow\"}}",
                        REQUEST_TIMEOUT.multipliedBy(2)))).build();
        HttpResponse<String> r = admin.client().send(slow, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
        assertThat(r.body()).contains("\"reason\":\"Timeout\"");
        assertThat(admin.get("/api/v1/namespaces/default/configmaps/slow").status()).isEqualTo(404);
    }

    private static String revision(String ns) throws Exception {
        return admin.get("/api/v1/namespaces/" + ns + "/configmaps").json().path("metadata").path("resourceVersion").asString();
    }

    private static SSLSocket open() throws IOException {
        SSLSocket s = (SSLSocket) anyServer.getSocketFactory().createSocket("127.0.0.1", server.port());
        s.setEnabledProtocols(new String[] {"TLSv1.3"});
        s.startHandshake();
        return s;
    }

    private static void write(SSLSocket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Everything the server sends until it closes the connection (empty when it closes without a word). */
    private static String readAll(SSLSocket s, Duration within) throws IOException {
        return read(s, within, true);
    }

    /** What arrives, from the first bytes (within 20 s) until nothing more does for half a second (a keep-alive answer). */
    private static String readUntilQuiet(SSLSocket s) throws IOException {
        return read(s, Duration.ofMillis(500), false);
    }

    private static String read(SSLSocket s, Duration silence, boolean untilClosed) throws IOException {
        s.setSoTimeout((int) Math.max(silence.toMillis(), 20_000));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = s.getInputStream().read(buf)) >= 0) {
                got.write(buf, 0, n);
                s.setSoTimeout((int) silence.toMillis());
            }
        } catch (SocketTimeoutException e) {
            if (untilClosed) throw new AssertionError("the server kept the connection open for " + silence + "; got: " + got);
        } catch (IOException e) {
            if (!untilClosed) throw e;
            // a reset after the answer is a close too
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') line.write(b);
        return line.toByteArray();
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A body that sends its first byte, then nothing until {@code pause} has passed. */
    private record SlowBody(String text, Duration pause) implements java.util.concurrent.Flow.Publisher<java.nio.ByteBuffer> {
        @Override
        public void subscribe(java.util.concurrent.Flow.Subscriber<? super java.nio.ByteBuffer> subscriber) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            subscriber.onSubscribe(new java.util.concurrent.Flow.Subscription() {
                private int sent;
                @Override
                public void request(long n) {
                    if (sent == 0) {
                        sent = 1;
                        subscriber.onNext(java.nio.ByteBuffer.wrap(bytes, 0, 1));
                    } else if (sent == 1) {
                        sent = 2;
                        new Thread(() -> {
                            sleep(pause.toMillis());
                            subscriber.onNext(java.nio.ByteBuffer.wrap(bytes, 1, bytes.length - 1));
                            subscriber.onComplete();
                        }).start();
                    }
                }
                @Override
                public void cancel() {
                    sent = 3;
                }
            });
        }
    }
}
