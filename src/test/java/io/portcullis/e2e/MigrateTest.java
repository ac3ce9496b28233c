package io.portcullis.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.cli.Main;
import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import io.portcullis.storage.etcd.EtcdCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/** `portcullis migrate`: a cluster started on SQLite, moved to etcd, serves the same objects and tokens. */
@Timeout(300)
class MigrateTest {
    @TempDir Path dir;

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
        Path data = dir.resolve("data");
        String token;
        JsonNode robot;
        try (Server sqlite = Server.start(ServerConfig.embedded(data))) {
            AdminHttps https = AdminHttps.fromKubeconfig(sqlite.kubeconfig());
            assertThat(https.send("POST", "/api/v1/namespaces", "application/json",
                    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"moving\"}}").statusCode()).isEqualTo(201);
            assertThat(https.send("POST", "/api/v1/namespaces/moving/serviceaccounts", "application/json",
                    "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"robot\"}}").statusCode()).isEqualTo(201);
            HttpResponse<String> issued = https.send("POST", "/api/v1/namespaces/moving/serviceaccounts/robot/token", "application/json",
                    "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{}}");
            assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
            token = Json.objectTree(issued.body().getBytes(UTF_8)).path("status").path("token").asString();
            robot = Json.objectTree(https.get("/api/v1/namespaces/moving/serviceaccounts/robot").body().getBytes(UTF_8));
        }

        try (EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1)) {
            Run moved = portcullis("migrate", "--data-dir", data.toString(), "--etcd-servers", etcd.endpoints());
            assertThat(moved.exit()).as(moved.err()).isZero();
            assertThat(moved.out()).contains("Copied ", "objects from " + data.resolve("store.db"));

            Run again = portcullis("migrate", "--data-dir", data.toString(), "--etcd-servers", etcd.endpoints());
            assertThat(again.exit()).isEqualTo(1);
            assertThat(again.err()).contains("already holds objects under the prefix /registry; migrate only into an empty prefix");

            try (Server onEtcd = Server.start(ServerConfig.embedded(data).withStorage(s -> s.withEtcd(etcd.endpoints(), "/registry")))) {
                AdminHttps https = AdminHttps.fromKubeconfig(onEtcd.kubeconfig());
                JsonNode after = Json.objectTree(https.get("/api/v1/namespaces/moving/serviceaccounts/robot").body().getBytes(UTF_8));
                assertThat(after.path("metadata").path("uid")).isEqualTo(robot.path("metadata").path("uid"));
                assertThat(after.path("metadata").path("creationTimestamp")).isEqualTo(robot.path("metadata").path("creationTimestamp"));
                assertThat(after.path("metadata").path("managedFields")).isEqualTo(robot.path("metadata").path("managedFields"));

                HttpResponse<byte[]> asRobot = AdminHttps.anonymous(onEtcd.kubeconfig()).getBytes("/api/v1/namespaces/moving/serviceaccounts/robot",
                        "Authorization", "Bearer " + token);
                assertThat(asRobot.statusCode()).as("the token issued on SQLite authenticates on etcd (403: known, not allowed)")
                        .isEqualTo(403);
                assertThat(new String(asRobot.body(), UTF_8)).contains("system:serviceaccount:moving:robot");
            }
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
