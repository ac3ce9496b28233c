package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
        https.send("POST", "/api/v1/namespaces", "application/json", "{\"metadata\":{\"name\":\"encoding\"}}");
        String big = "x".repeat(50_000);
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = https.send("POST", CMS, "application/json",
                    "{\"metadata\":{\"name\":\"big" + i + "\"},\"data\":{\"k\":\"" + big + "\",\"e\":\"\"}}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
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
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(https.server() + CMS + "/" + name + query)).timeout(Duration.ofSeconds(20));
            if (!agent.isEmpty()) b.header("User-Agent", agent);
            HttpResponse<String> r = https.client().send(b.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(name.equals("big0") ? 200 : 404);
            if (!indented) {
                assertThat(r.body()).doesNotContain("\n");
            } else if (name.equals("big0")) {
                assertThat(r.body()).startsWith("{\n  \"").contains("\n  \"kind\": \"ConfigMap\"").contains("\"e\": \"\"");
            } else {
                assertThat(r.body()).contains("\n  \"metadata\": {},\n").contains("\n  \"code\": 404,\n");
            }
            Json.MAPPER.readTree(r.body());
        }
    }

    @Test
    void largeResponsesAreGzippedForClientsThatAcceptIt() throws Exception {
        HttpResponse<byte[]> plain = get(CMS, null);
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(plain.body().length).isGreaterThan(128 * 1024);

        HttpResponse<byte[]> zipped = get(CMS, "deflate, gzip;q=0.9");
        assertThat(zipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(zipped.headers().allValues("Vary")).contains("Accept-Encoding");
        assertThat(zipped.body().length).isLessThan(plain.body().length / 10);
        byte[] unzipped = new GZIPInputStream(new ByteArrayInputStream(zipped.body())).readAllBytes();
        assertThat(Json.MAPPER.readTree(unzipped).path("items")).hasSize(Json.MAPPER.readTree(plain.body()).path("items").size());

        HttpResponse<byte[]> small = get(CMS + "?limit=1", "gzip");
        assertThat(small.headers().firstValue("Content-Encoding")).as("below the threshold").isEmpty();
        assertThat(new String(small.body(), StandardCharsets.UTF_8)).startsWith("{");
    }

    private static HttpResponse<byte[]> get(String path, String acceptEncoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(https.server() + path)).timeout(Duration.ofSeconds(20));
        if (acceptEncoding != null) b.header("Accept-Encoding", acceptEncoding);
        HttpResponse<byte[]> r = https.client().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        return r;
    }
}
