package io.portcullis.api.patch;

import io.portcullis.api.Json;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * RFC 6902 JSON Patch ({@code application/json-patch+json}): add, remove, replace, move, copy, test.
 *
 * <p>A body that is not a list of operation objects is 400 BadRequest; an operation that cannot be
 * applied is 422 Invalid with upstream's generic message (see {@link PatchException}). As upstream,
 * at most {@value #MAX_OPERATIONS} operations are accepted (413 beyond), and the values a patch copies
 * may add up to {@value #MAX_COPY_BYTES} bytes of JSON (422 beyond): each copy may double the document.
 * No operation may put a value deeper than {@link Json#MAX_DEPTH} levels (422), the bound a body has.
 */
public final class JsonPatch {
    /** kube-apiserver's maxJSONPatchOperations. */
    public static final int MAX_OPERATIONS = 10000;
    /** kube-apiserver's JSONPatchMaxCopyBytes, evanphx/json-patch's AccumulatedCopySizeLimit. */
    public static final long MAX_COPY_BYTES = 3 * 1024 * 1024;

    private JsonPatch() {}

    /** The patched copy of {@code target}; {@code target} itself is never modified. */
    public static ObjectNode apply(ObjectNode target, JsonNode patch) {
        if (patch == null || !patch.isArray()) {
            throw PatchException.badRequest("json: cannot unmarshal " + kind(patch) + " into Go value of type jsonpatch.Patch");
        }
        for (JsonNode op : patch) {
            if (!op.isObject()) {
                throw PatchException.badRequest("json: cannot unmarshal " + kind(op) + " into Go value of type jsonpatch.Operation");
            }
        }
        if (patch.size() > MAX_OPERATIONS) {
            throw PatchException.tooLarge("The allowed maximum operations in a JSON patch is %d, got %d".formatted(MAX_OPERATIONS, patch.size()));
        }
        JsonNode doc = target.deepCopy();
        long[] copied = {0};
        for (JsonNode op : patch) {
            doc = applyOne(doc, (ObjectNode) op, copied);
        }
        if (!(doc instanceof ObjectNode result)) throw PatchException.invalid("patched document is not an object");
        return result;
    }

    /** Applies one operation; {@code copied} holds the bytes copied so far, which a copy adds to. */
    private static JsonNode applyOne(JsonNode doc, ObjectNode op, long[] copied) {
        String name = op.path("op").isString() ? op.get("op").asString() : "";
        switch (name) {
            case "add":
                return add(doc, pointer(op, "path"), value(op, name));
            case "remove":
                return remove(doc, pointer(op, "path"));
            case "replace": {
                JsonPointer path = pointer(op, "path");
                JsonNode value = value(op, name);
                if (path.matches()) return add(doc, path, value);
                get(doc, path, "replace");
                remove(doc, path);
                return add(doc, path, value);
            }
            case "move": {
                JsonPointer from = pointer(op, "from");
                JsonPointer path = pointer(op, "path");
                if (path.toString().startsWith(from + "/")) {
                    throw PatchException.invalid("move operation: \"from\" " + from + " is a prefix of \"path\" " + path);
                }
                JsonNode moved = get(doc, from, "move");
                doc = remove(doc, from);
                return add(doc, path, moved);
            }
            case "copy": {
                JsonNode value = get(doc, pointer(op, "from"), "copy");
                JsonPointer path = pointer(op, "path");
                copied[0] += size(value);
                if (copied[0] > MAX_COPY_BYTES) {
                    throw PatchException.invalid("Unable to complete the copy, the accumulated size increase of copy is %d, exceeding the limit %d"
                            .formatted(copied[0], MAX_COPY_BYTES));
                }
                return add(doc, path, value);
            }
            case "test": {
                JsonPointer path = pointer(op, "path");
                JsonNode want = value(op, name);
                JsonNode have = find(doc, path);
                if (have == null || !same(have, want)) {
                    throw PatchException.invalid("testing value " + path + " failed: test failed");
                }
                return doc;
            }
            default:
                throw PatchException.invalid("Unexpected kind: " + name);
        }
    }

    private static JsonNode add(JsonNode doc, JsonPointer path, JsonNode value) {
        if (depth(path) + Json.depth(value) > Json.MAX_DEPTH) {
            throw PatchException.invalid("the value at \"" + path + "\" would nest deeper than " + Json.MAX_DEPTH + " levels");
        }
        JsonNode copy = value.deepCopy();
        if (path.matches()) return copy;
        JsonNode parent = find(doc, path.head());
        String key = path.last().getMatchingProperty();
        if (parent instanceof ObjectNode o) {
            o.set(key, copy);
        } else if (parent instanceof ArrayNode a) {
            int index = key.equals("-") ? a.size() : index(key, a.size(), path);
            a.insert(index, copy);
        } else {
            throw PatchException.invalid("add operation does not apply: doc is missing path: \"" + path + "\"");
        }
        return doc;
    }

    /** The bytes of a value as JSON, counted without keeping them. */
    private static long size(JsonNode value) {
        long[] n = {0};
        Json.MAPPER.writeValue(new OutputStream() {
            @Override public void write(int b) { n[0]++; }
            @Override public void write(byte[] b, int off, int len) { n[0] += len; }
        }, value);
        return n[0];
    }

    private static JsonNode remove(JsonNode doc, JsonPointer path) {
        if (path.matches()) throw PatchException.invalid("remove operation does not apply: cannot remove the whole document");
        JsonNode parent = find(doc, path.head());
        String key = path.last().getMatchingProperty();
        if (parent instanceof ObjectNode o && o.has(key)) {
            o.remove(key);
        } else if (parent instanceof ArrayNode a && !key.equals("-")) {
            int index = index(key, a.size() - 1, path);
            a.remove(index);
        } else {
            throw PatchException.invalid("remove operation does not apply: doc is missing path: \"" + path + "\"");
        }
        return doc;
    }

    private static JsonNode get(JsonNode doc, JsonPointer path, String op) {
        JsonNode n = find(doc, path);
        if (n == null) throw PatchException.invalid(op + " operation does not apply: doc is missing path: \"" + path + "\"");
        return n;
    }

    /** The node at path, or null when there is none. */
    static JsonNode find(JsonNode doc, JsonPointer path) {
        JsonNode n = doc;
        for (JsonPointer at = path; !at.matches(); at = at.tail()) {
            String token = at.getMatchingProperty();
            if (n instanceof ObjectNode o) {
                n = o.get(token);
            } else if (n instanceof ArrayNode a) {
                if (!isIndex(token)) return null;
                int i;
                try { i = Integer.parseInt(token); } catch (NumberFormatException e) { return null; }
                n = i < a.size() ? a.get(i) : null;
            } else {
                return null;
            }
            if (n == null) return null;
        }
        return n;
    }

    private static int index(String token, int max, JsonPointer path) {
        if (!isIndex(token)) throw PatchException.invalid("Unable to access invalid index: " + token + " in " + path);
        int i;
        try { i = Integer.parseInt(token); } catch (NumberFormatException e) { i = Integer.MAX_VALUE; }
        if (i > max) throw PatchException.invalid("Unable to access invalid index: " + i);
        return i;
    }

    private static boolean isIndex(String token) {
        if (token.isEmpty() || (token.length() > 1 && token.charAt(0) == '0')) return false;
        for (int i = 0; i < token.length(); i++) if (!Character.isDigit(token.charAt(i))) return false;
        return true;
    }

    private static int depth(JsonPointer path) {
        int n = 0;
        for (JsonPointer at = path; !at.matches(); at = at.tail()) n++;
        return n;
    }

    /** The pointer an operation names; as upstream, an escape other than ~0 and ~1 is taken literally. */
    private static JsonPointer pointer(ObjectNode op, String field) {
        JsonNode p = op.get(field);
        if (p == null || !p.isString()) {
            throw PatchException.invalid("operation \"" + op.path("op").asString("") + "\" is missing \"" + field + "\"");
        }
        try {
            return JsonPointer.compile(p.asString());
        } catch (IllegalArgumentException e) {
            throw PatchException.invalid("JSON pointer must be empty or start with a \"/\": " + p.asString());
        }
    }

    private static JsonNode value(ObjectNode op, String name) {
        JsonNode v = op.get("value");
        if (v == null) throw PatchException.invalid(name + " operation is missing \"value\"");
        return v;
    }

    /** JSON equality: numbers by value (1 equals 1.0), objects regardless of member order. */
    static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) return new BigDecimal(a.asString()).compareTo(new BigDecimal(b.asString())) == 0;
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) return false;
            for (Map.Entry<String, JsonNode> e : a.properties()) {
                JsonNode other = b.get(e.getKey());
                if (other == null || !same(e.getValue(), other)) return false;
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) return false;
            Iterator<JsonNode> i = a.iterator(), j = b.iterator();
            while (i.hasNext()) if (!same(i.next(), j.next())) return false;
            return true;
        }
        return a.equals(b);
    }

    /**
     * A text that values {@link #same} finds equal share, so that lists can be searched through a map:
     * numbers by value, objects with sorted members (numbers inside them as written).
     */
    static String identity(JsonNode v) {
        if (v.isNumber()) return new BigDecimal(v.asString()).stripTrailingZeros().toString();
        return Json.string(FieldPath.canonical(v));
    }

    private static String kind(JsonNode n) {
        if (n == null || n.isNull()) return "null";
        if (n.isObject()) return "object";
        if (n.isString()) return "string";
        if (n.isNumber()) return "number";
        if (n.isBoolean()) return "bool";
        return "array";
    }
}
