package io.portcullis.e2e.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.portcullis.api.Json;
import io.portcullis.pki.CertificateAuthority;
import io.portcullis.pki.CertificateSpec;
import io.portcullis.pki.IssuedCertificate;
import io.portcullis.pki.Kubeconfig;
import io.portcullis.pki.Pem;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** --client-ca-file end to end: kubectl with a certificate from a test CA, and the certificates that must not work. */
@EndToEnd
class ClientCertificateE2eTest {
    static final CertificateAuthority USERS_CA = CertificateAuthority.generate("users-ca");
    static final CertificateAuthority OTHER_CA = CertificateAuthority.generate("other-ca");
    static final CertificateAuthority EXPIRED_CA = CertificateAuthority.generate("expired-ca",
            Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)), Clock.systemUTC());
    static final CertificateAuthority FUTURE_CA = CertificateAuthority.generate("future-ca",
            Instant.now().plus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)), Clock.systemUTC());
    @RegisterExtension
    static final TestServer server = TestServer.notStarted();

    @BeforeAll
    static void start() throws Exception {
        Path caFile = server.dir().resolve("users-ca.pem");
        Files.writeString(caFile, Pem.encode(USERS_CA.certificate(), EXPIRED_CA.certificate(), FUTURE_CA.certificate()));
        server.start(c -> c.withAuthentication(a -> a.withClientCaFile(caFile)));
    }

    static Path kubeconfigFor(String name, IssuedCertificate cert) throws Exception {
        Path file = server.dir().resolve(name + ".kubeconfig");
        Kubeconfig.writeAdmin(file, server.url(), server.pki().caCertificate(), cert.certificate(), cert.privateKey(), name);
        return file;
    }

    static Path home(String name) throws Exception {
        return Files.createDirectories(server.dir().resolve("home-" + name));
    }

    @Test
    void kubectlAuthWhoamiShowsTheCommonNameAndOrganizationsOfACertificateFromTheClientCaFile() throws Exception {
        Commands.assumeKubectl();
        Path kubeconfig = kubeconfigFor("jane", USERS_CA.issueClient("jane", List.of("devs", "ops"), Duration.ofHours(1)));

        Commands.Result json = Commands.kubectl(kubeconfig, home("jane"), "auth", "whoami", "-o", "json");
        assertThat(json.exit()).as(json.all()).isZero();
        JsonNode user = Json.MAPPER.readTree(json.out()).path("status").path("userInfo");
        assertThat(user.path("username").asString()).isEqualTo("jane");
        assertThat(user.path("groups").valueStream().map(JsonNode::asString).toList())
                .containsExactly("devs", "ops", "system:authenticated");

        Commands.Result table = Commands.kubectl(kubeconfig, home("jane"), "auth", "whoami");
        assertThat(table.exit()).as(table.all()).isZero();
        assertThat(table.out()).containsPattern("Username\\s+jane")
                .containsPattern("Groups\\s+\\[devs ops system:authenticated\\]");
    }

    @Test
    void theClusterCaStillAuthenticatesTheAdminKubeconfigNextToTheClientCaFile() throws Exception {
        Commands.assumeKubectl();
        Commands.Result r = Commands.kubectl(server.kubeconfig(), home("admin"), "auth", "whoami", "-o", "json");
        assertThat(r.exit()).as(r.all()).isZero();
        JsonNode user = Json.MAPPER.readTree(r.out()).path("status").path("userInfo");
        assertThat(user.path("username").asString()).isEqualTo("portcullis-admin");
        assertThat(user.path("groups").valueStream().map(JsonNode::asString).toList()).contains("system:masters", "system:authenticated");
    }

    static Stream<Arguments> rejectedCertificates() {
        Instant now = Instant.now();
        return Stream.of(
                arguments("signed by another CA", OTHER_CA.issueClient("mallory", List.of("system:masters"), Duration.ofHours(1))),
                arguments("expired", USERS_CA.issue(CertificateSpec.client("old", List.of("devs"),
                        now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1))))),
                arguments("not yet valid", USERS_CA.issue(CertificateSpec.client("early", List.of("devs"),
                        now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(2))))),
                arguments("from a CA of the --client-ca-file that has expired", EXPIRED_CA.issue(CertificateSpec.client("late", List.of("devs"),
                        now.minus(Duration.ofDays(2)), now.plus(Duration.ofDays(1))))),
                arguments("from a CA of the --client-ca-file not yet valid", FUTURE_CA.issue(CertificateSpec.client("early", List.of("devs"),
                        now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(2))))),
                arguments("for server use only", USERS_CA.issue(CertificateSpec.client("server", List.of("devs"),
                        now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofHours(1))).withUsages(Set.of(CertificateSpec.Usage.SERVER_AUTH)))));
    }

    @ParameterizedTest(name = "a client certificate {0} is refused by kubectl")
    @MethodSource("rejectedCertificates")
    void kubectlWithARejectedCertificateMustLogIn(String why, IssuedCertificate cert) throws Exception {
        Commands.assumeKubectl();
        String name = why.replaceAll("[^a-z]", "-");
        Commands.Result r = Commands.kubectl(kubeconfigFor(name, cert), home(name), "auth", "whoami");
        assertThat(r.exit()).as(r.all()).isNotZero();
        assertThat(r.err()).contains("error: You must be logged in to the server (Unauthorized)");
    }

    @ParameterizedTest(name = "a client certificate {0} is 401 with a Status and creates nothing")
    @MethodSource("rejectedCertificates")
    void aRejectedCertificateIsUnauthorizedOverHttp(String why, IssuedCertificate cert) {
        Https client = server.anonymous().withClientCertificate(cert.certificate(), cert.privateKey());
        Https admin = server.admin();
        String name = "cm-" + why.replaceAll("[^a-z]", "");

        Response whoami = client.whoami();
        assertUnauthorized(whoami);
        Response create = client.post("/api/v1/namespaces/default/configmaps",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"}}");
        assertUnauthorized(create);
        assertThat(admin.get("/api/v1/namespaces/default/configmaps/" + name).status()).isEqualTo(404);
    }

    static void assertUnauthorized(Response r) {
        assertThat(r.status()).as(r.text()).isEqualTo(401);
        JsonNode status = r.json();
        assertThat(status.path("kind").asString()).isEqualTo("Status");
        assertThat(status.path("status").asString()).isEqualTo("Failure");
        assertThat(status.path("reason").asString()).isEqualTo("Unauthorized");
        assertThat(status.path("code").asInt()).isEqualTo(401);
    }
}
