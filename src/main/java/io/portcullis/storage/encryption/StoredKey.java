package io.portcullis.storage.encryption;

import io.portcullis.api.GroupResource;
import java.util.Optional;

/**
 * What a storage key names: the resource, namespace and name of one object. The one place that
 * reads the key layout, today {@code /registry/<group, or core>/<resource>/[<namespace>/]<name>}
 * (see {@code ResourceType#keyPrefix}).
 */
record StoredKey(GroupResource resource, String namespace, String name) {
    private static final String ROOT = "/registry/";

    /** The object a key names; empty for a key outside the resource tree, which is never encrypted. */
    static Optional<StoredKey> parse(String key) {
        if (!key.startsWith(ROOT)) return Optional.empty();
        String[] parts = key.substring(ROOT.length()).split("/", 4);
        if (parts.length < 3 || parts[0].isEmpty() || parts[1].isEmpty()) return Optional.empty();
        GroupResource resource = new GroupResource(parts[0].equals("core") ? "" : parts[0], parts[1]);
        return Optional.of(parts.length == 3 ? new StoredKey(resource, "", parts[2]) : new StoredKey(resource, parts[2], parts[3]));
    }

    /** As messages name the object: secrets "s1" in namespace "ns1". */
    @Override
    public String toString() {
        return resource + " \"" + name + "\"" + (namespace.isEmpty() ? "" : " in namespace \"" + namespace + "\"");
    }
}
