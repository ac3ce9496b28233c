package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authorization.v1.LocalSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.portcullis.api.Json;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Validation;
import io.portcullis.api.Validation.NameRule;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The served kinds. Adding one is a new entry here (and, when it has rules of its own, a few lines of them). */
public final class Kinds {
    public static final String RBAC = "rbac.authorization.k8s.io";
    private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");

    private Kinds() {}

    public static List<Strategy> all(RbacGuard guard) {
        return List.of(namespaces(), serviceAccounts(), secrets(), configMaps(), pods(), events(),
                roles(guard, false), roles(guard, true), bindings(guard, false), bindings(guard, true), leases());
    }

    /** Create-only kinds that are answered, never stored (the review APIs). */
    public static List<ResourceType> reviews() {
        return List.of(
                review("authentication.k8s.io", "tokenreviews", TokenReview.class, false),
                review("authentication.k8s.io", "selfsubjectreviews", SelfSubjectReview.class, false),
                review("authorization.k8s.io", "localsubjectaccessreviews", LocalSubjectAccessReview.class, true),
                review("authorization.k8s.io", "selfsubjectaccessreviews", SelfSubjectAccessReview.class, false),
                review("authorization.k8s.io", "selfsubjectrulesreviews", SelfSubjectRulesReview.class, false),
                review("authorization.k8s.io", "subjectaccessreviews", SubjectAccessReview.class, false));
    }

    private static ResourceType review(String group, String resource, Class<?> model, boolean namespaced) {
        String kind = model.getSimpleName();
        return new ResourceType(group, "v1", resource, kind.toLowerCase(java.util.Locale.ROOT), kind, namespaced,
                ResourceType.CREATE_ONLY, List.of(), List.of(), List.of(), model);
    }

    static Strategy namespaces() {
        return Kind.of("", "v1", "namespaces", Namespace.class, false)
                .verbs(List.of("create", "delete", "get", "list", "patch", "update", "watch"))
                .shortNames("ns").nameRule(NameRule.LABEL).status().returnsDeletedObject()
                .subresource("finalize", "", "v1", "Namespace", "update")
                .fields("status.phase")
                .defaults(o -> {
                    // as upstream: the user's labels stay, and kubernetes.io/metadata.name is always the name
                    object(Objects.metadata(o), "labels").put("kubernetes.io/metadata.name", Objects.meta(o, "name"));
                    Objects.defaultText(object(o, "status"), "phase", "Active");
                })
                .onCreate((c, o, old) -> {
                    ObjectNode spec = object(o, "spec");
                    if (!spec.has("finalizers")) spec.putArray("finalizers").add("kubernetes");
                    object(o, "status").put("phase", "Active");
                })
                .columns(Column.name("namespace"), Column.of("Status", "string", "The status of the namespace", o -> Objects.at(o, "status.phase")), Column.age())
                .build();
    }

    static Strategy serviceAccounts() {
        return Kind.of("", "v1", "serviceaccounts", ServiceAccount.class, true)
                .shortNames("sa").returnsDeletedObject()
                .subresource("token", "authentication.k8s.io", "v1", "TokenRequest", "create")
                .validate((c, o, old) -> {
                    List<FieldError> errs = new ArrayList<>();
                    names(o, "secrets", errs);
                    names(o, "imagePullSecrets", errs);
                    JsonNode a = o.get("automountServiceAccountToken");
                    if (a != null && !a.isNull() && !a.isBoolean()) {
                        errs.add(FieldError.invalid("automountServiceAccountToken", a.toString(), "must be a boolean"));
                    }
                    return errs;
                })
                .columns(Column.name("serviceaccount"), Column.of("Secrets", "integer", "Number of secrets", o -> Objects.size(o, "secrets")), Column.age())
                .build();
    }

    static Strategy secrets() {
        return Kind.of("", "v1", "secrets", Secret.class, true)
                .fields("type")
                .defaults(o -> Objects.defaultText(o, "type", "Opaque"))
                .onCreate((c, o, old) -> foldStringData(o))
                .onUpdate((c, o, old) -> foldStringData(o))
                .validate((c, o, old) -> {
                    List<FieldError> errs = new ArrayList<>();
                    dataKeys(o, "data", errs, true);
                    String type = o.path("type").asString("");
                    if (type.equals("kubernetes.io/service-account-token")) {
                        String sa = Objects.metadata(o).path("annotations").path("kubernetes.io/service-account.name").asString("");
                        if (sa.isEmpty()) errs.add(FieldError.required("metadata.annotations[kubernetes.io/service-account.name]", ""));
                    }
                    if (old != null) {
                        if (!type.equals(old.path("type").asString(""))) errs.add(FieldError.invalid("type", type, "field is immutable"));
                        immutable(o, old, errs, "data");
                    }
                    return errs;
                })
                .columns(Column.name("secret"), Column.of("Type", "string", "The type of the secret", o -> o.path("type").asString("")),
                        Column.of("Data", "integer", "Number of items in the secret", o -> Objects.size(o, "data")), Column.age())
                .build();
    }

    static Strategy configMaps() {
        return Kind.of("", "v1", "configmaps", ConfigMap.class, true)
                .shortNames("cm")
                .validate((c, o, old) -> {
                    List<FieldError> errs = new ArrayList<>();
                    dataKeys(o, "data", errs, false);
                    dataKeys(o, "binaryData", errs, true);
                    if (old != null) immutable(o, old, errs, "data", "binaryData");
                    return errs;
                })
                .columns(Column.name("configmap"), Column.of("Data", "integer", "Number of items in the config map",
                        o -> Objects.size(o, "data") + Objects.size(o, "binaryData")), Column.age())
                .build();
    }

    static Strategy pods() {
        return Kind.of("", "v1", "pods", Pod.class, true)
                .shortNames("po").categories("all").status().returnsDeletedObject()
                .fields("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                        "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName")
                .defaults(Pods::defaults)
                .onCreate((c, o, old) -> Pods.prepareForCreate(o))
                .onUpdate((c, o, old) -> Pods.prepareForUpdate(o, old))
                .validate(Pods::validate)
                .columns(Column.name("pod"),
                        Column.of("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.", Pods::ready),
                        Column.of("Status", "string", "The aggregate status of the containers in this pod.", Pods::status),
                        Column.of("Restarts", "string", "The number of times the containers in this pod have been restarted.", Pods::restarts),
                        Column.age(),
                        Column.wide("IP", "string", "The IP address assigned to the pod", o -> orNone(Objects.at(o, "status.podIP"))),
                        Column.wide("Node", "string", "The name of the node the pod runs on", o -> orNone(Objects.at(o, "spec.nodeName"))),
                        Column.wide("Nominated Node", "string", "The node the scheduler nominated for the pod", o -> orNone(Objects.at(o, "status.nominatedNodeName"))),
                        Column.wide("Readiness Gates", "string", "The readiness gates of the pod", o -> "<none>"))
                .build();
    }

    static Strategy events() {
        return Kind.of("", "v1", "events", Event.class, true)
                .shortNames("ev")
                .fields("involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                        "reason", "reportingComponent", "source", "type")
                .validate((c, o, old) -> {
                    List<FieldError> errs = new ArrayList<>();
                    String ns = Objects.meta(o, "namespace");
                    String involved = Objects.at(o, "involvedObject.namespace");
                    if (!involved.isEmpty() && !involved.equals(ns)) {
                        errs.add(FieldError.invalid("involvedObject.namespace", involved, "does not match event.namespace"));
                    }
                    return errs;
                })
                .columns(Column.of("Last Seen", "string", "Time since the event was last seen", o -> Ages.since(first(Objects.at(o, "lastTimestamp"), Objects.at(o, "eventTime"), Objects.meta(o, "creationTimestamp")))),
                        Column.of("Type", "string", "Type of the event", o -> Objects.at(o, "type")),
                        Column.of("Reason", "string", "Why the event happened", o -> Objects.at(o, "reason")),
                        Column.of("Object", "string", "The object the event is about", o -> Objects.at(o, "involvedObject.kind").toLowerCase(java.util.Locale.ROOT) + "/" + Objects.at(o, "involvedObject.name")),
                        Column.of("Message", "string", "A human-readable description", o -> Objects.at(o, "message")))
                .build();
    }

    static Strategy roles(RbacGuard guard, boolean cluster) {
        String resource = cluster ? "clusterroles" : "roles";
        String kind = cluster ? "ClusterRole" : "Role";
        return Kind.of(RBAC, "v1", resource, cluster ? (Class<?>) ClusterRole.class : Role.class, !cluster)
                .nameRule(NameRule.PATH_SEGMENT)
                .validate((c, o, old) -> {
                    List<FieldError> errs = new ArrayList<>();
                    JsonNode rules = o.get("rules");
                    if (rules != null && rules.isArray()) {
                        for (int i = 0; i < rules.size(); i++) errs.addAll(ruleErrors(rules.get(i), !cluster, "rules[" + i + "]"));
                    }
                    if (cluster && o.get("aggregationRule") instanceof ObjectNode aggregation) errs.addAll(aggregationErrors(aggregation));
                    if (errs.isEmpty() && !onlyGarbageCollectionFieldsChange(o, old)) {
                        guard.checkRole(c, Objects.meta(o, "namespace"), o, old);
                    }
                    return errs;
                })
                .columns(Column.name(kind), new Column("Created At", "date", "", "Time the role was created", 0, o -> Objects.meta(o, "creationTimestamp")))
                .build();
    }

    static Strategy bindings(RbacGuard guard, boolean cluster) {
        String resource = cluster ? "clusterrolebindings" : "rolebindings";
        String kind = cluster ? "ClusterRoleBinding" : "RoleBinding";
        return Kind.of(RBAC, "v1", resource, cluster ? (Class<?>) ClusterRoleBinding.class : RoleBinding.class, !cluster)
                .nameRule(NameRule.PATH_SEGMENT)
                .defaults(Kinds::bindingDefaults)
                .validate((c, o, old) -> {
                    List<FieldError> errs = bindingErrors(o, cluster);
                    if (old != null && !o.path("roleRef").equals(old.path("roleRef"))) {
                        errs.add(FieldError.invalidRendered("roleRef", roleRefText(o.path("roleRef")), "cannot change roleRef"));
                    }
                    if (errs.isEmpty() && !onlyGarbageCollectionFieldsChange(o, old)) {
                        guard.checkBinding(c, Objects.meta(o, "namespace"), o);
                    }
                    return errs;
                })
                .columns(Column.name(kind),
                        Column.of("Role", "string", "Role referenced by the binding", o -> Objects.at(o, "roleRef.kind") + "/" + Objects.at(o, "roleRef.name")),
                        Column.age(),
                        Column.wide("Users", "string", "Users in the binding", o -> subjects(o, "User")),
                        Column.wide("Groups", "string", "Groups in the binding", o -> subjects(o, "Group")),
                        Column.wide("ServiceAccounts", "string", "ServiceAccounts in the binding", o -> subjects(o, "ServiceAccount")))
                .build();
    }

    /**
     * As upstream's IsOnlyMutatingGCFields: an update that changes nothing but ownerReferences,
     * finalizers or managedFields grants nothing, so RBAC's escalation checks let it pass.
     */
    private static boolean onlyGarbageCollectionFieldsChange(ObjectNode obj, ObjectNode old) {
        if (old == null) return false;
        List<ObjectNode> both = List.of(obj.deepCopy(), old.deepCopy());
        for (ObjectNode o : both) {
            Objects.metadata(o).remove(List.of("ownerReferences", "finalizers", "managedFields", "selfLink", "resourceVersion"));
        }
        return both.get(0).equals(both.get(1));
    }

    static Strategy leases() {
        return Kind.of("coordination.k8s.io", "v1", "leases", Lease.class, true)
                .columns(Column.name("lease"), Column.of("Holder", "string", "The holder of the lease", o -> Objects.at(o, "spec.holderIdentity")), Column.age())
                .build();
    }

    // --- rules shared by several kinds -------------------------------------------------------

    /** As upstream's ValidateClusterRole: at least one selector, each a valid label selector. */
    private static List<FieldError> aggregationErrors(ObjectNode aggregation) {
        List<FieldError> errs = new ArrayList<>();
        JsonNode selectors = aggregation.path("clusterRoleSelectors");
        if (selectors.isEmpty()) {
            errs.add(FieldError.required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil"));
        }
        for (int i = 0; i < selectors.size(); i++) {
            errs.addAll(Validation.labelSelectorErrors(selectors.get(i), "aggregationRule.clusterRoleSelectors[" + i + "]"));
        }
        return errs;
    }

    static List<FieldError> ruleErrors(JsonNode rule, boolean namespaced, String path) {
        List<FieldError> errs = new ArrayList<>();
        if (Objects.size(rule, "verbs") == 0) errs.add(FieldError.required(path + ".verbs", "verbs must contain at least one value"));
        if (Objects.size(rule, "nonResourceURLs") > 0) {
            String urls = goStrings(rule.get("nonResourceURLs"));
            if (namespaced) errs.add(new FieldError("FieldValueInvalid", path + ".nonResourceURLs",
                    path + ".nonResourceURLs: Invalid value: " + urls + ": namespaced rules cannot apply to non-resource URLs"));
            if (Objects.size(rule, "apiGroups") > 0 || Objects.size(rule, "resources") > 0 || Objects.size(rule, "resourceNames") > 0) {
                errs.add(new FieldError("FieldValueInvalid", path + ".nonResourceURLs",
                        path + ".nonResourceURLs: Invalid value: " + urls + ": rules cannot apply to both regular resources and non-resource URLs"));
            }
            return errs;
        }
        if (Objects.size(rule, "apiGroups") == 0) errs.add(FieldError.required(path + ".apiGroups", "resource rules must supply at least one api group"));
        if (Objects.size(rule, "resources") == 0) errs.add(FieldError.required(path + ".resources", "resource rules must supply at least one resource"));
        return errs;
    }

    /** As upstream: the role referred to is an RBAC one, and so are users and groups (service accounts are core's). */
    static void bindingDefaults(ObjectNode o) {
        Objects.defaultText(object(o, "roleRef"), "apiGroup", RBAC);
        for (JsonNode s : o.path("subjects")) {
            String kind = s.path("kind").asString("");
            if (s instanceof ObjectNode subject && (kind.equals("User") || kind.equals("Group"))) Objects.defaultText(subject, "apiGroup", RBAC);
        }
    }

    static List<FieldError> bindingErrors(ObjectNode o, boolean cluster) {
        List<FieldError> errs = new ArrayList<>();
        JsonNode ref = o.path("roleRef");
        String apiGroup = ref.path("apiGroup").asString("");
        String kind = ref.path("kind").asString("");
        String name = ref.path("name").asString("");
        if (!apiGroup.equals(RBAC)) errs.add(FieldError.notSupported("roleRef.apiGroup", apiGroup, List.of(RBAC)));
        List<String> kinds = cluster ? List.of("ClusterRole") : List.of("Role", "ClusterRole");
        if (!kinds.contains(kind)) errs.add(FieldError.notSupported("roleRef.kind", kind, kinds));
        if (name.isEmpty()) errs.add(FieldError.required("roleRef.name", ""));
        else for (String e : Validation.nameErrors(NameRule.PATH_SEGMENT, name)) errs.add(FieldError.invalid("roleRef.name", name, e));
        JsonNode subjects = o.get("subjects");
        if (subjects != null && subjects.isArray()) {
            for (int i = 0; i < subjects.size(); i++) {
                JsonNode s = subjects.get(i);
                String p = "subjects[" + i + "]";
                String sName = s.path("name").asString("");
                String sKind = s.path("kind").asString("");
                String sGroup = s.path("apiGroup").asString("");
                if (sName.isEmpty()) errs.add(FieldError.required(p + ".name", ""));
                switch (sKind) {
                    case "ServiceAccount" -> {
                        if (!sName.isEmpty()) for (String e : Validation.nameErrors(NameRule.SUBDOMAIN, sName)) errs.add(FieldError.invalid(p + ".name", sName, e));
                        if (!sGroup.isEmpty()) errs.add(FieldError.notSupported(p + ".apiGroup", sGroup, List.of("")));
                        if (cluster && s.path("namespace").asString("").isEmpty()) errs.add(FieldError.required(p + ".namespace", ""));
                    }
                    case "User", "Group" -> {
                        if (!sGroup.equals(RBAC)) errs.add(FieldError.notSupported(p + ".apiGroup", sGroup, List.of(RBAC)));
                    }
                    default -> errs.add(FieldError.notSupported(p + ".kind", sKind, List.of("ServiceAccount", "User", "Group")));
                }
            }
        }
        return errs;
    }

    private static String roleRefText(JsonNode ref) {
        return "rbac.RoleRef{APIGroup:\"%s\", Kind:\"%s\", Name:\"%s\"}".formatted(
                ref.path("apiGroup").asString(""), ref.path("kind").asString(""), ref.path("name").asString(""));
    }

    private static String goStrings(JsonNode arr) {
        List<String> items = new ArrayList<>();
        for (JsonNode n : arr) items.add("\"" + n.asString() + "\"");
        return "[]string{" + String.join(", ", items) + "}";
    }

    private static String subjects(ObjectNode o, String kind) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : o.path("subjects")) {
            if (!s.path("kind").asString("").equals(kind)) continue;
            String ns = s.path("namespace").asString("");
            out.add(kind.equals("ServiceAccount") ? ns + "/" + s.path("name").asString("") : s.path("name").asString(""));
        }
        return String.join(", ", out);
    }

    private static void names(ObjectNode o, String field, List<FieldError> errs) {
        JsonNode list = o.get(field);
        if (list == null || list.isNull()) return;
        if (!list.isArray()) {
            errs.add(FieldError.invalid(field, list.toString(), "must be a list"));
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).path("name").asString("").isEmpty()) errs.add(FieldError.required(field + "[" + i + "].name", ""));
        }
    }

    private static void dataKeys(ObjectNode o, String field, List<FieldError> errs, boolean base64) {
        JsonNode data = o.get(field);
        if (data == null || data.isNull()) return;
        if (!data.isObject()) {
            errs.add(FieldError.invalid(field, data.toString(), "must be a map"));
            return;
        }
        for (Map.Entry<String, JsonNode> e : data.properties()) {
            String k = e.getKey();
            if (!CONFIG_KEY.matcher(k).matches() || k.length() > 253) {
                errs.add(FieldError.invalid(field + "[" + k + "]", k,
                        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
            }
            if (!e.getValue().isString() && !e.getValue().isNull()) {
                errs.add(FieldError.invalid(field + "[" + k + "]", e.getValue().toString(), "must be a string"));
            } else if (base64 && e.getValue().isString()) {
                int bad = badBase64At(e.getValue().asString());
                if (bad >= 0) {
                    // as upstream, where the bytes fail to decode: a 400, never showing the value
                    String kind = Json.text(o, "kind");
                    throw Statuses.badRequest(kind + " in version \"v1\" cannot be handled as a " + kind
                            + ": illegal base64 data at input byte " + bad);
                }
            }
        }
    }

    /** The index of the first byte that makes the text invalid standard base64, or -1 when it decodes. */
    static int badBase64At(String text) {
        try {
            Base64.getDecoder().decode(text);
            return -1;
        } catch (IllegalArgumentException e) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
                if (!ok) return i;
            }
            return text.length();
        }
    }

    /** Secret stringData is write-only: folded into data, then dropped. */
    private static void foldStringData(ObjectNode o) {
        JsonNode sd = o.remove("stringData");
        if (sd instanceof ObjectNode s && !s.isEmpty()) {
            ObjectNode data = object(o, "data");
            for (Map.Entry<String, JsonNode> e : s.properties()) {
                data.put(e.getKey(), Base64.getEncoder().encodeToString(e.getValue().asString("").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
        }
    }

    private static void immutable(ObjectNode o, ObjectNode old, List<FieldError> errs, String... fields) {
        if (!old.path("immutable").asBoolean(false)) return;
        if (!o.path("immutable").asBoolean(false)) errs.add(FieldError.forbidden("immutable", "field is immutable when `immutable` is set"));
        for (String f : fields) {
            if (!o.path(f).equals(old.path(f))) errs.add(FieldError.forbidden(f, "field is immutable when `immutable` is set"));
        }
    }

    static ObjectNode object(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ObjectNode o) return o;
        return parent.putObject(field);
    }

    private static String orNone(String s) {
        return s.isEmpty() ? "<none>" : s;
    }

    private static String first(String... values) {
        for (String v : values) if (!v.isEmpty()) return v;
        return "";
    }
}
