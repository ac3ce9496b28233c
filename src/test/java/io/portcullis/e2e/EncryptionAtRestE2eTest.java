package io.portcullis.e2e;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * --encryption-provider-config end to end: Secrets written through the real kubectl, the SQLite
 * file read behind the server's back, and key rotation done step by step as the Kubernetes
 * documentation gives it, restarts included.
 */
@EndToEnd
@Timeout(240)
class EncryptionAtRestE2eTest {
    @RegisterExtension final TestServer fixture = TestServer.notStarted();
    static final Path KUBECTL = Path.of("/usr/bin/kubectl");
    static final String KEY1 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    static final String KEY2 = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
    static final String PASSWORD = "correct-horse-battery-staple";
    static final String PASSWORD_BASE64 = Base64.getEncoder().encodeToString(PASSWORD.getBytes(UTF_8));
    static final String SECRETS = "/registry/secrets/";

    @TempDir Path dataDir;
    @TempDir Path home;
    Path config;
    Server server;

    record Run(int exit, String out, String err) {
        Run ok() {
            assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isZero();
            return this;
        }
    }

    @BeforeEach
    void needsKubectl() {
        Assumptions.assumeTrue(Files.isExecutable(KUBECTL), "no kubectl at " + KUBECTL);
        config = home.resolve("encryption.yaml");
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    /** Secrets under aescbc with the keys named (name, secret, ...) in order, then identity, as upstream's example. */
    void writeConfig(String... keys) throws Exception {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < keys.length; i += 2) {
            list.append("            - name: ").append(keys[i]).append("\n              secret: ").append(keys[i + 1]).append('\n');
        }
        replaceFile(config, """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                  - resources:
                      - secrets
                    providers:
                      - aescbc:
                          keys:
                """ + list + """
                      - identity: {}
                """);
    }

    /** Replaces the file in one step, as an operator's tools (or a ConfigMap mount) do. */
    static void replaceFile(Path file, String text) throws Exception {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, text);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    void start(boolean automaticReload) throws Exception {
        server = fixture.start(c -> ServerConfig.embedded(dataDir)
                .withEncryption(e -> e.withProviderConfig(config, automaticReload).withReloadInterval(Duration.ofMillis(100)))).server();
    }

    void restart() throws Exception {
        server.close();
        server = null;
        start(false);
    }

    Run kubectl(String... args) throws Exception {
        List<String> all = new ArrayList<>();
        all.add(KUBECTL.toString());
        all.addAll(List.of(args));
        return run(all);
    }

    /** A shell pipeline of kubectl commands, as an operator types it. */
    Run shell(String pipeline) throws Exception {
        return run(List.of("/bin/sh", "-c", "set -e; " + pipeline));
    }

    Run run(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("KUBECONFIG", server.kubeconfig().toString());
        pb.environment().put("HOME", home.toString());
        pb.environment().put("PATH", "/usr/bin:/bin");
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 60 s; stderr: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    void createSecret(String namespace, String name) throws Exception {
        assertThat(kubectl("-n", namespace, "create", "secret", "generic", name, "--from-literal=password=" + PASSWORD).ok().out())
                .isEqualTo("secret/" + name + " created\n");
    }

    String password(String namespace, String name) throws Exception {
        String b64 = kubectl("-n", namespace, "get", "secret", name, "-o", "jsonpath={.data.password}").ok().out();
        return new String(Base64.getDecoder().decode(b64), UTF_8);
    }

    /** Every stored Secret (key without the prefix, namespace/name) with the start of its raw value, read from SQLite directly. */
    Map<String, String> rawSecrets() throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("store.db"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT key, value FROM current")) {
            while (rs.next()) {
                String key = new String(rs.getBytes(1), UTF_8);
                if (key.startsWith(SECRETS)) out.put(key.substring(SECRETS.length()), new String(rs.getBytes(2), ISO_8859_1));
            }
        }
        return out;
    }

    /** Which key each stored Secret is encrypted with ("plaintext" when it is not). */
    Map<String, String> storedWith() throws Exception {
        Map<String, String> out = new TreeMap<>();
        Pattern prefix = Pattern.compile("k8s:enc:aescbc:v1:([^:]+):");
        rawSecrets().forEach((k, v) -> {
            Matcher m = prefix.matcher(v);
            out.put(k, m.lookingAt() ? m.group(1) : "plaintext");
        });
        return out;
    }

    @Test
    void aSecretCreatedWithKubectlIsStoredEncryptedAndNeitherItsRowNorTheDatabaseFilesHoldItsValue() throws Exception {
        writeConfig("key1", KEY1);
        start(false);
        createSecret("default", "db-password");
        assertThat(kubectl("-n", "default", "create", "configmap", "colour", "--from-literal=colour=ultramarine").ok().out())
                .isEqualTo("configmap/colour created\n");
        assertThat(password("default", "db-password")).isEqualTo(PASSWORD);

        String raw = rawSecrets().get("default/db-password");
        assertThat(raw).startsWith("k8s:enc:aescbc:v1:key1:").doesNotContain(PASSWORD, PASSWORD_BASE64, "Secret", "password");
        server.close();
        server = null;
        for (String file : List.of("store.db", "store.db-wal")) {
            Path f = dataDir.resolve(file);
            if (!Files.exists(f)) continue;
            String bytes = new String(Files.readAllBytes(f), ISO_8859_1);
            assertThat(bytes).as(file).doesNotContain(PASSWORD, PASSWORD_BASE64).contains("k8s:enc:aescbc:v1:key1:");
            assertThat(bytes).as("%s: the ConfigMap, not encrypted, is there in the clear", file).contains("ultramarine");
        }
    }

    @Test
    void keysRotateAsUpstreamDocumentsEveryStepWithKubectl() throws Exception {
        // before: key1 encrypts
        writeConfig("key1", KEY1);
        start(false);
        kubectl("create", "namespace", "team").ok();
        createSecret("default", "s1");
        createSecret("team", "s2");
        assertThat(storedWith()).containsEntry("default/s1", "key1").containsEntry("team/s2", "key1");

        // 1. add the new key second, restart: everything reads, key1 still writes
        writeConfig("key1", KEY1, "key2", KEY2);
        restart();
        assertThat(password("default", "s1")).isEqualTo(PASSWORD);
        assertThat(password("team", "s2")).isEqualTo(PASSWORD);
        createSecret("team", "s3");
        assertThat(storedWith()).containsEntry("team/s3", "key1");

        // 2. make the new key first, restart: new writes use key2, older values still read with key1
        writeConfig("key2", KEY2, "key1", KEY1);
        restart();
        createSecret("default", "s4");
        assertThat(storedWith()).containsEntry("default/s4", "key2").containsEntry("default/s1", "key1").containsEntry("team/s3", "key1");
        for (String s : List.of("default/s1", "team/s2", "team/s3", "default/s4")) {
            String[] nn = s.split("/");
            assertThat(password(nn[0], nn[1])).as(s).isEqualTo(PASSWORD);
        }

        // 3. rewrite every Secret: unchanged objects are written again, now with key2
        Run replaced = shell("kubectl get secrets --all-namespaces -o json | kubectl replace -f -").ok();
        assertThat(replaced.out()).contains("secret/s1 replaced", "secret/s2 replaced", "secret/s3 replaced", "secret/s4 replaced");
        assertThat(storedWith().values()).as(storedWith().toString()).isNotEmpty().containsOnly("key2");

        // 4. remove the old key, restart: every Secret still reads
        writeConfig("key2", KEY2);
        restart();
        JsonNode all = Json.MAPPER.readTree(kubectl("get", "secrets", "--all-namespaces", "-o", "json").ok().out());
        List<String> names = new ArrayList<>();
        for (JsonNode item : all.path("items")) {
            names.add(item.path("metadata").path("name").asString());
            if (item.path("data").has("password")) {
                assertThat(new String(Base64.getDecoder().decode(item.path("data").path("password").asString()), UTF_8)).isEqualTo(PASSWORD);
            }
        }
        assertThat(names).contains("s1", "s2", "s3", "s4");
        createSecret("team", "s5");
        assertThat(storedWith().values()).containsOnly("key2");
    }

    @Test
    void aSecretWhoseKeyIsGoneReportsItsOwnErrorWhileTheRestOfTheServerKeepsServing() throws Exception {
        writeConfig("key1", KEY1);
        start(false);
        kubectl("create", "namespace", "team").ok();
        createSecret("team", "lost");
        kubectl("-n", "team", "create", "configmap", "settings", "--from-literal=a=b").ok();

        // key1 removed before the Secrets were rewritten
        writeConfig("key2", KEY2);
        restart();
        Run get = kubectl("-n", "team", "get", "secret", "lost");
        assertThat(get.exit()).isEqualTo(1);
        assertThat(get.err()).startsWith("Error from server (InternalError): Internal error occurred: StorageError: corrupt object, "
                        + "secrets \"lost\" in namespace \"team\": data from the storage is not transformable revision=")
                .contains(": no matching prefix found (the value was encrypted with aescbc key \"key1\", which is not among the providers)")
                .doesNotContain(KEY1, KEY2);

        Run delete = kubectl("-n", "team", "delete", "secret", "lost");
        assertThat(delete.exit()).isEqualTo(1);
        assertThat(delete.err()).contains("corrupt object, secrets \"lost\" in namespace \"team\"");

        // lists and watches leave it out, so every client that lists or watches Secrets carries on
        assertThat(kubectl("get", "secrets", "--all-namespaces", "-o", "name").ok().out()).doesNotContain("secret/lost");
        assertThat(kubectl("get", "--raw", "/api/v1/namespaces/team/secrets").ok().out()).contains("\"kind\":\"SecretList\"")
                .doesNotContain("\"lost\"");
        assertThat(kubectl("get", "--raw", "/api/v1/namespaces/team/secrets?watch=true&timeoutSeconds=1").ok().out())
                .doesNotContain("\"lost\"");

        // everything else serves: other Secrets, other namespaces, other kinds, writes, health
        createSecret("default", "fresh");
        assertThat(password("default", "fresh")).isEqualTo(PASSWORD);
        assertThat(kubectl("-n", "default", "get", "secrets", "-o", "name").ok().out()).contains("secret/fresh");
        assertThat(kubectl("-n", "team", "get", "configmap", "settings", "-o", "jsonpath={.data.a}").ok().out()).isEqualTo("b");
        assertThat(kubectl("get", "configmaps", "--all-namespaces", "-o", "name").ok().out()).contains("configmap/settings");
        assertThat(kubectl("get", "--raw", "/readyz").ok().out()).isEqualTo("ok");

        // the key back (second): the Secret reads again
        writeConfig("key2", KEY2, "key1", KEY1);
        restart();
        assertThat(password("team", "lost")).isEqualTo(PASSWORD);
        assertThat(kubectl("get", "secrets", "--all-namespaces", "-o", "name").ok().out()).contains("secret/lost", "secret/fresh");
    }

    @Test
    void withAutomaticReloadAChangedFileTakesOverAndABrokenOneIsLoggedAndIgnored() throws Exception {
        writeConfig("key1", KEY1);
        start(true);
        createSecret("default", "before");

        writeConfig("key2", KEY2, "key1", KEY1);
        awaitReloads("success", 1);
        createSecret("default", "after");
        assertThat(storedWith()).containsEntry("default/before", "key1").containsEntry("default/after", "key2");
        assertThat(password("default", "before")).isEqualTo(PASSWORD);

        replaceFile(config, "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [\n");
        awaitReloads("failure", 1);
        createSecret("default", "still");
        assertThat(storedWith()).as("the configuration loaded before stays").containsEntry("default/still", "key2");
        assertThat(password("default", "before")).isEqualTo(PASSWORD);
        assertThat(password("default", "still")).isEqualTo(PASSWORD);
        assertThat(kubectl("get", "--raw", "/livez/kms-providers").ok().out()).isEqualTo("ok");
    }

    /** Waits (at most 30 s) until the server's reload counter with that status reaches {@code n}. */
    void awaitReloads(String status, int n) throws Exception {
        Pattern line = Pattern.compile("^apiserver_encryption_config_controller_automatic_reloads_total\\{status=\"" + status + "\"} (\\S+)$",
                Pattern.MULTILINE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Matcher m = line.matcher(kubectl("get", "--raw", "/metrics").ok().out());
            if (m.find() && Double.parseDouble(m.group(1)) >= n) return;
            assertThat(System.nanoTime()).as("%d %s reloads within 30 s", n, status).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
