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
}
