package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.api.Json;
import io.portcullis.server.Server;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * Input built to exhaust the server is a 4xx that changes nothing, over HTTP/1.1 and HTTP/2: a body
 * nested past the depth any object needs, label and field selectors of absurd size, a JSON patch
 * that doubles the object with every operation.
 */
@EndToEnd
class RequestLimitsTest {
    static final String CMS = "/api/v1/namespaces/default/configmaps";
    @RegisterExtension static final TestServer fixture = TestServer.embedded();
    static Server server;

    @BeforeAll
    static void start() throws Exception {
        server = fixture.server();
        HttpResponse<String> seed = send(HttpClient.Version.HTTP_1_1, "POST", CMS, "application/json",
                "{\"metadata\":{\"name\":\"seed\"},\"data\":{\"a\":\"" + "x".repeat(1024) + "\"}}");
        assertThat(seed.statusCode()).as(seed.body()).isEqualTo(201);
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource(delimiter = '|', textBlock = """
            JSON nested 10000 deep    | HTTP_1_1 | application/json | DEEP_JSON
            JSON nested 10000 deep    | HTTP_2   | application/json | DEEP_JSON
            YAML nested 10000 deep    | HTTP_1_1 | application/yaml | DEEP_YAML
            YAML nested 10000 deep    | HTTP_2   | application/yaml | DEEP_YAML
            """)
    void aBodyNestedPastTheDepthLimitIsBadRequest(String name, HttpClient.Version version, String contentType, String shape) throws Exception {
        String body = shape.equals("DEEP_JSON")
                ? "{\"metadata\":{\"name\":\"deep\"},\"data\":" + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}"
                : "metadata: {name: deep}\ndata: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n";
        HttpResponse<String> r = send(version, "POST", CMS, contentType, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(status(r).path("reason").asString()).isEqualTo("BadRequest");
        assertThat(send(version, "GET", CMS + "/deep", null, null).statusCode()).isEqualTo(404);
    }

    @ParameterizedTest(name = "{0} of {1} characters over {2}")
    @CsvSource(delimiter = '|', textBlock = """
            labelSelector | 100000 | HTTP_1_1 | 414
            fieldSelector | 100000 | HTTP_1_1 | 414
            labelSelector | 70000  | HTTP_2   | 431
            fieldSelector | 70000  | HTTP_2   | 431
            """)
    void aSelectorOfAbsurdSizeIsRefused(String param, int size, HttpClient.Version version, int code) throws Exception {
        HttpResponse<String> r = send(version, "GET", CMS + "?" + param + "=" + absurd(param, size), null, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(code);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = HttpClient.Version.class)
    void aSelectorOfManyTermsWithinTheBoundIsAnswered(HttpClient.Version version) throws Exception {
        StringBuilder terms = new StringBuilder();
        for (int i = 0; terms.length() < 3000; i++) terms.append(i == 0 ? "" : ",").append("k").append(i).append("!=v");
        HttpResponse<String> many = send(version, "GET", CMS + "?labelSelector=" + URLEncoder.encode(terms.toString(), StandardCharsets.UTF_8),
                null, null);
        assertThat(many.statusCode()).as(many.body()).isEqualTo(200);
        assertThat(status(many).path("items").size()).isPositive();
    }

    @Test
    void anHttp2HeaderBlockFarPastTheBoundEndsItsConnectionAndTheServerGoesOn() throws Exception {
        HttpClient own = newClient(HttpClient.Version.HTTP_2);
        HttpRequest huge = HttpRequest.newBuilder(URI.create(server.url() + CMS + "?labelSelector=" + absurd("labelSelector", 600_000)))
                .timeout(Duration.ofSeconds(60)).build();
        assertThatThrownBy(() -> own.send(huge, HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
        assertThat(send(HttpClient.Version.HTTP_2, "GET", CMS, null, null).statusCode()).isEqualTo(200);
    }

    static String absurd(String param, int size) {
        String value = (param.equals("labelSelector") ? "app=" : "metadata.name=") + "x".repeat(size);
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = HttpClient.Version.class)
    void aJsonPatchDoublingTheObjectWithEveryOperationIsRefusedAndChangesNothing(HttpClient.Version version) throws Exception {
        String before = send(version, "GET", CMS + "/seed", null, null).body();
        StringBuilder patch = new StringBuilder("[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"a\":\"" + "y".repeat(1024) + "\"}}");
        for (int i = 0; i < 40; i++) patch.append(",{\"op\":\"copy\",\"from\":\"/metadata/annotations\",\"path\":\"/metadata/annotations/c").append(i).append("\"}");
        patch.append(']');
        HttpResponse<String> r = send(version, "PATCH", CMS + "/seed", "application/json-patch+json", patch.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
        assertThat(r.body()).contains("exceeding the limit 3145728");
        assertThat(send(version, "GET", CMS + "/seed", null, null).body()).isEqualTo(before);
    }

    static JsonNode status(HttpResponse<String> r) {
        return Json.tree(r.body().getBytes(StandardCharsets.UTF_8));
    }

    static HttpResponse<String> send(HttpClient.Version version, String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(60));
        if (contentType != null) b.header("Content-Type", contentType);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return client(version).send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final java.util.Map<HttpClient.Version, HttpClient> CLIENTS = new java.util.concurrent.ConcurrentHashMap<>();

    static HttpClient client(HttpClient.Version version) {
        return CLIENTS.computeIfAbsent(version, RequestLimitsTest::newClient);
    }

    /** The admin's client, on connections of its own. */
    static HttpClient newClient(HttpClient.Version v) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", server.pki().caCertificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("admin", server.pki().adminKey(), new char[0], new Certificate[] {server.pki().adminCertificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return HttpClient.newBuilder().sslContext(tls).version(v).connectTimeout(Duration.ofSeconds(20)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
