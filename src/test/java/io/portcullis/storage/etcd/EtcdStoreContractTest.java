package io.portcullis.storage.etcd;

import io.portcullis.storage.Store;
import io.portcullis.storage.StoreContractTest;
import io.portcullis.testing.EndToEnd;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The contract against a fresh one-member etcd per test; reopening connects again to the same member. */
@EndToEnd
class EtcdStoreContractTest extends StoreContractTest {

    private EtcdCluster etcd;

    @BeforeAll
    static void requireEtcd() {
        EtcdCluster.assumeInstalled();
    }

    @Override
    protected Store newStore(Path dir) {
        if (etcd == null) etcd = EtcdCluster.start(dir.resolve("etcd"), 1);
        return EtcdStore.connect(etcd.endpoints(), null, EtcdStore.DEFAULT_PREFIX);
    }

    @AfterEach
    void stopEtcd() {
        store.close();   // before its etcd goes; the contract closes it again, which is harmless
        etcd.close();
    }
}
