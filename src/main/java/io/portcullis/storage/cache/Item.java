package io.portcullis.storage.cache;

import io.portcullis.api.Json;
import io.portcullis.api.Statuses;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.node.ObjectNode;

/**
 * One object as the cache holds it: the stored bytes with metadata.resourceVersion set from the
 * store's revision, sent as they are; the tree is parsed on first use only. The tree is shared:
 * never mutate it; deep-copy first. An item whose stored value could not be read holds only why:
 * its {@link #json()} and {@link #object()} fail with that as a 500.
 */
public final class Item {
    private final String key;
    private final String namespace;
    private final String name;
    private final byte[] json;
    private final long revision;
    private final String unreadable;
    private volatile ObjectNode object;

    private Item(String key, String namespace, String name, byte[] json, long revision, ObjectNode object, String unreadable) {
        this.key = key;
        this.namespace = namespace;
        this.name = name;
        this.json = json;
        this.revision = revision;
        this.object = object;
        this.unreadable = unreadable;
    }

    /**
     * An item from stored bytes (which never hold a resourceVersion) under a key
     * {@code /registry/<group>/<resource>/[<namespace>/]<name>}.
     */
    public static Item stored(String key, byte[] stored, long revision) {
        String[] namespaceAndName = namespaceAndName(key);
        return new Item(key, namespaceAndName[0], namespaceAndName[1], withResourceVersion(stored, revision), revision, null, null);
    }

    /** An item whose stored value cannot be read, for the reason given (which never holds the value). */
    public static Item unreadable(String key, long revision, String why) {
        String[] namespaceAndName = namespaceAndName(key);
        return new Item(key, namespaceAndName[0], namespaceAndName[1], null, revision, null, why);
    }

    private static String[] namespaceAndName(String key) {
        int resourceEnd = key.indexOf('/', key.indexOf('/', "/registry/".length()) + 1);
        String rest = key.substring(resourceEnd + 1);
        int slash = rest.indexOf('/');
        return slash < 0 ? new String[] {"", rest} : new String[] {rest.substring(0, slash), rest.substring(slash + 1)};
    }

    /** An item from a tree that already carries its resourceVersion. */
    public static Item of(String key, String namespace, String name, ObjectNode object, long revision) {
        return new Item(key, namespace, name, Json.bytes(object), revision, object, null);
    }

    public String key() { return key; }
    public String namespace() { return namespace; }
    public String name() { return name; }
    public long revision() { return revision; }
    /** Why the stored value cannot be read; null for a readable item. */
    public String unreadable() { return unreadable; }

    /** The bytes to send, resourceVersion included. */
    public byte[] json() {
        if (unreadable != null) throw Statuses.internal(unreadable);
        return json;
    }

    /** The parsed object (parsed once, on first use). */
    public ObjectNode object() {
        if (unreadable != null) throw Statuses.internal(unreadable);
        ObjectNode o = object;
        if (o == null) {
            o = Json.objectTree(json);
            object = o;
        }
        return o;
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
