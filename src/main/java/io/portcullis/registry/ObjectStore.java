package io.portcullis.registry;

import io.portcullis.admission.Admission;
import io.portcullis.admission.AdmissionRequest;
import io.portcullis.admission.Operation;
import io.portcullis.api.ApiException;
import io.portcullis.api.GroupResource;
import io.portcullis.api.Json;
import io.portcullis.api.Names;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Validation;
import io.portcullis.api.patch.PatchException;
import io.portcullis.api.patch.ServerSideApply;
import io.portcullis.storage.Store;
import io.portcullis.storage.StoreException;
import io.portcullis.storage.cache.Item;
import io.portcullis.storage.cache.WatchCache;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The generic registry, as upstream's generic store: object metadata, optimistic concurrency,
 * admission, finalizers and deletion, lists and pagination. Writes go to the {@link Store};
 * reads come from the {@link WatchCache}.
 */
public final class ObjectStore {
    private static final Duration FRESH = Duration.ofSeconds(5);
    private static final int RETRIES = 16;
    /**
     * The most bytes of JSON an object may take in the store: what the largest request body may
     * hold. Upstream's store (etcd) refuses values past its request limit in the same way; here no
     * patch, however it grows an object, can make one larger.
     */
    private static final int MAX_OBJECT_BYTES = 3 * 1024 * 1024;

    private final Store store;
    private final WatchCache cache;
    private final Admission admission;
    private final UnaryOperator<String> generatedName;
    private final Map<GroupResource, Strategy> strategies = new LinkedHashMap<>();

    /** Applies a change to the current object; returns the object to store. */
    @FunctionalInterface
    public interface Mutation {
        ObjectNode apply(ObjectNode current);
    }

    /** A page of a list: items, the revision it reflects, the continue token, the count of items left. */
    public record Page(List<Item> items, long revision, String continueToken, Long remaining) {}

    public ObjectStore(Store store, WatchCache cache, Admission admission, List<Strategy> strategies) {
        this(store, cache, admission, strategies, Names::generate);
    }

    /** {@code generatedName}: the name for a generateName prefix (random but for tests). */
    ObjectStore(Store store, WatchCache cache, Admission admission, List<Strategy> strategies, UnaryOperator<String> generatedName) {
        this.generatedName = generatedName;
        this.store = store;
        this.cache = cache;
        this.admission = admission;
        for (Strategy s : strategies) this.strategies.put(s.type().groupResource(), s);
    }

    public Optional<Strategy> strategy(GroupResource gr) {
        return Optional.ofNullable(strategies.get(gr));
    }

    public Strategy strategy(String group, String resource) {
        Strategy s = strategies.get(new GroupResource(group, resource));
        if (s == null) throw new IllegalArgumentException("no strategy for " + resource + "." + group);
        return s;
    }

    public List<Strategy> strategies() {
        return List.copyOf(strategies.values());
    }

    public WatchCache cache() {
        return cache;
    }

    // --- reads ---------------------------------------------------------------------------

    /** The object as of the newest write (waits for the cache to catch up). 404 when absent. */
    public Item get(Strategy s, String namespace, String name) {
        return find(s, namespace, name).orElseThrow(() -> Statuses.notFound(s.type().groupResource(), name));
    }

    public Optional<Item> find(Strategy s, String namespace, String name) {
        return cache.getFresh(s.type().key(namespace, name), FRESH);
    }

    /** A cached read with no freshness wait (resourceVersion "0" semantics). */
    public Optional<Item> peek(Strategy s, String namespace, String name) {
        return cache.get(s.type().key(namespace, name));
    }

    public Page list(Strategy s, String namespace, ListOptions o) {
        ResourceType t = s.type();
        Predicate<Item> filter = filter(s, o);
        String prefix = t.prefix(namespace);
        if (o.continueToken() != null && !o.continueToken().isEmpty()) {
            if (o.resourceVersion() != null && !o.resourceVersion().isEmpty() && !o.resourceVersion().equals("0")) {
                throw Statuses.badRequest("specifying resource version is not allowed when using continue");
            }
            Continue c = Continue.decode(o.continueToken());
            return pageAt(t, prefix, filter, c.revision, t.keyPrefix() + c.start, o.limit());
        }
        long rv = parseResourceVersion(o.resourceVersion());
        String match = o.resourceVersionMatch() == null ? "" : o.resourceVersionMatch();
        switch (match) {
            case "" -> {
                if (o.resourceVersion() == null || o.resourceVersion().isEmpty()) fresh();
                else if (rv > 0) waitFor(rv);
            }
            case "NotOlderThan" -> {
                if (o.resourceVersion() == null || o.resourceVersion().isEmpty()) {
                    throw Statuses.badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
                }
                if (rv > 0) waitFor(rv);
            }
            case "Exact" -> {
                if (o.resourceVersion() == null || o.resourceVersion().isEmpty()) {
                    throw Statuses.badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
                }
                if (rv == 0) throw Statuses.badRequest("resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"");
                return pageAt(t, prefix, filter, rv, null, o.limit());
            }
            default -> throw Statuses.badRequest("resourceVersionMatch: Unsupported value: \"" + match
                    + "\": supported values: \"Exact\", \"NotOlderThan\", \"\"");
        }
        WatchCache.Snapshot snap = cache.list(prefix, filter, null, o.limit());
        Page p = page(t, snap.items(), snap.revision(), o.limit());
        // as upstream, the count is given only when no selector narrowed the list
        boolean exact = o.labels().isEmpty() && o.fields().isEmpty();
        return exact && snap.remaining() != null ? new Page(p.items(), p.revision(), p.continueToken(), snap.remaining()) : p;
    }

    private Page pageAt(ResourceType t, String prefix, Predicate<Item> filter, long revision, String after, int limit) {
        if (revision == cache.revision()) {
            WatchCache.Snapshot snap = cache.list(prefix, filter, after, limit);
            if (snap.revision() == revision) {
                Page p = page(t, snap.items(), revision, limit);
                return snap.remaining() != null ? new Page(p.items(), p.revision(), p.continueToken(), snap.remaining()) : p;
            }
        }
        List<Item> out = new ArrayList<>();
        String cursor = after;
        try {
            while (true) {
                Store.Page p = store.list(prefix, revision, limit > 0 ? Math.max(limit + 1, 100) : 0, cursor);
                for (Store.Entry e : p.entries()) {
                    if (e.unreadable() != null) continue;   // left out, as the cache leaves it out
                    Item it = decode(e);
                    if (filter.test(it)) out.add(it);
                    if (limit > 0 && out.size() > limit) return page(t, out, revision, limit);
                }
                if (p.continueAfter() == null) break;
                cursor = p.continueAfter();
            }
        } catch (StoreException e) {
            if (e.reason() == StoreException.Reason.COMPACTED) {
                throw Statuses.gone("The provided continue parameter is too old to display a consistent list result. "
                        + "You can start a new list without the continue parameter.");
            }
            throw e;
        }
        return page(t, out, revision, limit);
    }

    private static Page page(ResourceType t, List<Item> items, long revision, int limit) {
        if (limit > 0 && items.size() > limit) {
            List<Item> head = items.subList(0, limit);
            String lastKey = head.get(limit - 1).key();
            String token = new Continue(revision, lastKey.substring(t.keyPrefix().length())).encode();
            return new Page(List.copyOf(head), revision, token, null);
        }
        return new Page(items, revision, null, null);
    }

    private Predicate<Item> filter(Strategy s, ListOptions o) {
        if (!o.fields().isEmpty()) {
            var supported = new java.util.HashSet<>(s.fieldLabels());
            supported.add("metadata.name");
            supported.add("metadata.namespace");
            o.fields().check(supported);
        }
        if (o.labels().isEmpty() && o.fields().isEmpty()) return WatchCache.EVERY;
        return it -> o.labels().test(ApiObjects.labels(it.object()))
                && o.fields().matches(f -> switch (f) {
                    case "metadata.name" -> it.name();
                    case "metadata.namespace" -> it.namespace();
                    default -> s.field(it.object(), f);
                });
    }

    /** The predicate a watch applies to each event's object. */
    public Predicate<Item> watchFilter(Strategy s, ListOptions o) {
        return filter(s, o);
    }

    public static long parseResourceVersion(String rv) {
        if (rv == null || rv.isEmpty()) return 0;
        try {
            long v = Long.parseLong(rv);
            if (v < 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw Statuses.badRequest("Invalid value: \"" + rv + "\": resourceVersion must be a non-negative integer");
        }
    }

    private void fresh() {
        if (!cache.waitFresh(FRESH)) throw Statuses.serviceUnavailable("the cache did not catch up with storage in time");
    }

    private void waitFor(long rv) {
        if (rv > cache.revision()) {
            long current = store.currentRevision();
            if (rv > current) throw Statuses.of(504, "Timeout", "Too large resource version: " + rv + ", current: " + current, null);
        }
        if (!cache.waitFor(rv, FRESH)) throw Statuses.serviceUnavailable("the cache did not catch up with storage in time");
    }

    // --- writes --------------------------------------------------------------------------

    /** As upstream: a name generated from generateName that is taken is generated afresh, up to eight times in all. */
    private static final int GENERATE_NAME_ATTEMPTS = 8;

    public ObjectNode create(Context ctx, Strategy s, String namespace, ObjectNode body) {
        boolean generated = text(ApiObjects.metadata(body), "name").isEmpty() && !text(ApiObjects.metadata(body), "generateName").isEmpty();
        for (int attempt = 1; ; attempt++) {
            try {
                return createOnce(ctx, s, namespace, body);
            } catch (ApiException e) {
                if (!generated || attempt == GENERATE_NAME_ATTEMPTS || !"AlreadyExists".equals(e.reason())) throw e;
            }
        }
    }

    private ObjectNode createOnce(Context ctx, Strategy s, String namespace, ObjectNode body) {
        ResourceType t = s.type();
        ObjectNode obj = body.deepCopy();
        ObjectNode meta = ApiObjects.metadata(obj);
        obj.put("apiVersion", t.apiVersion());
        obj.put("kind", t.kind());
        String bodyNs = text(meta, "namespace");
        if (t.namespaced()) {
            if (!bodyNs.isEmpty() && !bodyNs.equals(namespace)) {
                throw Statuses.badRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            meta.put("namespace", namespace);
        } else {
            meta.remove("namespace");
        }
        String name = text(meta, "name");
        if (name.isEmpty()) {
            String gen = text(meta, "generateName");
            if (gen.isEmpty()) {
                throw Statuses.invalid(t.group(), t.kind(), "", List.of(FieldError.required("metadata.name", "name or generateName is required")));
            }
            name = generatedName.apply(gen);
            meta.put("name", name);
        }
        for (String f : new String[] {"uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "generation"}) {
            meta.remove(f);
        }
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", now());
        // a new object's status is the server's to set (the kind's prepareForCreate does)
        if (s.hasStatus()) obj.remove("status");
        s.applyDefaults(obj);
        // as upstream, the writer owns what it sent, defaulted: not the status the server sets nor what admission adds
        // (managed leaves obj as it is and answers a copy)
        JsonNode owned = ApiObjects.metadata(managed(ctx, t, "", null, obj)).get("managedFields");
        s.prepareForCreate(ctx, obj);
        obj = admit(ctx, s, Operation.CREATE, "", namespace, name, obj, null);
        validate(ctx, s, obj, null);
        if (owned != null) ApiObjects.metadata(obj).set("managedFields", owned);
        byte[] bytes = boundedBytes(t, obj);
        if (ctx.dryRun()) return obj;
        String key = t.key(namespace, name);
        try {
            Store.Entry e = store.create(key, bytes);
            return stamped(obj, e.modRevision());
        } catch (StoreException e) {
            if (e.reason() == StoreException.Reason.ALREADY_EXISTS) throw Statuses.alreadyExists(t.groupResource(), name);
            throw e;
        }
    }

    /**
     * PUT: the body replaces the object (or only its status, for the status subresource). A missing
     * object is created when the kind {@link Strategy#createsOnUpdate creates on update} and {@code mayCreate}
     * (the caller's check that the user may create it) runs without throwing; otherwise it is 404.
     */
    public Written update(Context ctx, Strategy s, String namespace, String name, String subresource, ObjectNode body,
                          Runnable mayCreate) {
        ResourceType t = s.type();
        ObjectNode meta = ApiObjects.metadata(body);
        String bodyName = text(meta, "name");
        if (!bodyName.isEmpty() && !bodyName.equals(name)) {
            throw Statuses.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
        }
        String bodyNs = text(meta, "namespace");
        if (t.namespaced() && !bodyNs.isEmpty() && !bodyNs.equals(namespace)) {
            throw Statuses.badRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        if (s.createsOnUpdate() && subresource.isEmpty()) {
            Optional<Written> created = createIfMissing(ctx, s, namespace, name, mayCreate, () -> body.deepCopy());
            if (created.isPresent()) return created.get();
        }
        String wantRv = text(meta, "resourceVersion");
        long want = wantRv.isEmpty() ? 0 : parseResourceVersion(wantRv);
        return new Written(write(ctx, s, namespace, name, subresource, want, current -> body.deepCopy()), false);
    }

    /**
     * The object created from {@code object} under {@code name} when none is stored, once {@code mayCreate}
     * has run without throwing; empty when one is stored (also when one appeared meanwhile).
     */
    private Optional<Written> createIfMissing(Context ctx, Strategy s, String namespace, String name, Runnable mayCreate,
                                              Supplier<ObjectNode> object) {
        if (store.get(s.type().key(namespace, name)).isPresent()) return Optional.empty();
        mayCreate.run();
        ObjectNode created = object.get();
        ApiObjects.metadata(created).put("name", name);
        try {
            return Optional.of(new Written(create(ctx, s, namespace, created), true));
        } catch (ApiException e) {
            if (!"AlreadyExists".equals(e.reason())) throw e;
            return Optional.empty();
        }
    }

    /**
     * Reads the current object, applies the mutation, validates and stores it guarded by the
     * revision read; retried on a concurrent change unless the caller named a revision
     * ({@code expectedRevision} > 0), which must then still be current.
     */
    public ObjectNode write(Context ctx, Strategy s, String namespace, String name, String subresource,
                            long expectedRevision, Mutation mutation) {
        ResourceType t = s.type();
        String key = t.key(namespace, name);
        for (int attempt = 0; ; attempt++) {
            Store.Entry entry = store.get(key).orElseThrow(() -> Statuses.notFound(t.groupResource(), name));
            if (expectedRevision > 0 && expectedRevision != entry.modRevision()) throw Statuses.modified(t.groupResource(), name);
            ObjectNode old = stamped(Json.objectTree(entry.json()), entry.modRevision());
            // as upstream, which defaults what it reads from storage: an object stored before a default existed compares alike
            s.applyDefaults(old);
            ObjectNode obj = mutation.apply(old.deepCopy());
            obj = prepareUpdate(ctx, s, subresource, namespace, name, obj, old);
            // as upstream: an unchanged object is not written again, unless it is stored in a stale form
            if ((obj == old || obj.equals(old)) && !entry.stale()) return old;
            obj = managed(ctx, t, subresource, old, obj);
            byte[] bytes = boundedBytes(t, obj);
            // as upstream, a dry run answers with the resourceVersion of the object it started from
            if (ctx.dryRun()) return stamped(obj, entry.modRevision());
            try {
                if (!ApiObjects.meta(obj, "deletionTimestamp").isEmpty() && ApiObjects.size(ApiObjects.metadata(obj), "finalizers") == 0
                        && !s.heldByOwnFinalizers(obj)) {
                    Store.Entry gone = store.delete(key, entry.modRevision());
                    return stamped(obj, gone.modRevision());
                }
                Store.Entry e = store.update(key, bytes, entry.modRevision());
                return stamped(obj, e.modRevision());
            } catch (StoreException e) {
                if (e.reason() == StoreException.Reason.CONFLICT && expectedRevision == 0 && attempt < RETRIES) continue;
                if (e.reason() == StoreException.Reason.CONFLICT) throw Statuses.modified(t.groupResource(), name);
                if (e.reason() == StoreException.Reason.NOT_FOUND) throw Statuses.notFound(t.groupResource(), name);
                throw e;
            }
        }
    }

    private ObjectNode prepareUpdate(Context ctx, Strategy s, String subresource, String namespace, String name,
                                     ObjectNode obj, ObjectNode old) {
        ResourceType t = s.type();
        ObjectNode meta = ApiObjects.metadata(obj);
        ObjectNode oldMeta = ApiObjects.metadata(old);
        obj.put("apiVersion", t.apiVersion());
        obj.put("kind", t.kind());
        meta.put("name", name);
        if (t.namespaced()) meta.put("namespace", namespace);
        else meta.remove("namespace");
        for (String f : new String[] {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink"}) {
            if (oldMeta.has(f)) meta.set(f, oldMeta.get(f));
            else meta.remove(f);
        }
        meta.remove("resourceVersion");
        s.applyDefaults(obj);
        if (s.hasStatus()) {
            if (subresource.equals("status")) {
                // only the status may change through /status, and the managedFields an apply through it recorded
                ObjectNode kept = old.deepCopy();
                if (obj.has("status")) kept.set("status", obj.get("status"));
                else kept.remove("status");
                JsonNode managedFields = ApiObjects.metadata(obj).get("managedFields");
                if (managedFields != null) ApiObjects.metadata(kept).set("managedFields", managedFields);
                obj = kept;
                ApiObjects.metadata(obj).remove("resourceVersion");
            } else if (!subresource.equals("finalize")) {
                if (old.has("status")) obj.set("status", old.get("status"));
                else obj.remove("status");
            }
        }
        if (subresource.equals("finalize")) {
            ObjectNode kept = old.deepCopy();
            JsonNode fin = obj.path("spec").get("finalizers");
            ObjectNode spec = ApiObjects.object(kept, "spec");
            if (fin == null) spec.remove("finalizers");
            else spec.set("finalizers", fin);
            obj = kept;
            ApiObjects.metadata(obj).remove("resourceVersion");
        }
        s.prepareForUpdate(ctx, obj, old);
        ObjectNode withoutRv = old.deepCopy();
        ApiObjects.metadata(withoutRv).remove("resourceVersion");
        if (obj.equals(withoutRv)) return old;
        obj = admit(ctx, s, Operation.UPDATE, subresource, namespace, name, obj, old);
        validate(ctx, s, obj, old);
        return obj;
    }

    /**
     * PATCH: the patch applies to the current object. With {@code mayCreate} (server-side apply) a
     * missing object is created from the patch applied to nothing, once {@code mayCreate} has run
     * without throwing (the caller's check that the user may create it); without, a missing object is 404.
     */
    public Written patch(Context ctx, Strategy s, String namespace, String name, String subresource,
                         UnaryOperator<ObjectNode> patcher, Runnable mayCreate) {
        ResourceType t = s.type();
        if (mayCreate != null) {
            Optional<Written> created = createIfMissing(ctx, s, namespace, name, mayCreate, () -> patcher.apply(null));
            if (created.isPresent()) return created.get();
        }
        return new Written(write(ctx, s, namespace, name, subresource, 0, current -> {
            ObjectNode patched = patcher.apply(current);
            String patchedName = ApiObjects.meta(patched, "name");
            if (!patchedName.isEmpty() && !patchedName.equals(name)) {
                throw Statuses.badRequest("the name of the object (" + patchedName + ") does not match the name on the URL (" + name + ")");
            }
            // as upstream's update: a patch cannot move the object to another namespace
            String patchedNs = ApiObjects.meta(patched, "namespace");
            if (t.namespaced() && !patchedNs.isEmpty() && !patchedNs.equals(namespace)) {
                throw Statuses.badRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            String rv = ApiObjects.meta(patched, "resourceVersion");
            if (!rv.isEmpty() && !rv.equals(ApiObjects.meta(current, "resourceVersion"))) {
                throw Statuses.modified(t.groupResource(), name);
            }
            return patched;
        }), false);
    }

    /** The outcome of an update or patch: the object as stored, and whether the request created it (201, not 200). */
    public record Written(ObjectNode object, boolean created) {}

    /** The outcome of a delete: the object as last seen, and whether it is gone (false: finalizers hold it). */
    public record Deleted(ObjectNode object, boolean gone) {}

    public Deleted delete(Context ctx, Strategy s, String namespace, String name, String preconditionUid, String preconditionRv) {
        return delete(ctx, s, namespace, name, preconditionUid, preconditionRv, null);
    }

    /**
     * Deletes, or marks for deletion when finalizers hold the object. As upstream,
     * propagationPolicy Orphan and Foreground add the garbage collector's "orphan" and
     * "foregroundDeletion" finalizers; Background (the default) deletes at once.
     */
    public Deleted delete(Context ctx, Strategy s, String namespace, String name, String preconditionUid, String preconditionRv,
                          String propagationPolicy) {
        ResourceType t = s.type();
        String gcFinalizer = "Orphan".equals(propagationPolicy) ? "orphan" : "Foreground".equals(propagationPolicy) ? "foregroundDeletion" : null;
        String key = t.key(namespace, name);
        for (int attempt = 0; ; attempt++) {
            Store.Entry entry = store.get(key).orElseThrow(() -> Statuses.notFound(t.groupResource(), name));
            ObjectNode old = stamped(Json.objectTree(entry.json()), entry.modRevision());
            if (preconditionUid != null && !preconditionUid.isEmpty() && !preconditionUid.equals(ApiObjects.meta(old, "uid"))) {
                throw Statuses.conflict(t.groupResource(), name, "Precondition failed: UID in precondition: " + preconditionUid
                        + ", UID in object meta: " + ApiObjects.meta(old, "uid"));
            }
            if (preconditionRv != null && !preconditionRv.isEmpty() && !preconditionRv.equals(ApiObjects.meta(old, "resourceVersion"))) {
                throw Statuses.conflict(t.groupResource(), name, "Precondition failed: ResourceVersion in precondition: " + preconditionRv
                        + ", ResourceVersion in object meta: " + ApiObjects.meta(old, "resourceVersion"));
            }
            AdmissionRequest deleting = new AdmissionRequest(Operation.DELETE, t, "", namespace, name, null, old, ctx.user(), ctx.dryRun());
            admission.mutate(deleting);
            admission.validate(deleting);
            if (gcFinalizer != null && ApiObjects.meta(old, "deletionTimestamp").isEmpty()) {
                ArrayNode finalizers = ApiObjects.metadata(old).withArray("finalizers");
                boolean present = false;
                for (JsonNode f : finalizers) present |= gcFinalizer.equals(f.asString(""));
                if (!present) finalizers.add(gcFinalizer);
            }
            boolean held = ApiObjects.size(ApiObjects.metadata(old), "finalizers") > 0 || s.heldByOwnFinalizers(old);
            try {
                if (held) {
                    if (!ApiObjects.meta(old, "deletionTimestamp").isEmpty()) return new Deleted(old, false);
                    ObjectNode marked = old.deepCopy();
                    ObjectNode meta = ApiObjects.metadata(marked);
                    meta.put("deletionTimestamp", now());
                    meta.put("deletionGracePeriodSeconds", 0);
                    meta.remove("resourceVersion");
                    s.prepareForDeletion(marked);
                    if (ctx.dryRun()) return new Deleted(marked, false);
                    Store.Entry e = store.update(key, storedBytes(marked), entry.modRevision());
                    return new Deleted(stamped(marked, e.modRevision()), false);
                }
                if (ctx.dryRun()) return new Deleted(old, true);
                store.delete(key, entry.modRevision());
                return new Deleted(old, true);
            } catch (StoreException e) {
                if (e.reason() == StoreException.Reason.CONFLICT && attempt < RETRIES) continue;
                if (e.reason() == StoreException.Reason.NOT_FOUND) throw Statuses.notFound(t.groupResource(), name);
                throw e;
            }
        }
    }

    /** Records the writer's fields under its Update entry of managedFields, one per subresource (apply records its own). */
    private static ObjectNode managed(Context ctx, ResourceType t, String subresource, ObjectNode old, ObjectNode obj) {
        if (ctx.fieldManager() == null || ctx.fieldManager().isEmpty()) return obj;
        try {
            return ServerSideApply.recordUpdate(old, obj, ctx.fieldManager(), subresource, Instant.now(), t.patchSchema());
        } catch (PatchException e) {
            throw e.toApiException();   // managedFields the client sent that do not read
        }
    }

    private ObjectNode admit(Context ctx, Strategy s, Operation op, String sub, String ns, String name, ObjectNode obj, ObjectNode old) {
        return admission.mutate(new AdmissionRequest(op, s.type(), sub, ns, name, obj, old, ctx.user(), ctx.dryRun()));
    }

    private void validate(Context ctx, Strategy s, ObjectNode obj, ObjectNode old) {
        ResourceType t = s.type();
        String name = ApiObjects.meta(obj, "name");
        List<FieldError> errs = new ArrayList<>();
        for (String e : Validation.nameErrors(s.nameRule(), name)) errs.add(FieldError.invalid("metadata.name", name, e));
        if (!errs.isEmpty()) throw Statuses.invalid(t.group(), t.kind(), name, errs);
        errs.addAll(Validation.metadataErrors(ApiObjects.metadata(obj)));
        errs.addAll(s.validate(ctx, obj, old));
        if (!errs.isEmpty()) throw Statuses.invalid(t.group(), t.kind(), name, errs);
        admission.validate(new AdmissionRequest(old == null ? Operation.CREATE : Operation.UPDATE, t, "",
                ApiObjects.meta(obj, "namespace"), name, obj, old, ctx.user(), ctx.dryRun()));
    }

    // --- encoding ------------------------------------------------------------------------

    /** What is stored: the object without its resourceVersion, which is the store's revision. */
    private static byte[] storedBytes(ObjectNode obj) {
        JsonNode meta = obj.get("metadata");
        if (meta instanceof ObjectNode m && m.has("resourceVersion")) {
            ObjectNode copy = obj.deepCopy();
            ApiObjects.metadata(copy).remove("resourceVersion");
            return Json.bytes(copy);
        }
        return Json.bytes(obj);
    }

    /** What is stored of an object being written; 413 when it is larger than {@link #MAX_OBJECT_BYTES}. */
    private static byte[] boundedBytes(ResourceType t, ObjectNode obj) {
        byte[] bytes = storedBytes(obj);
        if (bytes.length > MAX_OBJECT_BYTES) {
            throw Statuses.requestEntityTooLarge("Request entity too large: %s \"%s\" would take %d bytes, limit is %d"
                    .formatted(t.kind(), ApiObjects.meta(obj, "name"), bytes.length, MAX_OBJECT_BYTES));
        }
        return bytes;
    }

    private static ObjectNode stamped(ObjectNode obj, long revision) {
        ApiObjects.metadata(obj).put("resourceVersion", Long.toString(revision));
        return obj;
    }

    private static Item decode(Store.Entry e) {
        return Item.stored(e.key(), e.json(), e.modRevision());
    }

    public static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String text(ObjectNode meta, String field) {
        JsonNode v = meta.get(field);
        return v == null || v.isNull() ? "" : v.asString();
    }

    /** The opaque continue token: the revision of the first page and the key to continue after. */
    record Continue(long revision, String start) {
        String encode() {
            ObjectNode n = Json.object();
            n.put("v", "meta.k8s.io/v1");
            n.put("rv", revision);
            n.put("start", start + "\u0000");
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.bytes(n));
        }

        static Continue decode(String token) {
            try {
                JsonNode n = Json.tree(Base64.getUrlDecoder().decode(token));
                if (!"meta.k8s.io/v1".equals(Json.text(n, "v")) || !n.path("rv").canConvertToLong() || n.path("rv").asLong() <= 0) {
                    throw new IllegalArgumentException();
                }
                String start = Json.text(n, "start");
                if (start.endsWith("\u0000")) start = start.substring(0, start.length() - 1);
                if (start.contains("..") || start.startsWith("/")) throw new IllegalArgumentException();
                return new Continue(n.path("rv").asLong(), start);
            } catch (RuntimeException e) {
                throw Statuses.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            }
        }
    }
}
