package io.portcullis.storage.encryption;

import io.portcullis.api.ResourceType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a storage key names: the resource, namespace and name of one object. Keys follow the served
 * kinds' layout ({@link ResourceType#keyPrefix()}: {@code /registry/secrets/<namespace>/<name>},
 * {@code /registry/<group>/<resource>/...} for groups outside Kubernetes'), so the kinds are asked.
 */
record StoredKey(io.portcullis.api.GroupResource resource, String namespace, String name) {
    private static final String ROOT = "/registry/";

    /** The object each key names among the kinds; empty for any other key, which is never encrypted. */
    static Function<String, Optional<StoredKey>> of(List<ResourceType> kinds) {
        Map<String, ResourceType> byPrefix = new HashMap<>();
        for (ResourceType t : kinds) byPrefix.put(t.keyPrefix(), t);
        return key -> {
            if (!key.startsWith(ROOT)) return Optional.empty();
            int first = key.indexOf('/', ROOT.length());
            if (first < 0) return Optional.empty();
            ResourceType t = byPrefix.get(key.substring(0, first + 1));
            if (t == null) {
                int second = key.indexOf('/', first + 1);
                if (second < 0 || (t = byPrefix.get(key.substring(0, second + 1))) == null) return Optional.empty();
            }
            String rest = key.substring(t.keyPrefix().length());
            if (!t.namespaced()) return Optional.of(new StoredKey(t.groupResource(), "", rest));
            int slash = rest.indexOf('/');
            return slash < 0 ? Optional.empty() : Optional.of(new StoredKey(t.groupResource(), rest.substring(0, slash), rest.substring(slash + 1)));
        };
    }

    /** As messages name the object: secrets "s1" in namespace "ns1". */
    @Override
    public String toString() {
        return resource + " \"" + name + "\"" + (namespace.isEmpty() ? "" : " in namespace \"" + namespace + "\"");
    }
}
