package io.portcullis.e2e.authn;

import static io.portcullis.e2e.authn.AuditLog.auditId;
import static io.portcullis.e2e.authn.AuditLog.send;
import static io.portcullis.e2e.authn.AuditLog.stages;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import io.portcullis.testing.Tls;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * --audit-policy-file's rules through real HTTPS and kubectl: users, userGroups, verbs, resources
 * of a group, namespaces (the empty one for cluster-scoped resources), nonResourceURLs, the
 * policy's and a rule's omitStages, and the first matching rule winning over later ones. Whether
 * a request was left out is checked after a later, audited request has been written: one log
 * writes events in the order they came.
 */
@EndToEnd
class AuditPolicyE2eTest {
    @RegisterExtension static final TestServer fixture = TestServer.notStarted();
    static final String ALICE = "alice-policy-token-1618033";
    static final String BOB = "bob-policy-token-2718281";
    static final String CAROL = "carol-policy-token-3141592";
    static final String POLICY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitStages: ["RequestReceived"]
            rules:
            # first match wins: nothing bob does is recorded, though later rules match it
            - level: None
              users: ["bob"]
            - level: RequestResponse
              userGroups: ["auditors"]
              verbs: ["get"]
              resources:
              - group: ""
                resources: ["configmaps"]
            - level: Request
              verbs: ["create"]
              resources:
              - group: "rbac.authorization.k8s.io"
                resources: ["roles"]
            - level: Metadata
              verbs: ["watch"]
              omitStages: ["ResponseStarted"]
            - level: Metadata
              namespaces: [""]
              resources:
              - group: "rbac.authorization.k8s.io"
                resources: ["clusterroles"]
            - level: Metadata
              nonResourceURLs: ["/version", "/apis/*"]
            - level: None
            """;
    @TempDir static Path dir;
    static Server server;
    static AuditLog log;
    static SSLContext admin;
    static SSLContext plain;

    @BeforeAll
    static void start() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.yaml"), POLICY);
        Path tokens = Files.writeString(dir.resolve("tokens.csv"), ALICE + ",alice,1001,\"devs,system:masters\"\n"
                + BOB + ",bob,1002,\"auditors,system:masters\"\n" + CAROL + ",carol,1003,\"auditors,system:masters\"\n");
        log = new AuditLog(dir.resolve("audit.log"));
        server = fixture.start(c -> ServerConfig.embedded(dir.resolve("data"))
                .withAuthentication(a -> a.withTokenAuthFile(tokens))
                .withAudit(a -> a.withPolicyFile(policy).withLog(log.file().toString(), a.logBuffering()))).server();
        admin = Tls.client(List.of(server.pki().caCertificate()), List.of(server.pki().adminCertificate()), server.pki().adminKey());
        plain = Tls.trusting(List.of(server.pki().caCertificate()));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static HttpResponse<String> as(String token, String method, String path, String body) {
        return send(plain, server.url() + path, method, body, "Authorization", "Bearer " + token);
    }

    /** The events of {@code r}, once a marker request sent after it has been written. */
    static List<JsonNode> eventsOf(HttpResponse<String> r) {
        HttpResponse<String> marker = as(CAROL, "GET", "/version", null);
        log.await(auditId(marker), 1);
        return log.all().stream().filter(e -> e.path("auditID").asString().equals(auditId(r))).toList();
    }

    @Test
    void theFirstMatchingRuleWinsSoAUserRuleOfNoneHidesWhatLaterRulesWouldRecord() {
        HttpResponse<String> bob = as(BOB, "GET", "/version", null);
        assertThat(bob.statusCode()).isEqualTo(200);
        assertThat(eventsOf(bob)).isEmpty();
        HttpResponse<String> bobsRead = as(BOB, "GET", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", null);
        assertThat(bobsRead.statusCode()).isEqualTo(200);
        assertThat(eventsOf(bobsRead)).isEmpty();
    }

    @Test
    void aUserGroupAndVerbRuleOnCoreConfigMapsRecordsTheResponseOnlyForThatGroupAndVerb() {
        HttpResponse<String> carol = as(CAROL, "GET", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", null);
        List<JsonNode> events = eventsOf(carol);
        assertThat(stages(events)).as("the policy omits RequestReceived").containsExactly("ResponseComplete");
        assertThat(events.get(0).path("level").asString()).isEqualTo("RequestResponse");
        assertThat(events.get(0).path("responseObject")).isEqualTo(Json.MAPPER.readTree(carol.body()));

        // another verb, another group, another user's groups: the rules after it decide, and the last is None
        assertThat(eventsOf(as(CAROL, "GET", "/api/v1/namespaces/default/configmaps", null))).isEmpty();
        assertThat(eventsOf(as(ALICE, "GET", "/api/v1/namespaces/default/configmaps/kube-root-ca.crt", null))).isEmpty();
        assertThat(eventsOf(as(CAROL, "GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/none", null))).isEmpty();
    }

    @Test
    void aResourceRuleMatchesOnlyItsApiGroup() {
        String role = "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\",\"metadata\":{\"name\":\"reader\"},"
                + "\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\"]}]}";
        HttpResponse<String> created = as(ALICE, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", role);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        List<JsonNode> events = eventsOf(created);
        assertThat(stages(events)).containsExactly("ResponseComplete");
        assertThat(events.get(0).path("level").asString()).isEqualTo("Request");
        assertThat(events.get(0).path("requestObject")).isEqualTo(Json.MAPPER.readTree(role));
        assertThat(events.get(0).path("objectRef").path("apiGroup").asString()).isEqualTo("rbac.authorization.k8s.io");

        // a core-group create is not a roles create
        HttpResponse<String> cm = as(ALICE, "POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"roles\"}}");
        assertThat(cm.statusCode()).isEqualTo(201);
        assertThat(eventsOf(cm)).isEmpty();
    }

    @Test
    void theEmptyNamespaceMatchesClusterScopedRequests() throws Exception {
        Commands.assumeKubectl();
        Commands.Result k = Commands.kubectl(server.kubeconfig(), Files.createTempDirectory(dir, "home"), "get", "clusterrole", "view");
        assertThat(k.exit()).as(k.all()).isZero();
        JsonNode e = log.await(x -> x.path("objectRef").path("resource").asString("").equals("clusterroles")
                && x.path("objectRef").path("name").asString("").equals("view"), 1).get(0);
        assertThat(e.path("level").asString()).isEqualTo("Metadata");
        assertThat(e.path("user").path("username").asString()).isEqualTo("portcullis-admin");
        assertThat(e.path("objectRef").has("namespace")).isFalse();
        assertThat(e.path("userAgent").asString()).startsWith("kubectl/");
    }

    @Test
    void aNonResourceUrlRuleMatchesItsPathAndPrefixesButNotResourceRequestsUnderThem() {
        HttpResponse<String> discovery = as(ALICE, "GET", "/apis/rbac.authorization.k8s.io", null);
        assertThat(discovery.statusCode()).isEqualTo(200);
        List<JsonNode> events = eventsOf(discovery);
        assertThat(stages(events)).containsExactly("ResponseComplete");
        assertThat(events.get(0).has("objectRef")).isFalse();
        assertThat(events.get(0).path("verb").asString()).isEqualTo("get");
        // a resource request below /apis/ is not a non-resource URL
        assertThat(eventsOf(as(ALICE, "GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", null))).isEmpty();
        assertThat(eventsOf(as(ALICE, "GET", "/healthz", null))).isEmpty();
    }

    @Test
    void aRulesOmitStagesAddsToThePolicysSoAWatchHasOnlyItsResponseComplete() {
        HttpResponse<String> watch = as(ALICE, "GET", "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1", null);
        assertThat(watch.statusCode()).isEqualTo(200);
        List<JsonNode> events = eventsOf(watch);
        assertThat(stages(events)).containsExactly("ResponseComplete");
        assertThat(events.get(0).path("verb").asString()).isEqualTo("watch");
    }
}
