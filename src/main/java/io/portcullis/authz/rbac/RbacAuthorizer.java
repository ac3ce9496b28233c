package io.portcullis.authz.rbac;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.rbac.BindingIndex.Binding;
import io.portcullis.authz.rbac.BindingIndex.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Upstream's RBAC authorizer: ALLOW when a rule reached through a binding naming the caller
 * allows the request, else NO_OPINION with an empty reason; never DENY. ClusterRoleBindings
 * apply everywhere; a namespaced request also consults the RoleBindings of that namespace (to a
 * Role of that namespace or a ClusterRole). A binding to a missing role grants nothing.
 */
public final class RbacAuthorizer implements Authorizer, RuleResolver {
    private final RoleLister roles;
    private final ClusterRoleLister clusterRoles;
    private final BindingIndex bindings;

    public RbacAuthorizer(RoleLister roles, ClusterRoleLister clusterRoles, BindingIndex bindings) {
        this.roles = roles;
        this.clusterRoles = clusterRoles;
        this.bindings = bindings;
    }

    /** The rules of a role reference, or the error upstream reports when it cannot be resolved. */
    public record RoleRules(List<PolicyRule> rules, String error) {
        public boolean resolved() { return error == null; }
    }

    @Override
    public Verdict authorize(Attributes a) {
        UserInfo user = a.user();
        Binding hit = find(bindings.clusterScope(), a, user);
        if (hit == null && !a.namespace().isEmpty()) {
            Scope scope = bindings.namespaceScope(a.namespace());
            if (scope != null) hit = find(scope, a, user);
        }
        if (hit != null) return Verdict.allow(hit.reason(user));
        return Verdict.noOpinion("");
    }

    private Binding find(Scope scope, Attributes a, UserInfo user) {
        for (Binding b : scope.user(user.name())) {
            if (allows(b, a)) return b;
        }
        List<String> groups = user.groups();
        for (int i = 0, n = groups.size(); i < n; i++) {
            for (Binding b : scope.group(groups.get(i))) {
                if (allows(b, a)) return b;
            }
        }
        return null;
    }

    private boolean allows(Binding b, Attributes a) {
        List<PolicyRule> rules = rulesOf(b.roleKind(), b.roleName(), b.namespace());
        if (rules == null) return false;
        for (int i = 0, n = rules.size(); i < n; i++) {
            if (RuleMatcher.ruleAllows(a, rules.get(i))) return true;
        }
        return false;
    }

    /** Null when the role is missing or the reference is of an unknown kind. */
    private List<PolicyRule> rulesOf(RoleRef ref, String bindingNamespace) {
        return ref == null ? null : rulesOf(ref.getKind(), ref.getName(), bindingNamespace);
    }

    private List<PolicyRule> rulesOf(String kind, String name, String bindingNamespace) {
        if (kind == null) return null;
        if ("ClusterRole".equals(kind)) {
            Optional<ClusterRole> r = clusterRoles.get(name);
            return r.isPresent() ? RuleMatcher.nn(r.get().getRules()) : null;
        }
        if ("Role".equals(kind) && !bindingNamespace.isEmpty()) {
            Optional<Role> r = roles.get(bindingNamespace, name);
            return r.isPresent() ? RuleMatcher.nn(r.get().getRules()) : null;
        }
        return null;
    }

    /** The rules a RoleBinding in bindingNamespace ("" for a ClusterRoleBinding) would grant through ref. */
    public RoleRules roleRefRules(RoleRef ref, String bindingNamespace) {
        List<PolicyRule> rules = rulesOf(ref, bindingNamespace);
        if (rules != null) return new RoleRules(rules, null);
        String kind = ref == null ? "" : String.valueOf(ref.getKind());
        String name = ref == null ? "" : ref.getName();
        return switch (kind) {
            case "ClusterRole" -> new RoleRules(List.of(), "clusterrole.rbac.authorization.k8s.io " + Quote.go(name) + " not found");
            case "Role" -> new RoleRules(List.of(), bindingNamespace.isEmpty()
                    ? "must provide namespace when getting role"
                    : "role.rbac.authorization.k8s.io " + Quote.go(name) + " not found");
            default -> new RoleRules(List.of(), "unsupported role reference kind: " + Quote.go(kind));
        };
    }

    @Override
    public void visitRulesFor(UserInfo user, String namespace, RuleVisitor visitor) {
        if (!visit(bindings.clusterBindingsFor(user), visitor)) return;
        if (namespace != null && !namespace.isEmpty()) visit(bindings.bindingsFor(user, namespace), visitor);
    }

    private boolean visit(List<Binding> found, RuleVisitor visitor) {
        for (Binding b : found) {
            RoleRules rr = roleRefRules(b.roleRef(), b.namespace());
            if (!rr.resolved()) {
                if (!visitor.visit(null, null, rr.error())) return false;
                continue;
            }
            for (PolicyRule r : rr.rules()) {
                if (!visitor.visit(b, r, null)) return false;
            }
        }
        return true;
    }

    /** Every rule the user holds in the namespace, and the resolution errors met on the way. */
    public Resolved resolve(UserInfo user, String namespace) {
        List<PolicyRule> rules = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        visitRulesFor(user, namespace, (source, rule, error) -> {
            if (rule != null) rules.add(rule);
            if (error != null) errors.add(error);
            return true;
        });
        return new Resolved(rules, errors);
    }

    public record Resolved(List<PolicyRule> rules, List<String> errors) {
        /** As upstream's aggregate error: the one message, or "[a, b]". */
        public String errorMessage() {
            if (errors.isEmpty()) return "";
            if (errors.size() == 1) return errors.get(0);
            return "[" + String.join(", ", errors) + "]";
        }
    }

    @Override
    public Rules rulesFor(UserInfo user, String namespace) {
        Resolved resolved = resolve(user, namespace);
        List<PolicyRule> resource = new ArrayList<>();
        List<PolicyRule> nonResource = new ArrayList<>();
        for (PolicyRule r : resolved.rules()) {
            if (!RuleMatcher.nn(r.getResources()).isEmpty()) {
                resource.add(new PolicyRuleBuilder().withVerbs(RuleMatcher.nn(r.getVerbs()))
                        .withApiGroups(RuleMatcher.nn(r.getApiGroups())).withResources(r.getResources())
                        .withResourceNames(RuleMatcher.nn(r.getResourceNames())).build());
            }
            if (!RuleMatcher.nn(r.getNonResourceURLs()).isEmpty()) {
                nonResource.add(new PolicyRuleBuilder().withVerbs(RuleMatcher.nn(r.getVerbs()))
                        .withNonResourceURLs(r.getNonResourceURLs()).build());
            }
        }
        String error = resolved.errorMessage();
        return new Rules(resource, nonResource, false, error);
    }
}
