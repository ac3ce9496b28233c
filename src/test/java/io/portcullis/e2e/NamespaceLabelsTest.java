package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.testing.Https.Response;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** As upstream, a Namespace keeps the labels it is given and always carries kubernetes.io/metadata.name = its name. */
class NamespaceLabelsTest extends AdminServerTest {
    static final String NAMESPACE = """
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"%s","labels":{"team":"blue","kubernetes.io/metadata.name":"spoofed"}}}""";

    /** Each row creates namespace ns-N from {@link #NAMESPACE}, then sends its request, if any, to it (%s is the name). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            create                  |       |                                        |                                                                      | {"team":"blue"}
            update                  | PUT   | application/json                       | {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"%s","labels":{"team":"green"}}} | {"team":"green"}
            merge patch             | PATCH | application/merge-patch+json           | {"metadata":{"labels":{"tier":"web"}}}                               | {"team":"blue","tier":"web"}
            merge patch of the name | PATCH | application/merge-patch+json           | {"metadata":{"labels":{"kubernetes.io/metadata.name":null}}}         | {"team":"blue"}
            strategic merge patch   | PATCH | application/strategic-merge-patch+json | {"metadata":{"labels":{"tier":"web"}}}                               | {"team":"blue","tier":"web"}
            JSON patch              | PATCH | application/json-patch+json            | [{"op":"replace","path":"/metadata/labels","value":{"only":"this"}}] | {"only":"this"}
            server-side apply       | PATCH | application/apply-patch+yaml           | {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"%s","labels":{"team":"red"}}} | {"team":"red"}
            """)
    void labelsAreKeptAndTheNameLabelIsTheName(String how, String method, String contentType, String body, String wantUserLabels)
            throws Exception {
        String name = "ns-" + how.replace(' ', '-').toLowerCase(java.util.Locale.ROOT);
        String path = "/api/v1/namespaces/" + name;
        Response r = https.post("/api/v1/namespaces", NAMESPACE.formatted(name));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        if (method != null) {
            String query = contentType.contains("apply") ? "?fieldManager=test&force=true" : "";
            r = https.send(method, path + query, contentType, body.formatted(name));
            assertThat(r.status()).as(r.text()).isEqualTo(200);
        }

        ObjectNode want = (ObjectNode) Json.MAPPER.readTree(wantUserLabels);
        want.put("kubernetes.io/metadata.name", name);
        assertThat(labels(r)).as("in the response").isEqualTo(want);
        assertThat(labels(https.get(path))).as("as stored").isEqualTo(want);
        https.delete(path);
    }

    static JsonNode labels(Response r) {
        return r.json().path("metadata").path("labels");
    }
}
