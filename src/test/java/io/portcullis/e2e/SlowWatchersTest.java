package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A watcher that stops reading holds a bounded amount of the server's memory: once what is queued
 * for it is full, its watch ends, while a watcher that reads gets every event and the server goes
 * on answering. Each event here is half a mebibyte, so the events outgrow every buffer on the way.
 * Over HTTP/1.1 and HTTP/2 alike.
 */
@EndToEnd
class SlowWatchersTest {
    private static final int UPDATES = 120;
    private static final String VALUE = "x".repeat(512 * 1024);

    @RegisterExtension
    static final TestServer server = TestServer.embedded();
    static Https admin;

    @BeforeAll
    static void start() {
        admin = server.admin();
    }

    @ParameterizedTest(name = "over {0}")
    @ValueSource(strings = {"HTTP/1.1", "HTTP/2"})
    void aWatcherThatStopsReadingIsEndedAndOneThatReadsGetsEveryEvent(String version) throws Exception {
        Https watcher = version.equals("HTTP/2") ? admin.overHttp2() : admin;
        String ns = "slow-watchers-" + (version.equals("HTTP/2") ? "h2" : "h1");
        admin.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}").expect(201);
        String path = "/api/v1/namespaces/" + ns + "/configmaps";
        admin.post(path, "{\"metadata\":{\"name\":\"big\"},\"data\":{\"n\":\"0\"}}").expect(201);
        String rv = admin.get(path + "/big").json().path("metadata").path("resourceVersion").asString();

        HttpResponse<InputStream> stalled = watch(watcher, path, rv);
        HttpResponse<InputStream> reading = watch(watcher, path, rv);
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> countEvents(reading.body()));
        for (int i = 1; i <= UPDATES; i++) {
            admin.put(path + "/big", "{\"metadata\":{\"name\":\"big\"},\"data\":{\"n\":\"" + i + "\",\"v\":\"" + VALUE + "\"}}")
                    .expect(200);
        }
        admin.delete(path + "/big").expect(200);

        assertThat(read.get(60, TimeUnit.SECONDS)).as("the watcher that reads sees every update and the deletion").isEqualTo(UPDATES + 1);
        assertThat(countEvents(stalled.body()))
                .as("the watcher that stopped reading is ended before the server has queued every event for it")
                .isLessThan(UPDATES + 1);
        assertThat(admin.get(path).status()).isEqualTo(200);
    }

    private static HttpResponse<InputStream> watch(Https watcher, String path, String rv) throws Exception {
        // the one object: the namespace's kube-root-ca.crt may be created after it, and is not counted
        HttpRequest r = watcher.request(path + "?watch=true&timeoutSeconds=120&fieldSelector=metadata.name%3Dbig&resourceVersion=" + rv)
                .GET().build();
        HttpResponse<InputStream> response = watcher.client().send(r, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.version().name()).isEqualTo(watcher == admin ? "HTTP_1_1" : "HTTP_2");
        return response;
    }

    /** The events read until the stream ends (a reset is an end too), or until the deletion has arrived. */
    private static int countEvents(InputStream in) {
        int n = 0;
        byte[] start = new byte[20];
        int at = 0;
        byte[] buf = new byte[64 * 1024];
        try (in) {
            for (int got; (got = in.read(buf)) >= 0; ) {
                for (int i = 0; i < got; i++) {
                    if (buf[i] != '\n') {
                        if (at < start.length) start[at++] = buf[i];
                        continue;
                    }
                    n++;
                    if (new String(start, 0, at, StandardCharsets.UTF_8).startsWith("{\"type\":\"DELETED\"")) return n;
                    at = 0;
                }
            }
        } catch (IOException e) {
            // the server reset the stream: the watch has ended
        }
        return n;
    }
}
