package io.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** How bodies appear in events: secrets never below RequestResponse, managedFields left out when asked. */
class EventJsonTest {

    static JsonNode written(Level level, String verb, Event.ObjectRef ref, String contentType, String request, String response,
                            boolean omitManagedFields) {
        Event e = new Event(level, Stage.RESPONSE_COMPLETE, new Event.Origin("id", Instant.now(), "/", "", List.of()), verb, null, null,
                ref, Event.ResponseStatus.code(200), body(contentType, request), body("application/json", response), Instant.now(), Map.of(),
                omitManagedFields);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new EventJson(null).write(out, e);
        return Json.MAPPER.readTree(out.toByteArray());
    }

    static Event.Body body(String contentType, String text) {
        return text == null ? null : new Event.Body(contentType, text.getBytes(StandardCharsets.UTF_8));
    }

    static Event.ObjectRef ref(String group, String resource) {
        return new Event.ObjectRef(resource, "ns", "", group, "v1", "");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            a Secret                   | secrets      |                       | create | application/json             | {"kind":"Secret","metadata":{"name":"s"},"data":{"password":"aHVudGVyMg=="},"stringData":{"token":"hunter2"}}
            a Secret, as YAML          | secrets      |                       | create | application/yaml             | `{kind: Secret, metadata: {name: s}, stringData: {token: hunter2}, data: {password: aHVudGVyMg==}}`
            a merge patch to a Secret  | secrets      |                       | patch  | application/merge-patch+json | {"stringData":{"token":"hunter2"}}
            a JSON patch to a Secret   | secrets      |                       | patch  | application/json-patch+json  | [{"op":"add","path":"/data/password","value":"aHVudGVyMg=="},{"op":"replace","path":"/stringData","value":{"token":"hunter2"}}]
            a TokenReview              | tokenreviews | authentication.k8s.io | create | application/json             | {"kind":"TokenReview","spec":{"token":"hunter2","audiences":["api"]}}
            """)
    void atRequestLevelNoSecretValueIsWrittenButAtRequestResponseTheBodyIsWhole(String name, String resource, String group, String verb,
                                                                                String contentType, String body) {
        JsonNode request = written(Level.REQUEST, verb, ref(group == null ? "" : group, resource), contentType, body, null, false);
        assertThat(request.has("requestObject")).isTrue();
        assertThat(request.toString()).doesNotContain("hunter2").doesNotContain("aHVudGVyMg==").contains(EventJson.REDACTED);

        JsonNode whole = written(Level.REQUEST_RESPONSE, verb, ref(group == null ? "" : group, resource), contentType, body, null, false);
        assertThat(whole.toString()).contains("hunter2");
    }

    @Test
    void aCreatesBodyNamesTheObjectAtEveryLevelButIsRecordedOnlyFromRequestOn() {
        String cm = "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"made\",\"namespace\":\"ns\"},\"data\":{\"a\":\"b\"}}";
        JsonNode metadata = written(Level.METADATA, "create", ref("", "configmaps"), "application/json", cm, null, false);
        assertThat(metadata.path("objectRef").path("name").asString()).isEqualTo("made");
        assertThat(metadata.has("requestObject")).isFalse();
        JsonNode request = written(Level.REQUEST, "create", ref("", "configmaps"), "application/json", cm, null, false);
        assertThat(request.path("requestObject")).isEqualTo(Json.MAPPER.readTree(cm));
    }

    @Test
    void omitManagedFieldsDropsThemFromObjectsListItemsAndTableRows() {
        String managed = "{\"name\":\"x\",\"managedFields\":[{\"manager\":\"kubectl\"}]}";
        String list = "{\"kind\":\"ConfigMapList\",\"items\":[{\"metadata\":" + managed + "}]}";
        String table = "{\"kind\":\"Table\",\"rows\":[{\"object\":{\"metadata\":" + managed + "}}]}";
        for (String response : List.of("{\"metadata\":" + managed + "}", list, table)) {
            JsonNode kept = written(Level.REQUEST_RESPONSE, "get", ref("", "configmaps"), null, null, response, false);
            assertThat(kept.path("responseObject").toString()).contains("managedFields");
            JsonNode dropped = written(Level.REQUEST_RESPONSE, "get", ref("", "configmaps"), null, null, response, true);
            assertThat(dropped.path("responseObject").toString()).doesNotContain("managedFields").contains("\"name\":\"x\"");
        }
    }
}
