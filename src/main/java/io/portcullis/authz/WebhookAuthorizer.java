package io.portcullis.authz;

import io.portcullis.pki.WebhookConfig;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.portcullis.api.Json;
import io.portcullis.authn.UserInfo;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import java.util.List;
import java.util.Map;

import java.util.TreeMap;
import javax.net.ssl.SSLContext;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * --authorization-webhook-config-file: asks a remote service with an authorization.k8s.io/v1
 * SubjectAccessReview. status.allowed is ALLOW, status.denied DENY, anything else NO_OPINION with
 * status.reason. Answers are cached by the review's spec: allowed ones for the authorized TTL
 * (default 5m), others for the unauthorized TTL (default 30s). A failed call is an
 * {@link AuthorizationException} and is not cached. The call blocks: the server runs it off the event loop.
 */
public final class WebhookAuthorizer implements Authorizer {
    public static final Duration DEFAULT_AUTHORIZED_TTL = Duration.ofMinutes(5);
    public static final Duration DEFAULT_UNAUTHORIZED_TTL = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI server;
    private final HttpClient client;
    private final String token;
    private final Cache<String, Verdict> authorized;
    private final Cache<String, Verdict> unauthorized;

    public WebhookAuthorizer(URI server, SSLContext ssl, String token, Duration authorizedTtl, Duration unauthorizedTtl) {
        this.server = server;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT).version(HttpClient.Version.HTTP_1_1);
        if (ssl != null) b.sslContext(ssl);
        this.client = b.build();
        this.token = token == null || token.isEmpty() ? null : token;
        this.authorized = cache(authorizedTtl);
        this.unauthorized = cache(unauthorizedTtl);
    }

    /** Reads a kubeconfig-format file: the first cluster's server and CA, the first user's client certificate or token. */
    public static WebhookAuthorizer load(Path kubeconfig, Duration authorizedTtl, Duration unauthorizedTtl) {
        WebhookConfig c = WebhookConfig.load("--authorization-webhook-config-file", kubeconfig);
        return new WebhookAuthorizer(c.server(), c.tls(), c.token() == null ? "" : c.token(), authorizedTtl, unauthorizedTtl);
    }

    @Override
    public Verdict authorize(Attributes attributes) {
        ObjectNode spec = spec(attributes);
        String key = Json.string(spec);
        Verdict cached = authorized == null ? null : authorized.getIfPresent(key);
        if (cached == null && unauthorized != null) cached = unauthorized.getIfPresent(key);
        if (cached != null) return cached;

        ObjectNode review = Json.object();
        review.put("apiVersion", "authorization.k8s.io/v1");
        review.put("kind", "SubjectAccessReview");
        review.set("spec", spec);
        HttpRequest.Builder req = HttpRequest.newBuilder(server).timeout(TIMEOUT)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(review)));
        if (token != null) req.header("Authorization", "Bearer " + token);
        HttpResponse<byte[]> resp;
        try {
            resp = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new AuthorizationException("authorization webhook " + server + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuthorizationException("authorization webhook " + server + " interrupted", e);
        }
        if (resp.statusCode() < 200 || resp.statusCode() > 299) {
            throw new AuthorizationException("authorization webhook " + server + " answered HTTP " + resp.statusCode());
        }
        JsonNode status;
        try {
            status = Json.tree(resp.body()).path("status");
        } catch (JacksonException e) {
            throw new AuthorizationException("authorization webhook " + server + " sent an unreadable SubjectAccessReview", e);
        }
        String reason = Json.text(status, "reason");
        if (status.path("allowed").asBoolean(false)) {
            Verdict v = Verdict.allow(reason);
            if (authorized != null) authorized.put(key, v);
            return v;
        }
        Verdict v = status.path("denied").asBoolean(false) ? Verdict.deny(reason) : Verdict.noOpinion(reason);
        if (unauthorized != null) unauthorized.put(key, v);
        return v;
    }

    /** The SubjectAccessReview spec for a request, empty fields left out as upstream's JSON does. */
    static ObjectNode spec(Attributes a) {
        ObjectNode spec = Json.object();
        if (a.resourceRequest()) {
            ObjectNode r = spec.putObject("resourceAttributes");
            putIf(r, "namespace", a.namespace());
            putIf(r, "verb", a.verb());
            putIf(r, "group", a.apiGroup());
            putIf(r, "version", a.apiVersion());
            putIf(r, "resource", a.resource());
            putIf(r, "subresource", a.subresource());
            putIf(r, "name", a.name());
        } else {
            ObjectNode n = spec.putObject("nonResourceAttributes");
            putIf(n, "path", a.path());
            putIf(n, "verb", a.verb());
        }
        UserInfo u = a.user();
        putIf(spec, "user", u.name());
        if (!u.groups().isEmpty()) {
            ArrayNode groups = spec.putArray("groups");
            u.groups().forEach(groups::add);
        }
        if (!u.extra().isEmpty()) {
            ObjectNode extra = spec.putObject("extra");
            for (Map.Entry<String, List<String>> e : new TreeMap<>(u.extra()).entrySet()) {
                ArrayNode values = extra.putArray(e.getKey());
                e.getValue().forEach(values::add);
            }
        }
        putIf(spec, "uid", u.uid());
        return spec;
    }

    private static void putIf(ObjectNode node, String field, String value) {
        if (value != null && !value.isEmpty()) node.put(field, value);
    }

    private static Cache<String, Verdict> cache(Duration ttl) {
        if (ttl == null || ttl.isZero() || ttl.isNegative()) return null;   // no caching at all
        return Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(ttl).build();
    }

    /** A file field (path relative to the kubeconfig) or its -data twin (base64); null when neither is set. */
}
