package io.portcullis.api.patch;

import io.portcullis.api.Json;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

    private ServerSideApply() {}

    /** One entry of metadata.managedFields. */
    record Entry(String manager, String operation, String apiVersion, String time, String subresource, TreeSet<FieldPath> fields) {
        boolean sameWorkflow(String m, String op, String version) {
            return manager.equals(m) && operation.equals(op) && (op.equals(APPLY) || Objects.equals(apiVersion, version))
                    && (subresource == null || subresource.isEmpty());
        }
    }

    /**
     * Applies a configuration for a manager.
     *
     * @param live    the stored object, or null when the apply creates it
     * @param applied the configuration the manager wants (its full intent)
     * @param force   take over fields other managers own instead of failing
     * @return the new object, with metadata.managedFields updated
     * @throws ApplyConflictException when, without force, a field another manager owns would change
     * @throws PatchException         when the configuration or the stored managedFields are malformed
     */
    public static ObjectNode apply(ObjectNode live, ObjectNode applied, String manager, boolean force, PatchSchema schema, Instant now) {
        if (manager == null || manager.isEmpty()) throw new IllegalArgumentException("apply needs a field manager");
        if (applied == null) throw PatchException.badRequest("the apply configuration is empty");
        PatchSchema s = schema == null ? PatchSchema.object() : schema;
        ObjectNode base = live == null ? Json.object() : live.deepCopy();
        List<Entry> entries = read(base);
        removeManagedFields(base);
        String version = Json.text(applied, "apiVersion");

        TreeSet<FieldPath> applySet = Fields.of(applied, s, false, true);
        ObjectNode merged = merge(base.deepCopy(), applied, s);

        Entry previous = find(entries, manager, APPLY, version);
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
        if (!conflicts.isEmpty() && !force) throw new ApplyConflictException(conflicts);

        List<Entry> result = new ArrayList<>();
        boolean placed = false;
        Entry mine = new Entry(manager, APPLY, version, time(now), null, applySet);
        for (Entry e : entries) {
            if (e == previous) { result.add(mine); placed = true; continue; }
            e.fields().removeAll(cmp.changed());
            e.fields().removeAll(cmp.removed());
            result.add(e);
        }
        if (!placed) result.add(mine);
        write(merged, result);
        return merged;
    }

    /**
     * Records a write that is not an apply (create, update, or a patch of another type): the fields it
     * added or changed become the manager's, under its Update entry, and leave every other manager; the
     * fields it removed leave everybody.
     *
     * @param oldObj the stored object, or null on create
     * @param newObj the object about to be stored; its managedFields, when present, are the ones kept
     *               (as upstream, an empty list resets them), else the stored object's are
     * @return a copy of newObj with metadata.managedFields updated, following the kind's list strategies
     */
    public static ObjectNode recordUpdate(ObjectNode oldObj, ObjectNode newObj, String manager, Instant now, PatchSchema schema) {
        if (manager == null || manager.isEmpty()) throw new IllegalArgumentException("an update needs a field manager");
        PatchSchema s = java.util.Objects.requireNonNull(schema, "schema");
        ObjectNode result = newObj.deepCopy();
        JsonNode given = newObj.path("metadata").get("managedFields");
        List<Entry> entries = given != null && given.isArray() ? read(newObj) : (oldObj == null ? new ArrayList<>() : read(oldObj));
        ObjectNode before = oldObj == null ? Json.object() : oldObj.deepCopy();
        removeManagedFields(before);
        ObjectNode after = newObj.deepCopy();
        removeManagedFields(after);
        String version = Json.text(newObj, "apiVersion");

        Comparison cmp = Comparison.of(before, after, s);
        Entry previous = find(entries, manager, UPDATE, version);
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
        boolean unchanged = previous != null && mine.equals(previous.fields());
        String time = unchanged ? previous.time() : time(now);
        Entry updated = new Entry(manager, UPDATE, version, time, null, mine);
        int at = previous == null ? -1 : entries.indexOf(previous);
        if (at >= 0) out.add(Math.min(at, out.size()), updated);
        else out.add(updated);
        write(result, out);
        return result;
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

    private static Entry find(List<Entry> entries, String manager, String operation, String version) {
        for (Entry e : entries) if (e.sameWorkflow(manager, operation, version)) return e;
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
                PatchSchema item = PatchSchema.object(child.fields());
                Map<String, Integer> at = JsonPatch.positions(ea, child.mergeKey());
                for (JsonNode i : va) {
                    ObjectNode io = (ObjectNode) i;
                    String k = JsonPatch.identity(io.get(child.mergeKey()));
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
                for (JsonNode i : va) copy.add(i instanceof ObjectNode io ? merge(target.objectNode(), io, PatchSchema.object(child.fields())) : i.deepCopy());
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
            entries.add(new Entry(manager, operation, Json.text(n, "apiVersion"), Json.text(n, "time"),
                    Json.text(n, "subresource"), Fields.fromFieldsV1(n.get("fieldsV1"))));
        }
        return entries;
    }

    private static void write(ObjectNode obj, List<Entry> entries) {
        ArrayNode list = obj.arrayNode();
        for (Entry e : entries) {
            if (e.fields().isEmpty()) continue;
            ObjectNode n = list.addObject();
            n.put("manager", e.manager());
            n.put("operation", e.operation());
            if (!e.apiVersion().isEmpty()) n.put("apiVersion", e.apiVersion());
            if (e.time() != null && !e.time().isEmpty()) n.put("time", e.time());
            n.put("fieldsType", "FieldsV1");
            n.set("fieldsV1", Fields.toFieldsV1(e.fields()));
            if (e.subresource() != null && !e.subresource().isEmpty()) n.put("subresource", e.subresource());
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
}
