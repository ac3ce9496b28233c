package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.kubernetes.client.proto.V1;
import io.portcullis.admission.ServiceAccountAdmission;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Validation;
import io.portcullis.api.patch.PatchSchemas;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Pods: upstream's defaults, what create sets and an update keeps, validation, and the cells kubectl prints. */
final class PodKind {
    private PodKind() {}

    static Strategy definition() {
        return Kind.of("", "v1", "pods", Pod.class, true, PatchSchemas.POD, V1.Pod.getDefaultInstance())
                .shortNames("po").categories("all").status().returnsDeletedObject()
                .fields("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                        "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName")
                .defaults(PodKind::defaults)
                .onCreate((c, o, old) -> PodKind.prepareForCreate(o))
                .onUpdate((c, o, old) -> PodKind.prepareForUpdate(o, old))
                .validate(PodKind::validate)
                .columns(Column.name("pod"),
                        Column.of("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.", PodKind::ready),
                        Column.of("Status", "string", "The aggregate status of the containers in this pod.", PodKind::status),
                        Column.of("Restarts", "string", "The number of times the containers in this pod have been restarted.", PodKind::restarts),
                        Column.age(),
                        Column.wide("IP", "string", "The IP address assigned to the pod", o -> orNone(ApiObjects.at(o, "status.podIP"))),
                        Column.wide("Node", "string", "The name of the node the pod runs on", o -> orNone(ApiObjects.at(o, "spec.nodeName"))),
                        Column.wide("Nominated Node", "string", "The node the scheduler nominated for the pod", o -> orNone(ApiObjects.at(o, "status.nominatedNodeName"))),
                        Column.wide("Readiness Gates", "string", "The readiness gates of the pod", o -> "<none>"))
                .build();
    }

    private static String orNone(String s) {
        return s.isEmpty() ? "<none>" : s;
    }

    /** What a pod update may change, in upstream's words (which follow them with a diff of the spec that we do not give). */
    private static final String MUTABLE = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
            + "`spec.tolerations` (only additions to existing tolerations),"
            + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    /**
     * Upstream's defaults of a v1 Pod: its SetDefaults_Pod and SetDefaults_PodSpec, those of every
     * container, volume, probe and downward API selector within, the declared ones (port protocol,
     * legacy volume plugins' settings), and what upstream always writes out (a container's empty
     * {@code resources}, a resourceFieldRef's zero divisor).
     */
    static void defaults(ObjectNode pod) {
        ObjectNode spec = ApiObjects.object(pod, "spec");
        ApiObjects.defaultText(spec, "dnsPolicy", "ClusterFirst");
        ApiObjects.defaultText(spec, "restartPolicy", "Always");
        if (unset(spec, "securityContext")) spec.putObject("securityContext");
        if (unset(spec, "terminationGracePeriodSeconds")) spec.put("terminationGracePeriodSeconds", 30);
        ApiObjects.defaultText(spec, "schedulerName", "default-scheduler");
        if (unset(spec, "enableServiceLinks")) spec.put("enableServiceLinks", true);
        // as upstream's v1 conversion: serviceAccount is the deprecated alias of serviceAccountName, which wins
        String account = spec.path("serviceAccountName").asString("");
        if (account.isEmpty()) account = spec.path("serviceAccount").asString("");
        if (!account.isEmpty()) {
            spec.put("serviceAccountName", account);
            spec.put("serviceAccount", account);
        }
        boolean hostNetwork = spec.path("hostNetwork").asBoolean(false);
        for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
            for (ObjectNode c : objects(spec, list)) container(c, list.equals("ephemeralContainers"), hostNetwork);
        }
        for (ObjectNode v : objects(spec, "volumes")) volume(v);
    }

    /** Requests default to limits, and on the host network host ports to ports, for containers and init containers, not ephemeral ones. */
    private static void container(ObjectNode c, boolean ephemeral, boolean hostNetwork) {
        ApiObjects.defaultText(c, "imagePullPolicy", pullPolicy(c.path("image").asString("")));
        ApiObjects.defaultText(c, "terminationMessagePath", "/dev/termination-log");
        ApiObjects.defaultText(c, "terminationMessagePolicy", "File");
        ObjectNode resources = ApiObjects.object(c, "resources");
        if (!ephemeral && resources.get("limits") instanceof ObjectNode limits && !limits.isEmpty()) {
            ObjectNode requests = ApiObjects.object(resources, "requests");
            for (Map.Entry<String, JsonNode> e : limits.properties()) {
                if (!requests.has(e.getKey())) requests.set(e.getKey(), e.getValue().deepCopy());
            }
        }
        for (ObjectNode port : objects(c, "ports")) {
            ApiObjects.defaultText(port, "protocol", "TCP");
            if (!ephemeral && hostNetwork && port.path("hostPort").asInt(0) == 0 && port.has("containerPort")) {
                port.set("hostPort", port.get("containerPort"));
            }
        }
        for (ObjectNode env : objects(c, "env")) selectors(env.path("valueFrom"));
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            if (!(c.get(probe) instanceof ObjectNode p)) continue;
            positive(p, "timeoutSeconds", 1);
            positive(p, "periodSeconds", 10);
            positive(p, "successThreshold", 1);
            positive(p, "failureThreshold", 3);
            httpGet(p);
            if (p.get("grpc") instanceof ObjectNode grpc && unset(grpc, "service")) grpc.put("service", "");
        }
        for (String hook : List.of("postStart", "preStop")) httpGet(c.path("lifecycle").path(hook));
    }

    /** As upstream: Always for the tag latest, which an image with neither tag nor digest has; IfNotPresent otherwise. */
    static String pullPolicy(String image) {
        if (image.isEmpty()) return "IfNotPresent";
        int at = image.indexOf('@');
        String name = at < 0 ? image : image.substring(0, at);
        int colon = name.lastIndexOf(':');
        String tag = colon > name.lastIndexOf('/') ? name.substring(colon + 1) : at < 0 ? "latest" : "";
        return tag.equals("latest") ? "Always" : "IfNotPresent";
    }

    private static void httpGet(JsonNode handler) {
        if (handler.get("httpGet") instanceof ObjectNode get) {
            ApiObjects.defaultText(get, "path", "/");
            ApiObjects.defaultText(get, "scheme", "HTTP");
        }
    }

    /** A downward API reference: fieldRef's schema version, and resourceFieldRef's divisor, which upstream writes as "0" when unset. */
    private static void selectors(JsonNode holder) {
        if (holder.get("fieldRef") instanceof ObjectNode field) ApiObjects.defaultText(field, "apiVersion", "v1");
        if (holder.get("resourceFieldRef") instanceof ObjectNode resource && unset(resource, "divisor")) resource.put("divisor", "0");
    }

    private static void volume(ObjectNode v) {
        boolean hasSource = false;
        for (Map.Entry<String, JsonNode> e : v.properties()) hasSource |= !e.getKey().equals("name") && !e.getValue().isNull();
        if (!hasSource) v.putObject("emptyDir");
        if (v.get("hostPath") instanceof ObjectNode hostPath && unset(hostPath, "type")) hostPath.put("type", "");
        for (String source : List.of("secret", "configMap", "downwardAPI", "projected")) {
            if (v.get(source) instanceof ObjectNode o && unset(o, "defaultMode")) o.put("defaultMode", 420);
        }
        for (ObjectNode item : objects(v.path("downwardAPI"), "items")) selectors(item);
        for (ObjectNode projection : objects(v.path("projected"), "sources")) {
            for (ObjectNode item : objects(projection.path("downwardAPI"), "items")) selectors(item);
            if (projection.get("serviceAccountToken") instanceof ObjectNode token && unset(token, "expirationSeconds")) {
                token.put("expirationSeconds", 3600);
            }
        }
        if (v.get("iscsi") instanceof ObjectNode iscsi) ApiObjects.defaultText(iscsi, "iscsiInterface", "default");
        if (v.get("rbd") instanceof ObjectNode rbd) {
            ApiObjects.defaultText(rbd, "pool", "rbd");
            ApiObjects.defaultText(rbd, "user", "admin");
            ApiObjects.defaultText(rbd, "keyring", "/etc/ceph/keyring");
        }
        if (v.get("azureDisk") instanceof ObjectNode disk) {
            if (unset(disk, "cachingMode")) disk.put("cachingMode", "ReadWrite");
            if (unset(disk, "fsType")) disk.put("fsType", "ext4");
            if (unset(disk, "readOnly")) disk.put("readOnly", false);
            if (unset(disk, "kind")) disk.put("kind", "Shared");
        }
        if (v.get("scaleIO") instanceof ObjectNode scaleIO) {
            ApiObjects.defaultText(scaleIO, "storageMode", "ThinProvisioned");
            ApiObjects.defaultText(scaleIO, "fsType", "xfs");
        }
        if (v.path("ephemeral").path("volumeClaimTemplate").get("spec") instanceof ObjectNode claim && unset(claim, "volumeMode")) {
            claim.put("volumeMode", "Filesystem");
        }
    }

    /**
     * What upstream's pod strategy and its Priority admission plugin set on a new pod: status
     * Pending with the QoS class of its resources, priority 0 and PreemptLowerPriority (the
     * defaults when no PriorityClass is the global default).
     */
    static void prepareForCreate(ObjectNode pod) {
        ObjectNode spec = ApiObjects.object(pod, "spec");
        ApiObjects.defaultText(spec, "preemptionPolicy", "PreemptLowerPriority");
        if (unset(spec, "priority")) spec.put("priority", 0);
        ObjectNode status = ApiObjects.object(pod, "status");
        ApiObjects.defaultText(status, "phase", "Pending");
        status.put("qosClass", qosClass(spec));
    }

    /**
     * What admission set on create is kept by an update that leaves it out, so that replacing a
     * pod with its unchanged manifest is no change: the priority of upstream's Priority plugin,
     * and the ServiceAccount plugin's account name, kube-api-access volume and its mounts. (Upstream
     * keeps the priority only and refuses such a replace; here the manifest a user wrote stays valid.)
     */
    static void prepareForUpdate(ObjectNode pod, ObjectNode old) {
        ObjectNode spec = ApiObjects.object(pod, "spec");
        JsonNode oldSpec = old.path("spec");
        for (String field : List.of("priority", "preemptionPolicy", "serviceAccountName", "serviceAccount")) {
            if (unset(spec, field) && oldSpec.has(field)) spec.set(field, oldSpec.get(field));
        }
        for (JsonNode v : oldSpec.path("volumes")) {
            String volume = v.path("name").asString("");
            if (!volume.startsWith(ServiceAccountAdmission.VOLUME_PREFIX) || named(spec.path("volumes"), volume) != null) continue;
            spec.withArray("volumes").add(v.deepCopy());
            for (String list : List.of("containers", "initContainers")) {
                for (JsonNode c : spec.path(list)) {
                    JsonNode before = named(oldSpec.path(list), c.path("name").asString(""));
                    if (before == null || mountAt(c, ServiceAccountAdmission.MOUNT_PATH) != null) continue;
                    JsonNode mount = mountAt(before, ServiceAccountAdmission.MOUNT_PATH);
                    if (mount != null && volume.equals(mount.path("name").asString(""))) {
                        ((ObjectNode) c).withArray("volumeMounts").add(mount.deepCopy());
                    }
                }
            }
        }
    }

    private static JsonNode named(JsonNode list, String name) {
        for (JsonNode e : list) if (name.equals(e.path("name").asString(""))) return e;
        return null;
    }

    private static JsonNode mountAt(JsonNode container, String path) {
        for (JsonNode m : container.path("volumeMounts")) if (path.equals(m.path("mountPath").asString(""))) return m;
        return null;
    }

    /**
     * As upstream: Guaranteed when every container and init container limits cpu and memory and
     * the requests equal the limits, BestEffort when nothing requests or limits either, else Burstable.
     */
    static String qosClass(JsonNode spec) {
        Map<String, BigDecimal> requests = new HashMap<>();
        Map<String, BigDecimal> limits = new HashMap<>();
        boolean guaranteed = true;
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode c : spec.path(list)) {
                sum(c.path("resources").path("requests"), requests);
                if (sum(c.path("resources").path("limits"), limits) < 2) guaranteed = false;
            }
        }
        if (requests.isEmpty() && limits.isEmpty()) return "BestEffort";
        boolean equal = requests.size() == limits.size() && requests.entrySet().stream()
                .allMatch(e -> limits.containsKey(e.getKey()) && limits.get(e.getKey()).compareTo(e.getValue()) == 0);
        return guaranteed && equal ? "Guaranteed" : "Burstable";
    }

    /** Adds a resource list's positive cpu and memory to the sums; returns how many of the two it holds. */
    private static int sum(JsonNode list, Map<String, BigDecimal> sums) {
        int found = 0;
        for (String name : List.of("cpu", "memory")) {
            BigDecimal q;
            try {
                q = list.has(name) ? new Quantity(list.get(name).asString()).getNumericalAmount() : BigDecimal.ZERO;
            } catch (RuntimeException e) {
                q = BigDecimal.ZERO;   // not a quantity: counts for nothing
            }
            if (q.signum() > 0) {
                sums.merge(name, q, BigDecimal::add);
                found++;
            }
        }
        return found;
    }

    private static boolean unset(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull();
    }

    /** Sets an int32 that is unset or zero, Go's zero value. */
    private static void positive(ObjectNode o, String field, int value) {
        if (o.path(field).asInt(0) == 0) o.put(field, value);
    }

    /** The object elements of an array field (none when absent). */
    private static List<ObjectNode> objects(JsonNode parent, String field) {
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode n : parent.path(field)) if (n instanceof ObjectNode o) out.add(o);
        return out;
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
        errs.addAll(activeDeadlineErrors(spec, old == null ? null : old.path("spec")));
        if (old != null && !withoutMutable(spec).equals(withoutMutable(old.path("spec")))) {
            errs.add(FieldError.forbidden("spec", "pod updates may not change fields other than " + MUTABLE));
        }
        return errs;
    }

    /** activeDeadlineSeconds is positive, and an update may only lower it, never remove it (upstream's rules). */
    static List<FieldError> activeDeadlineErrors(JsonNode spec, JsonNode oldSpec) {
        String path = "spec.activeDeadlineSeconds";
        JsonNode now = spec.get("activeDeadlineSeconds");
        JsonNode before = oldSpec == null ? null : oldSpec.get("activeDeadlineSeconds");
        boolean set = now != null && !now.isNull();
        List<FieldError> errs = new ArrayList<>();
        long value = set ? now.asLong() : 0;
        if (set && (value < 1 || value > Integer.MAX_VALUE)) errs.add(FieldError.invalid(path, value, "must be between 1 and 2147483647, inclusive"));
        if (oldSpec == null) return errs;
        boolean wasSet = before != null && !before.isNull();
        if (set) {
            if (value < 0 || value > Integer.MAX_VALUE) errs.add(FieldError.invalid(path, value, "must be between 0 and 2147483647, inclusive"));
            else if (wasSet && before.asLong() < value) errs.add(FieldError.invalid(path, value, "must be less than or equal to previous value"));
        } else if (wasSet) {
            errs.add(FieldError.invalidRendered(path, "\"null\"", "must not update from a positive integer to nil value"));
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
        if (!ApiObjects.meta(pod, "deletionTimestamp").isEmpty()) return "Terminating";
        String reason = ApiObjects.at(pod, "status.reason");
        if (!reason.isEmpty()) return reason;
        for (JsonNode s : pod.path("status").path("containerStatuses")) {
            String waiting = s.path("state").path("waiting").path("reason").asString("");
            if (!waiting.isEmpty()) return waiting;
        }
        return ApiObjects.at(pod, "status.phase");
    }

    static Object restarts(ObjectNode pod) {
        int n = 0;
        for (JsonNode s : pod.path("status").path("containerStatuses")) n += s.path("restartCount").asInt(0);
        return String.valueOf(n);
    }
}
