package io.portcullis.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.storage.Store;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreDurabilityTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyAcknowledgedCreateSurvivesKillDashNine() throws Exception {
        Path file = dir.resolve("state.db");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CreateUntilKilled.class.getName(), file.toString(), "8")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Map<String, Long> acknowledged = new LinkedHashMap<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("open");
            while (acknowledged.size() < 400) {
                String line = out.readLine();
                assertThat(line).as("the child stopped early").isNotNull();
                String[] parts = line.split(" ");
                acknowledged.put(parts[0], Long.parseLong(parts[1]));
            }
            // SIGKILL through the handle: Process.destroyForcibly would also close our end of the pipe
            child.toHandle().destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // the acknowledgements printed just before the kill matter most: a batch in flight
            String line;
            while ((line = out.readLine()) != null) {
                String[] parts = line.split(" ");
                if (parts.length == 2) acknowledged.put(parts[0], Long.parseLong(parts[1]));
            }
        } finally {
            child.destroyForcibly();
        }

        try (Store store = SqliteStore.open(file)) {
            long newest = acknowledged.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            assertThat(store.currentRevision()).isGreaterThanOrEqualTo(newest);
            acknowledged.forEach((key, revision) -> {
                assertThat(store.get(key)).as(key).isPresent();
                assertThat(store.get(key).orElseThrow().modRevision()).as(key).isEqualTo(revision);
            });
            // the store goes on after the crash: a new write takes a revision never used before
            long recovered = store.currentRevision();
            assertThat(store.create("/after/crash", new byte[] {'{', '}'}).modRevision()).isGreaterThan(recovered);
        }
    }
}
