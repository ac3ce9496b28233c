package io.portcullis.storage.encryption;

import io.portcullis.storage.Store;
import io.portcullis.storage.StoreContractTest;
import io.portcullis.storage.etcd.EtcdCluster;
import io.portcullis.storage.etcd.EtcdStore;
import io.portcullis.testing.EndToEnd;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The same over etcd: the decorator needs nothing of its store but the contract. */
@EndToEnd
class EncryptingEtcdStoreContractTest extends StoreContractTest {
    private EtcdCluster etcd;

    @BeforeAll
    static void requireEtcd() {
        EtcdCluster.assumeInstalled();
    }

    @Override
    protected Store newStore(Path dir) {
        if (etcd == null) etcd = EtcdCluster.start(dir.resolve("etcd"), 1);
        return EncryptingStoreContractTest.encrypting(EtcdStore.connect(etcd.endpoints(), null, EtcdStore.DEFAULT_PREFIX), dir);
    }

    @AfterEach
    void stopEtcd() {
        store.close();
        etcd.close();
    }
}
