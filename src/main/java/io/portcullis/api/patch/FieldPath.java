package io.portcullis.api.patch;

import io.portcullis.api.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A path to one field of an object, as structured-merge-diff names it: fields ({@code .spec}), items of
 * keyed lists ({@code [name="x"]}), values of sets ({@code [="a"]}) and list indices ({@code [0]}).
 * {@link #toString()} is upstream's printed form, used in apply conflict messages.
 */
public record FieldPath(List<Element> elements) implements Comparable<FieldPath> {

    public FieldPath { elements = List.copyOf(elements); }

    /** One step of a path. Key and value hold canonical compact JSON (keys sorted). */
    public sealed interface Element permits Field, Key, Value, Index {
        /** The name of this step in a FieldsV1 tree: "f:name", "k:{..}", "v:..", "i:0". */
        String fieldsV1();
        /** The printed form: ".name", "[k=v]", "[=v]", "[0]". */
        String printed();
        int rank();
    }

    public record Field(String name) implements Element {
        public String fieldsV1() { return "f:" + name; }
        public String printed() { return "." + name; }
        public int rank() { return 0; }
    }

    public record Key(String json) implements Element {
        public String fieldsV1() { return "k:" + json; }
        public String printed() {
            ObjectNode o = (ObjectNode) Json.MAPPER.readTree(json);
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) parts.add(e.getKey() + "=" + Json.string(e.getValue()));
            return "[" + String.join(",", parts) + "]";
        }
        public int rank() { return 1; }
    }

    public record Value(String json) implements Element {
        public String fieldsV1() { return "v:" + json; }
        public String printed() { return "[=" + json + "]"; }
        public int rank() { return 2; }
    }

    public record Index(int index) implements Element {
        public String fieldsV1() { return "i:" + index; }
        public String printed() { return "[" + index + "]"; }
        public int rank() { return 3; }
    }

    public static FieldPath of(String... fields) {
        List<Element> e = new ArrayList<>();
        for (String f : fields) e.add(new Field(f));
        return new FieldPath(e);
    }

    /**
     * The key of an item of a keyed list: its key fields, one it omits at its default; null when the item
     * is not an object or omits a key field that has no default.
     */
    static Key key(JsonNode item, PatchSchema list) {
        if (!(item instanceof ObjectNode o)) return null;
        TreeMap<String, JsonNode> sorted = new TreeMap<>();
        for (String k : list.keys()) {
            JsonNode v = o.get(k);
            if (v == null || v.isNull()) {
                String d = list.keyDefaults().get(k);
                if (d == null) return null;
                v = o.stringNode(d);
            }
            sorted.put(k, v);
        }
        ObjectNode key = Json.object();
        sorted.forEach(key::set);
        return new Key(Json.string(key));
    }

    static Value value(JsonNode v) { return new Value(Json.string(canonical(v))); }

    /** Parses one step of a FieldsV1 tree. */
    static Element parse(String name) {
        if (name.length() < 2 || name.charAt(1) != ':') throw PatchException.badRequest("invalid managedFields entry: " + name);
        String rest = name.substring(2);
        switch (name.charAt(0)) {
            case 'f': return new Field(rest);
            case 'k': return new Key(Json.string(canonical(json(name, rest))));
            case 'v': return new Value(Json.string(canonical(json(name, rest))));
            case 'i':
                try { return new Index(Integer.parseInt(rest)); }
                catch (NumberFormatException e) { throw PatchException.badRequest("invalid managedFields entry: " + name); }
            default: throw PatchException.badRequest("invalid managedFields entry: " + name);
        }
    }

    private static JsonNode json(String name, String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw PatchException.badRequest("invalid managedFields entry: " + name);
        }
    }

    /** Objects with sorted keys, so equal values have equal text. */
    static JsonNode canonical(JsonNode v) {
        if (v instanceof ObjectNode o) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) sorted.put(e.getKey(), canonical(e.getValue()));
            ObjectNode out = Json.object();
            sorted.forEach(out::set);
            return out;
        }
        if (v instanceof ArrayNode a) {
            ArrayNode out = Json.MAPPER.createArrayNode();
            for (JsonNode i : a) out.add(canonical(i));
            return out;
        }
        return v;
    }

    FieldPath child(Element e) {
        List<Element> l = new ArrayList<>(elements);
        l.add(e);
        return new FieldPath(l);
    }

    boolean isEmpty() { return elements.isEmpty(); }

    /** Whether this path is other or lies below it. */
    boolean startsWith(FieldPath other) {
        return elements.size() >= other.elements.size() && elements.subList(0, other.elements.size()).equals(other.elements);
    }

    @Override
    public int compareTo(FieldPath o) {
        int n = Math.min(elements.size(), o.elements.size());
        for (int i = 0; i < n; i++) {
            Element a = elements.get(i), b = o.elements.get(i);
            if (a.rank() != b.rank()) return Integer.compare(a.rank(), b.rank());
            // the same rank has the same fieldsV1 prefix: comparing what follows it orders alike, without building strings
            int c = a instanceof Index x && b instanceof Index y ? Integer.compare(x.index(), y.index()) : text(a).compareTo(text(b));
            if (c != 0) return c;
        }
        return Integer.compare(elements.size(), o.elements.size());
    }

    private static String text(Element e) {
        if (e instanceof Field f) return f.name();
        return e instanceof Key k ? k.json() : ((Value) e).json();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Element e : elements) b.append(e.printed());
        return b.toString();
    }
}
