package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.portcullis.server.ServerConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class MainTest {
    @TempDir
    Path dir;

    @Test
    void anUnknownAdmissionPluginStopsTheServerBeforeItStartsInUpstreamsWords() {
        Path dataDir = dir.resolve("data");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Main()).execute("server", "--data-dir", dataDir.toString(), "--secure-port", "0",
                    "--enable-admission-plugins", "NamespaceLifecycle,PodSecurityPolicy");
        } finally {
            System.setErr(saved);
        }
        assertThat(exit).isEqualTo(2);
        // PodSecurityPolicy's admission plugin left kube-apiserver with 1.25
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("portcullis: enable-admission-plugins plugin \"PodSecurityPolicy\" is unknown\n");
        assertThat(Files.exists(dataDir)).as("nothing was created").isFalse();
    }

    record Exit(int code, String err) {}

    Exit run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Exit(new CommandLine(new Main()).execute(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void anEncryptionConfigurationThatDoesNotLoadStopsTheStartNamingFlagFileAndProblem() throws Exception {
        Path config = dir.resolve("encryption.yaml");
        Files.writeString(config, """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                  - resources: [secrets]
                    providers:
                      - aescbc:
                          keys:
                            - name: key1
                              secret: c2VjcmV0IGlzIHNlY3VyZQ==x
                """);
        Exit exit = run("server", "--data-dir", dir.resolve("data").toString(), "--secure-port", "0", "--encryption-provider-config", config.toString());
        assertThat(exit.code()).isEqualTo(1);
        assertThat(exit.err()).isEqualTo("portcullis: --encryption-provider-config " + config
                + ": resources[0].providers[0].aescbc.keys[0].secret: secrets must be base64 encoded\n");

        Exit missing = run("server", "--data-dir", dir.resolve("data").toString(), "--encryption-provider-config", dir.resolve("nope.yaml").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("portcullis: --encryption-provider-config " + dir.resolve("nope.yaml") + ": no such readable file\n");

        Exit alone = run("server", "--data-dir", dir.resolve("data").toString(), "--encryption-provider-config-automatic-reload");
        assertThat(alone.code()).isEqualTo(2);
        assertThat(alone.err()).isEqualTo("portcullis: --encryption-provider-config-automatic-reload must be set with --encryption-provider-config\n");
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
            an identity lease of no time     | --identity-lease-duration-seconds=0                                            | --identity-lease-duration-seconds should be a positive number, but value '0' provided
            an identity renewal of no time   | --identity-lease-renew-interval-seconds=-1                                     | --identity-lease-renew-interval-seconds should be a positive number, but value '-1' provided
            no access records interval       | --access-records-interval=0                                                    | --access-records-interval must be greater than zero
            an access records interval       | --access-records-interval=hourly                                               | --access-records-interval hourly: not a duration (for example 30s, 2m, 1h30m)
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

    @Test
    void theRequestLimitFlagsHaveKubeApiserversDefaults() {
        ServerConfig.Serving serving = serving();
        assertThat(serving.maxRequestsInflight()).isEqualTo(400);
        assertThat(serving.maxMutatingRequestsInflight()).isEqualTo(200);
        assertThat(serving.requestTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(serving.minRequestTimeout()).isEqualTo(Duration.ofSeconds(1800));
    }

    @Test
    void theRequestLimitFlagsReachTheServer() {
        ServerConfig.Serving serving = serving("--max-requests-inflight", "10", "--max-mutating-requests-inflight", "0",
                "--request-timeout", "1m30s", "--min-request-timeout", "60");
        assertThat(serving.maxRequestsInflight()).isEqualTo(10);
        assertThat(serving.maxMutatingRequestsInflight()).isZero();
        assertThat(serving.requestTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(serving.minRequestTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --max-requests-inflight          | -1   | portcullis: --max-requests-inflight can not be negative value
            --max-mutating-requests-inflight | -1   | portcullis: --max-mutating-requests-inflight can not be negative value
            --min-request-timeout            | -5   | portcullis: --min-request-timeout can not be negative value
            --request-timeout                | soon | portcullis: --request-timeout soon: not a duration (for example 30s, 2m, 1h30m)
            """)
    void aBadRequestLimitStopsTheServerBeforeItStarts(String flag, String value, String message) {
        Path dataDir = dir.resolve("data");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new Main()).execute("server", "--data-dir", dataDir.toString(), "--secure-port", "0", flag + "=" + value);
        } finally {
            System.setErr(saved);
        }
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo(message + "\n");
        assertThat(Files.exists(dataDir)).as("nothing was created").isFalse();
    }

    /** As upstream's server: 32 s to send a request's headers, 90 s idle between requests before a connection is closed. */
    @Test
    void theConnectionTimeoutsAreUpstreams() {
        ServerConfig.Serving serving = serving();
        assertThat(serving.headerTimeout()).isEqualTo(Duration.ofSeconds(32));
        assertThat(serving.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(serving.tlsMinVersion()).isEqualTo("VersionTLS12");
        assertThat(serving.tlsCipherSuites()).as("Go's default suites").isEmpty();
    }

    @Test
    void theTlsFlagsTakeKubeApiserversNames() {
        ServerConfig.Serving serving = serving("--tls-min-version", "VersionTLS13",
                "--tls-cipher-suites", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305");
        assertThat(serving.tlsMinVersion()).isEqualTo("VersionTLS13");
        assertThat(serving.tlsCipherSuites()).containsExactly("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --tls-min-version   | TLSv1.2                                 | portcullis: --tls-min-version: unknown tls version "TLSv1.2"
            --tls-cipher-suites | TLS_RSA_WITH_RC4_128_SHA                | portcullis: --tls-cipher-suites: TLS_RSA_WITH_RC4_128_SHA is not available in this JVM
            --tls-cipher-suites | TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA257   | portcullis: --tls-cipher-suites: Cipher suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA257 not supported or doesn't exist
            --tls-cipher-suites | ECDHE-RSA-AES128-GCM-SHA256             | portcullis: --tls-cipher-suites: Cipher suite ECDHE-RSA-AES128-GCM-SHA256 not supported or doesn't exist
            """)
    void aBadTlsFlagStopsTheServerBeforeItStartsNamingTheFlag(String flag, String value, String message) {
        Path dataDir = dir.resolve("data");
        Exit exit = run("server", "--data-dir", dataDir.toString(), "--secure-port", "0", flag, value);
        assertThat(exit.code()).isEqualTo(2);
        assertThat(exit.err()).startsWith(message);
        assertThat(Files.exists(dataDir)).as("nothing was created").isFalse();
    }

    private ServerConfig.Serving serving(String... args) {
        Main.ServerCommand command = new Main.ServerCommand();
        new CommandLine(command).parseArgs(args);
        return command.config().serving();
    }
}
