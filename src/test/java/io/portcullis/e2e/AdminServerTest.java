package io.portcullis.e2e;

import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** One embedded server per test class, and the admin's HTTPS client to it. */
abstract class AdminServerTest {
    @TempDir
    static Path dataDir;
    static Server server;
    static AdminHttps https;

    @BeforeAll
    static void startServer() throws Exception {
        server = Server.start(ServerConfig.embedded(dataDir));
        https = AdminHttps.fromKubeconfig(server.kubeconfig());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }
}
