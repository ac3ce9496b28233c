package io.portcullis.api.patch;

import io.portcullis.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * kubectl's client-side apply annotation, as upstream's server-side apply treats it for the field
 * manager {@code kubectl} alone (another manager opts out): the fields the annotation sets, at the
 * value they still have, pass to the applier without a conflict (the upgrade from client-side to
 * server-side apply), and an apply keeps the annotation of an object that has one equal to the applied
 * configuration, so that a later client-side apply prunes from there.
 */
final class LastApplied {
    static final String ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";
    static final String KUBECTL = "kubectl";
    /** Upstream's bound on all of an object's annotations together, keys and values. */
    private static final int ANNOTATIONS_LIMIT = 256 * 1024;

    private LastApplied() {}

    /**
     * The fields whose conflicts the object's annotation excuses: those it sets that the object still
     * holds at the same value. Empty without an annotation that reads as an object of the object's
     * apiVersion.
     */
    static Set<FieldPath> excused(ObjectNode live, PatchSchema schema) {
        String text = annotations(live).path(ANNOTATION).asString("");
        if (text.isEmpty()) return Set.of();
        JsonNode lastApplied;
        try {
            lastApplied = Json.MAPPER.readTree(text);
        } catch (RuntimeException e) {
            return Set.of();
        }
        if (!(lastApplied instanceof ObjectNode la) || !Json.text(la, "apiVersion").equals(Json.text(live, "apiVersion"))) return Set.of();
        TreeSet<FieldPath> set;
        try {
            set = Fields.of(la, schema, false, true);
        } catch (PatchException e) {
            return Set.of();
        }
        ServerSideApply.Comparison differences = ServerSideApply.Comparison.of(la, live, schema);
        set.removeAll(differences.changed());
        set.removeAll(differences.removed());
        return set;
    }

    /**
     * Sets the annotation of an object that has one to the applied configuration without the annotation,
     * as compact JSON with sorted keys and a final newline (how kubectl writes it); drops it instead when
     * the annotations would then pass upstream's bound.
     */
    static void update(ObjectNode obj, ObjectNode applied) {
        if (!(annotations(obj) instanceof ObjectNode annotations) || annotations.path(ANNOTATION).asString("").isEmpty()) return;
        ObjectNode config = applied.deepCopy();
        if (annotations(config) instanceof ObjectNode own) own.remove(ANNOTATION);
        annotations.put(ANNOTATION, Json.string(FieldPath.canonical(config)) + "\n");
        long size = 0;
        for (Map.Entry<String, JsonNode> e : annotations.properties()) {
            size += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().asString("").getBytes(StandardCharsets.UTF_8).length;
        }
        if (size > ANNOTATIONS_LIMIT) annotations.remove(ANNOTATION);
    }

    private static JsonNode annotations(JsonNode obj) {
        return obj.path("metadata").path("annotations");
    }
}
