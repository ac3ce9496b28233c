package io.portcullis.controllers;

import io.portcullis.api.ApiException;
import io.portcullis.registry.Context;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import io.portcullis.storage.cache.CacheEvent;
import io.portcullis.storage.cache.Item;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * As upstream's garbage collector, for the served kinds: an object whose every owner (by
 * metadata.ownerReferences uid) is gone is deleted; an owner deleted with propagationPolicy
 * Orphan (finalizer "orphan") first loses its hold on its dependents; one deleted with
 * Foreground (finalizer "foregroundDeletion") goes only after its dependents are gone.
 */
public final class GarbageCollector implements AutoCloseable {
    public static final String ORPHAN = "orphan";
    public static final String FOREGROUND = "foregroundDeletion";
    private static final long RECHECK_MILLIS = 200;

    /** What the collector reads of every object. */
    private static final String[] METADATA = {"uid", "ownerReferences", "deletionTimestamp", "finalizers"};

    /** An object as the collector knows it: where it is and the uids of its owners. */
    private record Ref(Strategy strategy, String namespace, String name, String uid, List<String> owners) {}

    private final ObjectStore objects;
    private final Worker worker = new Worker("garbage-collector");
    private final Map<String, Ref> live = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> dependents = new ConcurrentHashMap<>();
    /** "apiVersion/kind" of the served kinds: an owner of another kind can never be seen here, so it never counts as gone. */
    private final Set<String> served = ConcurrentHashMap.newKeySet();

    private GarbageCollector(ObjectStore objects) {
        this.objects = objects;
        for (Strategy s : objects.strategies()) served.add(s.type().apiVersion() + "/" + s.type().kind());
    }

    /** Returns at once: the first pass over every object (the metadata of each) runs on the collector's own thread. */
    public static GarbageCollector start(ObjectStore objects) {
        return start(objects, CompletableFuture.completedFuture(null));
    }

    /**
     * As {@link #start(ObjectStore)}, with the first pass queued once {@code after} completes: a
     * server starts it when it serves, so that reading every object's metadata does not compete
     * with the start for the processors. Until then nothing is collected; what became garbage
     * meanwhile is found by the first pass like anything older.
     */
    public static GarbageCollector start(ObjectStore objects, CompletionStage<?> after) {
        GarbageCollector gc = new GarbageCollector(objects);
        after.thenRun(() -> gc.worker.enqueue("start", gc::follow));
        return gc;
    }

    private void follow() {
        for (Strategy s : objects.strategies()) {
            if (s.type().stored()) worker.listen(objects.cache(), s.type().keyPrefix(), e -> observe(s, e));
        }
        // what was garbage before this start: dependents whose owners are all gone
        for (Ref r : List.copyOf(live.values())) {
            if (!r.owners().isEmpty()) worker.enqueue("orphaned/" + r.uid(), () -> collect(r.uid()));
        }
    }

    private void observe(Strategy s, CacheEvent e) {
        JsonNode meta = e.item().metadata(METADATA);
        Ref ref = ref(s, e.item(), meta);
        if (ref.uid().isEmpty()) return;
        if (e.previous() != null) unlink(ref(s, e.previous()));
        if (e.type() == CacheEvent.Type.DELETED) {
            live.remove(ref.uid());
            unlink(ref);
            worker.enqueue("owner/" + ref.uid(), () -> collectDependentsOf(ref.uid()));
            for (String owner : ref.owners()) worker.enqueue("finalize/" + owner, () -> finalize(owner));
            return;
        }
        live.put(ref.uid(), ref);
        for (String owner : ref.owners()) dependents.computeIfAbsent(owner, o -> ConcurrentHashMap.newKeySet()).add(ref.uid());
        if (!meta.path("deletionTimestamp").asString("").isEmpty() && (has(meta, ORPHAN) || has(meta, FOREGROUND))) {
            worker.enqueue("finalize/" + ref.uid(), () -> finalize(ref.uid()));
        }
    }

    private void unlink(Ref ref) {
        for (String owner : ref.owners()) {
            dependents.computeIfPresent(owner, (o, set) -> {
                set.remove(ref.uid());
                return set.isEmpty() ? null : set;
            });
        }
    }

    /** Deletes the dependents of a deleted owner that have no owner left. */
    private void collectDependentsOf(String owner) {
        for (String dependent : List.copyOf(dependents.getOrDefault(owner, Set.of()))) collect(dependent);
    }

    private void collect(String uid) {
        Ref r = live.get(uid);
        if (r == null || r.owners().isEmpty()) return;
        for (String owner : r.owners()) if (live.containsKey(owner)) return;
        delete(r);
    }

    /** Carries out an owner's orphan or foreground finalizer, then releases it. */
    private void finalize(String uid) {
        Ref owner = live.get(uid);
        if (owner == null) return;
        Item item = objects.peek(owner.strategy(), owner.namespace(), owner.name()).orElse(null);
        if (item == null) return;
        JsonNode meta = item.object().path("metadata");
        if (meta.path("deletionTimestamp").asString("").isEmpty()) return;
        List<Ref> deps = new ArrayList<>();
        for (String d : dependents.getOrDefault(uid, Set.of())) {
            Ref r = live.get(d);
            if (r != null) deps.add(r);
        }
        if (has(meta, ORPHAN)) {
            for (Ref d : deps) {
                write(d, o -> {
                    JsonNode refs = o.path("metadata").get("ownerReferences");
                    if (refs instanceof ArrayNode list) {
                        for (int i = list.size() - 1; i >= 0; i--) if (uid.equals(list.get(i).path("uid").asString(""))) list.remove(i);
                    }
                    return o;
                });
            }
            release(owner, ORPHAN);
        } else if (has(meta, FOREGROUND)) {
            if (deps.isEmpty()) {
                release(owner, FOREGROUND);
            } else {
                deps.forEach(this::delete);
                worker.enqueueLater("finalize/" + uid, () -> finalize(uid), RECHECK_MILLIS);
            }
        }
    }

    private void release(Ref owner, String finalizer) {
        write(owner, o -> {
            JsonNode f = o.path("metadata").get("finalizers");
            if (f instanceof ArrayNode list) {
                for (int i = list.size() - 1; i >= 0; i--) if (finalizer.equals(list.get(i).asString(""))) list.remove(i);
            }
            return o;
        });
    }

    private void write(Ref r, ObjectStore.Mutation m) {
        try {
            objects.write(Context.SYSTEM, r.strategy(), r.namespace(), r.name(), "", 0, m);
        } catch (ApiException e) {
            if (!Worker.is(e, "NotFound")) throw e;
        }
    }

    private void delete(Ref r) {
        try {
            objects.delete(Context.SYSTEM, r.strategy(), r.namespace(), r.name(), r.uid(), null);
        } catch (ApiException e) {
            if (!Worker.is(e, "NotFound", "Conflict")) throw e;
        }
    }

    private Ref ref(Strategy s, Item it) {
        return ref(s, it, it.metadata(METADATA));
    }

    private Ref ref(Strategy s, Item it, JsonNode meta) {
        List<String> owners = new ArrayList<>();
        for (JsonNode o : meta.path("ownerReferences")) {
            String uid = o.path("uid").asString("");
            boolean ours = served.contains(o.path("apiVersion").asString("") + "/" + o.path("kind").asString(""));
            if (!uid.isEmpty() && ours) owners.add(uid);
        }
        return new Ref(s, it.namespace(), it.name(), meta.path("uid").asString(""), List.copyOf(owners));
    }

    private static boolean has(JsonNode meta, String finalizer) {
        for (JsonNode f : meta.path("finalizers")) if (finalizer.equals(f.asString(""))) return true;
        return false;
    }

    @Override
    public void close() {
        worker.close();
    }
}
