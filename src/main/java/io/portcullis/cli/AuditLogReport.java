package io.portcullis.cli;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.portcullis.api.Json;
import io.portcullis.audit.AuditLog;
import io.portcullis.authz.AccessRecorder;
import io.portcullis.authz.rbac.LeastPrivilege;
import io.portcullis.authz.rbac.RbacPolicy;
import io.portcullis.registry.LeastPrivilegeReviewKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * {@code least-privilege --from-audit-log}: the requests of one subject read from audit logs, judged
 * by {@link LeastPrivilege} against a policy listed from the server or read from a file, written as
 * a LeastPrivilegeReview's status, as the server writes its own.
 */
final class AuditLogReport {
    private static final String RBAC = "/apis/rbac.authorization.k8s.io/v1/";

    private AuditLogReport() {}

    /** The status; sinceSeconds null for the whole log, namespace null for every one; policyFile null to ask the server. */
    static ObjectNode status(String subject, List<Path> logs, Long sinceSeconds, String namespace, Path policyFile, Path kubeconfig) {
        try {
            LeastPrivilege.bindingSubject(subject);
        } catch (IllegalArgumentException e) {
            throw new ApiClient.Failure("error: SUBJECT \"" + subject + "\" must be a user name or system:serviceaccount:<namespace>:<name>");
        }
        AccessRecorder recorder = new AccessRecorder(1, Integer.MAX_VALUE, Clock.systemUTC());
        AuditLog.Summary summary;
        try {
            summary = AuditLog.read(logs, subject, recorder);
        } catch (AuditLog.BadLogException e) {
            throw new ApiClient.Failure(e.getMessage());
        }
        String ns = namespace == null ? "" : namespace;
        Policy policy = policyFile != null ? fromFile(policyFile) : fromServer(ApiClient.load(kubeconfig), ns);
        Instant from = sinceSeconds == null ? null : Instant.now().minusSeconds(sinceSeconds);
        LeastPrivilege.Report report = policy.rbac().leastPrivilege().report(recorder, subject, from, ns, policy.clusterBindings());
        ObjectNode status = LeastPrivilegeReviewKind.status(report);
        List<String> notes = new ArrayList<>();
        notes.add("from " + summary.events() + " audit events in " + logs.size() + (logs.size() == 1 ? " file" : " files") + ": "
                + summary.requests() + " requests of " + subject + (summary.undecided() == 0 ? ""
                : ", and " + summary.undecided() + " left out that never reached authorization (no authorization.k8s.io/decision)"));
        if (report.incomplete()) notes.add("ClusterRoleBindings are not shown: they cannot be listed");
        status.put("reason", String.join("; ", notes));
        return status;
    }

    /** The policy, and whether its ClusterRoleBindings are known. */
    private record Policy(RbacPolicy rbac, boolean clusterBindings) {}

    /**
     * Listed as the caller may: everything for a cluster-wide answer; for one namespace, its Roles
     * and RoleBindings, the ClusterRoles, and the ClusterRoleBindings when they may be listed.
     */
    private static Policy fromServer(ApiClient api, String ns) {
        String scope = ns.isEmpty() ? "" : "namespaces/" + ns + "/";
        List<Role> roles = items(api.get(RBAC + scope + "roles"), Role.class);
        List<RoleBinding> bindings = items(api.get(RBAC + scope + "rolebindings"), RoleBinding.class);
        List<ClusterRole> clusterRoles = items(api.get(RBAC + "clusterroles"), ClusterRole.class);
        List<ClusterRoleBinding> clusterBindings;
        boolean complete = true;
        try {
            clusterBindings = items(api.get(RBAC + "clusterrolebindings"), ClusterRoleBinding.class);
        } catch (ApiClient.Failure e) {
            if (ns.isEmpty() || !e.getMessage().contains("(Forbidden)")) throw e;
            clusterBindings = List.of();
            complete = false;
        }
        return new Policy(RbacPolicy.of(roles, clusterRoles, bindings, clusterBindings), complete);
    }

    private static <T> List<T> items(JsonNode list, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (JsonNode item : list.path("items")) out.add(Json.convert(item, type));
        return out;
    }

    /** Every RBAC object of the file: YAML documents or JSON, each an object or a list of them; other kinds are skipped. */
    static Policy fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ApiClient.Failure("error: cannot read policy file " + file + ": " + (e instanceof NoSuchFileException ? "no such file" : e.getMessage()));
        }
        List<JsonNode> objects = new ArrayList<>();
        try {
            for (JsonNode doc : new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(text).readAll()) {
                if (doc == null || doc.isNull()) continue;
                if (doc.has("items")) doc.path("items").forEach(objects::add);
                else objects.add(doc);
            }
        } catch (RuntimeException e) {
            throw new ApiClient.Failure("error: policy file " + file + " is not YAML or JSON: " + e.getMessage());
        }
        List<Role> roles = new ArrayList<>();
        List<ClusterRole> clusterRoles = new ArrayList<>();
        List<RoleBinding> bindings = new ArrayList<>();
        List<ClusterRoleBinding> clusterBindings = new ArrayList<>();
        for (JsonNode o : objects) {
            String kind = o.path("kind").asString("");
            boolean namespaced = kind.equals("Role") || kind.equals("RoleBinding");
            if (!namespaced && !kind.equals("ClusterRole") && !kind.equals("ClusterRoleBinding")) continue;
            if (!o.path("apiVersion").asString("").equals("rbac.authorization.k8s.io/v1")) {
                throw new ApiClient.Failure("error: policy file " + file + ": " + kind + " \"" + o.path("metadata").path("name").asString("")
                        + "\" is not rbac.authorization.k8s.io/v1 but \"" + o.path("apiVersion").asString("") + "\"");
            }
            String name = o.path("metadata").path("name").asString("");
            if (name.isEmpty()) throw new ApiClient.Failure("error: policy file " + file + ": a " + kind + " has no metadata.name");
            if (namespaced && o.path("metadata").path("namespace").asString("").isEmpty()) {
                throw new ApiClient.Failure("error: policy file " + file + ": " + kind + " \"" + name + "\" has no metadata.namespace");
            }
            try {
                switch (kind) {
                    case "Role" -> roles.add(Json.convert(o, Role.class));
                    case "ClusterRole" -> clusterRoles.add(Json.convert(o, ClusterRole.class));
                    case "RoleBinding" -> bindings.add(Json.convert(o, RoleBinding.class));
                    default -> clusterBindings.add(Json.convert(o, ClusterRoleBinding.class));
                }
            } catch (RuntimeException e) {
                throw new ApiClient.Failure("error: policy file " + file + ": " + kind + " \"" + name + "\" cannot be read: " + e.getMessage());
            }
        }
        if (roles.isEmpty() && clusterRoles.isEmpty() && bindings.isEmpty() && clusterBindings.isEmpty()) {
            throw new ApiClient.Failure("error: policy file " + file + " holds no Role, ClusterRole, RoleBinding or ClusterRoleBinding");
        }
        return new Policy(RbacPolicy.of(roles, clusterRoles, bindings, clusterBindings), true);
    }
}
