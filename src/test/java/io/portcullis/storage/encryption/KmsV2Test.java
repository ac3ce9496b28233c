package io.portcullis.storage.encryption;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DynamicMessage;
import io.portcullis.storage.Store;
import io.portcullis.storage.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class KmsV2Test {
    static final byte[] VALUE = TransformersTest.VALUE;
    static final byte[] KEY = TransformersTest.KEY;
    static final String PREFIX = "k8s:enc:kms:v2:test:";

    @TempDir
    Path dir;
    TestKmsPlugin plugin;

    @BeforeEach
    void startPlugin() {
        plugin = TestKmsPlugin.start(dir.resolve("kms.sock"));
    }

    @AfterEach
    void stopPlugin() {
        plugin.close();
    }

    KmsV2 kms() {
        KmsV2 kms = new KmsV2("test", new KmsService("test", dir.resolve("kms.sock"), Duration.ofSeconds(1)), Duration.ofMinutes(1),
                Duration.ofMinutes(1));
        kms.check();
        return kms;
    }

    static DynamicMessage envelope(byte[] stored) throws Exception {
        assertThat(new String(stored, 0, PREFIX.length(), UTF_8)).isEqualTo(PREFIX);
        return DynamicMessage.parseFrom(KmsApi.ENCRYPTED_OBJECT, Arrays.copyOfRange(stored, PREFIX.length(), stored.length));
    }

    @Test
    void aSecretIsStoredAsTheEncryptedObjectEnvelopeWithOneSeedForManyWrites() throws Exception {
        Path file = dir.resolve("encryption.yaml");
        Files.writeString(file, EncryptionConfigTest.config("""
                  - resources: [secrets]
                    providers: [{kms: {apiVersion: v2, name: test, endpoint: '%s', timeout: 2s}}]
                """.formatted(plugin.endpoint())));
        String[] keys = {"/registry/secrets/ns1/a", "/registry/secrets/ns1/b", "/registry/secrets/ns1/c"};
        try (SqliteStore inner = SqliteStore.open(dir.resolve("store.db"));
             EncryptingStore store = (EncryptingStore) EncryptingStore.around(inner, io.portcullis.registry.ServedKinds.storedTypes(), file, false, Duration.ofMinutes(1))) {
            assertThat(store.checksHealth()).isTrue();
            assertThat(store.healthy()).isTrue();
            for (String k : keys) store.create(k, VALUE);
            byte[] stored = inner.get(keys[0]).orElseThrow().json();
            assertThat(new String(stored, UTF_8)).doesNotContain("aHVudGVyMg", "Secret");
            DynamicMessage o = envelope(stored);
            assertThat(KmsApi.string(o, "keyID")).isEqualTo("key-1");
            assertThat(KmsApi.enumNumber(o, "encryptedDEKSourceType")).isEqualTo(KmsApi.HKDF_SHA256_XNONCE_AES_GCM_SEED);
            assertThat(KmsApi.annotations(o)).containsKey("plugin.kms.portcullis.io");
            assertThat(KmsApi.bytes(o, "encryptedData")).hasSizeGreaterThan(32 + 12 + 16);
            assertThat(store.get(keys[1]).orElseThrow().json()).isEqualTo(VALUE);
            assertThat(plugin.encrypts()).as("one seed, encrypted once, for every write").isEqualTo(1);
        }
        try (Store store = EncryptingStore.around(SqliteStore.open(dir.resolve("store.db")), io.portcullis.registry.ServedKinds.storedTypes(), file, false, Duration.ofMinutes(1))) {
            for (String k : keys) assertThat(store.get(k).orElseThrow().json()).isEqualTo(VALUE);
            assertThat(plugin.decrypts()).as("after a restart, the plugin decrypts the one seed once").isEqualTo(1);
        }
    }

    @Test
    void aNewKeyIdFromThePluginMakesANewSeedAndOldValuesStillRead() throws Exception {
        try (KmsV2 kms = kms()) {
            byte[] old = kms.encrypt(VALUE, KEY);
            plugin.rotate("key-2");
            assertThat(kms.check()).isTrue();
            byte[] fresh = kms.encrypt(VALUE, KEY);
            assertThat(KmsApi.string(DynamicMessage.parseFrom(KmsApi.ENCRYPTED_OBJECT, fresh), "keyID")).isEqualTo("key-2");
            assertThat(KmsApi.string(DynamicMessage.parseFrom(KmsApi.ENCRYPTED_OBJECT, old), "keyID")).isEqualTo("key-1");
            assertThat(kms.decrypt(old, KEY)).isEqualTo(VALUE);
            assertThat(kms.decrypt(fresh, KEY)).isEqualTo(VALUE);
            assertThat(plugin.encrypts()).isEqualTo(2);
        }
    }

    @Test
    void aPluginThatGoesAwayTurnsUnhealthyWhileKnownSeedsStillReadAndWritesCoast() throws Exception {
        byte[] stored;
        try (KmsV2 kms = kms()) {
            stored = kms.encrypt(VALUE, KEY);
            assertThat(kms.healthy()).isTrue();
            plugin.stop();
            assertThat(kms.check()).isFalse();
            assertThat(kms.healthy()).isFalse();
            assertThat(kms.decrypt(stored, KEY)).isEqualTo(VALUE);
            assertThat(kms.decrypt(kms.encrypt(VALUE, KEY), KEY)).as("writes use the current seed for a while").isEqualTo(VALUE);
        }
        try (KmsV2 restarted = kms()) {
            assertThat(restarted.healthy()).isFalse();
            assertThatThrownBy(() -> restarted.encrypt(VALUE, KEY)).isInstanceOf(GeneralSecurityException.class)
                    .hasMessageStartingWith("kms provider \"test\" has no current key to write with: kms plugin \"test\" failed to status: DEADLINE_EXCEEDED");
            assertThatThrownBy(() -> restarted.decrypt(stored, KEY)).isInstanceOf(GeneralSecurityException.class)
                    .hasMessageStartingWith("kms plugin \"test\" failed to decrypt: DEADLINE_EXCEEDED");
            plugin.serve();
            assertThat(restarted.check()).isTrue();
            assertThat(restarted.decrypt(stored, KEY)).isEqualTo(VALUE);
        }
    }

    @Test
    void aPluginReportingItselfUnwellIsUnhealthy() {
        try (KmsV2 kms = kms()) {
            plugin.healthz("hsm unreachable");
            assertThat(kms.check()).isFalse();
            assertThat(kms.healthy()).isFalse();
            plugin.healthz("ok");
            assertThat(kms.check()).isTrue();
        }
    }

    @Test
    void aValueMovedToAnotherKeyDoesNotRead() throws Exception {
        try (KmsV2 kms = kms()) {
            byte[] stored = kms.encrypt(VALUE, KEY);
            assertThatThrownBy(() -> kms.decrypt(stored, "/registry/secrets/ns1/other".getBytes(UTF_8)))
                    .hasMessageStartingWith("message authentication failed");
        }
    }
}
