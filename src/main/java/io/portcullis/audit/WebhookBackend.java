package io.portcullis.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;

/**
 * The audit webhook: each batch is one audit.k8s.io/v1 EventList POSTed as JSON. As upstream,
 * any failure (no answer, or a code other than 2xx) is retried, up to five attempts, waiting
 * the initial backoff, then 1.5 times longer each time (with 20% jitter).
 */
final class WebhookBackend implements BufferedSink.Backend {
    private static final int ATTEMPTS = 5;
    private static final double FACTOR = 1.5;
    private static final double JITTER = 0.2;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI server;
    private final String bearerToken;
    private final Duration initialBackoff;
    private final HttpClient client;
    private final EventJson json;

    /** {@code tls} null for http; {@code bearerToken} null for none. */
    WebhookBackend(URI server, SSLContext tls, String bearerToken, Duration initialBackoff, EventJson json) {
        this.json = json;
        this.server = server;
        this.bearerToken = bearerToken;
        this.initialBackoff = initialBackoff;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT);
        if (tls != null) b.sslContext(tls);
        this.client = b.build();
    }

    @Override
    public void write(List<Event> batch) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(1024 * batch.size());
        json.writeList(body, batch);
        HttpRequest.Builder request = HttpRequest.newBuilder(server).timeout(TIMEOUT)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        if (bearerToken != null) request.header("Authorization", "Bearer " + bearerToken);
        String failure = "";
        double wait = initialBackoff.toMillis();
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                int code = client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (code / 100 == 2) return;
                failure = "HTTP " + code;
            } catch (IOException e) {
                failure = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            if (attempt == ATTEMPTS) break;
            try {
                Thread.sleep((long) (wait * (1 + JITTER * ThreadLocalRandom.current().nextDouble())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            wait *= FACTOR;
        }
        // the URL without what it may carry besides the place (user information, a query)
        String where = server.getScheme() + "://" + server.getHost() + (server.getPort() < 0 ? "" : ":" + server.getPort()) + server.getRawPath();
        throw new IOException("POST " + where + ": " + failure + " (" + ATTEMPTS + " attempts)");
    }

    @Override
    public void close() {
        // the client holds no resource that outlives its threads
    }
}
