package io.portcullis.storage.encryption;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.GroupResource;
import io.portcullis.storage.Store;
import io.portcullis.storage.StoreContractTest;
import io.portcullis.storage.sqlite.SqliteStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The decorator keeps the store's contract with every value encrypted (aesgcm, the key
 * authenticated): each key of the suite, inside /registry/ or not, is taken for an object.
 */
class EncryptingStoreContractTest extends StoreContractTest {
    Store inner;

    /** The store under test around {@code inner}. */
    static Store encrypting(Store inner, Path dir) {
        Path file = dir.resolve("encryption.yaml");
        try {
            Files.writeString(file, EncryptionConfigTest.config("  - resources: ['*.*']\n    providers: [{aesgcm: {keys: [{name: k, secret: "
                    + EncryptionConfigTest.KEY1 + "}]}}]\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return EncryptingStore.around(inner, key -> Optional.of(new StoredKey(GroupResource.core("things"), "", key)), file, false,
                Duration.ofMinutes(1));
    }

    @Override
    protected Store newStore(Path dir) {
        inner = SqliteStore.open(dir.resolve("state.db"));
        return encrypting(inner, dir);
    }

    @Test
    void whatTheInnerStoreHoldsIsCiphertext() {
        store.create("/k", "{\"v\":\"plain\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(inner.get("/k").orElseThrow().json(), StandardCharsets.ISO_8859_1)).startsWith("k8s:enc:aesgcm:v1:k:")
                .doesNotContain("plain");
    }
}
