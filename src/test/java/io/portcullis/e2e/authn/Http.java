package io.portcullis.e2e.authn;

import io.portcullis.api.Json;
import io.portcullis.server.Server;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.JsonNode;

/** java.net.http against a running server: anonymous (trusting its CA only), or as the admin certificate. */
record Http(HttpClient client, String baseUrl) {
    static final String SELF_SUBJECT_REVIEW = "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}";

    record Response(int status, String body) {
        JsonNode json() {
            return Json.MAPPER.readTree(body);
        }
    }

    static Http anonymous(Server server) {
        return over(server, Tls.trusting(server.pki().caCertificate()));
    }

    static Http admin(Server server) {
        return over(server, Tls.client(server.pki().caCertificate(), server.pki().adminCertificate(), server.pki().adminKey()));
    }

    static Http over(Server server, SSLContext tls) {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        return new Http(client, server.url());
    }

    /** {@code headers} alternate name and value; a name may repeat to send the header twice. */
    Response send(String method, String path, String body, List<String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        for (int i = 0; i < headers.size(); i += 2) b.header(headers.get(i), headers.get(i + 1));
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (Exception e) {
            throw new AssertionError(method + " " + path + ": " + e, e);
        }
    }

    Response get(String path, String... headers) {
        return send("GET", path, null, List.of(headers));
    }

    Response post(String path, String body, String... headers) {
        return send("POST", path, body, List.of(headers));
    }

    Response whoami(String... headers) {
        return post("/apis/authentication.k8s.io/v1/selfsubjectreviews", SELF_SUBJECT_REVIEW, headers);
    }
}
