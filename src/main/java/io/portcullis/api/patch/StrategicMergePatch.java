package io.portcullis.api.patch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Strategic merge patch ({@code application/strategic-merge-patch+json}), as k8s.io/apimachinery's
 * strategicpatch applies it on the server.
 *
 * <p>Objects merge as in a JSON merge patch. A list replaces, unless the schema says it merges: items of
 * a {@link PatchSchema.Shape#KEYED_LIST} with the same merge key merge and new ones are appended; a
 * {@link PatchSchema.Shape#SET} takes the union. Directives:
 * <ul>
 *   <li>{@code $patch: replace} in an object replaces it; as a list item ({@code {"$patch":"replace"}}) it
 *       replaces the list; {@code $patch: delete} in an object removes it, in a keyed list item removes
 *       the item with that key; {@code $patch: merge} is the default;</li>
 *   <li>{@code $retainKeys: [..]} drops members of the live object not named (422 if the patch itself
 *       sets a member it does not name);</li>
 *   <li>{@code $setElementOrder/<field>: [..]} orders the merged list; items only on the server keep their
 *       place relative to the ordered ones;</li>
 *   <li>{@code $deleteFromPrimitiveList/<field>: [..]} removes those values from a primitive list.</li>
 * </ul>
 * No directive survives in the result. Format errors are 400 BadRequest (see {@link PatchException}).
 */
public final class StrategicMergePatch {
    static final String PATCH = "$patch";
    static final String RETAIN_KEYS = "$retainKeys";
    static final String SET_ELEMENT_ORDER = "$setElementOrder/";
    static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

    private StrategicMergePatch() {}

    /** The patched copy of {@code target}; {@code target} itself is never modified. */
    public static ObjectNode apply(ObjectNode target, JsonNode patch, PatchSchema schema) {
        if (!(patch instanceof ObjectNode p)) {
            throw PatchException.badRequest("json: cannot unmarshal " + (patch == null ? "null" : patch.getNodeType().name().toLowerCase())
                    + " into Go value of type map[string]interface {}");
        }
        ObjectNode merged = mergeObject(target.deepCopy(), p, schema == null ? PatchSchema.object() : schema);
        if (merged == null) throw PatchException.badRequest("a strategic merge patch may not delete the whole object");
        return merged;
    }

    /** Merges patch into original (which it may modify); null when the patch deletes the object. */
    private static ObjectNode mergeObject(ObjectNode original, ObjectNode patch, PatchSchema schema) {
        JsonNode directive = patch.get(PATCH);
        if (directive != null) {
            String type = directive.isString() ? directive.asString() : String.valueOf(directive);
            switch (type) {
                case "replace": return (ObjectNode) strip(patch);
                case "delete": return null;
                case "merge": break;
                default: throw PatchException.badRequest("unknown patch type: " + type + " in map: " + patch);
            }
        }
        JsonNode retain = patch.get(RETAIN_KEYS);
        if (retain != null) retainKeys(original, patch, retain);

        Map<String, JsonNode> orders = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.equals(PATCH) || key.equals(RETAIN_KEYS)) continue;
            if (key.startsWith(SET_ELEMENT_ORDER)) {
                if (!value.isArray()) throw PatchException.badRequest("invalid patch format of setElementOrder list");
                orders.put(key.substring(SET_ELEMENT_ORDER.length()), value);
            } else if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                if (!value.isArray()) throw PatchException.badRequest("invalid patch format of primitive list");
                deleteFromPrimitiveList(original, key.substring(DELETE_FROM_PRIMITIVE_LIST.length()), (ArrayNode) value);
            }
        }
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            if (key.startsWith("$") && isDirective(key)) continue;
            JsonNode value = e.getValue();
            PatchSchema child = schema.field(key);
            JsonNode existing = original.get(key);
            if (value.isNull()) {
                original.remove(key);
            } else if (value instanceof ObjectNode po) {
                ObjectNode base = existing instanceof ObjectNode eo ? eo : original.objectNode();
                ObjectNode merged = mergeObject(base, po, child);
                if (merged == null) original.remove(key);
                else original.set(key, merged);
            } else if (value instanceof ArrayNode pa) {
                original.set(key, mergeList(existing instanceof ArrayNode ea ? ea : null, pa, child));
            } else {
                original.set(key, value.deepCopy());
            }
        }
        for (Map.Entry<String, JsonNode> e : orders.entrySet()) {
            if (original.get(e.getKey()) instanceof ArrayNode list) {
                original.set(e.getKey(), order(list, (ArrayNode) e.getValue(), schema.field(e.getKey())));
            }
        }
        return original;
    }

    private static void retainKeys(ObjectNode original, ObjectNode patch, JsonNode retain) {
        if (!retain.isArray()) throw PatchException.badRequest("invalid patch format of retainKeys");
        Set<String> keep = new HashSet<>();
        for (JsonNode k : retain) {
            if (!k.isString()) throw PatchException.badRequest("invalid patch format of retainKeys");
            keep.add(k.asString());
        }
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            if (isDirective(key) || e.getValue().isNull()) continue;
            if (!keep.contains(key)) {
                throw PatchException.invalid("The patch content doesn't match retainKeys list: field " + key + " is not in " + retain);
            }
        }
        List<String> drop = new ArrayList<>();
        for (String name : original.propertyNames()) if (!keep.contains(name)) drop.add(name);
        drop.forEach(original::remove);
    }

    private static void deleteFromPrimitiveList(ObjectNode original, String field, ArrayNode values) {
        if (!(original.get(field) instanceof ArrayNode list)) return;
        Set<String> delete = identities(values);
        ArrayNode kept = list.arrayNode();
        for (JsonNode item : list) if (!delete.contains(JsonPatch.identity(item))) kept.add(item);
        original.set(field, kept);
    }

    private static Set<String> identities(ArrayNode values) {
        Set<String> out = new HashSet<>();
        for (JsonNode v : values) out.add(JsonPatch.identity(v));
        return out;
    }

    private static ArrayNode mergeList(ArrayNode original, ArrayNode patch, PatchSchema schema) {
        switch (schema.shape()) {
            case KEYED_LIST: return mergeKeyedList(original, patch, schema);
            case SET: return mergeSet(original, patch);
            default: return (ArrayNode) strip(patch);
        }
    }

    private static ArrayNode mergeKeyedList(ArrayNode original, ArrayNode patch, PatchSchema schema) {
        String key = schema.mergeKey();
        PatchSchema item = schema.item();
        for (JsonNode p : patch) {
            JsonNode d = p.get(PATCH);
            if (d != null && d.isString() && d.asString().equals("replace") && p.size() == 1) {
                ArrayNode replaced = patch.arrayNode();
                for (JsonNode q : patch) if (q != p) replaced.add(strip(q));
                return replaced;
            }
        }
        // the items, null where one was deleted, and where each key stands: no search of the list per patch item
        List<JsonNode> items = new ArrayList<>();
        Map<String, ArrayDeque<Integer>> at = new HashMap<>();
        if (original != null) for (JsonNode i : original) place(items, at, i.deepCopy(), key);
        for (JsonNode p : patch) {
            if (p.isArray()) throw PatchException.invalid("lists of lists are not supported");
            if (!(p instanceof ObjectNode po)) {
                throw PatchException.badRequest("merging a list of " + p.getNodeType().name().toLowerCase() + " items with merge key " + key + " is not supported");
            }
            JsonNode k = po.get(key);
            if (k == null) throw PatchException.badRequest("map: " + po + " does not contain declared merge key: " + key);
            ArrayDeque<Integer> same = at.getOrDefault(JsonPatch.identity(k), new ArrayDeque<>());
            JsonNode d = po.get(PATCH);
            if (d != null && d.isString() && d.asString().equals("delete")) {
                same.forEach(i -> items.set(i, null));
                same.clear();
                continue;
            }
            Integer first = same.peek();
            ObjectNode base = first != null && items.get(first) instanceof ObjectNode eo ? eo : po.objectNode();
            ObjectNode merged = mergeObject(base, po, item);
            if (first != null) {
                items.set(first, merged);
                if (merged == null) same.poll();
            } else if (merged != null) {
                place(items, at, merged, key);
            }
        }
        ArrayNode result = patch.arrayNode();
        for (JsonNode i : items) if (i != null) result.add(i);
        return result;
    }

    private static void place(List<JsonNode> items, Map<String, ArrayDeque<Integer>> at, JsonNode item, String key) {
        items.add(item);
        JsonNode k = item.get(key);
        if (k != null) at.computeIfAbsent(JsonPatch.identity(k), x -> new ArrayDeque<>()).add(items.size() - 1);
    }

    private static ArrayNode mergeSet(ArrayNode original, ArrayNode patch) {
        for (JsonNode p : patch) if (p.isObject() || p.isArray()) throw PatchException.badRequest("invalid patch format of primitive list");
        ArrayNode result = original == null ? patch.arrayNode() : original.deepCopy();
        union(result, patch);
        return result;
    }

    /** Adds to a set list the values it does not hold yet, in their order. */
    static void union(ArrayNode set, ArrayNode values) {
        Set<String> present = identities(set);
        for (JsonNode v : values) if (present.add(JsonPatch.identity(v))) set.add(v.deepCopy());
    }

    /**
     * Orders list as {@code order} says. Items named in the order come in that order; an item only on the
     * server stays before the first named item that followed it on the server.
     */
    private static ArrayNode order(ArrayNode list, ArrayNode order, PatchSchema schema) {
        String key = schema.shape() == PatchSchema.Shape.KEYED_LIST ? schema.mergeKey() : null;
        Map<String, ArrayDeque<Integer>> positions = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode id = key == null ? list.get(i) : list.get(i).get(key);
            if (id != null) positions.computeIfAbsent(JsonPatch.identity(id), x -> new ArrayDeque<>()).add(i);
        }
        List<Integer> named = new ArrayList<>();
        boolean[] taken = new boolean[list.size()];
        for (JsonNode o : order) {
            JsonNode want = key == null ? o : o.get(key);
            if (want == null) throw PatchException.badRequest("invalid patch format of setElementOrder list");
            ArrayDeque<Integer> at = positions.get(JsonPatch.identity(want));
            Integer i = at == null ? null : at.poll();
            if (i != null) { taken[i] = true; named.add(i); }
        }
        List<Integer> serverOnly = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) if (!taken[i]) serverOnly.add(i);
        ArrayNode result = list.arrayNode();
        int n = 0, s = 0;
        while (n < named.size() || s < serverOnly.size()) {
            if (s >= serverOnly.size() || (n < named.size() && named.get(n) < serverOnly.get(s))) result.add(list.get(named.get(n++)));
            else result.add(list.get(serverOnly.get(s++)));
        }
        return result;
    }

    static boolean isDirective(String key) {
        return key.equals(PATCH) || key.equals(RETAIN_KEYS) || key.startsWith(SET_ELEMENT_ORDER) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    }

    /** A copy of a patch value without directives or nulls, for a value that has nothing to merge with. */
    static JsonNode strip(JsonNode value) {
        if (value instanceof ObjectNode o) {
            ObjectNode out = o.objectNode();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                if (isDirective(e.getKey()) || e.getValue().isNull()) continue;
                out.set(e.getKey(), strip(e.getValue()));
            }
            return out;
        }
        if (value instanceof ArrayNode a) {
            ArrayNode out = a.arrayNode();
            for (JsonNode item : a) {
                if (item instanceof ObjectNode io && io.size() == 1 && io.has(PATCH)) continue;
                out.add(strip(item));
            }
            return out;
        }
        return value.deepCopy();
    }
}
