package io.portcullis.server;

import io.portcullis.api.Json;
import io.portcullis.pki.ClusterPki;
import io.portcullis.storage.Store;
import io.portcullis.storage.StoreException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * Replicas on one etcd must be one cluster to their clients: the same CA (whose certificates and
 * kubeconfigs every replica accepts) and the same ServiceAccount key (whose tokens every replica
 * verifies). The first replica records the fingerprints of its files in etcd; a later one whose
 * files differ refuses to start, naming the file.
 */
final class ClusterIdentity {
    static final String KEY = "/registry/portcullis.io/clusteridentity/pki";

    private ClusterIdentity() {}

    static void check(Store store, ClusterPki pki) {
        Map<String, Path> files = new LinkedHashMap<>();
        files.put("ca.crt", pki.caCertificateFile());
        files.put("sa.pub", pki.serviceAccountPublicKeyFile());
        ObjectNode mine = Json.object();
        try {
            mine.put("ca.crt", fingerprint(pki.caCertificate().getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode " + pki.caCertificateFile() + ": " + e.getMessage(), e);
        }
        mine.put("sa.pub", fingerprint(pki.serviceAccountPublicKey().getEncoded()));
        Optional<Store.Entry> recorded = store.get(KEY);
        if (recorded.isEmpty()) {
            try {
                store.create(KEY, Json.bytes(mine));
                return;
            } catch (StoreException e) {
                if (e.reason() != StoreException.Reason.ALREADY_EXISTS) throw e;
                recorded = store.get(KEY);   // another replica recorded its own at the same moment
            }
        }
        ObjectNode cluster = Json.objectTree(recorded.orElseThrow().json());
        for (var f : files.entrySet()) {
            String theirs = cluster.path(f.getKey()).asString("");
            if (!theirs.isEmpty() && !theirs.equals(mine.path(f.getKey()).asString())) {
                throw new IllegalStateException(f.getValue() + " differs from the " + f.getKey() + " of the cluster already on this etcd ("
                        + theirs + "); start every replica with a copy of the first replica's pki directory");
            }
        }
    }

    private static String fingerprint(byte[] der) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
