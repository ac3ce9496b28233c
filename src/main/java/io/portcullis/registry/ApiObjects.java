package io.portcullis.registry;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Small readers and writers of API objects as JSON trees (metadata, dotted paths, sizes, defaults). */
public final class ApiObjects {
    private ApiObjects() {}

    public static ObjectNode metadata(ObjectNode obj) {
        JsonNode m = obj.get("metadata");
        if (m instanceof ObjectNode o) return o;
        return obj.putObject("metadata");
    }

    public static String meta(ObjectNode obj, String field) {
        JsonNode m = obj.get("metadata");
        if (m == null) return "";
        JsonNode v = m.get(field);
        return v == null || v.isNull() ? "" : v.asString();
    }

    /** Text at a dotted path ("spec.nodeName"), "" when absent. Scalars print as text. */
    public static String at(JsonNode obj, String dotted) {
        JsonNode cur = obj;
        for (String p : dotted.split("\\.")) {
            if (cur == null) return "";
            cur = cur.get(p);
        }
        if (cur == null || cur.isNull() || cur.isContainer()) return "";
        return cur.asString();
    }

    public static Map<String, String> labels(JsonNode obj) {
        JsonNode m = obj.get("metadata");
        JsonNode l = m == null ? null : m.get("labels");
        if (l == null || !l.isObject()) return Map.of();
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : l.properties()) out.put(e.getKey(), e.getValue().asString());
        return out;
    }

    /** Sets a string field that is absent, null or empty: Go's zero value, which upstream's defaults treat as unset. */
    static void defaultText(ObjectNode obj, String field, String value) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull() || v.asString("").isEmpty()) obj.put(field, value);
    }

    /** The object under the field, created (replacing anything else there) when absent. */
    public static ObjectNode object(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ObjectNode o) return o;
        return parent.putObject(field);
    }

    public static int size(JsonNode obj, String field) {
        JsonNode v = obj.get(field);
        return v == null ? 0 : v.size();
    }
}
