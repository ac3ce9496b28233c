package io.portcullis.controllers;

import io.portcullis.api.ApiException;
import io.portcullis.registry.Context;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import io.portcullis.storage.cache.CacheEvent;
import io.portcullis.storage.cache.Item;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/**
 * As upstream's namespace controller: once a namespace is being deleted, every namespaced object
 * in it is deleted; when none is left, the {@value #FINALIZER} finalizer is removed through the
 * {@code finalize} subresource, and the namespace goes. Objects held by their own finalizers are
 * waited for.
 */
public final class NamespaceController implements AutoCloseable {
    public static final String FINALIZER = "kubernetes";
    private static final long RECHECK_MILLIS = 500;

    private final ObjectStore objects;
    private final Strategy namespaces;
    private final Worker worker = new Worker("namespace-controller");

    private NamespaceController(ObjectStore objects) {
        this.objects = objects;
        this.namespaces = objects.strategy("", "namespaces");
    }

    public static NamespaceController start(ObjectStore objects) {
        NamespaceController c = new NamespaceController(objects);
        c.worker.listen(objects.cache(), c.namespaces.type().keyPrefix(), e -> {
            if (e.type() != CacheEvent.Type.DELETED && Namespaces.terminating(e.item().object())) c.enqueue(e.item().name(), 0);
        });
        return c;
    }

    private void enqueue(String namespace, long delay) {
        worker.enqueueLater(namespace, () -> sync(namespace), delay);
    }

    private void sync(String namespace) {
        Optional<Item> ns = objects.find(namespaces, "", namespace);
        if (ns.isEmpty() || !Namespaces.terminating(ns.get().object())) return;
        int left = 0;
        for (Strategy s : objects.strategies()) {
            if (!s.type().namespaced() || !s.type().stored()) continue;
            for (Item it : objects.cache().all(s.type().prefix(namespace))) {
                left++;
                if (!it.object().path("metadata").path("deletionTimestamp").asString("").isEmpty()) continue;
                try {
                    objects.delete(Context.SYSTEM, s, namespace, it.name(), null, null);
                } catch (ApiException e) {
                    if (!Worker.is(e, "NotFound", "Conflict")) throw e;
                }
            }
        }
        if (left > 0) {
            // deleted objects leave the cache shortly; objects with finalizers leave when released
            enqueue(namespace, left > 0 && remaining(namespace) ? RECHECK_MILLIS : 0);
            return;
        }
        if (!hasFinalizer(ns.get().object())) return;
        try {
            objects.write(Context.SYSTEM, namespaces, "", namespace, "finalize", 0, o -> {
                JsonNode f = o.path("spec").get("finalizers");
                if (f instanceof ArrayNode list) {
                    for (int i = list.size() - 1; i >= 0; i--) if (FINALIZER.equals(list.get(i).asString(""))) list.remove(i);
                }
                return o;
            });
        } catch (ApiException e) {
            if (!Worker.is(e, "NotFound")) throw e;
        }
    }

    /** True when some namespaced object still exists in the namespace (after the cache caught up). */
    private boolean remaining(String namespace) {
        objects.cache().waitFresh(java.time.Duration.ofSeconds(2));
        for (Strategy s : objects.strategies()) {
            if (!s.type().namespaced() || !s.type().stored()) continue;
            if (!objects.cache().all(s.type().prefix(namespace)).isEmpty()) return true;
        }
        return false;
    }

    private static boolean hasFinalizer(JsonNode ns) {
        for (JsonNode f : ns.path("spec").path("finalizers")) if (FINALIZER.equals(f.asString(""))) return true;
        return false;
    }

    @Override
    public void close() {
        worker.close();
    }
}
