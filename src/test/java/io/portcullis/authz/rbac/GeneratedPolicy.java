package io.portcullis.authz.rbac;

import io.fabric8.kubernetes.api.model.rbac.AggregationRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A random RBAC policy over a small vocabulary, so that every corner of the matcher meets every
 * kind of binding: {@code *} and {@code *}/subresource, resourceNames, non-resource URL prefixes,
 * aggregated ClusterRoles (rules left for the aggregation controller to fill in), ClusterRoles bound
 * in one namespace, ServiceAccount subjects with and without namespace, the system groups, and
 * bindings to missing roles. Also the identities and requests to ask about.
 */
public record GeneratedPolicy(List<ClusterRole> clusterRoles, List<Role> roles, List<ClusterRoleBinding> clusterRoleBindings,
                              List<RoleBinding> roleBindings) {
    public static final List<String> NAMESPACES = List.of("ns1", "ns2");
    static final String[] VERBS = {"get", "list", "create", "delete", "*"};
    static final String[][] RESOURCES = {{"", "pods"}, {"", "secrets"}, {"", "pods/log"}, {"", "*/log"}, {"apps", "deployments"},
            {"*", "*"}, {"", "*"}, {"apps", "*"}};
    static final String[] URLS = {"/healthz", "/api/*", "/apis", "*", "/metrics*"};

    public static GeneratedPolicy generate(long seed) {
        Random r = new Random(seed);
        List<ClusterRole> clusterRoles = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clusterRoles.add(new ClusterRoleBuilder().withNewMetadata().withName("cr" + i)
                    .withLabels(Map.of("agg", i % 2 == 0 ? "even" : "odd")).endMetadata().withRules(rules(r)).build());
        }
        // aggregated: their rules are filled in by the aggregation controller (or Aggregation.settle)
        clusterRoles.add(new ClusterRoleBuilder().withNewMetadata().withName("agg-even").endMetadata()
                .withAggregationRule(new AggregationRuleBuilder().addNewClusterRoleSelector().addToMatchLabels("agg", "even").endClusterRoleSelector()
                        .build()).build());
        clusterRoles.add(new ClusterRoleBuilder().withNewMetadata().withName("agg-odd").endMetadata()
                .withAggregationRule(new AggregationRuleBuilder().addNewClusterRoleSelector().addToMatchLabels("agg", "odd").endClusterRoleSelector()
                        .build()).build());
        List<Role> roles = new ArrayList<>();
        for (String ns : NAMESPACES) {
            for (int i = 0; i < 3; i++) {
                roles.add(new RoleBuilder().withNewMetadata().withNamespace(ns).withName("r" + i).endMetadata()
                        .withRules(resourceRules(r)).build());
            }
        }
        String[] clusterRoleNames = {"cr0", "cr1", "cr2", "cr3", "cr4", "cr5", "cr6", "cr7", "agg-even", "agg-odd", "missing"};
        List<ClusterRoleBinding> crbs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            crbs.add(new ClusterRoleBindingBuilder().withNewMetadata().withName("crb" + i).endMetadata()
                    .withRoleRef(new RoleRef("rbac.authorization.k8s.io", "ClusterRole", pick(r, clusterRoleNames)))
                    .withSubjects(subjects(r)).build());
        }
        List<RoleBinding> rbs = new ArrayList<>();
        for (String ns : NAMESPACES) {
            for (int i = 0; i < 5; i++) {
                boolean toRole = r.nextBoolean();
                String role = toRole ? pick(r, new String[] {"r0", "r1", "r2", "missing"}) : pick(r, clusterRoleNames);
                rbs.add(new RoleBindingBuilder().withNewMetadata().withNamespace(ns).withName("rb" + i).endMetadata()
                        .withRoleRef(new RoleRef("rbac.authorization.k8s.io", toRole ? "Role" : "ClusterRole", role))
                        .withSubjects(subjects(r)).build());
            }
        }
        return new GeneratedPolicy(clusterRoles, roles, crbs, rbs);
    }

    private static List<PolicyRule> rules(Random r) {
        List<PolicyRule> out = new ArrayList<>(resourceRules(r));
        if (r.nextInt(3) == 0) {
            out.add(new PolicyRuleBuilder().withVerbs(pick(r, new String[] {"get", "post", "*"})).withNonResourceURLs(pick(r, URLS)).build());
        }
        return out;
    }

    private static List<PolicyRule> resourceRules(Random r) {
        List<PolicyRule> out = new ArrayList<>();
        for (int n = 1 + r.nextInt(2); n > 0; n--) {
            String[] gr = RESOURCES[r.nextInt(RESOURCES.length)];
            PolicyRuleBuilder b = new PolicyRuleBuilder().withVerbs(pick(r, VERBS), pick(r, VERBS)).withApiGroups(gr[0]).withResources(gr[1]);
            if (r.nextInt(3) == 0) b.withResourceNames("a");
            out.add(b.build());
        }
        return out;
    }

    private static List<Subject> subjects(Random r) {
        Subject[] pool = {
                new Subject("rbac.authorization.k8s.io", "User", "alice", null),
                new Subject("rbac.authorization.k8s.io", "User", "bob", null),
                new Subject("rbac.authorization.k8s.io", "User", "system:serviceaccount:ns1:app", null),
                new Subject("rbac.authorization.k8s.io", "Group", "devs", null),
                new Subject("rbac.authorization.k8s.io", "Group", "system:authenticated", null),
                new Subject("rbac.authorization.k8s.io", "Group", "system:unauthenticated", null),
                new Subject("rbac.authorization.k8s.io", "Group", "system:serviceaccounts", null),
                new Subject("rbac.authorization.k8s.io", "Group", "system:serviceaccounts:ns2", null),
                new Subject("", "ServiceAccount", "app", "ns1"),
                new Subject("", "ServiceAccount", "app", "ns2"),
                new Subject("", "ServiceAccount", "app", null),
        };
        List<Subject> out = new ArrayList<>();
        for (int n = 1 + r.nextInt(2); n > 0; n--) {
            Subject s = pool[r.nextInt(pool.length)];
            if (!out.contains(s)) out.add(s);
        }
        return out;
    }

    private static String pick(Random r, String[] values) {
        return values[r.nextInt(values.length)];
    }

    /** Who asks: users with their groups as the authenticators give them, ServiceAccounts, anonymous, a cluster admin. */
    public static List<UserInfo> identities() {
        return List.of(
                UserInfo.of("alice", "system:authenticated"),
                UserInfo.of("bob", "devs", "system:authenticated"),
                UserInfo.of("carol", "system:authenticated"),
                UserInfo.of("system:serviceaccount:ns1:app", "system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated"),
                UserInfo.of("system:serviceaccount:ns2:app", "system:serviceaccounts", "system:serviceaccounts:ns2", "system:authenticated"),
                UserInfo.of("system:anonymous", "system:unauthenticated"),
                UserInfo.of("root", "system:masters", "system:authenticated"));
    }

    /** What is asked (the user left null): resource requests over the vocabulary in and out of namespaces, and non-resource paths. */
    public static List<Attributes> requests() {
        List<Attributes> out = new ArrayList<>();
        String[][] resources = {{"", "pods", ""}, {"", "pods", "log"}, {"", "secrets", ""}, {"", "configmaps", "log"},
                {"apps", "deployments", ""}, {"apps", "deployments", "scale"}};
        for (String verb : new String[] {"get", "list", "create", "delete"}) {
            for (String[] res : resources) {
                for (String ns : new String[] {"", "ns1", "ns2"}) {
                    for (String name : new String[] {"", "a", "b"}) out.add(Attributes.resource(null, verb, res[0], res[1], res[2], ns, name));
                }
            }
        }
        for (String verb : new String[] {"get", "post"}) {
            for (String path : new String[] {"/healthz", "/api/v1", "/apis", "/metrics", "/version"}) out.add(Attributes.nonResource(null, verb, path));
        }
        return out;
    }
}
