package io.portcullis.authz.rbac;

import static io.portcullis.authz.rbac.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.Authorizer.Verdict;
import io.portcullis.authz.Decision;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RbacAuthorizerTest {
    static final UserInfo ADMIN = UserInfo.of("admin", "system:authenticated");
    static final UserInfo ALICE = UserInfo.of("alice", "devs", "system:authenticated");
    static final UserInfo BOB = UserInfo.of("bob", "system:authenticated");
    static final UserInfo SA = UserInfo.of("system:serviceaccount:ns1:builder", "system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated");
    static final UserInfo SA_OTHER = UserInfo.of("system:serviceaccount:ns2:builder", "system:serviceaccounts", "system:serviceaccounts:ns2", "system:authenticated");

    static RbacAuthorizer authorizer() {
        var clusterRoles = clusterRoles(
                clusterRole("cluster-admin", rule("*|*|*"), urls("*", "*")),
                clusterRole("pod-reader", rule("get,list,watch| |pods")),
                clusterRole("discovery", urls("get", "/api,/api/*,/healthz")),
                clusterRole("log-reader", rule("get| |*/log")),
                clusterRole("url-holder", urls("get", "/metrics")));
        var roles = roles(
                role("ns1", "secret-reader", rule("get| |secrets|s1")),
                role("ns1", "deployer", rule("create,update|apps|deployments")));
        return new RbacAuthorizer(roles, clusterRoles, index());
    }

    static BindingIndex index() {
        return BindingIndex.of(List.<RoleBinding>of(
                        rb("ns1", "alice-pods", "ClusterRole", "pod-reader", user("alice")),
                        rb("ns1", "devs-secrets", "Role", "secret-reader", group("devs")),
                        rb("ns1", "builder-deploys", "Role", "deployer", sa("", "builder")),
                        rb("ns1", "alice-missing", "Role", "missing", user("alice")),
                        rb("ns1", "alice-urls", "ClusterRole", "url-holder", user("alice")),
                        rb("ns2", "bob-logs", "ClusterRole", "log-reader", user("bob"))),
                List.<ClusterRoleBinding>of(
                        crb("admins", "cluster-admin", user("admin")),
                        crb("discovery", "discovery", group("system:authenticated")),
                        crb("sa-pods", "pod-reader", sa("ns2", "builder")),
                        crb("sa-unqualified", "cluster-admin", sa("", "builder")),
                        crb("gone", "no-such-role", user("bob"))));
    }

    static Attributes res(UserInfo u, String verb, String group, String resource, String sub, String ns, String name) {
        return Attributes.resource(u, verb, group, resource, sub, ns, name);
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                arguments("cluster-admin may do anything anywhere", res(ADMIN, "delete", "apps", "deployments", "", "x", "d"), true),
                arguments("cluster-admin reaches non-resource URLs", Attributes.nonResource(ADMIN, "post", "/anything"), true),
                arguments("RoleBinding to a ClusterRole applies in its namespace", res(ALICE, "list", "", "pods", "", "ns1", ""), true),
                arguments("RoleBinding to a ClusterRole does not apply in another namespace", res(ALICE, "list", "", "pods", "", "ns2", ""), false),
                arguments("RoleBinding does not apply cluster-wide", res(ALICE, "list", "", "pods", "", "", ""), false),
                arguments("group subject through a Role, named secret", res(ALICE, "get", "", "secrets", "", "ns1", "s1"), true),
                arguments("resourceNames refuse another secret", res(ALICE, "get", "", "secrets", "", "ns1", "s2"), false),
                arguments("resourceNames refuse list", res(ALICE, "list", "", "secrets", "", "ns1", ""), false),
                arguments("other user is not in the group", res(BOB, "get", "", "secrets", "", "ns1", "s1"), false),
                arguments("ServiceAccount subject defaults to the binding's namespace", res(SA, "create", "apps", "deployments", "", "ns1", ""), true),
                arguments("that ServiceAccount binding does not name the same SA of another namespace", res(SA_OTHER, "create", "apps", "deployments", "", "ns1", ""), false),
                arguments("ClusterRoleBinding to a namespaced ServiceAccount", res(SA_OTHER, "get", "", "pods", "", "any", "p"), true),
                arguments("ClusterRoleBinding ServiceAccount without namespace matches nobody", res(SA, "delete", "", "nodes", "", "", "n"), false),
                arguments("*/log through a RoleBinding", res(BOB, "get", "", "pods", "log", "ns2", "p"), true),
                arguments("*/log does not reach pods itself", res(BOB, "get", "", "pods", "", "ns2", "p"), false),
                arguments("binding to a missing Role grants nothing", res(ALICE, "get", "", "configmaps", "", "ns1", "c"), false),
                arguments("binding to a missing ClusterRole grants nothing", res(BOB, "get", "", "pods", "", "", "p"), false),
                arguments("discovery through the authenticated group", Attributes.nonResource(BOB, "get", "/api/v1"), true),
                arguments("discovery star needs the slash", Attributes.nonResource(BOB, "get", "/apis"), false),
                arguments("non-resource rules through a RoleBinding are ignored", Attributes.nonResource(ALICE, "get", "/metrics"), false),
                arguments("anonymous has nothing", Attributes.nonResource(UserInfo.of("system:anonymous", "system:unauthenticated"), "get", "/api"), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void decisions(String name, Attributes a, boolean allowed) {
        Verdict v = authorizer().authorize(a);
        assertThat(v.decision()).isEqualTo(allowed ? Decision.ALLOW : Decision.NO_OPINION);
        if (!allowed) assertThat(v.reason()).isEmpty();
    }

    static Stream<Arguments> reasons() {
        return Stream.of(
                arguments(res(ADMIN, "get", "", "pods", "", "", ""), "RBAC: allowed by ClusterRoleBinding \"admins\" of ClusterRole \"cluster-admin\" to User \"admin\""),
                arguments(Attributes.nonResource(BOB, "get", "/healthz"), "RBAC: allowed by ClusterRoleBinding \"discovery\" of ClusterRole \"discovery\" to Group \"system:authenticated\""),
                arguments(res(ALICE, "get", "", "pods", "", "ns1", "p"), "RBAC: allowed by RoleBinding \"alice-pods/ns1\" of ClusterRole \"pod-reader\" to User \"alice\""),
                arguments(res(SA, "create", "apps", "deployments", "", "ns1", ""), "RBAC: allowed by RoleBinding \"builder-deploys/ns1\" of Role \"deployer\" to ServiceAccount \"builder/ns1\""),
                arguments(res(SA_OTHER, "get", "", "pods", "", "x", ""), "RBAC: allowed by ClusterRoleBinding \"sa-pods\" of ClusterRole \"pod-reader\" to ServiceAccount \"builder/ns2\""));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource
    void reasons(Attributes a, String reason) {
        assertThat(authorizer().authorize(a)).isEqualTo(Verdict.allow(reason));
    }

    @Test
    void removingABindingTakesItsPermissionAway() {
        var index = BindingIndex.of(List.of(rb("ns1", "b", "ClusterRole", "r", user("alice"))), List.of(crb("c", "r", group("devs"))));
        var rbac = new RbacAuthorizer((ns, n) -> java.util.Optional.empty(), clusterRoles(clusterRole("r", rule("get| |pods"))), index);
        Attributes a = res(ALICE, "get", "", "pods", "", "ns1", "");
        assertThat(rbac.authorize(a).allowed()).isTrue();
        index.removeCluster("c");
        assertThat(rbac.authorize(a).reason()).contains("RoleBinding \"b/ns1\"");
        index.remove("ns1", "b");
        assertThat(rbac.authorize(a).allowed()).isFalse();
        assertThat(index.size()).isZero();
    }

    @Test
    void replacingABindingReindexesItsSubjects() {
        var index = BindingIndex.of(List.of(rb("ns1", "b", "ClusterRole", "r", user("alice"))), List.of());
        index.put(rb("ns1", "b", "ClusterRole", "r", user("bob")));
        assertThat(index.bindingsFor(ALICE, "ns1")).isEmpty();
        assertThat(index.bindingsFor(BOB, "ns1")).extracting(BindingIndex.Binding::name).containsExactly("b");
    }

    @Test
    void aBindingNamingTheUserTwiceIsListedOnce() {
        var index = BindingIndex.of(List.of(), List.of(crb("c", "r", user("alice"), group("devs"), user("alice"))));
        assertThat(index.clusterBindingsFor(ALICE)).hasSize(1);
    }

    @Test
    void rulesForListsResourceAndNonResourceRulesAndReportsMissingRoles() {
        var rules = authorizer().rulesFor(ALICE, "ns1");
        assertThat(rules.resourceRules()).extracting(r -> r.getResources().get(0)).containsExactlyInAnyOrder("pods", "secrets");
        assertThat(rules.nonResourceRules()).extracting(r -> r.getNonResourceURLs()).containsExactlyInAnyOrder(
                List.of("/api", "/api/*", "/healthz"), List.of("/metrics"));
        assertThat(rules.incomplete()).isFalse();
        assertThat(rules.evaluationError()).isEqualTo("role.rbac.authorization.k8s.io \"missing\" not found");
    }
}
