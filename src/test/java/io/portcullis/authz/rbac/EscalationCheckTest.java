package io.portcullis.authz.rbac;

import static io.portcullis.authz.rbac.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.rbac.AggregationRule;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.portcullis.api.ApiException;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.Authorizers;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EscalationCheckTest {
    static final UserInfo ALICE = UserInfo.of("alice", "g1", "system:authenticated");
    static final UserInfo MASTER = UserInfo.of("root", "system:masters");
    static final UserInfo ESCALATOR = UserInfo.of("esc", "system:authenticated");
    static final UserInfo BINDER = UserInfo.of("binder", "system:authenticated");
    static final UserInfo LIMITED = UserInfo.of("limited", "system:authenticated");

    static final RbacAuthorizer RBAC = new RbacAuthorizer(
            roles(role("ns1", "pod-getter", rule("get| |pods"))),
            clusterRoles(
                    clusterRole("pod-reader", rule("get,list| |pods")),
                    clusterRole("admin-ish", rule("*| |pods,secrets")),
                    clusterRole("escalate-roles", rule("escalate|rbac.authorization.k8s.io|roles,clusterroles")),
                    clusterRole("bind-view", rule("bind|rbac.authorization.k8s.io|clusterroles|view")),
                    clusterRole("escalate-special", rule("escalate|rbac.authorization.k8s.io|roles,clusterroles|special"),
                            rule("bind|rbac.authorization.k8s.io|clusterroles|special")),
                    clusterRole("view", rule("get|apps|deployments"))),
            BindingIndex.of(List.of(rb("ns1", "alice-admin", "ClusterRole", "admin-ish", user("alice"))),
                    List.of(crb("alice-pods", "pod-reader", user("alice")),
                            crb("esc", "escalate-roles", user("esc")),
                            crb("binder", "bind-view", user("binder")),
                            crb("limited", "escalate-special", user("limited")))));
    static final Authorizer CHAIN = Authorizers.firstDecision(List.of(Authorizers.privilegedGroups("system:masters"), RBAC));
    static final EscalationCheck CHECK = new EscalationCheck(RBAC, CHAIN);

    @Test
    void heldRulesMayBeGranted() {
        assertThat(CHECK.confirmNoEscalation(ALICE, "", List.of(rule("get| |pods")))).isEmpty();
        assertThat(CHECK.confirmNoEscalation(ALICE, "ns1", List.of(rule("delete| |secrets|s1")))).isEmpty();
    }

    @Test
    void theMessageListsTheMissingRulesAsUpstream() {
        assertThat(CHECK.confirmNoEscalation(ALICE, "", List.of(rule("get,delete| |pods"), rule("get|apps|deployments|d1,d2"), urls("get", "/metrics"))))
                .hasValue("""
                        user "alice" (groups=["g1" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:
                        {APIGroups:[""], Resources:["pods"], Verbs:["delete"]}
                        {APIGroups:["apps"], Resources:["deployments"], ResourceNames:["d1"], Verbs:["get"]}
                        {APIGroups:["apps"], Resources:["deployments"], ResourceNames:["d2"], Verbs:["get"]}
                        {NonResourceURLs:["/metrics"], Verbs:["get"]}""");
    }

    @Test
    void simpleMissingRulesOfOneResourceAreCompactedIntoOneLine() {
        assertThat(CHECK.confirmNoEscalation(BINDER, "", List.of(rule("get,list,watch| |configmaps"))))
                .contains("user \"binder\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
                        + "{APIGroups:[\"\"], Resources:[\"configmaps\"], Verbs:[\"get\" \"list\" \"watch\"]}");
    }

    @Test
    void resolutionErrorsAreAppended() {
        var rbac = new RbacAuthorizer((ns, n) -> java.util.Optional.empty(), clusterRoles(),
                BindingIndex.of(List.of(), List.of(crb("x", "gone", user("alice")))));
        assertThat(new EscalationCheck(rbac, CHAIN).confirmNoEscalation(ALICE, "", List.of(rule("get| |pods"))))
                .hasValueSatisfying(m -> assertThat(m).endsWith(
                        "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}; resolution errors: [clusterrole.rbac.authorization.k8s.io \"gone\" not found]"));
    }

    @ParameterizedTest(name = "owner {0} covers {1}: {2}")
    @CsvSource(delimiter = ';', textBlock = """
            *|*|*                ; get|apps|deployments       ; true
            get|*|pods           ; get|batch|pods             ; true
            get| |pods           ; get| |pods/log             ; false
            get| |*/log          ; get| |pods/log             ; true
            get| |pods|a         ; get| |pods                 ; false
            get| |pods           ; get| |pods|a               ; true
            get| |pods|a,b       ; get| |pods|b               ; true
            get,list| |pods      ; get,list,watch| |pods      ; false
            """)
    void policyComparatorCoversAsUpstream(String owner, String requested, boolean covers) {
        assertThat(PolicyComparator.covers(List.of(rule(owner)), List.of(rule(requested)))).isEqualTo(covers);
    }

    @ParameterizedTest(name = "URLs {0} cover {1}: {2}")
    @CsvSource(delimiter = ';', textBlock = """
            *        ; /anything   ; true
            /api/*   ; /api/v1     ; true
            /api/*   ; /api        ; false
            /healthz ; /healthz    ; true
            /healthz ; /healthz/x  ; false
            """)
    void nonResourceURLsAreCoveredByStarPrefixes(String owner, String requested, boolean covers) {
        assertThat(PolicyComparator.covers(List.of(urls("get", owner)), List.of(urls("get", requested)))).isEqualTo(covers);
    }

    @Test
    void checkRoleRefusesEscalationWith403() {
        ApiException e = catchThrowableOfType(ApiException.class,
                () -> CHECK.checkRole(ALICE, "ns1", "", "r", List.of(rule("get| |nodes"))));
        assertThat(e.code()).isEqualTo(403);
        assertThat(e.reason()).isEqualTo("Forbidden");
        assertThat(e.getMessage()).startsWith("roles.rbac.authorization.k8s.io \"r\" is forbidden: user \"alice\" (groups=[\"g1\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"nodes\"], Verbs:[\"get\"]}");
    }

    @Test
    void rulesHeldThroughARoleBindingCountOnlyInItsNamespace() {
        assertThatCode(() -> CHECK.checkRole(ALICE, "ns1", "", "r", List.of(rule("create| |secrets")))).doesNotThrowAnyException();
        assertThat(catchThrowableOfType(ApiException.class, () -> CHECK.checkRole(ALICE, "ns2", "", "r", List.of(rule("create| |secrets")))).code()).isEqualTo(403);
        assertThat(catchThrowableOfType(ApiException.class, () -> CHECK.checkClusterRole(ALICE, "", clusterRole("r", rule("create| |secrets")), null)).getMessage())
                .startsWith("clusterroles.rbac.authorization.k8s.io \"r\" is forbidden: user \"alice\"");
    }

    @Test
    void systemMastersAndEscalatorsSkipTheCheck() {
        assertThatCode(() -> CHECK.checkRole(MASTER, "ns1", "", "r", List.of(rule("*|*|*")))).doesNotThrowAnyException();
        assertThatCode(() -> CHECK.checkRole(ESCALATOR, "ns1", "", "r", List.of(rule("*|*|*")))).doesNotThrowAnyException();
        assertThatCode(() -> CHECK.checkClusterRole(ESCALATOR, "", clusterRole("r", rule("*|*|*")), null)).doesNotThrowAnyException();
    }

    // "limited" may escalate only the roles and clusterroles named "special", and holds no rule on secrets
    @ParameterizedTest(name = "{0}: allowed {4}")
    @CsvSource(delimiter = '|', textBlock = """
            create of Role special: a create's request names no role      | Role        |         | special | false
            update of Role special                                        | Role        | special | special | true
            update of Role other                                          | Role        | other   | other   | false
            create of ClusterRole special: a create's request names none  | ClusterRole |         | special | false
            update of ClusterRole special                                 | ClusterRole | special | special | true
            update of ClusterRole other                                   | ClusterRole | other   | other   | false
            """)
    void escalateLimitedByResourceNamesCoversWhatTheRequestNames(String name, String kind, String requestName, String role, boolean allowed) {
        List<PolicyRule> rules = List.of(rule("delete| |secrets"));
        Runnable write = kind.equals("Role")
                ? () -> CHECK.checkRole(LIMITED, "ns1", requestName, role, rules)
                : () -> CHECK.checkClusterRole(LIMITED, requestName, clusterRole(role, rules.get(0)), null);
        if (allowed) {
            assertThatCode(write::run).doesNotThrowAnyException();
        } else {
            ApiException e = catchThrowableOfType(ApiException.class, write::run);
            assertThat(e.code()).isEqualTo(403);
            assertThat(e.getMessage()).startsWith((kind.equals("Role") ? "roles" : "clusterroles") + ".rbac.authorization.k8s.io \"" + role
                    + "\" is forbidden: user \"limited\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
                    + "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"delete\"]}");
        }
    }

    @Test
    void bindIsAskedOfTheReferencedRoleNeverOfTheBindingsName() {
        // limited may bind the clusterrole "special" only: naming the binding "special" does not let it bind view
        ApiException e = catchThrowableOfType(ApiException.class,
                () -> CHECK.checkBinding(LIMITED, "", "special", new RoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")));
        assertThat(e.getMessage()).startsWith("clusterrolebindings.rbac.authorization.k8s.io \"special\" is forbidden: user \"limited\"");
        assertThatCode(() -> CHECK.checkBinding(LIMITED, "ns1", "any", new RoleRef("rbac.authorization.k8s.io", "ClusterRole", "special")))
                .doesNotThrowAnyException();
    }

    @Test
    void anAggregationRuleNeedsFullAuthority() {
        ClusterRole agg = clusterRole("agg");
        agg.setAggregationRule(new AggregationRule(List.of(new LabelSelectorBuilder().addToMatchLabels("a", "b").build())));
        ApiException e = catchThrowableOfType(ApiException.class, () -> CHECK.checkClusterRole(ALICE, "", agg, null));
        assertThat(e.getMessage()).isEqualTo("clusterroles.rbac.authorization.k8s.io \"agg\" is forbidden: must have cluster-admin privileges to use the aggregationRule");
        // removing it from an aggregated role is checked too
        assertThat(catchThrowableOfType(ApiException.class, () -> CHECK.checkClusterRole(ALICE, "agg", clusterRole("agg"), agg)).code()).isEqualTo(403);
        assertThatCode(() -> CHECK.checkClusterRole(MASTER, "", agg, null)).doesNotThrowAnyException();
    }

    @Test
    void bindingNeedsBindPermissionOrTheRolesRules() {
        RoleRef view = new RoleRef("rbac.authorization.k8s.io", "ClusterRole", "view");
        RoleRef podReader = new RoleRef("rbac.authorization.k8s.io", "ClusterRole", "pod-reader");
        assertThatCode(() -> CHECK.checkBinding(BINDER, "ns1", "b", view)).doesNotThrowAnyException();
        assertThatCode(() -> CHECK.checkBinding(BINDER, "", "b", view)).doesNotThrowAnyException();
        assertThatCode(() -> CHECK.checkBinding(ALICE, "ns1", "b", podReader)).doesNotThrowAnyException();
        ApiException e = catchThrowableOfType(ApiException.class, () -> CHECK.checkBinding(ALICE, "", "b", view));
        assertThat(e.getMessage()).isEqualTo("clusterrolebindings.rbac.authorization.k8s.io \"b\" is forbidden: user \"alice\" (groups=[\"g1\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"apps\"], Resources:[\"deployments\"], Verbs:[\"get\"]}");
        ApiException missing = catchThrowableOfType(ApiException.class,
                () -> CHECK.checkBinding(ALICE, "ns1", "b", new RoleRef("rbac.authorization.k8s.io", "Role", "nope")));
        assertThat(missing.getMessage()).isEqualTo("rolebindings.rbac.authorization.k8s.io \"b\" is forbidden: role.rbac.authorization.k8s.io \"nope\" not found");
        assertThatCode(() -> CHECK.checkBinding(MASTER, "ns1", "b", new RoleRef("rbac.authorization.k8s.io", "Role", "nope"))).doesNotThrowAnyException();
    }
}
