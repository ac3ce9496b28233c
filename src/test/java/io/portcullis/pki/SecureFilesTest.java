package io.portcullis.pki;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class SecureFilesTest {
    @TempDir Path tmp;
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    final Logger logger = (Logger) LoggerFactory.getLogger(SecureFiles.class);

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
    }

    @Test
    void aMissingDataDirectoryAndItsMissingParentsAreCreatedOwnerOnlyWithoutAWarning() throws IOException {
        Path data = tmp.resolve("a/b/data");
        SecureFiles.makePrivate(data);
        for (Path d : List.of(tmp.resolve("a"), tmp.resolve("a/b"), data)) {
            assertThat(mode(d)).as(d.toString()).isEqualTo("rwx------");
        }
        assertThat(logs.list).isEmpty();
    }

    @Test
    void anOpenDataDirectoryIsTightenedWithOneWarningNamingEachPathAndItsModes() throws IOException {
        Path data = Files.createDirectory(tmp.resolve("data"));
        Path pki = Files.createDirectory(data.resolve("pki"));
        Path outside = Files.writeString(tmp.resolve("outside.txt"), "not ours");
        chmod(outside, "rw-r--r--");
        Files.createSymbolicLink(data.resolve("link"), outside);
        chmod(data, "rwxr-xr-x");
        chmod(pki, "rwxrwxrwx");
        chmod(Files.writeString(data.resolve("store.db-wal"), "x"), "rw-r--r--");
        chmod(Files.writeString(pki.resolve("ca.crt"), "x"), "rw-rw-r--");
        chmod(Files.writeString(pki.resolve("ca.key"), "x"), "rw-------");
        chmod(Files.writeString(data.resolve("readonly"), "x"), "r--r--r--");

        SecureFiles.makePrivate(data);

        assertThat(mode(data)).isEqualTo("rwx------");
        assertThat(mode(pki)).isEqualTo("rwx------");
        assertThat(mode(data.resolve("store.db-wal"))).isEqualTo("rw-------");
        assertThat(mode(pki.resolve("ca.crt"))).isEqualTo("rw-------");
        assertThat(mode(data.resolve("readonly"))).as("only taken away, never granted").isEqualTo("r--------");
        assertThat(mode(outside)).as("a link is not followed").isEqualTo("rw-r--r--");
        assertThat(logs.list).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .contains(data.toRealPath().toString(), ". rwxr-xr-x -> rwx------", "pki rwxrwxrwx -> rwx------",
                        "store.db-wal rw-r--r-- -> rw-------", "pki/ca.crt rw-rw-r-- -> rw-------", "readonly r--r--r-- -> r--------")
                .doesNotContain("ca.key", "link", "outside"));

        logs.list.clear();
        SecureFiles.makePrivate(data);
        assertThat(logs.list).as("nothing left to tighten").isEmpty();
    }

    @Test
    void writtenFilesAreOwnerOnlyAndTheirMissingDirectoriesToo() throws IOException {
        Path file = tmp.resolve("new/ca.crt");
        SecureFiles.writePrivate(file, "public, yet in the data directory");
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(mode(file.getParent())).isEqualTo("rwx------");
    }

    static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    static void chmod(Path p, String mode) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }
}
