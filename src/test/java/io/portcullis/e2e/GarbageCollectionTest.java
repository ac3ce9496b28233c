package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** propagationPolicy as upstream's garbage collector carries it out, through ownerReferences. */
class GarbageCollectionTest extends AdminServerTest {
    static final String CMS = "/api/v1/namespaces/default/configmaps";

    @Test
    void backgroundDeletionTakesTheDependentsAlong() throws Exception {
        String uid = create("bg-owner", null);
        create("bg-dependent", uid);
        create("bg-bystander", null);
        delete("bg-owner", "Background");
        await(() -> status("bg-dependent") == 404);
        assertThat(status("bg-owner")).isEqualTo(404);
        assertThat(status("bg-bystander")).isEqualTo(200);
    }

    @Test
    void aDependentWithAnotherLiveOwnerStays() throws Exception {
        String first = create("two-owner-a", null);
        String second = create("two-owner-b", null);
        https.send("POST", CMS, "application/json", "{\"metadata\":{\"name\":\"two-dependent\",\"ownerReferences\":["
                + owner("two-owner-a", first) + "," + owner("two-owner-b", second) + "]}}");
        delete("two-owner-a", "Background");
        Thread.sleep(1000);
        assertThat(status("two-dependent")).isEqualTo(200);
        delete("two-owner-b", "Background");
        await(() -> status("two-dependent") == 404);
    }

    @Test
    void anOwnerOfAKindNotServedHereNeverCountsAsGone() throws Exception {
        HttpResponse<String> r = https.send("POST", CMS, "application/json", "{\"metadata\":{\"name\":\"owned-elsewhere\",\"ownerReferences\":["
                + "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"rs\",\"uid\":\"6f1c0e6e-0000-4000-8000-000000000001\"}]}}");
        assertThat(r.statusCode()).isEqualTo(201);
        create("unrelated-owner", null);
        delete("unrelated-owner", "Background");
        await(() -> status("unrelated-owner") == 404);
        assertThat(status("owned-elsewhere")).isEqualTo(200);
    }

    @Test
    void orphanDeletionLeavesTheDependentsWithoutTheOwnerReference() throws Exception {
        String uid = create("orphan-owner", null);
        create("orphan-dependent", uid);
        HttpResponse<String> r = delete("orphan-owner", "Orphan");
        assertThat(Json.MAPPER.readTree(r.body()).path("metadata").path("finalizers").toString()).contains("orphan");
        await(() -> status("orphan-owner") == 404);
        JsonNode dependent = Json.MAPPER.readTree(https.get(CMS + "/orphan-dependent").body());
        assertThat(dependent.path("metadata").path("ownerReferences").size()).isZero();
    }

    @Test
    void foregroundDeletionRemovesTheDependentsFirst() throws Exception {
        String uid = create("fg-owner", null);
        create("fg-dependent", uid);
        HttpResponse<String> r = delete("fg-owner", "Foreground");
        JsonNode marked = Json.MAPPER.readTree(r.body());
        assertThat(marked.path("metadata").path("finalizers").toString()).contains("foregroundDeletion");
        assertThat(marked.path("metadata").path("deletionTimestamp").asString()).isNotEmpty();
        await(() -> status("fg-owner") == 404);
        assertThat(status("fg-dependent")).isEqualTo(404);
    }

    @Test
    void aRestartCollectsWhatWasAlreadyGarbageAndKeepsWhatBelongsElsewhere(@TempDir Path dir) throws Exception {
        String missingConfigMap = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"gone\",\"uid\":\"6f1c0e6e-0000-4000-8000-000000000002\"}";
        String replicaSet = "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"rs\",\"uid\":\"6f1c0e6e-0000-4000-8000-000000000003\"}";
        try (Server first = Server.start(ServerConfig.embedded(dir))) {
            AdminHttps h = AdminHttps.fromKubeconfig(first.kubeconfig());
            assertThat(h.send("POST", CMS, "application/json", "{\"metadata\":{\"name\":\"garbage\",\"ownerReferences\":[" + missingConfigMap + "]}}").statusCode()).isEqualTo(201);
            assertThat(h.send("POST", CMS, "application/json", "{\"metadata\":{\"name\":\"kept\",\"ownerReferences\":[" + replicaSet + "]}}").statusCode()).isEqualTo(201);
        }
        try (Server second = Server.start(ServerConfig.embedded(dir))) {
            AdminHttps h = AdminHttps.fromKubeconfig(second.kubeconfig());
            for (int i = 0; i < 100 && h.get(CMS + "/garbage").statusCode() != 404; i++) Thread.sleep(100);
            assertThat(h.get(CMS + "/garbage").statusCode()).isEqualTo(404);
            assertThat(h.get(CMS + "/kept").statusCode()).isEqualTo(200);
        }
    }

    private static String create(String name, String ownerUid) throws Exception {
        String refs = ownerUid == null ? "" : ",\"ownerReferences\":[" + owner(name.replace("dependent", "owner"), ownerUid) + "]";
        HttpResponse<String> r = https.send("POST", CMS, "application/json", "{\"metadata\":{\"name\":\"" + name + "\"" + refs + "}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Json.MAPPER.readTree(r.body()).path("metadata").path("uid").asString();
    }

    private static String owner(String name, String uid) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"" + name + "\",\"uid\":\"" + uid + "\"}";
    }

    private static HttpResponse<String> delete(String name, String policy) throws Exception {
        HttpResponse<String> r = https.send("DELETE", CMS + "/" + name, "application/json", "{\"propagationPolicy\":\"" + policy + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r;
    }

    private static int status(String name) {
        try {
            return https.get(CMS + "/" + name).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) Thread.sleep(100);
        assertThat(condition.getAsBoolean()).isTrue();
    }
}
