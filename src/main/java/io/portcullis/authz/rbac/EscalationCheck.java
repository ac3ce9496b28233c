package io.portcullis.authz.rbac;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.portcullis.api.GroupResource;
import io.portcullis.api.Statuses;
import io.portcullis.authn.Groups;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.AuthorizationException;
import io.portcullis.authz.Authorizer;
import java.util.List;
import java.util.Optional;

/**
 * Upstream's escalation prevention for the RBAC registry: nobody may write a role granting, or
 * bind a role holding, permissions they do not hold themselves, unless they are in
 * system:masters, are authorized to {@code escalate} (roles) or {@code bind} (the referenced role).
 * The rules held are the requester's RBAC rules only: ClusterRoleBindings plus the RoleBindings of
 * the namespace in question.
 */
public final class EscalationCheck {
    public static final String GROUP = "rbac.authorization.k8s.io";
    static final List<PolicyRule> FULL_AUTHORITY = List.of(
            new PolicyRuleBuilder().withApiGroups("*").withResources("*").withVerbs("*").build(),
            new PolicyRuleBuilder().withNonResourceURLs("*").withVerbs("*").build());

    private final RbacAuthorizer rules;
    private final Authorizer authorizer;

    /** rules: the RBAC rule source; authorizer: the server's whole chain, asked about escalate and bind. */
    public EscalationCheck(RbacAuthorizer rules, Authorizer authorizer) {
        this.rules = rules;
        this.authorizer = authorizer;
    }

    /** Empty when the user's RBAC rules in the namespace cover every requested rule; else upstream's message. */
    public Optional<String> confirmNoEscalation(UserInfo user, String namespace, List<PolicyRule> requested) {
        RbacAuthorizer.Resolved owner = rules.resolve(user, namespace == null ? "" : namespace);
        List<PolicyRule> missing = PolicyComparator.uncovered(owner.rules(), requested);
        if (missing.isEmpty()) return Optional.empty();
        String msg = "user %s (groups=%s) is attempting to grant RBAC permissions not currently held:\n%s".formatted(
                Quote.go(user.name()), Quote.go(user.groups()), String.join("\n", PolicyComparator.describeMissing(missing)));
        if (!owner.errors().isEmpty()) msg += "; resolution errors: [" + owner.errorMessage() + "]";
        return Optional.of(msg);
    }

    /** system:masters may write any role or binding (upstream's EscalationAllowed). */
    public static boolean escalationAllowed(UserInfo user) {
        return user.groups().contains(Groups.SYSTEM_MASTERS);
    }

    /**
     * Whether the user may write any role here (system:masters), or the chain allows verb escalate
     * on the role the request names: resource "roles" or "clusterroles", namespace "" for
     * ClusterRoles, and requestName as in the request path, so empty on create (upstream's
     * RoleEscalationAuthorized).
     */
    private boolean mayEscalate(UserInfo user, String namespace, String resource, String requestName) {
        return escalationAllowed(user) || allowed(Attributes.resource(user, "escalate", GROUP, resource, "", nz(namespace), nz(requestName)));
    }

    /** Whether the chain allows verb bind on the referenced role, in the binding's namespace ("" for a ClusterRoleBinding). */
    public boolean canBind(UserInfo user, String bindingNamespace, RoleRef ref) {
        String resource;
        if ("ClusterRole".equals(ref.getKind())) resource = "clusterroles";
        else if ("Role".equals(ref.getKind())) resource = "roles";
        else return false;
        return allowed(Attributes.resource(user, "bind", ref.getApiGroup(), resource, "", bindingNamespace, ref.getName()));
    }

    private boolean allowed(Attributes a) {
        try {
            return authorizer.authorize(a).allowed();
        } catch (AuthorizationException e) {
            return false;   // as upstream: an evaluation error is not a permission
        }
    }

    /**
     * A write of the Role {@code name} in a namespace: 403 when it would grant rules the user does
     * not hold there, unless {@link #mayEscalate}. requestName is the name in the request path,
     * empty on create: an escalate right limited by resourceNames lets its holder rewrite those
     * roles, never create one (as upstream).
     */
    public void checkRole(UserInfo user, String namespace, String requestName, String name, List<PolicyRule> requested) {
        if (mayEscalate(user, namespace, "roles", requestName)) return;
        refuseUnheld(user, nz(namespace), "roles", name, requested);
    }

    /**
     * A write of a ClusterRole (old null on create): the rules as {@link #checkRole}, and setting,
     * keeping or removing an aggregationRule needs full authority ({@code *} on everything).
     */
    public void checkClusterRole(UserInfo user, String requestName, ClusterRole role, ClusterRole old) {
        if (mayEscalate(user, "", "clusterroles", requestName)) return;
        String name = role.getMetadata().getName();
        refuseUnheld(user, "", "clusterroles", name, RuleMatcher.nn(role.getRules()));
        if ((hasAggregationRule(role) || hasAggregationRule(old)) && confirmNoEscalation(user, "", FULL_AUTHORITY).isPresent()) {
            throw Statuses.forbidden(new GroupResource(GROUP, "clusterroles"), name,
                    "must have cluster-admin privileges to use the aggregationRule");
        }
    }

    private void refuseUnheld(UserInfo user, String namespace, String resource, String name, List<PolicyRule> requested) {
        confirmNoEscalation(user, namespace, requested).ifPresent(msg -> {
            throw Statuses.forbidden(new GroupResource(GROUP, resource), name, msg);
        });
    }

    /**
     * Create or update of a RoleBinding (namespace set) or ClusterRoleBinding (namespace ""): 403
     * unless the user may bind the referenced role or already holds all of its rules there. As
     * upstream, bind is asked of the referenced role's name, never of the binding's.
     */
    public void checkBinding(UserInfo user, String namespace, String name, RoleRef roleRef) {
        String ns = nz(namespace);
        GroupResource gr = new GroupResource(GROUP, ns.isEmpty() ? "clusterrolebindings" : "rolebindings");
        if (escalationAllowed(user) || canBind(user, ns, roleRef)) return;
        RbacAuthorizer.RoleRules ref = rules.roleRefRules(roleRef, ns);
        if (!ref.resolved()) throw Statuses.forbidden(gr, name, ref.error());
        confirmNoEscalation(user, ns, ref.rules()).ifPresent(msg -> {
            throw Statuses.forbidden(gr, name, msg);
        });
    }

    static boolean hasAggregationRule(ClusterRole role) {
        return role != null && role.getAggregationRule() != null
                && !RuleMatcher.nn(role.getAggregationRule().getClusterRoleSelectors()).isEmpty();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
