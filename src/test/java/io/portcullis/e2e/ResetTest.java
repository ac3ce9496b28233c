package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Https;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Server.reset: back to a freshly started cluster between tests, with derived state (RBAC, tokens, records) following. */
class ResetTest extends AdminServerTest {

    @Test
    void aResetRemovesWhatUsersMadeAndWhatItGrantedAndKeepsWhatTheSystemKeeps() throws Exception {
        https.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"team\"}}").expect(201);
        https.post("/api/v1/namespaces/team/serviceaccounts", "{\"metadata\":{\"name\":\"bot\"}}").expect(201);
        String token = https.post("/api/v1/namespaces/team/serviceaccounts/bot/token", "{\"spec\":{}}").expect(201)
                .json().path("status").path("token").asString();
        https.post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", """
                {"metadata":{"name":"bot-views"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
                 "subjects":[{"kind":"ServiceAccount","name":"bot","namespace":"team"}]}""").expect(201);
        https.post("/apis/rbac.authorization.k8s.io/v1/clusterroles", "{\"metadata\":{\"name\":\"custom\"},\"rules\":[]}").expect(201);
        https.post("/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"mine\"}}").expect(201);
        https.post("/api/v1/namespaces/kube-system/secrets", "{\"metadata\":{\"name\":\"mine\"}}").expect(201);
        https.post("/apis/coordination.k8s.io/v1/namespaces/default/leases", "{\"metadata\":{\"name\":\"mine\"}}").expect(201);
        https.delete("/apis/rbac.authorization.k8s.io/v1/clusterroles/edit").expect(200);
        Https bot = server.anonymous().withToken(token);
        assertThat(bot.get("/api/v1/namespaces/default/configmaps").status()).isEqualTo(200);
        assertThat(server.server().accessRecorder().subjects()).contains("system:serviceaccount:team:bot");

        server.server().reset();

        assertThat(bot.get("/api/v1/namespaces/default/configmaps").status()).as("its ServiceAccount is gone: so is the token").isEqualTo(401);
        assertThat(https.get("/api/v1/namespaces/team").status()).as("gone at once, not Terminating").isEqualTo(404);
        for (String gone : List.of("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/bot-views", "/apis/rbac.authorization.k8s.io/v1/clusterroles/custom",
                "/api/v1/namespaces/default/configmaps/mine", "/api/v1/namespaces/kube-system/secrets/mine",
                "/apis/coordination.k8s.io/v1/namespaces/default/leases/mine")) {
            assertThat(https.get(gone).status()).as(gone).isEqualTo(404);
        }
        for (String kept : List.of("/api/v1/namespaces/kube-system", "/api/v1/namespaces/default/serviceaccounts/default",
                "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", "/apis/rbac.authorization.k8s.io/v1/clusterroles/view",
                "/apis/rbac.authorization.k8s.io/v1/clusterroles/edit", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin")) {
            assertThat(https.get(kept).status()).as(kept).isEqualTo(200);
        }
        assertThat(server.server().accessRecorder().subjects()).doesNotContain("system:serviceaccount:team:bot");

        // the controllers still serve a namespace of the same name made afresh
        https.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"team\"}}").expect(201);
        for (int i = 0; i < 300 && https.get("/api/v1/namespaces/team/serviceaccounts/default").status() != 200; i++) Thread.sleep(100);
        assertThat(https.get("/api/v1/namespaces/team/serviceaccounts/default").status()).isEqualTo(200);
        assertThat(https.get("/api/v1/namespaces/team/serviceaccounts/bot").status()).isEqualTo(404);
    }
}
