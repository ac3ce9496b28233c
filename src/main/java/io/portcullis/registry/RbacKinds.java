package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.kubernetes.client.proto.V1Rbac;
import io.portcullis.api.Json;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Validation;
import io.portcullis.api.Validation.NameRule;
import io.portcullis.api.patch.PatchSchemas;
import io.portcullis.authz.rbac.EscalationCheck;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The four RBAC kinds (Role, ClusterRole, RoleBinding, ClusterRoleBinding): upstream's validation,
 * and escalation prevention on every write that could grant more: the requester may not grant
 * what they do not hold (the {@link EscalationCheck}).
 */
final class RbacKinds {
    static final String GROUP = "rbac.authorization.k8s.io";

    private RbacKinds() {}

    static Strategy roles(EscalationCheck escalation, boolean cluster) {
        String resource = cluster ? "clusterroles" : "roles";
        String kind = cluster ? "ClusterRole" : "Role";
        return Kind.of(GROUP, "v1", resource, cluster ? (Class<?>) ClusterRole.class : Role.class, !cluster, PatchSchemas.ROLE,
                        cluster ? V1Rbac.ClusterRole.getDefaultInstance() : V1Rbac.Role.getDefaultInstance())
                .nameRule(NameRule.PATH_SEGMENT)
                .createsOnUpdate()
                .validate((c, o, old) -> {
                    List<FieldError> errs = new ArrayList<>();
                    JsonNode rules = o.get("rules");
                    if (rules != null && rules.isArray()) {
                        for (int i = 0; i < rules.size(); i++) errs.addAll(ruleErrors(rules.get(i), !cluster, "rules[" + i + "]"));
                    }
                    if (cluster && o.get("aggregationRule") instanceof ObjectNode aggregation) errs.addAll(aggregationErrors(aggregation));
                    if (errs.isEmpty() && !onlyGarbageCollectionFieldsChange(o, old)) {
                        checkRole(escalation, c, o, old);
                    }
                    return errs;
                })
                .columns(Column.name(kind), new Column("Created At", "date", "", "Time the role was created", 0, o -> ApiObjects.meta(o, "creationTimestamp")))
                .build();
    }

    static Strategy bindings(EscalationCheck escalation, boolean cluster) {
        String resource = cluster ? "clusterrolebindings" : "rolebindings";
        String kind = cluster ? "ClusterRoleBinding" : "RoleBinding";
        return Kind.of(GROUP, "v1", resource, cluster ? (Class<?>) ClusterRoleBinding.class : RoleBinding.class, !cluster,
                        PatchSchemas.BINDING, cluster ? V1Rbac.ClusterRoleBinding.getDefaultInstance() : V1Rbac.RoleBinding.getDefaultInstance())
                .nameRule(NameRule.PATH_SEGMENT)
                .createsOnUpdate()
                .defaults(RbacKinds::bindingDefaults)
                .validate((c, o, old) -> {
                    List<FieldError> errs = bindingErrors(o, cluster);
                    if (old != null && !o.path("roleRef").equals(old.path("roleRef"))) {
                        errs.add(FieldError.invalidRendered("roleRef", roleRefText(o.path("roleRef")), "cannot change roleRef"));
                    }
                    if (errs.isEmpty() && !onlyGarbageCollectionFieldsChange(o, old)) {
                        checkBinding(escalation, c, o);
                    }
                    return errs;
                })
                .columns(Column.name(kind),
                        Column.of("Role", "string", "Role referenced by the binding", o -> ApiObjects.at(o, "roleRef.kind") + "/" + ApiObjects.at(o, "roleRef.name")),
                        Column.age(),
                        Column.wide("Users", "string", "Users in the binding", o -> subjects(o, "User")),
                        Column.wide("Groups", "string", "Groups in the binding", o -> subjects(o, "Group")),
                        Column.wide("ServiceAccounts", "string", "ServiceAccounts in the binding", o -> subjects(o, "ServiceAccount")))
                .build();
    }

    /** Refuses (403) a role granting what the requester does not hold, unless they may escalate. */
    private static void checkRole(EscalationCheck check, Context ctx, ObjectNode role, ObjectNode old) {
        if (EscalationCheck.escalationAllowed(ctx.user())) return;
        // as upstream, escalate is asked of the name in the request path, and a create's path names nothing
        // (a PUT or server-side apply that creates counts as a create here, stricter than upstream, which asks of its path's name)
        String namespace = ApiObjects.meta(role, "namespace");
        String name = ApiObjects.meta(role, "name");
        String requestName = old == null ? "" : name;
        if (namespace.isEmpty()) {
            check.checkClusterRole(ctx.user(), requestName, Json.convert(role, ClusterRole.class),
                    old == null ? null : Json.convert(old, ClusterRole.class));
        } else {
            Role r = Json.convert(role, Role.class);
            check.checkRole(ctx.user(), namespace, requestName, name, r.getRules() == null ? List.of() : r.getRules());
        }
    }

    /** Refuses (403) binding a role whose rules the requester does not hold, unless they may bind it. */
    private static void checkBinding(EscalationCheck check, Context ctx, ObjectNode binding) {
        if (EscalationCheck.escalationAllowed(ctx.user())) return;
        check.checkBinding(ctx.user(), ApiObjects.meta(binding, "namespace"), ApiObjects.meta(binding, "name"),
                Json.convert(binding.get("roleRef"), RoleRef.class));
    }

    /**
     * As upstream's IsOnlyMutatingGCFields: an update that changes nothing but ownerReferences,
     * finalizers or managedFields grants nothing, so RBAC's escalation checks let it pass.
     */
    private static boolean onlyGarbageCollectionFieldsChange(ObjectNode obj, ObjectNode old) {
        if (old == null) return false;
        List<ObjectNode> both = List.of(obj.deepCopy(), old.deepCopy());
        for (ObjectNode o : both) {
            ApiObjects.metadata(o).remove(List.of("ownerReferences", "finalizers", "managedFields", "selfLink", "resourceVersion"));
        }
        return both.get(0).equals(both.get(1));
    }

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
        if (ApiObjects.size(rule, "verbs") == 0) errs.add(FieldError.required(path + ".verbs", "verbs must contain at least one value"));
        if (ApiObjects.size(rule, "nonResourceURLs") > 0) {
            String urls = goStrings(rule.get("nonResourceURLs"));
            if (namespaced) errs.add(new FieldError("FieldValueInvalid", path + ".nonResourceURLs",
                    path + ".nonResourceURLs: Invalid value: " + urls + ": namespaced rules cannot apply to non-resource URLs"));
            if (ApiObjects.size(rule, "apiGroups") > 0 || ApiObjects.size(rule, "resources") > 0 || ApiObjects.size(rule, "resourceNames") > 0) {
                errs.add(new FieldError("FieldValueInvalid", path + ".nonResourceURLs",
                        path + ".nonResourceURLs: Invalid value: " + urls + ": rules cannot apply to both regular resources and non-resource URLs"));
            }
            return errs;
        }
        if (ApiObjects.size(rule, "apiGroups") == 0) errs.add(FieldError.required(path + ".apiGroups", "resource rules must supply at least one api group"));
        if (ApiObjects.size(rule, "resources") == 0) errs.add(FieldError.required(path + ".resources", "resource rules must supply at least one resource"));
        return errs;
    }

    /** As upstream: the role referred to is an RBAC one, and so are users and groups (service accounts are core's). */
    static void bindingDefaults(ObjectNode o) {
        ApiObjects.defaultText(ApiObjects.object(o, "roleRef"), "apiGroup", GROUP);
        for (JsonNode s : o.path("subjects")) {
            String kind = s.path("kind").asString("");
            if (s instanceof ObjectNode subject && (kind.equals("User") || kind.equals("Group"))) ApiObjects.defaultText(subject, "apiGroup", GROUP);
        }
    }

    static List<FieldError> bindingErrors(ObjectNode o, boolean cluster) {
        List<FieldError> errs = new ArrayList<>();
        JsonNode ref = o.path("roleRef");
        String apiGroup = ref.path("apiGroup").asString("");
        String kind = ref.path("kind").asString("");
        String name = ref.path("name").asString("");
        if (!apiGroup.equals(GROUP)) errs.add(FieldError.notSupported("roleRef.apiGroup", apiGroup, List.of(GROUP)));
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
                        if (!sGroup.equals(GROUP)) errs.add(FieldError.notSupported(p + ".apiGroup", sGroup, List.of(GROUP)));
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
}
