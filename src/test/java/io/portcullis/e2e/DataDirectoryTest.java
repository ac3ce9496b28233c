package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** The data directory holds every Secret and key: nobody but its owner may read any of it. */
@EndToEnd
class DataDirectoryTest {
    static final String SECRET = """
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"s1"},"stringData":{"password":"hunter2"}}""";
    @RegisterExtension
    final TestServer server = TestServer.notStarted();

    @Test
    void aFreshDataDirectoryIsOwnerOnlyDownToSqlitesOwnFiles() throws Exception {
        Path data = server.start().dataDir();
        assertThat(server.admin().post("/api/v1/namespaces/default/secrets", SECRET).status()).isEqualTo(201);

        Map<String, String> modes = modes(data);
        assertThat(modes).containsKeys("store.db", "store.db-wal", "store.db-shm", "admin.kubeconfig", "pki", "pki/ca.crt", "pki/sa.pub");
        modes.forEach((path, mode) -> assertThat(mode).as(path)
                .isEqualTo(Files.isDirectory(data.resolve(path)) ? "rwx------" : "rw-------"));
    }

    @Test
    void aStartTightensADataDirectoryLeftOpenAndSaysWhatItChangedInOneWarning() throws Exception {
        Path data = server.start().dataDir();
        server.stop();
        for (String path : List.of(".", "pki")) chmod(data.resolve(path), "rwxr-xr-x");
        for (String path : List.of("store.db", "pki/ca.key", "admin.kubeconfig")) chmod(data.resolve(path), "rw-r--r--");

        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        try {
            server.start();
            assertThat(server.admin().post("/api/v1/namespaces/default/secrets", SECRET).status()).isEqualTo(201);
            server.stop();
        } finally {
            root.detachAppender(logs);
        }

        modes(data).forEach((path, mode) -> assertThat(mode).as(path)
                .isEqualTo(Files.isDirectory(data.resolve(path)) ? "rwx------" : "rw-------"));
        assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().contains("owner-only")).singleElement()
                .satisfies(e -> assertThat(e.getLevel().toString()).isEqualTo("WARN"))
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains(
                        ". rwxr-xr-x -> rwx------", "pki rwxr-xr-x -> rwx------", "store.db rw-r--r-- -> rw-------",
                        "pki/ca.key rw-r--r-- -> rw-------", "admin.kubeconfig rw-r--r-- -> rw-------"));
    }

    /** Every path below the directory, itself as ".", with its mode. */
    static Map<String, String> modes(Path dir) throws IOException {
        Map<String, String> modes = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                String name = p.equals(dir) ? "." : dir.relativize(p).toString();
                modes.put(name, PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
            }
        }
        return modes;
    }

    static void chmod(Path p, String mode) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }
}
