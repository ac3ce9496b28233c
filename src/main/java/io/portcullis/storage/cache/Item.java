package io.portcullis.storage.cache;

import io.portcullis.api.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One object as the cache holds it: the stored bytes with metadata.resourceVersion set from the
 * store's revision, sent as they are; the tree is parsed on first use only. The tree is shared:
 * never mutate it; deep-copy first.
 */
public final class Item {
    private static final String ROOT = "/registry/";
    private final String key;
    private final String namespace;
    private final String name;
    private final byte[] json;
    private final long revision;
    private volatile ObjectNode object;

    private Item(String key, String namespace, String name, byte[] json, long revision, ObjectNode object) {
        this.key = key;
        this.namespace = namespace;
        this.name = name;
        this.json = json;
        this.revision = revision;
        this.object = object;
    }

    /**
     * An item from stored bytes (which never hold a resourceVersion) under a key
     * {@code /registry/[<group>/]<resource>/[<namespace>/]<name>}.
     */
    public static Item stored(String key, byte[] stored, long revision) {
        String rest = key.substring(resourceEnd(key) + 1);
        int slash = rest.indexOf('/');
        String namespace = slash < 0 ? "" : rest.substring(0, slash);
        String name = slash < 0 ? rest : rest.substring(slash + 1);
        return new Item(key, namespace, name, withResourceVersion(stored, revision), revision, null);
    }

    /**
     * Where the resource part of a key ends (the index of its slash; -1 when the key ends first):
     * after {@code /registry/<resource>}, or after {@code /registry/<group>/<resource>} when the
     * first segment is a group (groups have a dot, resources never do).
     */
    static int resourceEnd(String key) {
        int first = key.indexOf('/', ROOT.length());
        if (first < 0 || key.substring(ROOT.length(), first).indexOf('.') < 0) return first;
        return key.indexOf('/', first + 1);
    }

    /** An item from a tree that already carries its resourceVersion. */
    public static Item of(String key, String namespace, String name, ObjectNode object, long revision) {
        return new Item(key, namespace, name, Json.bytes(object), revision, object);
    }

    public String key() { return key; }
    public String namespace() { return namespace; }
    public String name() { return name; }
    public byte[] json() { return json; }
    public long revision() { return revision; }

    /** The parsed object (parsed once, on first use). */
    public ObjectNode object() {
        ObjectNode o = object;
        if (o == null) {
            o = Json.objectTree(json);
            object = o;
        }
        return o;
    }

    /**
     * The named fields of the object's metadata (an object without them when it has none). Unless the
     * object was parsed already (its whole metadata is then given), nothing else is parsed and nothing
     * is kept: a reader that needs a few fields of every object (the garbage collector) neither pays
     * for nor holds their trees.
     */
    public JsonNode metadata(String... fields) {
        ObjectNode o = object;
        if (o != null) return o.path("metadata");
        ObjectNode out = Json.object();
        List<String> wanted = List.of(fields);
        try (JsonParser p = Json.MAPPER.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return out;
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!field.equals("metadata") || value != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    if (wanted.contains(name)) out.set(name, p.readValueAsTree());
                    else p.skipChildren();
                }
                return out;
            }
        }
        return out;
    }

    /** Inserts "resourceVersion" first into the top-level metadata object, found by a streaming scan. */
    static byte[] withResourceVersion(byte[] json, long revision) {
        try (JsonParser p = Json.MAPPER.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("not a JSON object");
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
                    int open = (int) p.currentTokenLocation().getByteOffset();
                    boolean empty = p.nextToken() == JsonToken.END_OBJECT;
                    String rv = "\"resourceVersion\":\"" + revision + "\"" + (empty ? "" : ",");
                    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + rv.length());
                    out.write(json, 0, open + 1);
                    out.writeBytes(rv.getBytes(StandardCharsets.UTF_8));
                    out.write(json, open + 1, json.length - open - 1);
                    return out.toByteArray();
                }
                p.skipChildren();
            }
        }
        // no metadata object: build one through the tree
        ObjectNode tree = Json.objectTree(json);
        tree.putObject("metadata").put("resourceVersion", Long.toString(revision));
        return Json.bytes(tree);
    }

    @Override
    public String toString() {
        return key + "@" + revision;
    }
}
