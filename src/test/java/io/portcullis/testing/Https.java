package io.portcullis.testing;

import io.portcullis.api.Json;
import io.portcullis.pki.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The tests' HTTPS client: java.net.http against one server, trusting only the CAs it is given.
 * It starts anonymous ({@link #to}) or as a kubeconfig's user ({@link #fromKubeconfig}); the
 * withers return a new client with a client certificate, a bearer token, basic credentials, a
 * header on every request, or HTTP/2 instead of HTTP/1.1. A failure to connect or to read the
 * answer is an {@link UncheckedIOException} naming the request.
 */
public final class Https {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final String SELF_SUBJECT_REVIEW = "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}";

    private final String url;
    private final List<X509Certificate> trusted;
    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final HttpClient.Version version;
    private final List<String> headers;
    private final HttpClient client;

    private Https(String url, List<X509Certificate> trusted, List<X509Certificate> chain, PrivateKey key, HttpClient.Version version,
                  List<String> headers, HttpClient client) {
        this.url = url;
        this.trusted = List.copyOf(trusted);
        this.chain = List.copyOf(chain);
        this.key = key;
        this.version = version;
        this.headers = List.copyOf(headers);
        this.client = client != null ? client : HttpClient.newBuilder()
                .sslContext(chain.isEmpty() ? Tls.trusting(trusted) : Tls.client(trusted, chain, key))
                .version(version).connectTimeout(CONNECT_TIMEOUT).build();
    }

    /** Nobody: no certificate and no credential, trusting {@code ca} only. */
    public static Https to(String url, X509Certificate ca) {
        return new Https(url, List.of(ca), List.of(), null, HttpClient.Version.HTTP_1_1, List.of(), null);
    }

    /** The server, CA and client certificate of a kubeconfig's first cluster and user, as kubectl would use them. */
    public static Https fromKubeconfig(Path kubeconfig) {
        try {
            JsonNode root = YAMLMapper.builder().build().readTree(Files.readString(kubeconfig));
            JsonNode cluster = root.path("clusters").path(0).path("cluster");
            JsonNode user = root.path("users").path(0).path("user");
            List<X509Certificate> cas = Pem.parseCertificates(decode(cluster, "certificate-authority-data"));
            Https https = new Https(cluster.path("server").asString(), cas, List.of(), null, HttpClient.Version.HTTP_1_1, List.of(), null);
            if (!user.has("client-certificate-data")) return https;
            return https.withClientCertificate(Pem.parseCertificates(decode(user, "client-certificate-data")),
                    Pem.parsePrivateKey(decode(user, "client-key-data"), kubeconfig + " client-key-data"));
        } catch (IOException e) {
            throw new UncheckedIOException("reading the kubeconfig " + kubeconfig, e);
        }
    }

    private static String decode(JsonNode node, String field) {
        return new String(Base64.getDecoder().decode(node.path(field).asString()), StandardCharsets.UTF_8);
    }

    /** The same server, presenting this certificate (its own client, connections included). */
    public Https withClientCertificate(X509Certificate certificate, PrivateKey key) {
        return withClientCertificate(List.of(certificate), key);
    }

    private Https withClientCertificate(List<X509Certificate> chain, PrivateKey key) {
        return new Https(url, trusted, chain, key, version, headers, null);
    }

    /** The same client sending {@code Authorization: Bearer <token>} with every request. */
    public Https withToken(String token) {
        return withHeader("Authorization", "Bearer " + token);
    }

    /** The same client sending basic credentials with every request. */
    public Https withBasicAuth(String user, String password) {
        String pair = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return withHeader("Authorization", "Basic " + pair);
    }

    /** The same client sending this header with every request, before the request's own headers. */
    public Https withHeader(String name, String value) {
        List<String> more = new ArrayList<>(headers);
        more.add(name);
        more.add(value);
        return new Https(url, trusted, chain, key, version, more, client);
    }

    /** The same credentials over a client that speaks HTTP/2 where the server agrees to it. */
    public Https overHttp2() {
        return new Https(url, trusted, chain, key, HttpClient.Version.HTTP_2, headers, null);
    }

    public String url() {
        return url;
    }

    /** The JDK client itself, for what a {@link Response} cannot hold: streams, WebSockets, slow bodies. */
    public HttpClient client() {
        return client;
    }

    /** A request to {@code path} carrying this client's headers and nothing else (no timeout): for {@link #client()}. */
    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path));
        for (int i = 0; i < headers.size(); i += 2) b.header(headers.get(i), headers.get(i + 1));
        return b;
    }

    /** {@code headers} alternate name and value; a name may repeat to send the header twice. */
    public Response get(String path, String... headers) {
        return send("GET", path, null, null, headers);
    }

    public Response delete(String path, String... headers) {
        return send("DELETE", path, null, null, headers);
    }

    /** The body as JSON: see {@link #send}. */
    public Response post(String path, Object body, String... headers) {
        return send("POST", path, "application/json", body, headers);
    }

    public Response put(String path, Object body, String... headers) {
        return send("PUT", path, "application/json", body, headers);
    }

    /** POSTs a SelfSubjectReview: who the server takes this client (and these headers) for. */
    public Response whoami(String... headers) {
        return post("/apis/authentication.k8s.io/v1/selfsubjectreviews", SELF_SUBJECT_REVIEW, headers);
    }

    /**
     * Any request. {@code body} is bytes, text (sent as UTF-8), any other object (written as JSON),
     * or null for none; {@code contentType} goes with a body only. {@code headers} alternate name and value.
     */
    public Response send(String method, String path, String contentType, Object body, String... headers) {
        byte[] bytes = body == null ? null : body instanceof byte[] b ? b
                : body instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : Json.bytes(body);
        HttpRequest.Builder b = request(path).timeout(REQUEST_TIMEOUT)
                .method(method, bytes == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (bytes != null && contentType != null) b.header("Content-Type", contentType);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " " + path + ": interrupted", e);
        }
    }

    /** What the server answered: the status, the headers, and the body as bytes, text or JSON. */
    public record Response(int status, HttpHeaders headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The body as JSON; a missing node when there is no body. */
        public JsonNode json() {
            return body.length == 0 ? Json.MAPPER.missingNode() : Json.tree(body);
        }

        /** The first value of the header, or "" when absent. */
        public String header(String name) {
            return headers.firstValue(name).orElse("");
        }

        /** The message of a Status body. */
        public String message() {
            return json().path("message").asString("");
        }

        /** The reason of a Status body. */
        public String reason() {
            return json().path("reason").asString("");
        }

        /** This response, when its status is {@code status}; an AssertionError showing the body otherwise. */
        public Response expect(int status) {
            if (this.status != status) throw new AssertionError("expected status " + status + ", got " + this);
            return this;
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }
}
