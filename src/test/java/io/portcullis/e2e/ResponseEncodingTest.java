package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.testing.Https.Response;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Indented JSON for ?pretty and for curl, Wget and browsers; gzip above 128 KiB for clients that accept it, as upstream. */
class ResponseEncodingTest extends AdminServerTest {
    static final String CMS = "/api/v1/namespaces/encoding/configmaps";

    @BeforeAll
    static void objects() throws Exception {
        https.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"encoding\"}}");
        String big = "x".repeat(50_000);
        for (int i = 0; i < 4; i++) {
            Response r = https.post(CMS,
                    "{\"metadata\":{\"name\":\"big" + i + "\"},\"data\":{\"k\":\"" + big + "\",\"e\":\"\"}}");
            assertThat(r.status()).as(r.text()).isEqualTo(201);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ?pretty=true   | kubectl/v1.32.4 | true
            ?pretty=1      | ''              | true
            ?pretty=false  | curl/8.5.0      | false
            ?pretty=nope   | curl/8.5.0      | false
            ''             | curl/8.5.0      | true
            ''             | Wget/1.21       | true
            ''             | Mozilla/5.0 (X11)| true
            ''             | kubectl/v1.32.4 | false
            """)
    void jsonIsIndentedAsUpstreamIndentsIt(String query, String agent, boolean indented) throws Exception {
        for (String name : new String[] {"big0", "absent"}) {
            String path = CMS + "/" + name + query;
            Response r = agent.isEmpty() ? https.get(path) : https.get(path, "User-Agent", agent);
            assertThat(r.status()).isEqualTo(name.equals("big0") ? 200 : 404);
            if (!indented) {
                assertThat(r.text()).doesNotContain("\n");
            } else if (name.equals("big0")) {
                assertThat(r.text()).startsWith("{\n  \"").contains("\n  \"kind\": \"ConfigMap\"").contains("\"e\": \"\"");
            } else {
                assertThat(r.text()).contains("\n  \"metadata\": {},\n").contains("\n  \"code\": 404,\n");
            }
            Json.MAPPER.readTree(r.text());
        }
    }

    /** HEAD is GET without the body, over HTTP/1.1 and HTTP/2 alike: the status and headers a GET would have, at once, and no bytes. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            HTTP_1_1 | /api/v1/namespaces/encoding/configmaps/big0 | 200
            HTTP_1_1 | /version                                    | 200
            HTTP_2   | /api/v1/namespaces/encoding/configmaps/big0 | 200
            HTTP_2   | /api/v1/namespaces/encoding/configmaps      | 200
            HTTP_2   | /version                                    | 200
            HTTP_2   | /api/v1/namespaces/encoding/configmaps/none | 404
            HTTP_2   | /api/v1/namespaces/encoding/frobs           | 404
            """)
    void headIsAnsweredWithoutABodyOverEitherVersion(java.net.http.HttpClient.Version version, String path, int code) throws Exception {
        var client = version == java.net.http.HttpClient.Version.HTTP_2 ? https.overHttp2() : https;
        for (int i = 0; i < 3; i++) {   // the same connection answers again: nothing of a HEAD is left on it
            java.net.http.HttpResponse<byte[]> r = client.client().send(client.request(path).timeout(java.time.Duration.ofSeconds(30))
                    .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.version()).isEqualTo(version);
            assertThat(r.statusCode()).isEqualTo(code);
            assertThat(r.body()).isEmpty();
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        }
        assertThat(client.get(path).status()).as("GET after HEAD").isEqualTo(code);
    }

    @Test
    void largeResponsesAreGzippedForClientsThatAcceptIt() throws Exception {
        Response plain = get(CMS, null);
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(plain.body().length).isGreaterThan(128 * 1024);

        Response zipped = get(CMS, "deflate, gzip;q=0.9");
        assertThat(zipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(zipped.headers().allValues("Vary")).contains("Accept-Encoding");
        assertThat(zipped.body().length).isLessThan(plain.body().length / 10);
        byte[] unzipped = new GZIPInputStream(new ByteArrayInputStream(zipped.body())).readAllBytes();
        assertThat(Json.MAPPER.readTree(unzipped).path("items")).hasSize(plain.json().path("items").size());

        Response small = get(CMS + "?limit=1", "gzip");
        assertThat(small.headers().firstValue("Content-Encoding")).as("below the threshold").isEmpty();
        assertThat(new String(small.body(), StandardCharsets.UTF_8)).startsWith("{");
    }

    private static Response get(String path, String acceptEncoding) throws Exception {
        Response r = acceptEncoding == null ? https.get(path) : https.get(path, "Accept-Encoding", acceptEncoding);
        assertThat(r.status()).isEqualTo(200);
        return r;
    }
}
