package io.portcullis.api.patch;

import io.portcullis.api.Json;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Server-side apply ({@code application/apply-patch+yaml}) and field ownership in
 * {@code metadata.managedFields}, in upstream's FieldsV1 format, as structured-merge-diff does it.
 *
 * <p>Ownership never covers apiVersion, kind, metadata.name, namespace, uid, resourceVersion,
 * generation, creationTimestamp, selfLink or managedFields (upstream's stripped set). Lists merge per
 * {@link PatchSchema}: keyed lists item by item, sets value by value, other lists whole.
 */
public final class ServerSideApply {
    static final String APPLY = "Apply";
    static final String UPDATE = "Update";
    /** Upstream's bound on the Update entries of an object, and the name of the entry the oldest merge into. */
    static final int MAX_UPDATE_ENTRIES = 10;
    static final String ANCIENT_CHANGES = "ancient-changes";

    private ServerSideApply() {}

    /** One entry of metadata.managedFields; time null when it has none, subresource "" for the main resource. */
    record Entry(String manager, String operation, String apiVersion, String time, String subresource, TreeSet<FieldPath> fields) {
        /** As upstream's manager identifier: manager, operation, subresource, and the apiVersion of an Update. */
        boolean sameWorkflow(String m, String op, String version, String sub) {
            return manager.equals(m) && operation.equals(op) && (op.equals(APPLY) || apiVersion.equals(version)) && subresource.equals(sub);
        }

        /** Upstream's manager identifier, the JSON of the entry's manager, operation, apiVersion and subresource. */
        String identifier() {
            ObjectNode n = Json.object();
            n.put("manager", manager);
            n.put("operation", operation);
            if (!apiVersion.isEmpty() && operation.equals(UPDATE)) n.put("apiVersion", apiVersion);
            if (!subresource.isEmpty()) n.put("subresource", subresource);
            return Json.string(n);
        }
    }

    /**
     * Applies a configuration for a manager.
     *
     * @param live        the stored object, or null when the apply creates it
     * @param applied     the configuration the manager wants (its full intent), as {@link #scoped} leaves it
     * @param subresource the subresource applied to ("status"), or "" for the main resource: the manager has
     *                    one entry for each
     * @param force       take over fields other managers own instead of failing
     * @return the new object, with metadata.managedFields updated
     * @throws ApplyConflictException when, without force, a field another manager owns would change (for the
     *                                manager kubectl, one its client-side apply annotation does not excuse:
     *                                see {@link LastApplied}, which this also keeps up to date)
     * @throws PatchException         when the configuration or the stored managedFields are malformed
     */
    public static ObjectNode apply(ObjectNode live, ObjectNode applied, String manager, String subresource, boolean force,
                                   PatchSchema schema, Instant now) {
        if (manager == null || manager.isEmpty()) throw new IllegalArgumentException("apply needs a field manager");
        if (applied == null) throw PatchException.badRequest("the apply configuration is empty");
        PatchSchema s = schema == null ? PatchSchema.object() : schema;
        ObjectNode base = live == null ? Json.object() : live.deepCopy();
        List<Entry> entries = read(base);
        removeManagedFields(base);
        String version = Json.text(applied, "apiVersion");

        TreeSet<FieldPath> applySet = Fields.of(applied, s, false, true);
        ObjectNode merged = merge(base.deepCopy(), applied, s);

        Entry previous = find(entries, manager, APPLY, version, subresource);
        Set<FieldPath> lastSet = previous == null ? Set.of() : previous.fields();
        Set<FieldPath> drop = new HashSet<>();
        for (FieldPath dropped : lastSet) {
            if (applySet.contains(dropped) || stillHolds(applySet, dropped) || ownedByOthers(entries, previous, dropped)) continue;
            drop.add(dropped);
        }
        Fields.removeAll(merged, s, drop);

        Comparison cmp = Comparison.of(base, merged, s);
        List<ApplyConflictException.Conflict> conflicts = new ArrayList<>();
        for (Entry e : entries) {
            if (e == previous) continue;
            for (FieldPath p : e.fields()) {
                if (cmp.changed().contains(p)) {
                    conflicts.add(new ApplyConflictException.Conflict(e.manager(), e.operation(), e.apiVersion(), e.subresource(), p));
                }
            }
        }
        if (!conflicts.isEmpty() && !force && manager.equals(LastApplied.KUBECTL)) {
            Set<FieldPath> excused = LastApplied.excused(base, s);
            conflicts.removeIf(c -> excused.contains(c.path()));
        }
        if (!conflicts.isEmpty() && !force) throw new ApplyConflictException(conflicts);

        List<Entry> result = new ArrayList<>();
        for (Entry e : entries) {
            if (e == previous) continue;
            e.fields().removeAll(cmp.changed());
            e.fields().removeAll(cmp.removed());
            result.add(e);
        }
        // as upstream, an apply that changes nothing leaves the time as it was (none for a new entry)
        String time = !merged.equals(base) ? time(now) : previous == null ? null : previous.time();
        result.add(new Entry(manager, APPLY, version, time, subresource, applySet));
        if (manager.equals(LastApplied.KUBECTL)) LastApplied.update(merged, applied);
        write(merged, result);
        return merged;
    }

    /**
     * The part of an apply configuration that a write through the subresource can change, so that the
     * applier neither owns nor conflicts over the rest (upstream's reset fields; here, as the registry
     * keeps it, a write through /status changes the status alone): through "status" only the status,
     * with the object's name; through the main resource of a kind with a status subresource, all but the
     * status.
     */
    public static ObjectNode scoped(ObjectNode applied, String subresource, boolean hasStatusSubresource) {
        if (subresource.equals("status")) {
            ObjectNode out = applied.deepCopy();
            out.retain("apiVersion", "kind", "metadata", "status");
            if (out.get("metadata") instanceof ObjectNode m) m.retain("name", "namespace");
            return out;
        }
        if (!hasStatusSubresource || !applied.has("status")) return applied;
        ObjectNode out = applied.deepCopy();
        out.remove("status");
        return out;
    }

    /**
     * Records a write that is not an apply (create, update, or a patch of another type): the fields it
     * added or changed become the manager's, under its Update entry, and leave every other manager; the
     * fields it removed leave everybody.
     *
     * @param oldObj      the stored object, or null on create
     * @param newObj      the object about to be stored; through the main resource, its managedFields, when
     *                    present, are the ones kept (as upstream, an empty list resets them), else the stored
     *                    object's are; through a subresource always the stored object's
     * @param subresource the subresource written ("status"), or "" for the main resource
     * @return a copy of newObj with metadata.managedFields updated, following the kind's list strategies
     */
    public static ObjectNode recordUpdate(ObjectNode oldObj, ObjectNode newObj, String manager, String subresource, Instant now,
                                          PatchSchema schema) {
        if (manager == null || manager.isEmpty()) throw new IllegalArgumentException("an update needs a field manager");
        java.util.Objects.requireNonNull(schema, "schema");
        ObjectNode result = newObj.deepCopy();
        JsonNode given = newObj.path("metadata").get("managedFields");
        List<Entry> entries = given != null && given.isArray() && subresource.isEmpty() ? read(newObj)
                : (oldObj == null ? new ArrayList<>() : read(oldObj));
        ObjectNode before = oldObj == null ? Json.object() : oldObj.deepCopy();
        removeManagedFields(before);
        ObjectNode after = newObj.deepCopy();
        removeManagedFields(after);
        String version = Json.text(newObj, "apiVersion");

        Comparison cmp = Comparison.of(before, after, schema);
        Entry previous = find(entries, manager, UPDATE, version, subresource);
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e == previous) continue;
            e.fields().removeAll(cmp.changed());
            e.fields().removeAll(cmp.removed());
            out.add(e);
        }
        TreeSet<FieldPath> mine = previous == null ? new TreeSet<>() : new TreeSet<>(previous.fields());
        mine.removeAll(cmp.removed());
        mine.addAll(cmp.changed());
        // as upstream, the time moves only when this write set or changed a field
        String time = cmp.changed().isEmpty() && previous != null ? previous.time() : time(now);
        out.add(new Entry(manager, UPDATE, version, time, subresource, mine));
        out.removeIf(e -> e.fields().isEmpty());
        capUpdates(out);
        write(result, out);
        return result;
    }

    /**
     * As upstream's capmanagers after every update: while more than {@link #MAX_UPDATE_ENTRIES} Update
     * entries remain, the oldest (by time, then identifier) merge, per apiVersion, into one
     * "ancient-changes" entry, which takes the time of the latest entry merged into it. Apply entries stay.
     */
    static void capUpdates(List<Entry> entries) {
        List<Entry> updates = new ArrayList<>(entries.stream().filter(e -> e.operation().equals(UPDATE)).toList());
        if (updates.size() <= MAX_UPDATE_ENTRIES) return;
        updates.sort(Comparator.comparingLong((Entry e) -> seconds(e.time())).thenComparing(Entry::identifier));
        Map<String, Entry> firstOfVersion = new HashMap<>();
        int left = updates.size();
        for (int i = 0; i < updates.size() && left > MAX_UPDATE_ENTRIES; i++) {
            Entry e = updates.get(i);
            Entry first = firstOfVersion.putIfAbsent(e.apiVersion(), e);
            if (first == null) continue;   // the oldest of its version waits for a second one to merge with
            Entry bucket = find(entries, ANCIENT_CHANGES, UPDATE, e.apiVersion(), "");
            if (bucket == e) continue;     // the bucket itself, past an entry of its time: nothing to merge
            if (bucket == null) bucket = first;
            entries.remove(bucket);
            entries.remove(e);
            TreeSet<FieldPath> fields = new TreeSet<>(bucket.fields());
            fields.addAll(e.fields());
            entries.add(new Entry(ANCIENT_CHANGES, UPDATE, e.apiVersion(), e.time(), "", fields));
            left--;
        }
    }

    /**
     * True when the applied configuration still sets something below the path: a map or list it keeps.
     * Paths sort with a path's descendants right after it, so the next one tells.
     */
    private static boolean stillHolds(TreeSet<FieldPath> applySet, FieldPath parent) {
        FieldPath next = applySet.higher(parent);
        return next != null && next.startsWith(parent);
    }

    /** What changed between two objects, as paths. */
    record Comparison(Set<FieldPath> changed, Set<FieldPath> removed) {
        static Comparison of(ObjectNode before, ObjectNode after, PatchSchema schema) {
            TreeMap<FieldPath, JsonNode> was = Fields.values(before, schema, true, false);
            TreeMap<FieldPath, JsonNode> is = Fields.values(after, schema, true, false);
            TreeSet<FieldPath> changed = new TreeSet<>();
            for (Map.Entry<FieldPath, JsonNode> e : is.entrySet()) {
                FieldPath p = e.getKey();
                JsonNode a = was.get(p), b = e.getValue();
                if (a == null || (Fields.isLeaf(p, b) && !JsonPatch.same(a, b))) changed.add(p);
            }
            TreeSet<FieldPath> removed = new TreeSet<>(was.navigableKeySet());
            removed.removeAll(is.navigableKeySet());
            return new Comparison(changed, removed);
        }
    }

    private static boolean ownedByOthers(List<Entry> entries, Entry self, FieldPath path) {
        for (Entry e : entries) {
            if (e == self) continue;
            FieldPath first = e.fields().ceiling(path);   // the path itself, or the first below it
            if (first != null && first.startsWith(path)) return true;
        }
        return false;
    }

    private static Entry find(List<Entry> entries, String manager, String operation, String version, String subresource) {
        for (Entry e : entries) if (e.sameWorkflow(manager, operation, version, subresource)) return e;
        return null;
    }

    /** Merges an apply configuration into an object (which it modifies); nulls in the configuration are skipped. */
    private static ObjectNode merge(ObjectNode target, ObjectNode config, PatchSchema schema) {
        for (Map.Entry<String, JsonNode> e : config.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (value.isNull()) continue;
            PatchSchema child = schema.field(key);
            JsonNode existing = target.get(key);
            if (value instanceof ObjectNode vo) {
                target.set(key, merge(existing instanceof ObjectNode eo ? eo : target.objectNode(), vo, child));
            } else if (value instanceof ArrayNode va && existing instanceof ArrayNode ea && child.shape() == PatchSchema.Shape.KEYED_LIST) {
                PatchSchema item = child.item();
                Map<FieldPath.Key, Integer> at = new HashMap<>();
                for (int j = 0; j < ea.size(); j++) {
                    FieldPath.Key k = FieldPath.key(ea.get(j), child);
                    if (k != null) at.putIfAbsent(k, j);
                }
                for (JsonNode i : va) {
                    ObjectNode io = (ObjectNode) i;
                    FieldPath.Key k = FieldPath.key(io, child);
                    Integer j = at.get(k);
                    if (j != null && ea.get(j) instanceof ObjectNode eo) {
                        ea.set(j, merge(eo, io, item));
                    } else {
                        ea.add(merge(target.objectNode(), io, item));
                        at.putIfAbsent(k, ea.size() - 1);
                    }
                }
            } else if (value instanceof ArrayNode va && existing instanceof ArrayNode ea && child.shape() == PatchSchema.Shape.SET) {
                StrategicMergePatch.union(ea, va);
            } else if (value instanceof ArrayNode va && child.shape() == PatchSchema.Shape.KEYED_LIST) {
                ArrayNode copy = target.arrayNode();
                for (JsonNode i : va) copy.add(i instanceof ObjectNode io ? merge(target.objectNode(), io, child.item()) : i.deepCopy());
                target.set(key, copy);
            } else {
                target.set(key, value.deepCopy());
            }
        }
        return target;
    }

    private static List<Entry> read(ObjectNode obj) {
        List<Entry> entries = new ArrayList<>();
        JsonNode list = obj.path("metadata").get("managedFields");
        if (list == null || !list.isArray()) return entries;
        for (JsonNode n : list) {
            if (!n.isObject()) throw PatchException.badRequest("invalid managedFields: every entry must be an object");
            String manager = Json.text(n, "manager");
            String operation = Json.text(n, "operation");
            if (!operation.equals(APPLY) && !operation.equals(UPDATE)) {
                throw PatchException.badRequest("invalid managedFields: operation must be Apply or Update, got \"" + operation + "\"");
            }
            String fieldsType = Json.text(n, "fieldsType");
            if (!fieldsType.isEmpty() && !fieldsType.equals("FieldsV1")) {
                throw PatchException.badRequest("invalid managedFields: fieldsType must be FieldsV1, got \"" + fieldsType + "\"");
            }
            String time = Json.text(n, "time");
            entries.add(new Entry(manager, operation, Json.text(n, "apiVersion"), time.isEmpty() ? null : time,
                    Json.text(n, "subresource"), Fields.fromFieldsV1(n.get("fieldsV1"))));
        }
        return entries;
    }

    /** Upstream's order of entries: Apply before Update, then by time (in seconds), manager, apiVersion, subresource. */
    private static final Comparator<Entry> ORDER = Comparator.comparing(Entry::operation)
            .thenComparingLong(e -> seconds(e.time())).thenComparing(Entry::manager)
            .thenComparing(Entry::apiVersion).thenComparing(Entry::subresource);

    private static void write(ObjectNode obj, List<Entry> entries) {
        ArrayNode list = obj.arrayNode();
        for (Entry e : entries.stream().sorted(ORDER).toList()) {
            if (e.fields().isEmpty()) continue;
            ObjectNode n = list.addObject();
            n.put("manager", e.manager());
            n.put("operation", e.operation());
            if (!e.apiVersion().isEmpty()) n.put("apiVersion", e.apiVersion());
            if (e.time() != null) n.put("time", e.time());
            n.put("fieldsType", "FieldsV1");
            n.set("fieldsV1", Fields.toFieldsV1(e.fields()));
            if (!e.subresource().isEmpty()) n.put("subresource", e.subresource());
        }
        JsonNode meta = obj.get("metadata");
        ObjectNode metadata = meta instanceof ObjectNode m ? m : obj.putObject("metadata");
        if (list.isEmpty()) metadata.remove("managedFields");
        else metadata.set("managedFields", list);
    }

    private static void removeManagedFields(ObjectNode obj) {
        if (obj.get("metadata") instanceof ObjectNode m) m.remove("managedFields");
    }

    private static String time(Instant now) {
        return now.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The seconds of an entry's time; 0 for none, or for one that does not read (as a zero time sorts upstream). */
    private static long seconds(String time) {
        if (time == null) return 0;
        try {
            return Instant.parse(time).getEpochSecond();
        } catch (DateTimeParseException e) {
            return 0;
        }
    }
}
