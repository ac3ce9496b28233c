package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --audit-log-mode                  | fast | invalid audit log mode fast, allowed modes are "batch,blocking,blocking-strict"
            --audit-webhook-mode              | sync | invalid audit webhook mode sync, allowed modes are "batch,blocking,blocking-strict"
            --audit-log-maxage                | -1   | --audit-log-maxage -1 can't be a negative number
            --audit-log-maxbackup             | -2   | --audit-log-maxbackup -2 can't be a negative number
            --audit-log-maxsize               | -3   | --audit-log-maxsize -3 can't be a negative number
            --audit-log-batch-buffer-size     | 0    | invalid audit batch log buffer size 0, must be a positive number
            --audit-webhook-batch-buffer-size | 0    | invalid audit batch webhook buffer size 0, must be a positive number
            --audit-webhook-batch-max-size    | 0    | invalid audit batch webhook max batch size 0, must be a positive number
            """)
    void aBadAuditFlagStopsTheServerBeforeItStartsInUpstreamsWords(String flag, String value, String message) {
        Path dataDir = dir.resolve("data");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Main()).execute("server", "--data-dir", dataDir.toString(), "--secure-port", "0", flag, value);
        } finally {
            System.setErr(saved);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("portcullis: " + message + "\n");
        assertThat(Files.exists(dataDir)).as("nothing was created").isFalse();
    }
}
