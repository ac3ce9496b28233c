package io.portcullis.e2e.sa;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The ServiceAccount walk-through of older Kubernetes documentation, typed into the real kubectl
 * against an embedded server: with legacy token Secrets (every account gets a
 * {@code <name>-token-xxxxx} Secret) and without them (TokenRequest is the way to a token).
 * <p>
 * kubectl sends a kubeconfig's client certificate even when {@code --token} is given, and the
 * server, as kube-apiserver, tries the certificate first; so the tokens are used through their
 * own kubeconfig users ({@code kubectl config set-credentials foo --token=...}, {@code --user=foo}).
 */
@EndToEnd
class ServiceAccountWalkthroughTest {
    static final Path KUBECTL = Path.of("/usr/bin/kubectl");
    static final Duration KUBECTL_TIMEOUT = Duration.ofSeconds(60);
    static final String SA_USER = "system:serviceaccount:default:foo";
    static final String GROUPS = "[system:serviceaccounts system:serviceaccounts:default system:authenticated]";
    static final String UNAUTHORIZED = "error: You must be logged in to the server (Unauthorized)";
    static final String FORBIDDEN = "pods is forbidden: User \"system:serviceaccount:default:foo\" cannot list resource \"pods\""
            + " in API group \"\" in the namespace \"default\"";
    static final String MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

    @RegisterExtension
    final TestServer server = TestServer.notStarted();

    @BeforeAll
    static void needsKubectl() {
        Assumptions.assumeTrue(Files.isExecutable(KUBECTL), "kubectl is not installed at " + KUBECTL);
    }

    @Test
    void withLegacyTokenSecretsEveryAccountGetsATokenSecretAndBothItsTokensDieWithIt() throws Exception {
        server.start(c -> c.withServiceAccounts(sa -> sa.withLegacyTokenSecrets(true)));
        Kubectl kubectl = new Kubectl(server.kubeconfig(), server.dir().resolve("home"));

        Pattern defaultWithSecret = Pattern.compile("(?m)^default\\s+1\\s+");
        Result accounts = kubectl.eventually("default is listed with its token secret",
                r -> r.ok() && defaultWithSecret.matcher(r.out()).find(), "get", "serviceaccounts");
        assertThat(accounts.out()).containsPattern("(?m)^NAME\\s+SECRETS\\s+AGE$");

        assertThat(kubectl.run("create", "serviceaccount", "foo").expectOk().out()).isEqualTo("serviceaccount/foo created\n");

        Result described = kubectl.eventually("foo shows its token secret", r -> r.ok() && r.out().contains("foo-token-"),
                "describe", "serviceaccount", "foo");
        Matcher mountable = Pattern.compile("(?m)^Mountable secrets:\\s+(foo-token-[a-z0-9]{5})$").matcher(described.out());
        assertThat(mountable.find()).as("Mountable secrets in\n%s", described.out()).isTrue();
        String secretName = mountable.group(1);
        assertThat(described.out())
                .containsPattern("(?m)^Name:\\s+foo$")
                .containsPattern("(?m)^Namespace:\\s+default$")
                .containsPattern("(?m)^Tokens:\\s+" + secretName + "$");

        Result secret = kubectl.run("describe", "secret", secretName).expectOk();
        long caBytes = Files.size(server.pki().directory().resolve("ca.crt"));
        assertThat(secret.out())
                .containsPattern("(?m)^Type:\\s+kubernetes.io/service-account-token$")
                .containsPattern("kubernetes.io/service-account.name: foo")
                .containsPattern("(?m)^ca.crt:\\s+" + caBytes + " bytes$")
                .containsPattern("(?m)^namespace:\\s+7 bytes$");
        Matcher printed = Pattern.compile("(?m)^token:\\s+(\\S+)$").matcher(secret.out());
        assertThat(printed.find()).as("token in\n%s", secret.out()).isTrue();
        String legacyToken = printed.group(1);
        assertThat(claims(legacyToken).path("iss").asString()).isEqualTo("kubernetes/serviceaccount");

        Result asAdmin = kubectl.run("--token=" + legacyToken, "auth", "whoami").expectOk();
        assertThat(asAdmin.out()).as("the kubeconfig's client certificate is tried before --token")
                .containsPattern("(?m)^Username\\s+portcullis-admin$");

        kubectl.run("config", "set-credentials", "foo", "--token=" + legacyToken).expectOk();
        assertIsFoo(kubectl.run("--user=foo", "auth", "whoami").expectOk());

        Result pods = kubectl.run("--user=foo", "get", "pods");
        assertThat(pods.exit()).isEqualTo(1);
        assertThat(pods.err()).contains("Error from server (Forbidden): " + FORBIDDEN);

        String boundToken = kubectl.run("create", "token", "foo").expectOk().out().strip();
        JsonNode bound = claims(boundToken);
        assertThat(bound.path("sub").asString()).isEqualTo(SA_USER);
        long now = Instant.now().getEpochSecond();
        assertThat(bound.path("exp").asLong()).as("exp of the TokenRequest token").isBetween(now + 3000, now + 3700);
        assertThat(bound.path("exp").asLong() - bound.path("iat").asLong()).isEqualTo(3600);
        kubectl.run("config", "set-credentials", "foo-requested", "--token=" + boundToken).expectOk();
        assertIsFoo(kubectl.run("--user=foo-requested", "auth", "whoami").expectOk());

        Path pod = server.dir().resolve("pod.yaml");
        Files.writeString(pod, """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: app
                spec:
                  serviceAccountName: foo
                  containers:
                  - name: app
                    image: busybox
                """);
        assertThat(kubectl.run("create", "-f", pod.toString()).expectOk().out()).isEqualTo("pod/app created\n");
        assertProjectedVolume(kubectl.run("get", "pod", "app", "-o", "yaml").expectOk().out(),
                kubectl.run("get", "pod", "app", "-o", "json").expectOk().out());

        kubectl.run("delete", "serviceaccount", "foo").expectOk();
        long deleted = System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(Math.max(0, deleted + Duration.ofSeconds(1).toNanos() - System.nanoTime()));
        for (String user : List.of("foo", "foo-requested")) {
            Result refused = kubectl.run("--user=" + user, "auth", "whoami");
            assertThat(refused.exit()).as("%s a second after the deletion", user).isEqualTo(1);
            assertThat(refused.err()).as("%s a second after the deletion", user).contains(UNAUTHORIZED);
            assertThat(kubectl.run("--user=" + user, "get", "pods").err()).contains(UNAUTHORIZED);
        }
        Result gone = kubectl.eventually("the token secret is deleted", r -> !r.ok(), "get", "secret", secretName);
        assertThat(gone.err()).contains("Error from server (NotFound): secrets \"" + secretName + "\" not found");
        assertThat(kubectl.run("get", "secrets", "-o", "name").expectOk().out()).doesNotContain("foo-token-");
    }

    @Test
    void withoutLegacyTokenSecretsNoSecretAppearsAndCreateTokenGivesTheToken() throws Exception {
        server.start(c -> c.withServiceAccounts(sa -> sa.withLegacyTokenSecrets(false)));
        Kubectl kubectl = new Kubectl(server.kubeconfig(), server.dir().resolve("home"));

        Result accounts = kubectl.eventually("default is listed", r -> r.ok() && r.out().contains("default"),
                "get", "serviceaccounts");
        assertThat(accounts.out()).containsPattern("(?m)^default\\s+0\\s+");

        kubectl.run("create", "serviceaccount", "foo").expectOk();
        // The token controller would have needed well under this to add a Secret.
        Thread.sleep(1500);
        assertThat(kubectl.run("get", "sa", "foo", "-o", "jsonpath={.secrets}").expectOk().out()).isEmpty();
        assertThat(kubectl.run("describe", "serviceaccount", "foo").expectOk().out())
                .containsPattern("(?m)^Mountable secrets:\\s+<none>$")
                .containsPattern("(?m)^Tokens:\\s+<none>$");
        assertThat(kubectl.run("get", "secrets", "-o", "name").expectOk().out()).doesNotContain("-token-");

        String token = kubectl.run("create", "token", "foo", "--duration=10m").expectOk().out().strip();
        JsonNode c = claims(token);
        assertThat(c.path("exp").asLong() - c.path("iat").asLong()).isEqualTo(600);
        assertThat(c.path("kubernetes.io").path("serviceaccount").path("name").asString()).isEqualTo("foo");
        kubectl.run("config", "set-credentials", "foo", "--token=" + token).expectOk();
        assertIsFoo(kubectl.run("--user=foo", "auth", "whoami").expectOk());
        assertThat(kubectl.run("--user=foo", "get", "pods").err()).contains(FORBIDDEN);

        kubectl.run("delete", "serviceaccount", "foo").expectOk();
        Thread.sleep(1000);
        assertThat(kubectl.run("--user=foo", "auth", "whoami").err()).contains(UNAUTHORIZED);
    }

    static void assertIsFoo(Result whoami) {
        assertThat(whoami.out())
                .containsPattern("(?m)^Username\\s+" + Pattern.quote(SA_USER) + "$")
                .containsPattern("(?m)^UID\\s+[0-9a-f-]{36}$")
                .containsPattern("(?m)^Groups\\s+" + Pattern.quote(GROUPS) + "$");
    }

    static void assertProjectedVolume(String yaml, String json) {
        assertThat(yaml)
                .containsPattern("(?m)^  serviceAccountName: foo$")
                .containsPattern("(?m)^    - mountPath: " + MOUNT_PATH + "\\n      name: kube-api-access-[a-z0-9]{5}\\n      readOnly: true$")
                .containsPattern("(?m)^  - name: kube-api-access-[a-z0-9]{5}\\n    projected:$");
        JsonNode spec = Json.tree(json.getBytes(StandardCharsets.UTF_8)).path("spec");
        JsonNode volume = spec.path("volumes").get(0);
        String name = volume.path("name").asString();
        assertThat(name).matches("kube-api-access-[a-z0-9]{5}");
        JsonNode sources = volume.path("projected").path("sources");
        assertThat(sources.size()).isEqualTo(3);
        assertThat(sources.get(0).path("serviceAccountToken").path("expirationSeconds").asLong()).isEqualTo(3607);
        assertThat(sources.get(0).path("serviceAccountToken").path("path").asString()).isEqualTo("token");
        assertThat(sources.get(1).path("configMap").path("name").asString()).isEqualTo("kube-root-ca.crt");
        assertThat(sources.get(1).path("configMap").path("items").get(0).path("key").asString()).isEqualTo("ca.crt");
        assertThat(sources.get(1).path("configMap").path("items").get(0).path("path").asString()).isEqualTo("ca.crt");
        JsonNode namespace = sources.get(2).path("downwardAPI").path("items").get(0);
        assertThat(namespace.path("path").asString()).isEqualTo("namespace");
        assertThat(namespace.path("fieldRef").path("fieldPath").asString()).isEqualTo("metadata.namespace");
        JsonNode mount = spec.path("containers").get(0).path("volumeMounts").get(0);
        assertThat(mount.path("name").asString()).isEqualTo(name);
        assertThat(mount.path("mountPath").asString()).isEqualTo(MOUNT_PATH);
        assertThat(mount.path("readOnly").asBoolean()).isTrue();
    }

    /** The payload of a JWT, decoded without verifying it. */
    static JsonNode claims(String jwt) {
        String[] parts = jwt.split("\\.");
        assertThat(parts).as("a JWT: %s", jwt).hasSize(3);
        return Json.tree(Base64.getUrlDecoder().decode(parts[1]));
    }

    record Result(List<String> args, int exit, String out, String err) {
        boolean ok() {
            return exit == 0;
        }

        Result expectOk() {
            assertThat(exit).as("kubectl %s\nstdout: %s\nstderr: %s", String.join(" ", args), out, err).isZero();
            return this;
        }
    }

    /** The real kubectl with its own copy of the admin kubeconfig and its own HOME (for its cache). */
    static final class Kubectl {
        private final Path kubeconfig;
        private final Path home;

        Kubectl(Path adminKubeconfig, Path home) throws IOException {
            this.home = Files.createDirectories(home);
            this.kubeconfig = home.resolve("kubeconfig");
            Files.copy(adminKubeconfig, kubeconfig);
        }

        Result run(String... args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>();
            command.add(KUBECTL.toString());
            command.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile());
            Map<String, String> env = pb.environment();
            env.put("KUBECONFIG", kubeconfig.toString());
            env.put("HOME", home.toString());
            Path out = Files.createTempFile(home, "out", ".txt");
            Path err = Files.createTempFile(home, "err", ".txt");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            Process p = pb.start();
            if (!p.waitFor(KUBECTL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within " + KUBECTL_TIMEOUT);
            }
            Result r = new Result(List.of(args), p.exitValue(), Files.readString(out), Files.readString(err));
            Files.delete(out);
            Files.delete(err);
            return r;
        }

        /** Runs kubectl until the result satisfies {@code done}, for up to 20 seconds. */
        Result eventually(String what, Predicate<Result> done, String... args) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (true) {
                Result r = run(args);
                if (done.test(r)) return r;
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out waiting until " + what + "; last: kubectl " + String.join(" ", args)
                            + "\nstdout: " + r.out() + "\nstderr: " + r.err());
                }
                Thread.sleep(200);
            }
        }
    }
}
