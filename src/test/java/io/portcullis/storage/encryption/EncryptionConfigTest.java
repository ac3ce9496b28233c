package io.portcullis.storage.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.api.GroupResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EncryptionConfigTest {
    static final String KEY1 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";   // 32 bytes
    static final String KEY2 = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

    @TempDir
    Path dir;

    Path file(String yaml) throws Exception {
        Path f = dir.resolve("encryption.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    static String config(String resources) {
        return """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                """ + resources;
    }

    @Test
    void aResourceTakesItsOwnRuleThenItsGroupsWildcardThenTheCatchAllThenIdentity() throws Exception {
        try (EncryptionConfig c = EncryptionConfig.load(file(config("""
                  - resources: [secrets, roles.rbac.authorization.k8s.io]
                    providers: [{aescbc: {keys: [{name: exact, secret: %s}]}}]
                  - resources: ['*.apps']
                    providers: [{aesgcm: {keys: [{name: apps, secret: %s}]}}]
                  - resources: ['*.']
                    providers: [{secretbox: {keys: [{name: core, secret: %s}]}}]
                """.formatted(KEY1, KEY1, KEY2))))) {
            assertThat(c.providers(GroupResource.core("secrets")).toString()).isEqualTo("[aescbc key \"exact\"]");
            assertThat(c.providers(new GroupResource("rbac.authorization.k8s.io", "roles")).toString()).isEqualTo("[aescbc key \"exact\"]");
            assertThat(c.providers(new GroupResource("apps", "deployments")).toString()).isEqualTo("[aesgcm key \"apps\"]");
            assertThat(c.providers(GroupResource.core("configmaps")).toString()).isEqualTo("[secretbox key \"core\"]");
            assertThat(c.providers(new GroupResource("batch", "jobs"))).isSameAs(Providers.IDENTITY);
            assertThat(c.usesKms()).isFalse();
        }
        try (EncryptionConfig c = EncryptionConfig.load(file(config("""
                  - resources: [events]
                    providers: [{identity: {}}]
                  - resources: ['*.*']
                    providers: [{aescbc: {keys: [{name: k2, secret: %s}, {name: k1, secret: %s}]}}, {identity: {}}]
                """.formatted(KEY2, KEY1))))) {
            assertThat(c.providers(GroupResource.core("events")).toString()).isEqualTo("[identity]");
            assertThat(c.providers(new GroupResource("batch", "jobs")).toString())
                    .isEqualTo("[aescbc key \"k2\", aescbc key \"k1\", identity]");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            wrong kind             | kind: EncryptionConfig                       | kind: must be EncryptionConfiguration
            unknown top field      | extra: 1                                     | extra: unknown field
            no resources           | resources: []                                | resources: at least one resources is required
            no providers           | resources: [{resources: [secrets]}]          | resources[0].providers: at least one provider is required
            capital letters        | resources: [{resources: [Secrets], providers: [{identity: {}}]}]     | resources[0].resources[0]: resource name should not contain capital letters
            bare star              | resources: [{resources: ['*'], providers: [{identity: {}}]}]         | resources[0].resources[0]: use '*.' to encrypt
            across groups          | resources: [{resources: ['secrets.*'], providers: [{identity: {}}]}] | encrypting the same resource across groups is not supported
            events.k8s.io          | resources: [{resources: [events.events.k8s.io], providers: [{identity: {}}]}] | name 'events' instead
            overlap in a list      | resources: [{resources: [secrets, '*.'], providers: [{identity: {}}]}] | resources[0].resources[1]: overlapping resources
            masked by earlier      | resources: [{resources: ['*.*'], providers: [{identity: {}}]}, {resources: [secrets], providers: [{identity: {}}]}] | resources[1].resources[0]: secrets is masked by an earlier rule (*.*)
            two kinds in one       | resources: [{resources: [secrets], providers: [{identity: {}, aescbc: {keys: []}}]}] | more than one provider in one element
            a typo                 | resources: [{resources: [secrets], providers: [{aescbcc: {}}]}]      | resources[0].providers[0].aescbcc: unknown provider
            no keys                | resources: [{resources: [secrets], providers: [{aescbc: {keys: []}}]}] | resources[0].providers[0].aescbc.keys: at least one key is required
            not base64             | resources: [{resources: [secrets], providers: [{aesgcm: {keys: [{name: k, secret: '!!'}]}}]}] | resources[0].providers[0].aesgcm.keys[0].secret: secrets must be base64 encoded
            wrong length           | resources: [{resources: [secrets], providers: [{secretbox: {keys: [{name: k, secret: c2VjcmV0IGlzIHNlY3VyZQ==}]}}]}] | the secret is 16 bytes, expected one of [32]
            nameless key           | resources: [{resources: [secrets], providers: [{aescbc: {keys: [{secret: c2VjcmV0IGlzIHNlY3VyZQ==}]}}]}] | keys[0].name: a key needs a name
            kms v1                 | resources: [{resources: [secrets], providers: [{kms: {name: p, endpoint: 'unix:///s'}}]}] | kms.apiVersion: only KMS v2 is supported
            kms over tcp           | resources: [{resources: [secrets], providers: [{kms: {apiVersion: v2, name: p, endpoint: 'tcp://h:1'}}]}] | unsupported scheme "tcp"
            kms name with a colon  | resources: [{resources: [secrets], providers: [{kms: {apiVersion: v2, name: 'a:b', endpoint: 'unix:///s'}}]}] | must not contain ':'
            kms cachesize          | resources: [{resources: [secrets], providers: [{kms: {apiVersion: v2, name: p, cachesize: 5, endpoint: 'unix:///s'}}]}] | cachesize is not supported in v2
            kms bad timeout        | resources: [{resources: [secrets], providers: [{kms: {apiVersion: v2, name: p, endpoint: 'unix:///s', timeout: soon}}]}] | timeout should be a positive duration
            """)
    void aFileThatDoesNotFitStopsItWithWhereAndWhy(String name, String body, String problem) throws Exception {
        String yaml = body.startsWith("kind:") ? "apiVersion: apiserver.config.k8s.io/v1\n" + body + "\nresources: [{resources: [secrets], providers: [{identity: {}}]}]\n"
                : "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n" + body + "\n";
        if (body.startsWith("extra:")) yaml += "resources: [{resources: [secrets], providers: [{identity: {}}]}]\n";
        Path f = file(yaml);
        assertThatThrownBy(() -> EncryptionConfig.load(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f + ": ").hasMessageContaining(problem);
    }

    @Test
    void noKeyMaterialAppearsInAnError() throws Exception {
        Path f = file(config("""
                  - resources: [secrets]
                    providers: [{aescbc: {keys: [{name: k, secret: %s}, {name: k2, secret: 'c2VjcmV0'}]}}]
                """.formatted(KEY1)));
        assertThatThrownBy(() -> EncryptionConfig.load(f)).hasMessageContaining("keys[1].secret: the secret is 6 bytes")
                .message().doesNotContain(KEY1, "c2VjcmV0");
    }

    @Test
    void yamlThatDoesNotParseNamesItsLine() throws Exception {
        Path f = file("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets\n");
        assertThatThrownBy(() -> EncryptionConfig.load(f)).hasMessageStartingWith(f + ": not YAML or JSON").hasMessageContaining("(line ");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            3s     | PT3S
            500ms  | PT0.5S
            1m30s  | PT1M30S
            1.5s   | PT1.5S
            """)
    void kmsTimeoutsReadAsGoDurations(String text, Duration want) {
        assertThat(EncryptionConfig.Parser.goDuration(text)).isEqualTo(want);
        assertThat(EncryptionConfig.Parser.goDuration("3")).isNull();
        assertThat(EncryptionConfig.Parser.goDuration("3s later")).isNull();
    }
}
