package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Server-side apply and the managedFields it keeps, over HTTPS, as upstream keeps them. */
class ServerSideApplyHttpsTest extends AdminServerTest {
    static final String NS = "/api/v1/namespaces/ssa";

    @BeforeAll
    static void namespace() throws Exception {
        assertThat(https.send("POST", "/api/v1/namespaces", "application/json", "{\"metadata\":{\"name\":\"ssa\"}}").statusCode()).isEqualTo(201);
    }

    static HttpResponse<String> apply(String path, String query, String body) throws Exception {
        return https.send("PATCH", path + "?" + query, "application/apply-patch+yaml", body);
    }

    static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void onePortNumberOverTwoProtocolsIsTwoPorts() throws Exception {
        JsonNode pod = ok(apply(NS + "/pods/dns", "fieldManager=me", """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"dns"},"spec":{"containers":[{"name":"c","image":"i",
                 "ports":[{"containerPort":53,"protocol":"UDP","name":"dns-udp"},{"containerPort":53,"name":"dns-tcp"}]}]}}"""));
        assertThat(pod.at("/spec/containers/0/ports").toString())
                .isEqualTo("[{\"containerPort\":53,\"protocol\":\"UDP\",\"name\":\"dns-udp\"},{\"containerPort\":53,\"name\":\"dns-tcp\",\"protocol\":\"TCP\"}]");
        JsonNode ports = pod.at("/metadata/managedFields/0/fieldsV1/f:spec/f:containers").get("k:{\"name\":\"c\"}").get("f:ports");
        assertThat(ports.propertyNames()).containsExactly(
                "k:{\"containerPort\":53,\"protocol\":\"TCP\"}", "k:{\"containerPort\":53,\"protocol\":\"UDP\"}");
    }

    /** kubectl diff --server-side right after an apply compares a dry-run apply with the object: nothing may differ. */
    @Test
    void reapplyingAnUnchangedConfigurationChangesNothingDryRunOrNot() throws Exception {
        String path = NS + "/configmaps/same";
        String config = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"same\",\"labels\":{\"a\":\"b\"}},\"data\":{\"k\":\"v\"}}";
        JsonNode first = ok(apply(path, "fieldManager=me", config));
        Thread.sleep(1100);   // a later second: a time that moved would show
        JsonNode dryRun = ok(apply(path, "fieldManager=me&dryRun=All", config));
        JsonNode again = ok(apply(path, "fieldManager=me", config));
        JsonNode stored = Json.MAPPER.readTree(https.get(path).body());
        for (JsonNode answer : new JsonNode[] {dryRun, again, stored}) {
            assertThat(answer.at("/metadata/resourceVersion").asString()).isEqualTo(first.at("/metadata/resourceVersion").asString());
            assertThat(answer.at("/metadata/managedFields")).isEqualTo(first.at("/metadata/managedFields"));
        }

        JsonNode changed = ok(apply(path, "fieldManager=me&dryRun=All", config.replace("\"v\"", "\"w\"")));
        assertThat(changed.at("/data/k").asString()).isEqualTo("w");
        assertThat(changed.at("/metadata/resourceVersion").asString()).as("a dry run answers with the resourceVersion it started from")
                .isEqualTo(first.at("/metadata/resourceVersion").asString());
    }
}
