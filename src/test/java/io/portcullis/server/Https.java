package io.portcullis.server;

import io.portcullis.api.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import tools.jackson.databind.JsonNode;

/** Plain HTTPS against a test server: as the admin (client certificate), with a bearer token, or with nothing. */
final class Https {
    record Response(int code, JsonNode body, List<String> warnings, String contentType, String cacheControl) {
        String message() {
            return body.path("message").asString("");
        }

        String reason() {
            return body.path("reason").asString("");
        }
    }

    private final String url;
    private final HttpClient admin;
    private final HttpClient plain;

    Https(Server server) {
        this.url = server.url();
        this.admin = client(server, true);
        this.plain = client(server, false);
    }

    Response admin(String method, String path, Object body) {
        return send(admin, method, path, body, null);
    }

    Response withToken(String token, String method, String path, Object body) {
        return send(plain, method, path, body, token);
    }

    private Response send(HttpClient client, String method, String path, Object body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        byte[] bytes = body == null ? null : body instanceof String s ? s.getBytes() : Json.bytes(body);
        if (bytes != null) b.header("Content-Type", "application/json");
        b.method(method, bytes == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(bytes));
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode tree = r.body().length == 0 ? Json.object() : Json.tree(r.body());
            return new Response(r.statusCode(), tree, r.headers().allValues("Warning"),
                    r.headers().firstValue("Content-Type").orElse(""), r.headers().firstValue("Cache-Control").orElse(""));
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        }
    }

    private static HttpClient client(Server server, boolean withAdminCertificate) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", server.pki().caCertificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            KeyManagerFactory kmf = null;
            if (withAdminCertificate) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                PrivateKey key = server.pki().adminKey();
                X509Certificate cert = server.pki().adminCertificate();
                keys.setKeyEntry("admin", key, new char[0], new Certificate[] {cert});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, new char[0]);
            }
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
