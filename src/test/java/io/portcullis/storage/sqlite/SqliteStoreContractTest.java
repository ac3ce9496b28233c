package io.portcullis.storage.sqlite;

import io.portcullis.storage.Store;
import io.portcullis.storage.StoreContractTest;

import java.nio.file.Path;

class SqliteStoreContractTest extends StoreContractTest {
    @Override
    protected Store newStore(Path dir) {
        return SqliteStore.open(dir.resolve("state.db"));
    }
}
