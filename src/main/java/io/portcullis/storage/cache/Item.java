package io.portcullis.storage.cache;

import io.portcullis.api.Json;
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
        int leading = leadingMetadata(json);
        if (leading >= 0) return inserted(json, leading, json[nextNonSpace(json, leading + 1)] == '}', revision);
        try (JsonParser p = Json.MAPPER.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("not a JSON object");
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
                    int open = (int) p.currentTokenLocation().getByteOffset();
                    return inserted(json, open, p.nextToken() == JsonToken.END_OBJECT, revision);
                }
                p.skipChildren();
            }
        }
        // no metadata object: build one through the tree
        ObjectNode tree = Json.objectTree(json);
        tree.putObject("metadata").put("resourceVersion", Long.toString(revision));
        return Json.bytes(tree);
    }

    private static byte[] inserted(byte[] json, int open, boolean empty, long revision) {
        byte[] rv = ("\"resourceVersion\":\"" + revision + "\"" + (empty ? "" : ",")).getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[json.length + rv.length];
        System.arraycopy(json, 0, out, 0, open + 1);
        System.arraycopy(rv, 0, out, open + 1, rv.length);
        System.arraycopy(json, open + 1, out, open + 1 + rv.length, json.length - open - 1);
        return out;
    }

    private static final byte[] METADATA = "\"metadata\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * Where the metadata object opens when it is the value's first field, as the server writes
     * most objects, and its first field (if any) is a plain name with a string, object or array
     * value: that much read byte by byte, without a parser per object, as a load of the whole
     * store reads every object once. -1 for anything else, which the streaming parser then reads.
     */
    static int leadingMetadata(byte[] json) {
        int i = nextNonSpace(json, 0);
        if (i >= json.length || json[i] != '{') return -1;
        i = nextNonSpace(json, i + 1);
        if (i + METADATA.length > json.length || !java.util.Arrays.equals(json, i, i + METADATA.length, METADATA, 0, METADATA.length)) return -1;
        i = nextNonSpace(json, i + METADATA.length);
        if (i >= json.length || json[i] != ':') return -1;
        int open = nextNonSpace(json, i + 1);
        if (open >= json.length || json[open] != '{') return -1;
        i = nextNonSpace(json, open + 1);
        if (i >= json.length) return -1;
        if (json[i] == '}') return open;
        // the first field's name and the start of its value, as a parser would read them before the insertion
        if (json[i] != '"') return -1;
        for (i++; i < json.length && json[i] != '"'; i++) {
            if (json[i] < 0x20 || json[i] == '\\') return -1;
        }
        i = nextNonSpace(json, i + 1);
        if (i >= json.length || json[i] != ':') return -1;
        i = nextNonSpace(json, i + 1);
        return i < json.length && (json[i] == '"' || json[i] == '{' || json[i] == '[') ? open : -1;
    }

    private static int nextNonSpace(byte[] json, int i) {
        while (i < json.length && (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' || json[i] == '\t')) i++;
        return i;
    }

    @Override
    public String toString() {
        return key + "@" + revision;
    }
}
