package io.portcullis.api.patch;

import io.portcullis.api.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Field sets of objects, and their FieldsV1 form. */
final class Fields {
    private Fields() {}

    /** Fields never owned by anybody, as upstream's stripped set (exact paths, not their children). */
    static final Set<FieldPath> IGNORED = Set.of(
            FieldPath.of("apiVersion"), FieldPath.of("kind"), FieldPath.of("metadata"),
            FieldPath.of("metadata", "name"), FieldPath.of("metadata", "namespace"),
            FieldPath.of("metadata", "creationTimestamp"), FieldPath.of("metadata", "selfLink"),
            FieldPath.of("metadata", "uid"), FieldPath.of("metadata", "clusterName"),
            FieldPath.of("metadata", "generation"), FieldPath.of("metadata", "managedFields"),
            FieldPath.of("metadata", "resourceVersion"));

    private static final FieldPath MANAGED_FIELDS = FieldPath.of("metadata", "managedFields");

    /**
     * The fields set in an object: every scalar, atomic list and empty object; every item of a keyed list
     * and every value of a set. With {@code maps}, a map (labels, data) is itself a member too, as in the
     * field set an Update records.
     */
    static TreeSet<FieldPath> of(JsonNode node, PatchSchema schema, boolean maps, boolean strict) {
        return new TreeSet<>(values(node, schema, maps, strict).navigableKeySet());
    }

    /** As {@link #of}, with the value at each path (the first item, when a keyed list repeats a key). */
    static TreeMap<FieldPath, JsonNode> values(JsonNode node, PatchSchema schema, boolean maps, boolean strict) {
        TreeMap<FieldPath, JsonNode> set = new TreeMap<>();
        if (node != null) walk(node, schema, new FieldPath(List.of()), set, maps, strict);
        set.keySet().removeAll(IGNORED);
        set.keySet().removeIf(p -> p.startsWith(MANAGED_FIELDS));
        return set;
    }

    private static void walk(JsonNode node, PatchSchema schema, FieldPath path, Map<FieldPath, JsonNode> set, boolean maps, boolean strict) {
        if (node instanceof ObjectNode o) {
            if (o.isEmpty() || (maps && schema.shape() == PatchSchema.Shape.MAP)) {
                if (!path.isEmpty()) set.putIfAbsent(path, o);
            }
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                if (e.getValue().isNull()) continue;
                walk(e.getValue(), schema.field(e.getKey()), path.child(new FieldPath.Field(e.getKey())), set, maps, strict);
            }
        } else if (node instanceof ArrayNode a && schema.shape() == PatchSchema.Shape.KEYED_LIST) {
            String omitted = omittedKey(a, schema);
            if (omitted != null) {
                if (strict) {
                    throw PatchException.badRequest(path + ": associative list with keys has an element that omits key field \""
                            + omitted + "\" (and doesn't have default value)");
                }
                set.putIfAbsent(path, a);
                return;
            }
            PatchSchema item = schema.item();
            for (JsonNode i : a) {
                FieldPath itemPath = path.child(FieldPath.key(i, schema));
                set.putIfAbsent(itemPath, i);
                for (Map.Entry<String, JsonNode> e : i.properties()) {
                    if (e.getValue().isNull()) continue;
                    walk(e.getValue(), item.field(e.getKey()), itemPath.child(new FieldPath.Field(e.getKey())), set, maps, strict);
                }
            }
        } else if (node instanceof ArrayNode a && schema.shape() == PatchSchema.Shape.SET) {
            for (JsonNode i : a) set.putIfAbsent(path.child(FieldPath.value(i)), i);
        } else {
            set.putIfAbsent(path, node);
        }
    }

    /** The first key field an item of the list omits without a default to stand for it; null when every item has its key. */
    private static String omittedKey(ArrayNode a, PatchSchema list) {
        for (JsonNode i : a) {
            for (String k : list.keys()) {
                JsonNode v = i.get(k);
                if ((v == null || v.isNull()) && !list.keyDefaults().containsKey(k)) return k;
            }
        }
        return null;
    }

    /** The value at path, or null. */
    static JsonNode get(JsonNode node, FieldPath path) {
        JsonNode n = node;
        for (FieldPath.Element e : path.elements()) {
            if (n == null) return null;
            n = step(n, e);
        }
        return n;
    }

    private static JsonNode step(JsonNode n, FieldPath.Element e) {
        if (e instanceof FieldPath.Field f) return n instanceof ObjectNode o ? o.get(f.name()) : null;
        if (!(n instanceof ArrayNode a)) return null;
        int i = indexIn(a, e);
        return i < 0 ? null : a.get(i);
    }

    private static int indexIn(ArrayNode a, FieldPath.Element e) {
        if (e instanceof FieldPath.Index x) return x.index() < a.size() ? x.index() : -1;
        ObjectNode want = e instanceof FieldPath.Key k ? (ObjectNode) Json.MAPPER.readTree(k.json()) : null;
        for (int i = 0; i < a.size(); i++) {
            JsonNode item = a.get(i);
            if (e instanceof FieldPath.Value v && Json.string(FieldPath.canonical(item)).equals(v.json())) return i;
            if (want != null && item instanceof ObjectNode o && matchesKey(o, want)) return i;
        }
        return -1;
    }

    private static boolean matchesKey(ObjectNode item, ObjectNode want) {
        for (Map.Entry<String, JsonNode> e : want.properties()) {
            JsonNode have = item.get(e.getKey());
            if (have == null || !JsonPatch.same(have, e.getValue())) return false;
        }
        return true;
    }

    /**
     * Removes the values at the paths, in one walk that names paths as {@link #of} does (a removal per
     * path would search each list once per path). Index paths, which only a client's managedFields can
     * hold, are removed one by one.
     */
    static void removeAll(JsonNode root, PatchSchema schema, Set<FieldPath> paths) {
        removeAll(root, schema, new FieldPath(List.of()), paths);
        for (FieldPath p : paths) if (p.elements().stream().anyMatch(e -> e instanceof FieldPath.Index)) remove(root, p);
    }

    private static void removeAll(JsonNode node, PatchSchema schema, FieldPath path, Set<FieldPath> paths) {
        if (node instanceof ObjectNode o) {
            List<String> drop = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                FieldPath p = path.child(new FieldPath.Field(e.getKey()));
                if (paths.contains(p)) drop.add(e.getKey());
                else removeAll(e.getValue(), schema.field(e.getKey()), p, paths);
            }
            drop.forEach(o::remove);
        } else if (node instanceof ArrayNode a && schema.shape() == PatchSchema.Shape.KEYED_LIST && omittedKey(a, schema) == null) {
            PatchSchema item = schema.item();
            for (int i = a.size() - 1; i >= 0; i--) {
                FieldPath p = path.child(FieldPath.key(a.get(i), schema));
                if (paths.contains(p)) a.remove(i);
                else removeAll(a.get(i), item, p, paths);
            }
        } else if (node instanceof ArrayNode a && schema.shape() == PatchSchema.Shape.SET) {
            for (int i = a.size() - 1; i >= 0; i--) if (paths.contains(path.child(FieldPath.value(a.get(i))))) a.remove(i);
        }
    }

    /** Removes the value at path, if present. */
    static void remove(JsonNode root, FieldPath path) {
        if (path.isEmpty()) return;
        List<FieldPath.Element> els = path.elements();
        JsonNode parent = get(root, new FieldPath(els.subList(0, els.size() - 1)));
        FieldPath.Element last = els.get(els.size() - 1);
        if (last instanceof FieldPath.Field f && parent instanceof ObjectNode o) o.remove(f.name());
        else if (parent instanceof ArrayNode a) {
            int i = indexIn(a, last);
            if (i >= 0) a.remove(i);
        }
    }

    /** Whether a value is a leaf for comparison: not an object with members and not a merged list. */
    static boolean isLeaf(FieldPath path, JsonNode value) {
        if (value == null) return true;
        if (value instanceof ObjectNode o) return o.isEmpty();
        FieldPath.Element last = path.elements().isEmpty() ? null : path.elements().get(path.elements().size() - 1);
        return !(last instanceof FieldPath.Key);
    }

    /** The FieldsV1 tree of a set: "." marks a member that also has members below it. */
    static ObjectNode toFieldsV1(Set<FieldPath> set) {
        Node root = new Node();
        for (FieldPath p : set) {
            Node n = root;
            for (FieldPath.Element e : p.elements()) n = n.children.computeIfAbsent(e.fieldsV1(), k -> new Node());
            n.member = true;
        }
        return root.toJson();
    }

    private static final class Node {
        boolean member;
        final TreeMap<String, Node> children = new TreeMap<>();

        ObjectNode toJson() {
            ObjectNode o = Json.object();
            if (member && !children.isEmpty()) o.set(".", Json.object());
            children.forEach((k, v) -> o.set(k, v.toJson()));
            return o;
        }
    }

    /** Parses a FieldsV1 tree. */
    static TreeSet<FieldPath> fromFieldsV1(JsonNode tree) {
        TreeSet<FieldPath> set = new TreeSet<>();
        if (tree instanceof ObjectNode o) read(o, new FieldPath(List.of()), set);
        return set;
    }

    private static void read(ObjectNode o, FieldPath path, Set<FieldPath> set) {
        if (o.isEmpty() && !path.isEmpty()) { set.add(path); return; }
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            if (e.getKey().equals(".")) { set.add(path); continue; }
            if (!(e.getValue() instanceof ObjectNode child)) throw PatchException.badRequest("invalid managedFields entry: " + e.getKey());
            read(child, path.child(FieldPath.parse(e.getKey())), set);
        }
    }

    static List<FieldPath> sorted(Set<FieldPath> s) { return new ArrayList<>(new TreeSet<>(s)); }
}
