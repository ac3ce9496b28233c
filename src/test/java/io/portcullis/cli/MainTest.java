package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownAdmissionPluginStopsTheServerBeforeItStartsNamingTheFlagAndTheValue() {
        Path dataDir = dir.resolve("data");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Main()).execute("server", "--data-dir", dataDir.toString(), "--secure-port", "0",
                    "--enable-admission-plugins", "NamespaceLifecycle,PodSecurity");
        } finally {
            System.setErr(saved);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("portcullis: --enable-admission-plugins PodSecurity: "
                + "unknown admission plugin (known: NamespaceLifecycle, ServiceAccount)\n");
        assertThat(Files.exists(dataDir)).as("nothing was created").isFalse();
    }
}
