package io.portcullis.api.patch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What strategic merge patch and server-side apply need to know of one field of a kind: how its
 * lists merge. A node describes a field; {@link #field(String)} describes a member of an object, or of
 * each item of a list. Anything not described is an {@link #object()} with no known fields, whose lists
 * are replaced (atomic), as merge patch does.
 *
 * @param shape       how the value merges
 * @param mergeKey    the key strategic merge patch merges a {@link Shape#KEYED_LIST} by (patchMergeKey), null otherwise
 * @param keys        the fields server-side apply tells the items of a keyed list apart by (listMapKey); the merge
 *                    key alone unless the kind names more
 * @param keyDefaults the value of a key field an item omits, for the key fields that have one
 * @param retainKeys  upstream's patchStrategy "retainKeys" on the items (or on this object)
 * @param fields      known members (of the object, or of each list item)
 */
public record PatchSchema(Shape shape, String mergeKey, List<String> keys, Map<String, String> keyDefaults, boolean retainKeys,
                          Map<String, PatchSchema> fields) {

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

    private static final PatchSchema ANY = object(Map.of());

    public PatchSchema {
        fields = Map.copyOf(fields);
        keys = List.copyOf(keys);
        keyDefaults = Map.copyOf(keyDefaults);
        if (shape == Shape.KEYED_LIST && (mergeKey == null || mergeKey.isEmpty() || !keys.contains(mergeKey))) {
            throw new IllegalArgumentException("a keyed list needs a merge key, which is one of its keys");
        }
    }

    /** An object with no known fields: its lists replace. */
    public static PatchSchema object() { return ANY; }

    public static PatchSchema object(Map<String, PatchSchema> fields) {
        return new PatchSchema(Shape.OBJECT, null, List.of(), Map.of(), false, fields);
    }

    public static PatchSchema map() { return of(Shape.MAP); }

    public static PatchSchema keyedList(String mergeKey, Map<String, PatchSchema> itemFields) {
        return new PatchSchema(Shape.KEYED_LIST, mergeKey, List.of(mergeKey), Map.of(), false, itemFields);
    }

    public static PatchSchema set() { return of(Shape.SET); }

    public static PatchSchema atomic() { return of(Shape.ATOMIC); }

    private static PatchSchema of(Shape shape) { return new PatchSchema(shape, null, List.of(), Map.of(), false, Map.of()); }

    /** The same node, with upstream's retainKeys strategy. */
    public PatchSchema withRetainKeys() { return new PatchSchema(shape, mergeKey, keys, keyDefaults, true, fields); }

    /**
     * The same keyed list, whose items server-side apply also tells apart by {@code field} (one more
     * listMapKey; strategic merge still merges by the merge key alone, as upstream). An item without the
     * field counts as having {@code defaultValue}, the field's default in upstream's schema.
     */
    public PatchSchema andKey(String field, String defaultValue) {
        List<String> k = new ArrayList<>(keys);
        k.add(field);
        Map<String, String> d = new HashMap<>(keyDefaults);
        d.put(field, defaultValue);
        return new PatchSchema(shape, mergeKey, k, d, retainKeys, fields);
    }

    /** The schema of each item of this list: an object of the list's item fields. */
    public PatchSchema item() { return new PatchSchema(Shape.OBJECT, null, List.of(), Map.of(), retainKeys, fields); }

    /** The schema of a member (of this object, or of each item of this list); never null. */
    public PatchSchema field(String name) {
        return fields.getOrDefault(name, ANY);
    }

    boolean isList() { return shape == Shape.KEYED_LIST || shape == Shape.SET || shape == Shape.ATOMIC; }
}
