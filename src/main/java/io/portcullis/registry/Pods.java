package io.portcullis.registry;

import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Validation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Pod defaults, validation and the cells kubectl prints. */
final class Pods {
    private static final List<String> MUTABLE = List.of("spec.containers[*].image", "spec.initContainers[*].image",
            "spec.activeDeadlineSeconds", "spec.tolerations (only additions to existing tolerations)",
            "spec.terminationGracePeriodSeconds (allow it to be set to 1 if it was previously negative)");

    private Pods() {}

    static void defaults(ObjectNode pod) {
        ObjectNode spec = Kinds.object(pod, "spec");
        putIfAbsent(spec, "restartPolicy", "Always");
        // as upstream, the deprecated spec.serviceAccount mirrors serviceAccountName
        if (spec.has("serviceAccountName") && !spec.has("serviceAccount")) spec.set("serviceAccount", spec.get("serviceAccountName"));
        putIfAbsent(spec, "dnsPolicy", "ClusterFirst");
        putIfAbsent(spec, "schedulerName", "default-scheduler");
        if (!spec.has("terminationGracePeriodSeconds")) spec.put("terminationGracePeriodSeconds", 30);
        if (!spec.has("securityContext")) spec.putObject("securityContext");
        if (!spec.has("enableServiceLinks")) spec.put("enableServiceLinks", true);
        putIfAbsent(spec, "preemptionPolicy", "PreemptLowerPriority");
        if (!spec.has("priority")) spec.put("priority", 0);
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode c : spec.path(list)) {
                if (!(c instanceof ObjectNode co)) continue;
                putIfAbsent(co, "terminationMessagePath", "/dev/termination-log");
                putIfAbsent(co, "terminationMessagePolicy", "File");
                if (!co.has("resources")) co.putObject("resources");
                if (!co.has("imagePullPolicy")) {
                    String image = co.path("image").asString("");
                    String tag = image.contains("@") ? "" : image.substring(image.lastIndexOf('/') + 1);
                    boolean latest = !image.contains("@") && (!tag.contains(":") || tag.endsWith(":latest"));
                    co.put("imagePullPolicy", latest ? "Always" : "IfNotPresent");
                }
            }
        }
        for (JsonNode v : spec.path("volumes")) {
            JsonNode projected = v.get("projected");
            if (projected instanceof ObjectNode p && !p.has("defaultMode")) p.put("defaultMode", 420);
        }
        ObjectNode status = Kinds.object(pod, "status");
        putIfAbsent(status, "phase", "Pending");
        putIfAbsent(status, "qosClass", "BestEffort");
    }

    static List<FieldError> validate(Context ctx, ObjectNode pod, ObjectNode old) {
        List<FieldError> errs = new ArrayList<>();
        JsonNode spec = pod.path("spec");
        JsonNode containers = spec.get("containers");
        if (containers == null || !containers.isArray() || containers.isEmpty()) {
            errs.add(FieldError.required("spec.containers", ""));
        }
        Set<String> names = new HashSet<>();
        for (String list : List.of("initContainers", "containers")) {
            JsonNode cs = spec.path(list);
            for (int i = 0; i < cs.size(); i++) {
                JsonNode c = cs.get(i);
                String p = "spec." + list + "[" + i + "]";
                String name = c.path("name").asString("");
                if (name.isEmpty()) errs.add(FieldError.required(p + ".name", ""));
                else if (!Validation.isDns1123Label(name)) errs.add(FieldError.invalid(p + ".name", name, Validation.LABEL_MSG));
                else if (!names.add(name)) errs.add(FieldError.duplicate(p + ".name", name));
                if (c.path("image").asString("").isEmpty() && list.equals("containers")) errs.add(FieldError.required(p + ".image", ""));
            }
        }
        Set<String> volumes = new HashSet<>();
        JsonNode vs = spec.path("volumes");
        for (int i = 0; i < vs.size(); i++) {
            String name = vs.get(i).path("name").asString("");
            if (name.isEmpty()) errs.add(FieldError.required("spec.volumes[" + i + "].name", ""));
            else if (!volumes.add(name)) errs.add(FieldError.duplicate("spec.volumes[" + i + "].name", name));
        }
        if (old != null && !withoutMutable(spec).equals(withoutMutable(old.path("spec")))) {
            errs.add(FieldError.forbidden("spec", "pod updates may not change fields other than " + String.join(",", MUTABLE.stream().map(s -> "`" + s + "`").toList())));
        }
        return errs;
    }

    private static JsonNode withoutMutable(JsonNode spec) {
        if (!(spec instanceof ObjectNode s)) return spec;
        ObjectNode copy = s.deepCopy();
        copy.remove("activeDeadlineSeconds");
        copy.remove("tolerations");
        copy.remove("terminationGracePeriodSeconds");
        for (String list : List.of("containers", "initContainers")) {
            JsonNode cs = copy.get(list);
            if (cs instanceof ArrayNode arr) for (JsonNode c : arr) if (c instanceof ObjectNode co) co.remove("image");
        }
        return copy;
    }

    static Object ready(ObjectNode pod) {
        int total = pod.path("spec").path("containers").size();
        int ready = 0;
        for (JsonNode s : pod.path("status").path("containerStatuses")) if (s.path("ready").asBoolean(false)) ready++;
        return ready + "/" + total;
    }

    static Object status(ObjectNode pod) {
        if (!Objects.meta(pod, "deletionTimestamp").isEmpty()) return "Terminating";
        String reason = Objects.at(pod, "status.reason");
        if (!reason.isEmpty()) return reason;
        for (JsonNode s : pod.path("status").path("containerStatuses")) {
            String waiting = s.path("state").path("waiting").path("reason").asString("");
            if (!waiting.isEmpty()) return waiting;
        }
        return Objects.at(pod, "status.phase");
    }

    static Object restarts(ObjectNode pod) {
        int n = 0;
        for (JsonNode s : pod.path("status").path("containerStatuses")) n += s.path("restartCount").asInt(0);
        return String.valueOf(n);
    }

    private static void putIfAbsent(ObjectNode o, String field, String value) {
        if (!o.has(field) || o.get(field).asString("").isEmpty()) o.put(field, value);
    }
}
