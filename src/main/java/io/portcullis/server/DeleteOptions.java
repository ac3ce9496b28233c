package io.portcullis.server;

import io.portcullis.api.Json;
import io.portcullis.api.Statuses;
import io.portcullis.request.RequestInfo;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A delete's options, from its body (JSON or protobuf DeleteOptions) or its query, as upstream accepts both. */
record DeleteOptions(String propagationPolicy, String uid, String resourceVersion, boolean dryRun, Long gracePeriodSeconds,
                     Boolean orphanDependents) {
    private static final List<String> POLICIES = List.of("Foreground", "Background", "Orphan");

    static DeleteOptions of(RequestInfo info, Exchange ex, Bodies bodies) {
        String policy = info.param("propagationPolicy");
        String uid = null;
        String rv = null;
        boolean dryRun = info.query().getOrDefault("dryRun", List.of()).contains("All");
        Long grace = null;
        String o = info.param("orphanDependents");
        Boolean orphan = o == null ? null : Boolean.valueOf(o);
        String g = info.param("gracePeriodSeconds");
        if (g != null) grace = parseLong("gracePeriodSeconds", g);
        if (ex.body().length > 0) {
            ObjectNode body = bodies.parse(ex.header("Content-Type"), ex.body());
            String kind = Json.text(body, "kind");
            if (!kind.isEmpty() && !kind.equals("DeleteOptions")) {
                throw Statuses.badRequest("the kind in the data (" + kind + ") does not match the expected kind (DeleteOptions)");
            }
            if (body.has("propagationPolicy") && !body.get("propagationPolicy").isNull()) policy = body.get("propagationPolicy").asString("");
            JsonNode pre = body.path("preconditions");
            if (pre.has("uid")) uid = pre.get("uid").asString("");
            if (pre.has("resourceVersion")) rv = pre.get("resourceVersion").asString("");
            for (JsonNode d : body.path("dryRun")) {
                if (!d.asString("").equals("All")) throw Statuses.badRequest("dryRun: Unsupported value: \"" + d.asString("") + "\": supported values: \"All\"");
                dryRun = true;
            }
            JsonNode gp = body.get("gracePeriodSeconds");
            if (gp != null && !gp.isNull()) {
                if (!gp.canConvertToLong()) throw Statuses.badRequest("gracePeriodSeconds must be an integer");
                grace = gp.asLong();
            }
            JsonNode orphanField = body.get("orphanDependents");
            if (orphanField != null && orphanField.isBoolean()) orphan = orphanField.asBoolean();
            if (orphan != null && policy != null && !policy.isEmpty()) {
                throw Statuses.invalid("meta.k8s.io", "DeleteOptions", "", List.of(Statuses.FieldError.invalid("propagationPolicy", policy,
                        "orphanDependents and deletionPropagation cannot be both set")));
            }
        }
        if (policy != null && !policy.isEmpty() && !POLICIES.contains(policy)) {
            throw Statuses.invalid("meta.k8s.io", "DeleteOptions", "", List.of(Statuses.FieldError.notSupported("propagationPolicy", policy, POLICIES)));
        }
        if (grace != null && grace < 0) grace = 0L;
        return new DeleteOptions(policy, uid, rv, dryRun, grace, orphan);
    }

    private static long parseLong(String field, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw Statuses.badRequest(field + ": Invalid value: \"" + v + "\": must be an integer");
        }
    }
}
