package io.portcullis.api.patch;

import java.util.Map;

/**
 * What strategic merge patch and server-side apply need to know of one field of a kind: how its
 * lists merge. A node describes a field; {@link #field(String)} describes a member of an object, or of
 * each item of a list. Anything not described is an {@link #object()} with no known fields, whose lists
 * are replaced (atomic), as merge patch does.
 *
 * @param shape       how the value merges
 * @param mergeKey    the key of a {@link Shape#KEYED_LIST}, null otherwise
 * @param retainKeys  upstream's patchStrategy "retainKeys" on the items (or on this object)
 * @param fields      known members (of the object, or of each list item)
 */
public record PatchSchema(Shape shape, String mergeKey, boolean retainKeys, Map<String, PatchSchema> fields) {

    public enum Shape {
        /** An object with named fields: merged field by field; owned field by field. */
        OBJECT,
        /** A map of arbitrary keys (labels, data): merged key by key; an Update owns the map itself too. */
        MAP,
        /** A list of objects merged by {@link #mergeKey()} (patchStrategy merge, listType map). */
        KEYED_LIST,
        /** A list of scalars merged as a set (patchStrategy merge on a primitive list, listType set). */
        SET,
        /** A list replaced whole (no patch strategy, listType atomic). */
        ATOMIC
    }

    private static final PatchSchema ANY = new PatchSchema(Shape.OBJECT, null, false, Map.of());

    public PatchSchema {
        fields = Map.copyOf(fields);
        if (shape == Shape.KEYED_LIST && (mergeKey == null || mergeKey.isEmpty())) {
            throw new IllegalArgumentException("a keyed list needs a merge key");
        }
    }

    /** An object with no known fields: its lists replace. */
    public static PatchSchema object() { return ANY; }

    public static PatchSchema object(Map<String, PatchSchema> fields) {
        return new PatchSchema(Shape.OBJECT, null, false, fields);
    }

    public static PatchSchema map() { return new PatchSchema(Shape.MAP, null, false, Map.of()); }

    public static PatchSchema keyedList(String mergeKey, Map<String, PatchSchema> itemFields) {
        return new PatchSchema(Shape.KEYED_LIST, mergeKey, false, itemFields);
    }

    public static PatchSchema set() { return new PatchSchema(Shape.SET, null, false, Map.of()); }

    public static PatchSchema atomic() { return new PatchSchema(Shape.ATOMIC, null, false, Map.of()); }

    /** The same node, with upstream's retainKeys strategy. */
    public PatchSchema withRetainKeys() { return new PatchSchema(shape, mergeKey, true, fields); }

    /** The schema of a member (of this object, or of each item of this list); never null. */
    public PatchSchema field(String name) {
        return fields.getOrDefault(name, ANY);
    }

    boolean isList() { return shape == Shape.KEYED_LIST || shape == Shape.SET || shape == Shape.ATOMIC; }
}
