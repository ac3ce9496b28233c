package io.portcullis.storage.encryption;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.portcullis.api.ApiException;
import io.portcullis.api.ResourceType;
import io.portcullis.registry.ServedKinds;
import io.portcullis.storage.Store;
import io.portcullis.storage.cache.Item;
import io.portcullis.storage.cache.WatchCache;
import io.portcullis.storage.etcd.EtcdCluster;
import io.portcullis.storage.etcd.EtcdStore;
import io.portcullis.storage.sqlite.SqliteStore;
import io.portcullis.testing.EndToEnd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@EndToEnd
@Timeout(120)
class EncryptingStoreTest {
    static final String KEY1 = EncryptionConfigTest.KEY1;
    static final String KEY2 = EncryptionConfigTest.KEY2;
    static final List<ResourceType> KINDS = ServedKinds.storedTypes();
    static final String S1 = "/registry/secrets/ns1/s1";
    static final String CM = "/registry/configmaps/ns1/c1";

    @TempDir
    Path dir;

    static byte[] secret(String name, String password) {
        return ("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"ns1\"},"
                + "\"data\":{\"password\":\"" + password + "\"}}").getBytes(UTF_8);
    }

    /** Secrets with the keys named (name=base64 secret) in order, then identity. */
    Path config(String... keys) throws Exception {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < keys.length; i += 2) list.append("{name: ").append(keys[i]).append(", secret: ").append(keys[i + 1]).append("},");
        Path f = dir.resolve("encryption.yaml");
        Files.writeString(f, EncryptionConfigTest.config(
                "  - resources: [secrets]\n    providers: [{aescbc: {keys: [" + list + "]}}, {identity: {}}]\n"));
        return f;
    }

    static String raw(Store store, String key) {
        return new String(store.get(key).orElseThrow().json(), UTF_8);
    }

    @Test
    void onSqliteAndOnEtcdASecretIsStoredEncryptedWhileOtherResourcesAndEveryReaderSeePlaintext() throws Exception {
        List<Supplier<Store>> stores = List.of(() -> SqliteStore.open(dir.resolve("store.db")), () -> {
            EtcdCluster.assumeInstalled();
            EtcdCluster etcd = EtcdCluster.start(dir.resolve("etcd"), 1);
            Store s = EtcdStore.connect(etcd.endpoints(), null, EtcdStore.DEFAULT_PREFIX);
            return new ClosingAlso(s, etcd);
        });
        for (Supplier<Store> open : stores) {
            try (Store inner = open.get(); Store store = EncryptingStore.around(inner, KINDS, config("key1", KEY1), false, Duration.ofMinutes(1));
                 Store.Watch watch = store.watch("/registry/", store.currentRevision())) {
                store.create(S1, secret("s1", "aHVudGVyMg=="));
                store.create(CM, "{\"data\":{\"color\":\"blue\"}}".getBytes(UTF_8));

                assertThat(raw(inner, S1)).as(inner.toString()).startsWith("k8s:enc:aescbc:v1:key1:").doesNotContain("aHVudGVyMg", "Secret", "s1");
                assertThat(raw(inner, CM)).isEqualTo("{\"data\":{\"color\":\"blue\"}}");
                assertThat(raw(store, S1)).contains("\"password\":\"aHVudGVyMg==\"");
                assertThat(new String(store.list("/registry/secrets/", 0, 0, null).entries().get(0).json(), UTF_8)).contains("aHVudGVyMg==");
                assertThat(new String(watch.poll(Duration.ofSeconds(10)).entry().json(), UTF_8)).contains("aHVudGVyMg==");
                long rev = store.get(S1).orElseThrow().modRevision();
                store.update(S1, secret("s1", "bmV3"), rev);
                assertThat(raw(inner, S1)).startsWith("k8s:enc:aescbc:v1:key1:").doesNotContain("bmV3");
                assertThat(new String(store.delete(S1, 0).json(), UTF_8)).contains("bmV3");
            }
        }
    }

    /** An etcd store that stops its member when closed. */
    private record ClosingAlso(Store store, AutoCloseable also) implements Store {
        public java.util.Optional<Entry> get(String key) { return store.get(key); }
        public Page list(String p, long at, int limit, String after) { return store.list(p, at, limit, after); }
        public Entry create(String key, byte[] json) { return store.create(key, json); }
        public Entry update(String key, byte[] json, long rev) { return store.update(key, json, rev); }
        public Entry delete(String key, long rev) { return store.delete(key, rev); }
        public Watch watch(String p, long after) { return store.watch(p, after); }
        public void compact(long rev) { store.compact(rev); }
        public long currentRevision() { return store.currentRevision(); }
        public long compactedRevision() { return store.compactedRevision(); }
        public void close() {
            store.close();
            try {
                also.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        public String toString() { return store.toString(); }
    }

    @Test
    void aSecretWithoutItsKeyFailsAloneAndTheWatchCacheKeepsServingEverythingElse() throws Exception {
        Path file = config("key1", KEY1);
        try (Store store = EncryptingStore.around(SqliteStore.open(dir.resolve("store.db")), KINDS, file, false, Duration.ofMinutes(1))) {
            store.create(S1, secret("s1", "aHVudGVyMg=="));
        }
        try (Store store = EncryptingStore.around(SqliteStore.open(dir.resolve("store.db")), KINDS, config("key2", KEY2), false, Duration.ofMinutes(1));
             WatchCache cache = WatchCache.start(store)) {
            String why = "Internal error occurred: StorageError: corrupt object, secrets \"s1\" in namespace \"ns1\": data from the storage "
                    + "is not transformable revision=1: no matching prefix found "
                    + "(the value was encrypted with aescbc key \"key1\", which is not among the providers)";
            ApiException e = catchThrowableOfType(ApiException.class, () -> store.get(S1).orElseThrow().json());
            assertThat(e.status().getCode()).isEqualTo(500);
            assertThat(e.status().getMessage()).isEqualTo(why).doesNotContain(KEY1, KEY2);

            assertThatThrownBy(() -> cache.get(S1)).as("the cache answers its GET with the same error").hasMessage(why);
            String s2 = "/registry/secrets/ns1/s2";
            long rev = store.create(s2, secret("s2", "b2s=")).modRevision();
            assertThat(cache.waitFor(rev, Duration.ofSeconds(10))).isTrue();
            assertThat(cache.get(s2).orElseThrow().object().path("data").path("password").asString()).isEqualTo("b2s=");
            assertThat(cache.list("/registry/secrets/ns1/", it -> true, null, 0).items()).extracting(Item::name)
                    .as("lists leave it out").containsExactly("s2");
            store.delete(S1, 0);
            assertThat(cache.waitFor(store.currentRevision(), Duration.ofSeconds(10))).isTrue();
            assertThat(cache.get(S1)).isEmpty();
        }
    }

    @Test
    void withAutomaticReloadAChangedFileTakesOverAndABrokenOneIsIgnored() throws Exception {
        Path file = config("key1", KEY1);
        try (Store inner = SqliteStore.open(dir.resolve("store.db"));
             EncryptingStore store = (EncryptingStore) EncryptingStore.around(inner, KINDS, file, true, Duration.ofMillis(50))) {
            store.create(S1, secret("s1", "b2xk"));
            assertThat(store.checksHealth()).as("kms-providers is checked whenever the file reloads").isTrue();
            assertThat(store.healthy()).isTrue();

            config("key2", KEY2, "key1", KEY1);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String probe;
            int i = 0;
            do {
                assertThat(System.nanoTime()).as("key2 writes within 10 s").isLessThan(deadline);
                Thread.sleep(20);
                probe = "/registry/secrets/ns1/probe" + i++;
                store.create(probe, secret("probe", "bmV3"));
            } while (!raw(inner, probe).startsWith("k8s:enc:aescbc:v1:key2:"));
            assertThat(raw(store, S1)).as("key1's value still reads").contains("b2xk");

            Files.writeString(file, "kind: EncryptionConfiguration\nresources: [");
            Thread.sleep(300);
            String s3 = "/registry/secrets/ns1/s3";
            store.create(s3, secret("s3", "eA=="));
            assertThat(raw(inner, s3)).as("the last good configuration stays").startsWith("k8s:enc:aescbc:v1:key2:");
        }
    }

    @Test
    void aFileThatDoesNotLoadStopsTheStoreNamingTheFlag() throws Exception {
        Path file = dir.resolve("encryption.yaml");
        Files.writeString(file, EncryptionConfigTest.config("  - resources: [secrets]\n    providers: []\n"));
        SqliteStore inner = SqliteStore.open(dir.resolve("store.db"));
        assertThatThrownBy(() -> EncryptingStore.around(inner, KINDS, file, false, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--encryption-provider-config " + file + ": resources[0].providers: at least one provider is required");
        SqliteStore.open(dir.resolve("store.db")).close();   // the failed start let go of the store
    }
}
