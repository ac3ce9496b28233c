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
        assertRefused(message, flag, value);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            etcd TLS without etcd            | --etcd-cafile=/etc/hostname                                                    | --etcd-cafile, --etcd-certfile and --etcd-keyfile need --etcd-servers
            a certificate without its key    | --etcd-servers=https://127.0.0.1:2379 --etcd-certfile=/etc/hostname            | --etcd-certfile and --etcd-keyfile must be given together
            a CA file that is not there      | --etcd-servers=https://127.0.0.1:2379 --etcd-cafile=/nonexistent/ca.crt        | --etcd-cafile /nonexistent/ca.crt: no such readable file
            compaction without etcd          | --etcd-compaction-interval=1m                                                  | --etcd-compaction-interval needs --etcd-servers
            a compaction interval            | --etcd-servers=http://127.0.0.1:2379 --etcd-compaction-interval=often          | --etcd-compaction-interval often: not a duration (for example 30s, 2m, 1h30m)
            the lease within the deadline    | --leader-elect-lease-duration=5s --leader-elect-renew-deadline=10s             | --leader-elect-lease-duration 5s must be greater than --leader-elect-renew-deadline 10s
            the deadline within a retry      | --leader-elect-renew-deadline=2s --leader-elect-retry-period=2s                | --leader-elect-renew-deadline 2s must be greater than --leader-elect-retry-period 2s times 1.2
            """)
    void badStorageAndLeaderElectionFlagsStopTheServerNamingTheFlag(String name, String flags, String message) {
        assertRefused(message, flags.split(" "));
    }

    private void assertRefused(String message, String... flags) {
        Path dataDir = dir.resolve("data");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("server", "--data-dir", dataDir.toString(), "--secure-port", "0"));
            args.addAll(java.util.List.of(flags));
            exit = new CommandLine(new Main()).execute(args.toArray(String[]::new));
        } finally {
            System.setErr(saved);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("portcullis: " + message + "\n");
        assertThat(Files.exists(dataDir)).as("nothing was created").isFalse();
    }
}
