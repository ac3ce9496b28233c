package io.portcullis.authz;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.portcullis.api.Json;
import io.portcullis.authn.UserInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;

import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import java.util.TreeMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

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
        JsonNode root;
        try {
            root = YAMLMapper.builder().build().readTree(Files.readString(kubeconfig));
        } catch (IOException | JacksonException e) {
            throw new IllegalArgumentException("--authorization-webhook-config-file " + kubeconfig + ": " + e.getMessage(), e);
        }
        Path dir = kubeconfig.toAbsolutePath().getParent();
        JsonNode cluster = root.path("clusters").path(0).path("cluster");
        JsonNode user = root.path("users").path(0).path("user");
        String server = Json.text(cluster, "server");
        if (server.isEmpty()) throw new IllegalArgumentException("--authorization-webhook-config-file " + kubeconfig + ": clusters[0].cluster.server is required");
        try {
            byte[] ca = bytes(cluster, "certificate-authority", dir);
            byte[] cert = bytes(user, "client-certificate", dir);
            byte[] key = bytes(user, "client-key", dir);
            boolean insecure = cluster.path("insecure-skip-tls-verify").asBoolean(false);
            SSLContext ssl = sslContext(ca, cert, key, insecure);
            return new WebhookAuthorizer(URI.create(server), ssl, Json.text(user, "token"), authorizedTtl, unauthorizedTtl);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("--authorization-webhook-config-file " + kubeconfig + ": " + e.getMessage(), e);
        }
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
    private static byte[] bytes(JsonNode node, String field, Path dir) throws IOException {
        String data = Json.text(node, field + "-data");
        if (!data.isEmpty()) return Base64.getDecoder().decode(data.strip());
        String file = Json.text(node, field);
        if (file.isEmpty()) return null;
        return Files.readAllBytes(dir == null ? Path.of(file) : dir.resolve(file));
    }

    static SSLContext sslContext(byte[] caPem, byte[] certPem, byte[] keyPem, boolean insecure) throws IOException, GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        TrustManagerFactory tmf = null;
        if (insecure) {
            javax.net.ssl.TrustManager trustAll = new javax.net.ssl.X509TrustManager() {
                public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}
                public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}
                public java.security.cert.X509Certificate[] getAcceptedIssuers() { return new java.security.cert.X509Certificate[0]; }
            };
            ctx.init(keyManagers(certPem, keyPem), new javax.net.ssl.TrustManager[] {trustAll}, null);
            return ctx;
        }
        if (caPem != null) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certificates(caPem)) trust.setCertificateEntry("ca" + i++, c);
            if (i == 0) throw new GeneralSecurityException("certificate-authority holds no certificate");
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
        }
        ctx.init(keyManagers(certPem, keyPem), tmf == null ? null : tmf.getTrustManagers(), null);
        return ctx;
    }

    private static javax.net.ssl.KeyManager[] keyManagers(byte[] certPem, byte[] keyPem) throws IOException, GeneralSecurityException {
        if (certPem == null && keyPem == null) return null;
        if (certPem == null || keyPem == null) throw new GeneralSecurityException("client-certificate and client-key must be given together");
        Collection<? extends Certificate> chain = certificates(certPem);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pass = new char[0];
        ks.setKeyEntry("client", privateKey(keyPem), pass, chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pass);
        return kmf.getKeyManagers();
    }

    private static Collection<? extends Certificate> certificates(byte[] pem) throws GeneralSecurityException {
        return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
    }

    private static PrivateKey privateKey(byte[] pem) throws IOException, GeneralSecurityException {
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) return conv.getKeyPair(kp).getPrivate();
            if (o instanceof PrivateKeyInfo info) return conv.getPrivateKey(info);
            throw new GeneralSecurityException("client-key holds no private key");
        }
    }


}
