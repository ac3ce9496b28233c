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
 * --audit-policy-file and --audit-log-path end to end, over real HTTPS and with kubectl: the events
 * of each stage with the fields upstream fills, the Audit-ID header, denied requests, failed
 * authentications, impersonation, watches, and the bodies each level records.
 */
@EndToEnd
class AuditE2eTest {
    @RegisterExtension static final TestServer fixture = TestServer.notStarted();
    static final String ALICE_TOKEN = "alice-token-audit-8675309";
    static final String POLICY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            rules:
            - level: None
              nonResourceURLs: ["/readyz*", "/livez*"]
            - level: RequestResponse
              resources:
              - group: ""
                resources: ["configmaps"]
                resourceNames: ["full"]
            - level: Request
              omitManagedFields: true
              namespaces: ["audited"]
            - level: Metadata
            """;
    @TempDir static Path dir;
    static Server server;
    static AuditLog log;
    static SSLContext admin;
    static SSLContext anonymous;

    @BeforeAll
    static void start() throws Exception {
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(policy, POLICY);
        Path tokens = dir.resolve("tokens.csv");
        Files.writeString(tokens, ALICE_TOKEN + ",alice,1001,\"devs\"\n");
        log = new AuditLog(dir.resolve("logs/audit.log"));
        server = fixture.start(c -> ServerConfig.embedded(dir.resolve("data"))
                .withAuthentication(a -> a.withTokenAuthFile(tokens))
                .withAudit(a -> a.withPolicyFile(policy).withLog(log.file().toString(), a.logBuffering()))).server();
        admin = Tls.client(List.of(server.pki().caCertificate()), List.of(server.pki().adminCertificate()), server.pki().adminKey());
        anonymous = Tls.trusting(List.of(server.pki().caCertificate()));
        send(admin, server.url() + "/api/v1/namespaces", "POST", "{\"metadata\":{\"name\":\"audited\"}}");
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static HttpResponse<String> get(SSLContext tls, String path, String... headers) {
        return send(tls, server.url() + path, "GET", null, headers);
    }

    @Test
    void aReadIsAuditedAtMetadataWithUpstreamsFieldsUnderTheAuditIdOfTheResponseHeader() {
        HttpResponse<String> r = get(admin, "/api/v1/namespaces/default/configmaps/kube-root-ca.crt?pretty=false",
                "User-Agent", "audit-test/1.0", "X-Forwarded-For", "10.0.0.1, not-an-ip, 10.0.0.2");
        assertThat(r.statusCode()).isEqualTo(200);
        String id = auditId(r);
        assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        List<JsonNode> events = log.await(id, 2);
        assertThat(stages(events)).containsExactly("RequestReceived", "ResponseComplete");
        for (JsonNode e : events) {
            assertThat(e.path("kind").asString()).isEqualTo("Event");
            assertThat(e.path("apiVersion").asString()).isEqualTo("audit.k8s.io/v1");
            assertThat(e.path("level").asString()).isEqualTo("Metadata");
            assertThat(e.path("requestURI").asString()).isEqualTo("/api/v1/namespaces/default/configmaps/kube-root-ca.crt?pretty=false");
            assertThat(e.path("verb").asString()).isEqualTo("get");
            assertThat(e.path("user").path("username").asString()).isEqualTo("portcullis-admin");
            assertThat(e.path("user").path("groups").valueStream().map(JsonNode::asString))
                    .containsExactly("system:masters", "system:authenticated");
            assertThat(e.path("sourceIPs").valueStream().map(JsonNode::asString)).containsExactly("10.0.0.1", "10.0.0.2", "127.0.0.1");
            assertThat(e.path("userAgent").asString()).isEqualTo("audit-test/1.0");
            assertThat(Json.MAPPER.writeValueAsString(e.path("objectRef"))).isEqualTo(
                    "{\"resource\":\"configmaps\",\"namespace\":\"default\",\"name\":\"kube-root-ca.crt\",\"apiVersion\":\"v1\"}");
            assertThat(e.path("requestReceivedTimestamp").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z")
                    .isEqualTo(events.get(0).path("requestReceivedTimestamp").asString());
            assertThat(e.has("impersonatedUser") || e.has("requestObject") || e.has("responseObject")).isFalse();
        }
        assertThat(events.get(0).path("stageTimestamp").asString()).isEqualTo(events.get(0).path("requestReceivedTimestamp").asString());
        assertThat(events.get(0).has("responseStatus") || events.get(0).has("annotations")).isFalse();
        JsonNode complete = events.get(1);
        assertThat(complete.path("stageTimestamp").asString()).isGreaterThanOrEqualTo(complete.path("requestReceivedTimestamp").asString());
        assertThat(Json.MAPPER.writeValueAsString(complete.path("responseStatus"))).isEqualTo("{\"metadata\":{},\"code\":200}");
        assertThat(complete.path("annotations").path("authorization.k8s.io/decision").asString()).isEqualTo("allow");
        assertThat(complete.path("annotations").has("authorization.k8s.io/reason")).isTrue();
    }

    @Test
    void theClientsAuditIdIsKeptAndEchoed() {
        HttpResponse<String> r = get(admin, "/api/v1/namespaces/default/configmaps", "Audit-ID", "client-chosen-id-42");
        assertThat(auditId(r)).isEqualTo("client-chosen-id-42");
        assertThat(stages(log.await("client-chosen-id-42", 2))).containsExactly("RequestReceived", "ResponseComplete");
    }

    @Test
    void aForbiddenRequestIsAuditedWithTheDecisionAndTheStatus() {
        HttpResponse<String> r = get(anonymous, "/api/v1/namespaces/default/secrets", "Authorization", "Bearer " + ALICE_TOKEN);
        assertThat(r.statusCode()).isEqualTo(403);
        JsonNode complete = log.await(auditId(r), 2).get(1);
        assertThat(complete.path("user").path("username").asString()).isEqualTo("alice");
        assertThat(complete.path("verb").asString()).isEqualTo("list");
        assertThat(complete.path("annotations").path("authorization.k8s.io/decision").asString()).isEqualTo("forbid");
        JsonNode status = complete.path("responseStatus");
        assertThat(status.path("code").asInt()).isEqualTo(403);
        assertThat(status.path("status").asString()).isEqualTo("Failure");
        assertThat(status.path("reason").asString()).isEqualTo("Forbidden");
        assertThat(status.path("message").asString()).isEqualTo(Json.MAPPER.readTree(r.body()).path("message").asString());
        assertThat(status.path("details").path("kind").asString()).isEqualTo("secrets");
    }

    @Test
    void aFailedAuthenticationIsOneResponseStartedEventWithNoUserAndNoCredential() {
        HttpResponse<String> r = get(anonymous, "/api/v1/namespaces/default/configmaps", "Authorization", "Bearer not-a-known-token-31337");
        assertThat(r.statusCode()).isEqualTo(401);
        List<JsonNode> events = log.await(auditId(r), 1);
        assertThat(stages(events)).containsExactly("ResponseStarted");
        JsonNode e = events.get(0);
        assertThat(Json.MAPPER.writeValueAsString(e.path("user"))).isEqualTo("{}");
        assertThat(Json.MAPPER.writeValueAsString(e.path("responseStatus")))
                .isEqualTo("{\"metadata\":{},\"message\":\"Authentication failed, attempted: bearer\",\"code\":401}");
        assertThat(e.has("annotations")).isFalse();
        assertThat(e.toString()).doesNotContain("not-a-known-token-31337");
        // nothing more is written for it
        get(admin, "/api/v1/namespaces/default/configmaps", "Audit-ID", "after-the-401");
        log.await("after-the-401", 2);
        assertThat(log.all().stream().filter(x -> x.path("auditID").asString().equals(auditId(r)))).hasSize(1);
    }

    @Test
    void kubectlAsAnotherUserIsAuditedAsTheAdminWithTheImpersonatedUser() throws Exception {
        Commands.assumeKubectl();
        Commands.Result k = Commands.kubectl(server.kubeconfig(), Files.createTempDirectory(dir, "home"),
                "--as=bob", "--as-group=devs", "get", "configmaps", "-n", "kube-public");
        assertThat(k.exit()).as(k.all()).isNotZero(); // bob may read nothing
        JsonNode e = log.await(x -> x.path("impersonatedUser").path("username").asString("").equals("bob")
                && x.path("stage").asString().equals("ResponseComplete") && x.path("objectRef").path("namespace").asString("").equals("kube-public"), 1).get(0);
        assertThat(e.path("user").path("username").asString()).isEqualTo("portcullis-admin");
        assertThat(e.path("impersonatedUser").path("groups").valueStream().map(JsonNode::asString)).containsExactly("devs", "system:authenticated");
        assertThat(e.path("annotations").path("authorization.k8s.io/decision").asString()).isEqualTo("forbid");
        assertThat(e.path("userAgent").asString()).startsWith("kubectl/");
    }

    @Test
    void aWatchHasAResponseStartedEventWhenItsStreamOpens() {
        HttpResponse<String> r = get(admin, "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1");
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> events = log.await(auditId(r), 3);
        assertThat(stages(events)).containsExactly("RequestReceived", "ResponseStarted", "ResponseComplete");
        assertThat(events.get(1).path("responseStatus").path("code").asInt()).isEqualTo(200);
        assertThat(events.get(1).path("verb").asString()).isEqualTo("watch");
    }

    @Test
    void atRequestLevelTheRequestObjectIsRecordedWithoutManagedFieldsAndNamesTheCreatedObject() {
        String cm = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"settings\"},\"data\":{\"color\":\"blue\"}}";
        HttpResponse<String> created = send(admin, server.url() + "/api/v1/namespaces/audited/configmaps", "POST", cm);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode create = log.await(auditId(created), 2).get(1);
        assertThat(create.path("level").asString()).isEqualTo("Request");
        assertThat(create.path("objectRef").path("name").asString()).isEqualTo("settings");
        assertThat(create.path("requestObject")).isEqualTo(Json.MAPPER.readTree(cm));
        assertThat(create.has("responseObject")).isFalse();

        // the object as stored carries managedFields; sent back whole, the event leaves them out
        JsonNode stored = Json.MAPPER.readTree(created.body());
        assertThat(stored.path("metadata").has("managedFields")).isTrue();
        HttpResponse<String> updated = send(admin, server.url() + "/api/v1/namespaces/audited/configmaps/settings", "PUT", stored.toString());
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        JsonNode update = log.await(auditId(updated), 2).get(1);
        assertThat(update.path("requestObject").path("metadata").has("managedFields")).isFalse();
        assertThat(update.path("requestObject").path("data").path("color").asString()).isEqualTo("blue");
        assertThat(update.path("objectRef").path("uid").asString()).isEqualTo(stored.path("metadata").path("uid").asString());
        assertThat(update.path("objectRef").path("resourceVersion").asString()).isEqualTo(stored.path("metadata").path("resourceVersion").asString());
    }

    @Test
    void kubectlsProtobufBodyIsRecordedAsJson() throws Exception {
        Commands.assumeKubectl();
        Commands.Result k = Commands.kubectl(server.kubeconfig(), Files.createTempDirectory(dir, "home"),
                "-n", "audited", "create", "configmap", "from-kubectl", "--from-literal=size=L");
        assertThat(k.exit()).as(k.all()).isZero();
        JsonNode e = log.await(x -> x.path("objectRef").path("name").asString("").equals("from-kubectl")
                && x.path("stage").asString().equals("ResponseComplete"), 1).get(0);
        assertThat(e.path("requestObject").path("kind").asString()).isEqualTo("ConfigMap");
        assertThat(e.path("requestObject").path("data").path("size").asString()).isEqualTo("L");
    }

    @Test
    void atRequestResponseTheResponseObjectIsRecorded() {
        send(admin, server.url() + "/api/v1/namespaces/default/configmaps", "POST",
                "{\"metadata\":{\"name\":\"full\"},\"data\":{\"k\":\"v\"}}");
        HttpResponse<String> r = get(admin, "/api/v1/namespaces/default/configmaps/full");
        JsonNode complete = log.await(auditId(r), 2).get(1);
        assertThat(complete.path("level").asString()).isEqualTo("RequestResponse");
        assertThat(complete.path("responseObject")).isEqualTo(Json.MAPPER.readTree(r.body()));
        assertThat(complete.path("responseObject").path("metadata").has("managedFields")).isTrue();
    }

    @Test
    void aDeleteThatAnswersWithASuccessStatusHasItInResponseStatus() {
        send(admin, server.url() + "/api/v1/namespaces/default/configmaps", "POST", "{\"metadata\":{\"name\":\"doomed\"}}");
        HttpResponse<String> r = send(admin, server.url() + "/api/v1/namespaces/default/configmaps/doomed", "DELETE", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode sent = Json.MAPPER.readTree(r.body());
        assertThat(sent.path("kind").asString()).isEqualTo("Status");
        JsonNode status = log.await(auditId(r), 2).get(1).path("responseStatus");
        assertThat(status.path("status").asString()).isEqualTo("Success");
        assertThat(status.path("code").asInt()).isEqualTo(200);
        assertThat(status.path("details")).isEqualTo(sent.path("details"));
    }

    @Test
    void requestsUnderALevelNoneRuleAreNotAudited() {
        HttpResponse<String> r = get(admin, "/readyz");
        assertThat(r.statusCode()).isEqualTo(200);
        String id = auditId(r);
        get(admin, "/version", "Audit-ID", "after-readyz");
        log.await("after-readyz", 2);
        assertThat(log.all().stream().filter(x -> x.path("auditID").asString().equals(id))).isEmpty();
    }

    @Test
    void theLogIsReadableByItsOwnerOnly() throws Exception {
        log.await(x -> true, 1);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(log.file()))).isEqualTo("rw-------");
    }
}
