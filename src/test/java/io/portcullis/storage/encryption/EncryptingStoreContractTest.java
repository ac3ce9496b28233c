package io.portcullis.storage.encryption;

import io.portcullis.storage.Store;
import io.portcullis.storage.StoreContractTest;
import io.portcullis.storage.sqlite.SqliteStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The decorator keeps the store's contract: everything under /registry/ encrypted, over SQLite. */
class EncryptingStoreContractTest extends StoreContractTest {
    @Override
    protected Store newStore(Path dir) {
        Path file = dir.resolve("encryption.yaml");
        try {
            Files.writeString(file, EncryptionConfigTest.config("  - resources: ['*.*']\n    providers: [{aesgcm: {keys: [{name: k, secret: "
                    + EncryptionConfigTest.KEY1 + "}]}}]\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return EncryptingStore.around(SqliteStore.open(dir.resolve("state.db")), file, false, Duration.ofMinutes(1));
    }
}
