package io.portcullis.api.patch;

import io.portcullis.api.Json;
import java.util.Iterator;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Upgrading from client-side to server-side apply, as upstream does: an apply's conflicts on
 * fields that the object's kubectl.kubernetes.io/last-applied-configuration sets are not
 * conflicts; the applier takes those fields over.
 */
public final class LastApplied {
    public static final String ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

    private LastApplied() {}

    /** True when every conflict is on a field the live object's last-applied configuration sets. */
    public static boolean coversAll(JsonNode live, ApplyConflictException conflicts) {
        if (live == null) return false;
        String text = live.path("metadata").path("annotations").path(ANNOTATION).asString("");
        if (text.isEmpty()) return false;
        JsonNode lastApplied;
        try {
            lastApplied = Json.MAPPER.readTree(text);
        } catch (RuntimeException e) {
            return false;
        }
        for (ApplyConflictException.Conflict c : conflicts.conflicts()) {
            if (!sets(lastApplied, c.path())) return false;
        }
        return true;
    }

    private static boolean sets(JsonNode node, FieldPath path) {
        JsonNode cur = node;
        for (FieldPath.Element e : path.elements()) {
            if (cur == null || cur.isNull()) return false;
            if (e instanceof FieldPath.Field f) {
                cur = cur.get(f.name());
            } else if (e instanceof FieldPath.Key k) {
                cur = find(cur, Json.MAPPER.readTree(k.json()));
            } else if (e instanceof FieldPath.Value v) {
                JsonNode want = Json.MAPPER.readTree(v.json());
                JsonNode hit = null;
                for (JsonNode item : cur) if (item.equals(want)) hit = item;
                cur = hit;
            } else if (e instanceof FieldPath.Index i) {
                cur = cur.isArray() ? cur.get(i.index()) : null;
            }
        }
        return cur != null && !cur.isNull();
    }

    /** The list item whose fields equal every field of the key. */
    private static JsonNode find(JsonNode list, JsonNode key) {
        if (!list.isArray()) return null;
        for (JsonNode item : list) {
            boolean all = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = key.properties().iterator(); it.hasNext() && all; ) {
                Map.Entry<String, JsonNode> f = it.next();
                all = f.getValue().equals(item.get(f.getKey()));
            }
            if (all) return item;
        }
        return null;
    }
}
