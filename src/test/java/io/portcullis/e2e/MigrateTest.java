package io.portcullis.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.cli.Main;
import io.portcullis.storage.etcd.EtcdCluster;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/** `portcullis migrate`: a cluster started on SQLite, moved to etcd, serves the same objects and tokens. */
@EndToEnd
@Timeout(300)
class MigrateTest {
    @TempDir Path dir;
    @RegisterExtension final TestServer server = TestServer.notStarted();

    record Run(int exit, String out, String err) {}

    static Run portcullis(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        System.setOut(new PrintStream(out, true, UTF_8));
        System.setErr(new PrintStream(err, true, UTF_8));
        try {
            int exit = new CommandLine(new Main()).execute(args);
            return new Run(exit, out.toString(UTF_8), err.toString(UTF_8));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    @Test
    void aSqliteClusterMovedToEtcdServesTheSameObjectsAndTokens() throws Exception {
        EtcdCluster.assumeInstalled();
        String token;
        JsonNode robot;
        server.start();
        Path data = server.dataDir();
        Https https = server.admin();
        https.post("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"moving\"}}").expect(201);
        https.post("/api/v1/namespaces/moving/serviceaccounts",
                "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"robot\"}}").expect(201);
        token = https.post("/api/v1/namespaces/moving/serviceaccounts/robot/token",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{}}").expect(201)
                .json().path("status").path("token").asString();
        robot = https.get("/api/v1/namespaces/moving/serviceaccounts/robot").expect(200).json();
        server.stop();

        try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1)) {
            Run moved = portcullis("migrate", "--data-dir", data.toString(), "--etcd-servers", etcd.endpoints(), "--etcd-prefix", "/moved");
            assertThat(moved.exit()).as(moved.err()).isZero();
            assertThat(moved.out()).contains("Copied ", "objects from " + data.resolve("store.db"))
                    .contains("Start the server with: portcullis server --data-dir " + data + " --etcd-servers " + etcd.endpoints()
                            + " --etcd-prefix /moved\n");

            Run again = portcullis("migrate", "--data-dir", data.toString(), "--etcd-servers", etcd.endpoints(), "--etcd-prefix", "/moved");
            assertThat(again.exit()).isEqualTo(1);
            assertThat(again.err()).contains("already holds objects under the prefix /moved; migrate only into an empty prefix");

            server.start(c -> c.withStorage(s -> s.withEtcd(etcd.endpoints(), "/moved")));
            JsonNode after = server.admin().get("/api/v1/namespaces/moving/serviceaccounts/robot").expect(200).json();
            assertThat(after.path("metadata").path("uid")).isEqualTo(robot.path("metadata").path("uid"));
            assertThat(after.path("metadata").path("creationTimestamp")).isEqualTo(robot.path("metadata").path("creationTimestamp"));
            assertThat(after.path("metadata").path("managedFields")).isEqualTo(robot.path("metadata").path("managedFields"));

            Https.Response asRobot = server.anonymous().withToken(token).get("/api/v1/namespaces/moving/serviceaccounts/robot");
            assertThat(asRobot.status()).as("the token issued on SQLite authenticates on etcd (403: known, not allowed)").isEqualTo(403);
            assertThat(asRobot.message()).contains("system:serviceaccount:moving:robot");
            server.stop();
        }
    }

    @Test
    void migrateNeedsEtcdServersAndAStore() {
        Run noEtcd = portcullis("migrate", "--data-dir", dir.toString());
        assertThat(noEtcd.exit()).isEqualTo(2);
        assertThat(noEtcd.err()).contains("--etcd-servers is required");
        Run noStore = portcullis("migrate", "--data-dir", dir.resolve("nothing").toString(), "--etcd-servers", "http://127.0.0.1:1");
        assertThat(noStore.exit()).isEqualTo(1);
        assertThat(noStore.err()).contains("no store.db to migrate");
    }
}
