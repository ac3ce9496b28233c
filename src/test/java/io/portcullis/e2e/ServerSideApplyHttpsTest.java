package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.testing.Https;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Server-side apply and the managedFields it keeps, over HTTPS, as upstream keeps them. */
class ServerSideApplyHttpsTest extends AdminServerTest {
    static final String NS = "/api/v1/namespaces/ssa";

    @BeforeAll
    static void namespace() throws Exception {
        assertThat(https.send("POST", "/api/v1/namespaces", "application/json", "{\"metadata\":{\"name\":\"ssa\"}}").status()).isEqualTo(201);
    }

    static Https.Response apply(String path, String query, String body) throws Exception {
        return https.send("PATCH", path + "?" + query, "application/apply-patch+yaml", body);
    }

    static JsonNode ok(Https.Response r) throws Exception {
        assertThat(r.status()).as(r.text()).isIn(200, 201);
        return r.json();
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
        JsonNode stored = https.get(path).json();
        for (JsonNode answer : new JsonNode[] {dryRun, again, stored}) {
            assertThat(answer.at("/metadata/resourceVersion").asString()).isEqualTo(first.at("/metadata/resourceVersion").asString());
            assertThat(answer.at("/metadata/managedFields")).isEqualTo(first.at("/metadata/managedFields"));
        }

        JsonNode changed = ok(apply(path, "fieldManager=me&dryRun=All", config.replace("\"v\"", "\"w\"")));
        assertThat(changed.at("/data/k").asString()).isEqualTo("w");
        assertThat(changed.at("/metadata/resourceVersion").asString()).as("a dry run answers with the resourceVersion it started from")
                .isEqualTo(first.at("/metadata/resourceVersion").asString());
    }

    /** Fields a client-side apply set pass without a conflict to the manager kubectl alone (upstream's upgrade path). */
    @Test
    void anotherManagerThanKubectlConflictsWithClientSideAppliedFields() throws Exception {
        String lastApplied = "{\"apiVersion\":\"v1\",\"data\":{\"mode\":\"one\"},\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"csa\",\"namespace\":\"ssa\"}}\n";
        ObjectNode created = Json.object();
        created.putObject("metadata").put("name", "csa").putObject("annotations").put("kubectl.kubernetes.io/last-applied-configuration", lastApplied);
        created.putObject("data").put("mode", "one");
        Https.Response r = https.send("POST", NS + "/configmaps?fieldManager=kubectl-client-side-apply", "application/json", Json.string(created));
        assertThat(r.status()).as(r.text()).isEqualTo(201);

        String config = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"csa\"},\"data\":{\"mode\":\"two\"}}";
        Https.Response conflict = apply(NS + "/configmaps/csa", "fieldManager=other", config);
        assertThat(conflict.status()).as(conflict.text()).isEqualTo(409);
        JsonNode status = conflict.json();
        assertThat(status.path("reason").asString()).isEqualTo("Conflict");
        assertThat(status.path("message").asString())
                .isEqualTo("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .data.mode");
        assertThat(status.at("/details/causes")).isEqualTo(Json.MAPPER.readTree(
                "[{\"reason\":\"FieldManagerConflict\",\"message\":\"conflict with \\\"kubectl-client-side-apply\\\" using v1\",\"field\":\".data.mode\"}]"));

        JsonNode applied = ok(apply(NS + "/configmaps/csa", "fieldManager=kubectl", config));
        assertThat(applied.at("/data/mode").asString()).isEqualTo("two");
        assertThat(applied.at("/metadata/annotations").get("kubectl.kubernetes.io/last-applied-configuration").asString())
                .isEqualTo("{\"apiVersion\":\"v1\",\"data\":{\"mode\":\"two\"},\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"csa\"}}\n");
    }

    static java.util.List<String> entries(JsonNode obj) {
        return obj.at("/metadata/managedFields").valueStream().map(e -> e.get("operation").asString() + " " + e.get("manager").asString()
                + " " + e.path("subresource").asString("-") + " " + e.get("fieldsV1")).toList();
    }

    /**
     * As upstream: each manager has an entry per subresource, writes through /status record theirs with
     * subresource "status", and the main resource ignores a status in its apply configuration, so it
     * neither owns nor conflicts over the status.
     */
    @Test
    void writesThroughStatusAreOwnedAsTheStatusSubresourceAndTheMainResourceIgnoresStatus() throws Exception {
        String pod = NS + "/pods/st";
        String object = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"st\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}%s}";
        ok(apply(pod, "fieldManager=me", object.formatted("")));
        ok(apply(pod + "/status", "fieldManager=kubelet", object.formatted(",\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}")));
        ok(https.send("PATCH", pod + "/status?fieldManager=ctl", "application/merge-patch+json", "{\"status\":{\"message\":\"hi\"}}"));
        ObjectNode current = (ObjectNode) https.get(pod).json();
        current.withObject("status").put("reason", "r");
        ok(https.send("PUT", pod + "/status?fieldManager=putter", "application/json", Json.string(current)));

        JsonNode main = ok(apply(pod, "fieldManager=me", object.formatted(",\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}")));
        assertThat(main.at("/status/conditions").toString()).contains("{\"type\":\"Ready\",\"status\":\"True\"}");
        assertThat(entries(main)).containsExactlyInAnyOrder(
                "Apply me - {\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"c\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{}}}}}",
                "Apply kubelet status {\"f:status\":{\"f:conditions\":{\"k:{\\\"type\\\":\\\"Ready\\\"}\":{\".\":{},\"f:status\":{},\"f:type\":{}}}}}",
                "Update ctl status {\"f:status\":{\"f:message\":{}}}",
                "Update putter status {\"f:status\":{\"f:reason\":{}}}");
        assertThat(main.at("/metadata/managedFields/3/apiVersion").asString()).isEqualTo("v1");

        Https.Response missing = apply(NS + "/pods/absent/status", "fieldManager=kubelet", object.replace("\"st\"", "\"absent\"").formatted(""));
        assertThat(missing.status()).as("an apply through /status creates nothing").isEqualTo(404);
    }

    /** As upstream, at most ten Update entries: past that the oldest merge into "ancient-changes". */
    @Test
    void twelveUpdatersLeaveTenUpdateEntries() throws Exception {
        String path = NS + "/configmaps/many";
        Https.Response created = https.send("POST", NS + "/configmaps?fieldManager=m01", "application/json",
                "{\"metadata\":{\"name\":\"many\"},\"data\":{\"k01\":\"v\"}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        JsonNode last = null;
        for (int i = 2; i <= 12; i++) {
            String m = "m%02d".formatted(i);
            last = ok(https.send("PATCH", path + "?fieldManager=" + m, "application/merge-patch+json", "{\"data\":{\"k%02d\":\"v\"}}".formatted(i)));
        }
        assertThat(last.at("/metadata/managedFields").valueStream().map(e -> e.get("manager").asString()).toList()).containsExactlyInAnyOrder(
                "ancient-changes", "m04", "m05", "m06", "m07", "m08", "m09", "m10", "m11", "m12");
        JsonNode ancient = last.at("/metadata/managedFields").valueStream().filter(e -> e.get("manager").asString().equals("ancient-changes"))
                .findFirst().orElseThrow();
        assertThat(ancient.get("operation").asString()).isEqualTo("Update");
        assertThat(ancient.get("apiVersion").asString()).isEqualTo("v1");
        assertThat(ancient.get("fieldsV1").toString()).isEqualTo("{\"f:data\":{\".\":{},\"f:k01\":{},\"f:k02\":{},\"f:k03\":{}}}");
    }
}
