package io.portcullis.authz.rbac;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.rbac.BindingIndex.Binding;
import io.portcullis.authz.rbac.BindingIndex.Scope;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reverse of the RBAC authorizer: every subject that some binding lets make a request, with
 * the binding, its role and the first rule of the role that allows it. A subject is listed exactly
 * when {@link RbacAuthorizer} would allow a user it names (a User by name, a Group by membership, a
 * ServiceAccount by its user name): ClusterRoleBindings count everywhere, RoleBindings only for a
 * request in their namespace, a binding to a missing role grants nothing. Answered from the binding
 * index by role: each role that some binding of the scope refers to is matched once, so the cost
 * follows the number of distinct roles in use, not the number of bindings.
 */
public final class WhoCan {
    private final RbacAuthorizer rbac;
    private final BindingIndex index;

    public WhoCan(RbacAuthorizer rbac, BindingIndex index) {
        this.rbac = rbac;
        this.index = index;
    }

    /** A subject as a binding names it; namespace only for a ServiceAccount (defaulted to its RoleBinding's). */
    public record Allowed(String kind, String namespace, String name) {
        static final Comparator<Allowed> ORDER = Comparator.comparing(Allowed::kind).thenComparing(Allowed::namespace)
                .thenComparing(Allowed::name);
    }

    /** How a subject is allowed: the binding (which names its role) and the role's first rule that matches. */
    public record Grant(Binding binding, PolicyRule rule) {}

    /**
     * The subjects RBAC allows to make the request (its user is ignored), sorted by kind, namespace
     * and name, each with every grant: ClusterRoleBindings first when {@code clusterBindings}, then
     * the RoleBindings of the request's namespace, each by name.
     */
    public Map<Allowed, List<Grant>> who(Attributes request, boolean clusterBindings) {
        Map<Allowed, List<Grant>> out = new TreeMap<>(Allowed.ORDER);
        Map<String, PolicyRule> clusterRoleMatches = new HashMap<>();
        if (clusterBindings) collect(index.clusterScope(), request, clusterRoleMatches, out);
        if (!request.namespace().isEmpty()) {
            Scope scope = index.namespaceScope(request.namespace());
            if (scope != null) collect(scope, request, clusterRoleMatches, out);
        }
        return out;
    }

    private void collect(Scope scope, Attributes request, Map<String, PolicyRule> clusterRoleMatches, Map<Allowed, List<Grant>> out) {
        List<Binding> granting = new ArrayList<>();
        Map<Binding, PolicyRule> rules = new HashMap<>();
        for (Map.Entry<String, Binding[]> e : scope.roles.entrySet()) {
            Binding[] bindings = e.getValue();
            if (bindings.length == 0) continue;
            PolicyRule rule;
            if (e.getKey().startsWith("ClusterRole/")) {
                // a ClusterRole means the same in every scope: match it once per question
                rule = clusterRoleMatches.computeIfAbsent(e.getKey(), k -> firstMatch(bindings[0], request));
            } else {
                rule = firstMatch(bindings[0], request);
            }
            if (rule == null) continue;
            for (Binding b : bindings) {
                granting.add(b);
                rules.put(b, rule);
            }
        }
        granting.sort(Comparator.comparing(Binding::name));
        for (Binding b : granting) {
            for (Subject s : b.subjects()) {
                Allowed who = subject(s, b.namespace());
                if (who == null) continue;
                List<Grant> grants = out.computeIfAbsent(who, k -> new ArrayList<>());
                if (grants.isEmpty() || grants.get(grants.size() - 1).binding() != b) grants.add(new Grant(b, rules.get(b)));
            }
        }
    }

    /** The first rule of the binding's role that allows the request; null when none (or the role is missing). */
    private PolicyRule firstMatch(Binding b, Attributes request) {
        RbacAuthorizer.RoleRules rr = rbac.roleRefRules(b.roleRef(), b.namespace());
        if (!rr.resolved()) return null;
        for (PolicyRule r : rr.rules()) {
            if (RuleMatcher.ruleAllows(request, r)) return r;
        }
        return null;
    }

    /** The subject as the authorizer reads it; null when it can match nobody (as {@link BindingIndex#applies}). */
    static Allowed subject(Subject s, String bindingNamespace) {
        if (s.getKind() == null || s.getName() == null) return null;
        return switch (s.getKind()) {
            case "User", "Group" -> new Allowed(s.getKind(), "", s.getName());
            case "ServiceAccount" -> {
                String ns = s.getNamespace() == null || s.getNamespace().isEmpty() ? bindingNamespace : s.getNamespace();
                yield ns == null || ns.isEmpty() ? null : new Allowed("ServiceAccount", ns, s.getName());
            }
            default -> null;
        };
    }
}
