package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Https;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/** propagationPolicy as upstream's garbage collector carries it out, through ownerReferences. */
class GarbageCollectionTest extends AdminServerTest {
    static final String CMS = "/api/v1/namespaces/default/configmaps";

    /** A server of its own for the restart, beside the class's. */
    @RegisterExtension
    final TestServer restarted = TestServer.notStarted();

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
        https.post(CMS, "{\"metadata\":{\"name\":\"two-dependent\",\"ownerReferences\":["
                + owner("two-owner-a", first) + "," + owner("two-owner-b", second) + "]}}");
        delete("two-owner-a", "Background");
        Thread.sleep(1000);
        assertThat(status("two-dependent")).isEqualTo(200);
        delete("two-owner-b", "Background");
        await(() -> status("two-dependent") == 404);
    }

    @Test
    void anOwnerOfAKindNotServedHereNeverCountsAsGone() throws Exception {
        Response r = https.post(CMS, "{\"metadata\":{\"name\":\"owned-elsewhere\",\"ownerReferences\":["
                + "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"rs\",\"uid\":\"6f1c0e6e-0000-4000-8000-000000000001\"}]}}");
        assertThat(r.status()).isEqualTo(201);
        create("unrelated-owner", null);
        delete("unrelated-owner", "Background");
        await(() -> status("unrelated-owner") == 404);
        assertThat(status("owned-elsewhere")).isEqualTo(200);
    }

    @Test
    void orphanDeletionLeavesTheDependentsWithoutTheOwnerReference() throws Exception {
        String uid = create("orphan-owner", null);
        create("orphan-dependent", uid);
        Response r = delete("orphan-owner", "Orphan");
        assertThat(r.json().path("metadata").path("finalizers").toString()).contains("orphan");
        await(() -> status("orphan-owner") == 404);
        JsonNode dependent = https.get(CMS + "/orphan-dependent").json();
        assertThat(dependent.path("metadata").path("ownerReferences").size()).isZero();
    }

    @Test
    void foregroundDeletionRemovesTheDependentsFirst() throws Exception {
        String uid = create("fg-owner", null);
        create("fg-dependent", uid);
        Response r = delete("fg-owner", "Foreground");
        JsonNode marked = r.json();
        assertThat(marked.path("metadata").path("finalizers").toString()).contains("foregroundDeletion");
        assertThat(marked.path("metadata").path("deletionTimestamp").asString()).isNotEmpty();
        await(() -> status("fg-owner") == 404);
        assertThat(status("fg-dependent")).isEqualTo(404);
    }

    @Test
    void aRestartCollectsWhatWasAlreadyGarbageAndKeepsWhatBelongsElsewhere() throws Exception {
        String missingConfigMap = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"gone\",\"uid\":\"6f1c0e6e-0000-4000-8000-000000000002\"}";
        String replicaSet = "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"rs\",\"uid\":\"6f1c0e6e-0000-4000-8000-000000000003\"}";
        Https h = restarted.start().admin();
        assertThat(h.post(CMS, "{\"metadata\":{\"name\":\"garbage\",\"ownerReferences\":[" + missingConfigMap + "]}}").status()).isEqualTo(201);
        assertThat(h.post(CMS, "{\"metadata\":{\"name\":\"kept\",\"ownerReferences\":[" + replicaSet + "]}}").status()).isEqualTo(201);
        h = restarted.restart().admin();
        for (int i = 0; i < 100 && h.get(CMS + "/garbage").status() != 404; i++) Thread.sleep(100);
        assertThat(h.get(CMS + "/garbage").status()).isEqualTo(404);
        assertThat(h.get(CMS + "/kept").status()).isEqualTo(200);
    }

    private static String create(String name, String ownerUid) throws Exception {
        String refs = ownerUid == null ? "" : ",\"ownerReferences\":[" + owner(name.replace("dependent", "owner"), ownerUid) + "]";
        Response r = https.post(CMS, "{\"metadata\":{\"name\":\"" + name + "\"" + refs + "}}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.json().path("metadata").path("uid").asString();
    }

    private static String owner(String name, String uid) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"" + name + "\",\"uid\":\"" + uid + "\"}";
    }

    private static Response delete(String name, String policy) throws Exception {
        Response r = https.send("DELETE", CMS + "/" + name, "application/json", "{\"propagationPolicy\":\"" + policy + "\"}");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r;
    }

    private static int status(String name) {
        try {
            return https.get(CMS + "/" + name).status();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) Thread.sleep(100);
        assertThat(condition.getAsBoolean()).isTrue();
    }
}
