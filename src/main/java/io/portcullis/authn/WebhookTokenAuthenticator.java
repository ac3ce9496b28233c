package io.portcullis.authn;

import io.portcullis.pki.WebhookConfig;

import com.github.benmanes.caffeine.cache.Ticker;
import io.portcullis.api.Json;
import io.portcullis.authn.TokenAuthenticator.TokenResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * --authentication-token-webhook-config-file: asks a remote service with an
 * authentication.k8s.io/v1 TokenReview. The config is a kubeconfig (clusters[0].cluster.server,
 * certificate-authority[-data]; users[0].user client-certificate[-data], client-key[-data], token).
 * A call that fails is an error (401), never "not mine". Use {@link #cached} for the
 * --authentication-token-webhook-cache-ttl (default 2m) cache.
 */
public final class WebhookTokenAuthenticator implements TokenAuthenticator {
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = Json.MAPPER;

    private final URI server;
    private final HttpClient client;
    private final String bearer;
    private final Duration timeout;

    WebhookTokenAuthenticator(URI server, SSLContext tls, String bearer, Duration timeout) {
        this.server = server;
        this.bearer = bearer;
        this.timeout = timeout;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
        if (tls != null) b.sslContext(tls);
        this.client = b.build();
    }

    /** Reads the kubeconfig; any problem names the flag and the file. */
    public static WebhookTokenAuthenticator load(Path configFile) {
        WebhookConfig c = WebhookConfig.load("--authentication-token-webhook-config-file", configFile);
        return new WebhookTokenAuthenticator(c.server(), c.tls(), c.token(), Duration.ofSeconds(30));
    }

    /** The webhook behind a cache whose successes and failures both live {@code ttl}, as upstream's webhook cache. */
    public static CachedTokenAuthenticator cached(WebhookTokenAuthenticator webhook, Duration ttl) {
        return Authenticators.cached(webhook, ttl, ttl, 10_000, Ticker.systemTicker());
    }

    @Override
    public Optional<TokenResult> authenticateToken(String token, List<String> audiences) throws AuthenticationException {
        ObjectNode review = JSON.createObjectNode();
        review.put("apiVersion", "authentication.k8s.io/v1");
        review.put("kind", "TokenReview");
        ObjectNode spec = review.putObject("spec");
        spec.put("token", token);
        if (!audiences.isEmpty()) {
            var arr = spec.putArray("audiences");
            audiences.forEach(arr::add);
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(server).timeout(timeout)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(review)));
        if (bearer != null) req.header("Authorization", "Bearer " + bearer);
        HttpResponse<byte[]> response;
        try {
            response = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuthenticationException("token webhook: interrupted");
        } catch (Exception e) {
            throw new AuthenticationException("token webhook: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (response.statusCode() / 100 != 2) {
            throw new AuthenticationException("token webhook: the server answered " + response.statusCode());
        }
        JsonNode status;
        try {
            status = JSON.readTree(response.body()).path("status");
        } catch (RuntimeException e) {
            throw new AuthenticationException("token webhook: the answer is not a TokenReview");
        }
        if (!status.path("authenticated").asBoolean(false)) {
            String error = status.path("error").asString("");
            if (!error.isEmpty()) throw new AuthenticationException("token webhook: " + error);
            return Optional.empty();
        }
        JsonNode u = status.path("user");
        List<String> groups = new ArrayList<>();
        u.path("groups").forEach(g -> groups.add(g.asString("")));
        Map<String, List<String>> extra = new LinkedHashMap<>();
        for (var e : u.path("extra").properties()) {
            List<String> values = new ArrayList<>();
            e.getValue().forEach(v -> values.add(v.asString("")));
            extra.put(e.getKey(), values);
        }
        UserInfo user = new UserInfo(u.path("username").asString(""), u.path("uid").asString(""), groups, extra);
        List<String> answered = new ArrayList<>();
        status.path("audiences").forEach(a -> answered.add(a.asString("")));
        // audiences were asked for and the webhook named others: the token is not for us
        List<String> matched = answered.stream().filter(audiences::contains).toList();
        if (!audiences.isEmpty() && !answered.isEmpty() && matched.isEmpty()) return Optional.empty();
        List<String> valid = answered.isEmpty() ? audiences : audiences.isEmpty() ? answered : matched;
        return Optional.of(new TokenResult(user, valid));
    }
}
