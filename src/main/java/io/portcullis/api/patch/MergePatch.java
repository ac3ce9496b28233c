package io.portcullis.api.patch;

import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * RFC 7386 JSON Merge Patch ({@code application/merge-patch+json}): null deletes a member, objects merge
 * recursively, anything else (lists included) replaces. A patch that is not a JSON object is 400
 * BadRequest with upstream's message {@code Invalid JSON Patch}.
 */
public final class MergePatch {
    private MergePatch() {}

    /** The patched copy of {@code target}; {@code target} itself is never modified. */
    public static ObjectNode apply(ObjectNode target, JsonNode patch) {
        if (!(patch instanceof ObjectNode p)) throw PatchException.badRequest("Invalid JSON Patch");
        return merge(target.deepCopy(), p);
    }

    /** Merges patch into target in place and returns target. */
    static ObjectNode merge(ObjectNode target, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (value.isNull()) {
                target.remove(key);
            } else if (value instanceof ObjectNode po) {
                JsonNode existing = target.get(key);
                ObjectNode base = existing instanceof ObjectNode eo ? eo : target.objectNode();
                target.set(key, merge(base, po));
            } else {
                target.set(key, value.deepCopy());
            }
        }
        return target;
    }

}
