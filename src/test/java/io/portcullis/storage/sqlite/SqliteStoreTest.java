package io.portcullis.storage.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.storage.Store.Event;
import io.portcullis.storage.Store.Watch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What SqliteStore does beyond the contract every store shares. */
class SqliteStoreTest {

    @TempDir
    Path dir;

    @Test
    void aWatcherThatFallsTooFarBehindGetsWhatItHasThenAnErrorWithoutSlowingWriters() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("s.db"), 5);
             Watch slow = store.watch("/w/", store.currentRevision())) {
            for (int i = 0; i < 12; i++) store.create("/w/" + i, "{}".getBytes(UTF_8));

            for (int i = 0; i < 5; i++) {
                Event e = slow.poll(Duration.ofSeconds(5));
                assertThat(e.entry().key()).isEqualTo("/w/" + i);
            }
            assertThatThrownBy(() -> slow.poll(Duration.ofSeconds(5)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("watch again after revision 5");

            try (Watch again = store.watch("/w/", 5)) {
                assertThat(again.poll(Duration.ofSeconds(5)).entry().key()).isEqualTo("/w/5");
            }
        }
    }

    @Test
    void closingTheStoreEndsAWatchWaitingForEvents() throws Exception {
        SqliteStore store = SqliteStore.open(dir.resolve("s.db"));
        Watch watch = store.watch("/", 0);
        store.create("/a", "{}".getBytes(UTF_8));
        store.close();

        assertThat(watch.poll(Duration.ofSeconds(5)).entry().key()).isEqualTo("/a");
        assertThatThrownBy(() -> watch.poll(Duration.ofSeconds(5))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aSecondOpenOfAnOpenFileIsRefused() {
        Path file = dir.resolve("s.db");
        try (SqliteStore store = SqliteStore.open(file)) {
            assertThatThrownBy(() -> SqliteStore.open(file))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already open");
        }
        SqliteStore.open(file).close();
    }

    @Test
    void everyFileOfTheStoreIsOwnerOnlyWhateverTheUmaskGivesSqlite() throws Exception {
        Path file = dir.resolve("new/data/s.db");
        try (SqliteStore store = SqliteStore.open(file)) {
            for (int i = 0; i < 50; i++) store.create("/secrets/" + i, "{}".getBytes(UTF_8));
            List<Path> files;
            try (Stream<Path> listed = Files.list(file.getParent())) {
                files = listed.toList();
            }
            assertThat(files).extracting(p -> p.getFileName().toString())
                    .contains("s.db", "s.db-wal", "s.db-shm", "s.db.lock");
            for (Path f : files) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString()).isEqualTo("rw-------");
            }
            for (Path d : List.of(file.getParent(), dir.resolve("new"))) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).as(d.toString()).isEqualTo("rwx------");
            }
        }
    }

    @Test
    void badArgumentsAreRefusedWithAMessage() {
        try (SqliteStore store = SqliteStore.open(dir.resolve("s.db"))) {
            store.create("/a", "{}".getBytes(UTF_8));
            assertThatThrownBy(() -> store.create("", "{}".getBytes(UTF_8))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.create("/b", null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.list("/", 0, -1, null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.list("/", 99, 0, null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newer than the current revision 1");
            assertThatThrownBy(() -> store.compact(99))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newer than the current revision 1");
            assertThat(store.get("/a")).isPresent();
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
            2f61    | 2f62
            2f61ff  | 2f62
            61ffff  | 62
            ''      | ff
            ffff    | ff
            2fc3a9  | 2fc3aa
            """, delimiter = '|')
    void theUpperBoundOfAPrefixIsTheSmallestKeyAfterEveryKeyStartingWithIt(String prefix, String upper) {
        assertThat(HexFormat.of().formatHex(SqliteStore.upperBound(HexFormat.of().parseHex(prefix)))).isEqualTo(upper);
    }
}
