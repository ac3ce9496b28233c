package io.portcullis.e2e.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.api.Json;
import io.portcullis.authn.Credentials;
import io.portcullis.pki.Passwords;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * --token-auth-file, --basic-auth-file and anonymous requests end to end, with kubectl and curl;
 * impersonation with kubectl --as, allowed for the admin and refused for a token user.
 */
@EndToEnd
class StaticCredentialsE2eTest {
    static final String ALICE_TOKEN = "alice-token-31415926535";
    static final String CAROL_PASSWORD = "correct horse battery staple";
    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    /** For the one start that must fail. */
    @RegisterExtension
    final TestServer refused = TestServer.notStarted();
    static Path tokenKubeconfig;

    @BeforeAll
    static void start() throws Exception {
        Path dir = server.dir();
        Path tokens = dir.resolve("tokens.csv");
        Files.writeString(tokens, ALICE_TOKEN + ",alice,1001,\"devs,qa\"\n");
        Path basic = dir.resolve("basic.csv");
        Files.writeString(basic, Passwords.hash(CAROL_PASSWORD.toCharArray()) + ",carol,2002,\"ops,db\"\n");
        server.start(c -> c.withAuthentication(a -> a.withTokenAuthFile(tokens).withBasicAuthFile(basic)));
        tokenKubeconfig = server.kubeconfigWithoutCredentials();
    }

    static Path home() throws Exception {
        return Files.createTempDirectory(server.dir(), "home");
    }

    static JsonNode userInfo(String selfSubjectReview) {
        return Json.MAPPER.readTree(selfSubjectReview).path("status").path("userInfo");
    }

    static List<String> groups(JsonNode userInfo) {
        return userInfo.path("groups").valueStream().map(JsonNode::asString).toList();
    }

    @Test
    void kubectlWithATokenFromTheTokenFileIsThatUserWithUidAndGroups() throws Exception {
        Commands.assumeKubectl();
        Commands.Result r = Commands.kubectl(tokenKubeconfig, home(), "--token=" + ALICE_TOKEN, "auth", "whoami", "-o", "json");
        assertThat(r.exit()).as(r.all()).isZero();
        JsonNode user = userInfo(r.out());
        assertThat(user.path("username").asString()).isEqualTo("alice");
        assertThat(user.path("uid").asString()).isEqualTo("1001");
        assertThat(groups(user)).containsExactly("devs", "qa", "system:authenticated");

        Commands.Result table = Commands.kubectl(tokenKubeconfig, home(), "--token=" + ALICE_TOKEN, "auth", "whoami");
        assertThat(table.out()).containsPattern("Username\\s+alice").containsPattern("UID\\s+1001")
                .containsPattern("Groups\\s+\\[devs qa system:authenticated\\]");
    }

    @Test
    void kubectlWithAnUnknownTokenMustLogIn() throws Exception {
        Commands.assumeKubectl();
        Commands.Result r = Commands.kubectl(tokenKubeconfig, home(), "--token=not-in-the-file", "auth", "whoami");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("error: You must be logged in to the server (Unauthorized)");
    }

    @Test
    void kubectlAsTheAdminImpersonatesAUserAndGroup() throws Exception {
        Commands.assumeKubectl();
        Commands.Result r = Commands.kubectl(server.kubeconfig(), home(), "--as=bob", "--as-group=devs", "auth", "whoami", "-o", "json");
        assertThat(r.exit()).as(r.all()).isZero();
        JsonNode user = userInfo(r.out());
        assertThat(user.path("username").asString()).isEqualTo("bob");
        assertThat(groups(user)).containsExactly("devs", "system:authenticated");
    }

    @Test
    void aTokenUserWithoutImpersonateRightsIsForbiddenWithUpstreamsMessage() throws Exception {
        Commands.assumeKubectl();
        // kubectl 1.32 hides this 403 behind its own text in auth whoami and behind "unknown" in discovery
        // (as against kube-apiserver); a raw read prints the server's message
        Commands.Result r = Commands.kubectl(tokenKubeconfig, home(), "--token=" + ALICE_TOKEN, "--as=bob",
                "get", "--raw", "/api/v1/namespaces/default/configmaps");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("Error from server (Forbidden): users \"bob\" is forbidden: "
                + "User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope");

        Response http = server.anonymous().whoami("Authorization", "Bearer " + ALICE_TOKEN, "Impersonate-User", "bob");
        assertThat(http.status()).isEqualTo(403);
        assertThat(http.json().path("reason").asString()).isEqualTo("Forbidden");
        assertThat(http.json().path("message").asString()).isEqualTo("users \"bob\" is forbidden: "
                + "User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope");
        assertThat(http.json().path("details").path("kind").asString()).isEqualTo("users");
        assertThat(http.json().path("details").path("name").asString()).isEqualTo("bob");
    }

    // the token is read as upstream reads it; a header that leaves it empty is refused (401), never anonymous
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            two spaces before the token        | "Bearer  %s"       | 401
            the bare scheme                    | "Bearer "          | 401
            a tab after the scheme             | "Bearer\t%s"       | system:anonymous
            the scheme in lower case           | "bearer %s"        | alice
            words after the token              | "Bearer %s extra"  | alice
            a tab after the token              | "Bearer %s\t"      | alice
            """)
    void theAuthorizationHeaderIsReadAsUpstreamReadsIt(String name, String header, String user) {
        Response r = server.anonymous().whoami("Authorization", header.formatted(ALICE_TOKEN));
        if (user.equals("alice")) {
            assertThat(r.status()).as(r.text()).isEqualTo(201);
            assertThat(userInfo(r.text()).path("username").asString()).isEqualTo("alice");
        } else if (user.equals("401")) {
            assertThat(r.status()).as(r.text()).isEqualTo(401);
            assertThat(r.json().path("reason").asString()).isEqualTo("Unauthorized");
            // as upstream's bearer authenticator, a token after two spaces is named as ignored
            if (header.startsWith("Bearer  ")) assertThat(r.headers().allValues("Warning")).containsExactly("299 - \""
                    + Credentials.EXTRA_SPACE_WARNING + "\"");
            else assertThat(r.headers().allValues("Warning")).isEmpty();
        } else {
            assertThat(r.status()).as(r.text()).isEqualTo(403);
            assertThat(r.json().path("message").asString()).contains("User \"" + user + "\" cannot create resource \"selfsubjectreviews\"");
        }
    }

    static Commands.Result curlWhoami(String userAndPassword) throws Exception {
        return Commands.curl(home(), "-s", "--cacert", server.pki().caCertificateFile().toString(), "-w", "\n%{http_code}",
                "-u", userAndPassword, server.url() + "/apis/authentication.k8s.io/v1/selfsubjectreviews", "-X", "POST",
                "-H", "Content-Type: application/json", "-d", Https.SELF_SUBJECT_REVIEW);
    }

    static String body(Commands.Result curl) {
        return curl.out().substring(0, curl.out().lastIndexOf('\n'));
    }

    static String code(Commands.Result curl) {
        return curl.out().substring(curl.out().lastIndexOf('\n') + 1);
    }

    @Test
    void curlWithBasicAuthAgainstTheBcryptFileIsThatUser() throws Exception {
        Commands.assumeCurl();
        Commands.Result r = curlWhoami("carol:" + CAROL_PASSWORD);
        assertThat(code(r)).as(r.all()).isEqualTo("201");
        JsonNode user = userInfo(body(r));
        assertThat(user.path("username").asString()).isEqualTo("carol");
        assertThat(user.path("uid").asString()).isEqualTo("2002");
        assertThat(groups(user)).containsExactly("ops", "db", "system:authenticated");
    }

    @Test
    void curlWithAWrongPasswordOrUnknownUserIsUnauthorizedAndTheBodyHoldsNoPassword() throws Exception {
        Commands.assumeCurl();
        for (String credential : List.of("carol:wrong-password-271828", "dave:" + CAROL_PASSWORD)) {
            Commands.Result r = curlWhoami(credential);
            assertThat(code(r)).as(credential).isEqualTo("401");
            JsonNode status = Json.MAPPER.readTree(body(r));
            assertThat(status.path("kind").asString()).isEqualTo("Status");
            assertThat(status.path("reason").asString()).isEqualTo("Unauthorized");
            assertThat(body(r)).doesNotContain(credential.substring(credential.indexOf(':') + 1));
        }
    }

    @Test
    void anonymousCurlReadsVersionButIsForbiddenFromApiByTheBootstrapPolicy() throws Exception {
        Commands.assumeCurl();
        String ca = server.pki().caCertificateFile().toString();
        Commands.Result version = Commands.curl(home(), "-s", "--cacert", ca, "-w", "\n%{http_code}", server.url() + "/version");
        assertThat(code(version)).as(version.all()).isEqualTo("200");
        assertThat(Json.MAPPER.readTree(body(version)).path("major").asString()).isEqualTo("1");

        Commands.Result api = Commands.curl(home(), "-s", "--cacert", ca, "-w", "\n%{http_code}", server.url() + "/api");
        assertThat(code(api)).as(api.all()).isEqualTo("403");
        JsonNode status = Json.MAPPER.readTree(body(api));
        assertThat(status.path("reason").asString()).isEqualTo("Forbidden");
        assertThat(status.path("message").asString()).isEqualTo("forbidden: User \"system:anonymous\" cannot get path \"/api\"");
    }

    @Test
    void anonymousMayNotCreateASelfSubjectReviewBecauseSystemBasicUserIsForAuthenticatedUsersOnly() {
        Response r = server.anonymous().whoami();
        assertThat(r.status()).as(r.text()).isEqualTo(403);
        assertThat(r.json().path("message").asString()).isEqualTo("selfsubjectreviews.authentication.k8s.io is forbidden: "
                + "User \"system:anonymous\" cannot create resource \"selfsubjectreviews\" in API group \"authentication.k8s.io\" at the cluster scope");
    }

    @Test
    void theHashPasswordCommandPrintsABcryptHashOfTheStandardInput() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Commands.Result r = Commands.run(List.of(java.toString(), "-cp", classpath, "io.portcullis.cli.Main", "hash-password"),
                Map.of(), server.dir(), "s3cret-for-hashing\n");
        assertThat(r.exit()).as(r.all()).isZero();
        String hash = r.out().strip();
        assertThat(hash).matches("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}");
        assertThat(Passwords.isBcryptHash(hash)).isTrue();
        assertThat(Passwords.verify(hash, "s3cret-for-hashing".toCharArray())).isTrue();
        assertThat(Passwords.verify(hash, "s3cret-for-hashin".toCharArray())).isFalse();
        assertThat(r.all()).doesNotContain("s3cret-for-hashing");
    }

    @Test
    void aPlaintextPasswordInTheBasicAuthFileStopsTheServerNamingFileAndLine() throws Exception {
        Path basic = server.dir().resolve("plaintext.csv");
        Files.writeString(basic, Passwords.hash("fine".toCharArray()) + ",erin,1\nhunter2,frank,2\n");
        assertThatThrownBy(() -> refused.start(c -> c.withAuthentication(a -> a.withBasicAuthFile(basic))))
                .hasMessageContaining(basic.toString())
                .hasMessageContaining("line 2")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

}
