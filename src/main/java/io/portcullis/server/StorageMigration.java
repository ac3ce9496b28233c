package io.portcullis.server;

import io.portcullis.api.ResourceType;
import io.portcullis.storage.Store;
import io.portcullis.storage.StoreException;
import io.portcullis.storage.etcd.EtcdStore;
import io.portcullis.storage.sqlite.SqliteStore;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Moving a cluster's objects: from the data directory's SQLite store into an empty etcd prefix
 * ({@code portcullis migrate}), and, within SQLite, from the key layout of earlier versions
 * ({@code /registry/<group or core>/<resource>/...}) to upstream's.
 */
public final class StorageMigration {
    private static final int PAGE = 500;
    /** The groups whose kinds were stored before the layout became upstream's. */
    private static final java.util.List<String> LEGACY_GROUPS = java.util.List.of("core", "rbac.authorization.k8s.io", "coordination.k8s.io");

    private StorageMigration() {}

    /**
     * Copies every object of {@code dataDir}'s store, as stored (uid, creationTimestamp,
     * managedFields and the rest), into etcd, which must hold nothing under the prefix. The PKI stays
     * in the data directory: a server started with the same directory and the etcd flags serves the
     * same cluster, and tokens issued before still authenticate. Returns how many objects were copied.
     */
    public static long toEtcd(Path dataDir, ServerConfig.Storage target, PrintStream out) {
        Path db = dataDir.resolve("store.db");
        if (!Files.exists(db)) throw new IllegalArgumentException("--data-dir " + dataDir + ": no store.db to migrate");
        if (!target.etcd()) throw new IllegalArgumentException("--etcd-servers is required");
        boolean tls = target.etcdCaFile() != null || target.etcdCertFile() != null || target.etcdKeyFile() != null;
        try (SqliteStore from = SqliteStore.open(db);
             EtcdStore to = EtcdStore.connect(target.etcdServers(), tls
                     ? new EtcdStore.Tls(target.etcdCaFile(), target.etcdCertFile(), target.etcdKeyFile()) : null, target.etcdPrefix())) {
            if (!to.list("/registry/", 0, 1, null).entries().isEmpty()) {
                throw new IllegalStateException("etcd at " + target.etcdServers() + " already holds objects under the prefix "
                        + target.etcdPrefix() + "; migrate only into an empty prefix");
            }
            long copied = 0;
            long revision = 0;
            String after = null;
            do {
                Store.Page page = from.list("/registry/", revision, PAGE, after);
                revision = page.revision();   // one consistent snapshot, page after page
                for (Store.Entry e : page.entries()) {
                    String key = upgraded(e.key());
                    to.create(key == null ? e.key() : key, e.json());
                    copied++;
                }
                after = page.continueAfter();
                if (out != null && copied > 0 && copied % 5000 < PAGE) out.println("copied " + copied + " objects...");
            } while (after != null);
            return copied;
        }
    }

    /**
     * Rewrites keys of the layout before upstream's in place: each object is created under its new
     * key, then its old key is removed (a crash between the two is finished at the next start).
     */
    static void upgradeKeys(Store store) {
        for (String group : LEGACY_GROUPS) upgradeKeys(store, "/registry/" + group + "/");
    }

    private static void upgradeKeys(Store store, String prefix) {
        String after = null;
        do {
            Store.Page page = store.list(prefix, 0, PAGE, after);
            for (Store.Entry e : page.entries()) {
                String key = upgraded(e.key());
                if (key == null) continue;
                try {
                    store.create(key, e.json());
                } catch (StoreException exists) {
                    if (exists.reason() != StoreException.Reason.ALREADY_EXISTS) throw exists;
                }
                store.delete(e.key(), e.modRevision());
            }
            after = page.continueAfter();
        } while (after != null);
    }

    /**
     * The key in upstream's layout of a key in the earlier one, or null when it is current:
     * {@code /registry/core/<resource>/...} and {@code /registry/<Kubernetes group>/<resource>/...}
     * lose their group.
     */
    static String upgraded(String key) {
        String rest = key.substring("/registry/".length());
        int slash = rest.indexOf('/');
        if (slash < 0) return null;
        String first = rest.substring(0, slash);
        if (first.equals("core") || first.contains(".") && ResourceType.builtIn(first)) {
            String remainder = rest.substring(slash + 1);
            return remainder.indexOf('/') < 0 ? null : "/registry/" + remainder;
        }
        return null;
    }
}
