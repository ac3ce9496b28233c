package io.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log file: whole JSON lines, rotated by size as upstream's --audit-log-max* flags say, owner-only. */
class LogBackendTest {
    @TempDir Path dir;

    /** An event of about {@code size} bytes once written (its request URI makes up the size). */
    static Event event(int size) {
        return new Event(Level.METADATA, Stage.RESPONSE_COMPLETE, new Event.Origin("id", Instant.now(), "/" + "x".repeat(size), "", List.of()),
                "get", null, null, null, null, null, null, Instant.now(), Map.of(), false);
    }

    List<Path> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void theFileIsRotatedBeforeALineWouldTakeItPastMaxsizeAndOnlyMaxbackupBackupsAreKept() throws Exception {
        Path file = dir.resolve("audit.log");
        LogBackend log = LogBackend.open(file, 0, 2, 1, new EventJson(null));
        for (int i = 0; i < 12; i++) {
            log.write(List.of(event(300_000)));
            Thread.sleep(2); // backups are named to the millisecond
        }
        log.close();
        List<Path> files = files();
        assertThat(files).hasSize(3).contains(file);
        for (Path f : files) {
            assertThat(f.getFileName().toString()).matches("audit(-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3})?\\.log");
            assertThat(Files.size(f)).isLessThanOrEqualTo(1024 * 1024);
            for (String line : Files.readAllLines(f)) assertThat(Json.MAPPER.readTree(line).path("kind").asString()).isEqualTo("Event");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        }
    }

    @Test
    void backupsOlderThanMaxageAreRemovedAndOtherFilesAreLeftAlone() throws Exception {
        Path file = dir.resolve("audit.log");
        Files.writeString(dir.resolve("audit-2001-01-01T00-00-00.000.log"), "old\n");
        Files.writeString(dir.resolve("audit-2030-01-09T00-00-00.000.log"), "recent\n");
        Files.writeString(dir.resolve("audit-notes.log"), "not a backup\n");
        Clock clock = Clock.fixed(Instant.parse("2030-01-10T12:00:00Z"), ZoneOffset.UTC);
        LogBackend log = LogBackend.open(file, 7, 0, 1, new EventJson(null), clock);
        log.write(List.of(event(700_000)));
        log.write(List.of(event(700_000)));
        log.close();
        assertThat(files().stream().map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                "audit.log", "audit-2030-01-10T12-00-00.000.log", "audit-2030-01-09T00-00-00.000.log", "audit-notes.log");
    }

    @Test
    void anExistingLogIsAppendedToAndKeepsItsMode() throws Exception {
        Path file = dir.resolve("audit.log");
        Files.writeString(file, "{\"earlier\":true}\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        LogBackend log = LogBackend.open(file, 0, 0, 0, new EventJson(null));
        log.write(List.of(event(10)));
        log.close();
        assertThat(Files.readAllLines(file)).hasSize(2).first().isEqualTo("{\"earlier\":true}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");
    }
}
