package io.portcullis.server;

import io.portcullis.api.Json;
import io.portcullis.api.Statuses;
import io.portcullis.registry.Column;
import io.portcullis.registry.Strategy;
import io.portcullis.storage.cache.Item;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** kubectl's server-side tables (meta.k8s.io/v1 Table), with upstream's includeObject choices. */
final class Tables {
    private Tables() {}

    /** True when the Accept header asks for a Table first; 406 for a Table of an unknown version. */
    static boolean wanted(String accept) {
        if (accept == null || !accept.contains("as=Table")) return false;
        for (String part : accept.split(",")) {
            String p = part.replace(" ", "");
            if (!p.contains("as=Table")) {
                if (p.startsWith("application/json") || p.startsWith("*/*")) return false;
                continue;
            }
            if (p.contains("g=meta.k8s.io") && (p.contains("v=v1;") || p.endsWith("v=v1") || p.contains("v=v1beta1"))) return true;
        }
        throw Statuses.notAcceptable("only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf");
    }

    static String includeObject(String value) {
        if (value == null || value.isEmpty()) return "Metadata";
        return switch (value) {
            case "Metadata", "Object", "None" -> value;
            default -> throw Statuses.badRequest("unrecognized includeObject value: \"" + value + "\"");
        };
    }

    static ObjectNode table(Strategy s, List<Item> items, String resourceVersion, String continueToken, String include, boolean definitions) {
        ObjectNode t = Json.object();
        t.put("kind", "Table");
        t.put("apiVersion", "meta.k8s.io/v1");
        ObjectNode meta = t.putObject("metadata");
        if (resourceVersion != null) meta.put("resourceVersion", resourceVersion);
        if (continueToken != null) meta.put("continue", continueToken);
        ArrayNode defs = t.putArray("columnDefinitions");
        if (definitions) {
            for (Column c : s.columns()) {
                ObjectNode d = defs.addObject();
                d.put("name", c.name());
                d.put("type", c.type());
                d.put("format", c.format());
                d.put("description", c.description());
                d.put("priority", c.priority());
            }
        }
        ArrayNode rows = t.putArray("rows");
        for (Item it : items) rows.add(row(s, it.object(), include));
        return t;
    }

    static ObjectNode row(Strategy s, ObjectNode obj, String include) {
        ObjectNode row = Json.object();
        ArrayNode cells = row.putArray("cells");
        for (Column c : s.columns()) {
            Object v = c.cell().apply(obj);
            if (v instanceof Integer i) cells.add(i);
            else if (v instanceof Long l) cells.add(l);
            else cells.add(v == null ? "" : v.toString());
        }
        switch (include) {
            case "Object" -> row.set("object", obj);
            case "Metadata" -> {
                ObjectNode partial = row.putObject("object");
                partial.put("kind", "PartialObjectMetadata");
                partial.put("apiVersion", "meta.k8s.io/v1");
                JsonNode meta = obj.get("metadata");
                if (meta != null) partial.set("metadata", meta);
            }
            default -> { }
        }
        return row;
    }
}
