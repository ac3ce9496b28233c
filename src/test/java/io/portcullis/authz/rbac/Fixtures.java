package io.portcullis.authz.rbac;

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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Small builders for RBAC objects in tests. */
final class Fixtures {
    private Fixtures() {}

    /** "get,list|,apps|pods,deployments" style: verbs | groups | resources [| names]. */
    static PolicyRule rule(String spec) {
        String[] p = spec.split("\\|", -1);
        PolicyRuleBuilder b = new PolicyRuleBuilder().withVerbs(split(p[0])).withApiGroups(split(p[1])).withResources(split(p[2]));
        if (p.length > 3) b.withResourceNames(split(p[3]));
        return b.build();
    }

    static PolicyRule urls(String verbs, String urls) {
        return new PolicyRuleBuilder().withVerbs(split(verbs)).withNonResourceURLs(split(urls)).build();
    }

    static List<String> split(String s) {
        return Arrays.stream(s.split(",", -1)).map(String::strip).toList();
    }

    static ClusterRole clusterRole(String name, PolicyRule... rules) {
        return new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata().withRules(rules).build();
    }

    static Role role(String ns, String name, PolicyRule... rules) {
        return new RoleBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata().withRules(rules).build();
    }

    static Subject user(String name) {
        return new Subject("rbac.authorization.k8s.io", "User", name, null);
    }

    static Subject group(String name) {
        return new Subject("rbac.authorization.k8s.io", "Group", name, null);
    }

    static Subject sa(String ns, String name) {
        return new Subject("", "ServiceAccount", name, ns);
    }

    static ClusterRoleBinding crb(String name, String clusterRole, Subject... subjects) {
        return new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
                .withRoleRef(new RoleRef("rbac.authorization.k8s.io", "ClusterRole", clusterRole)).withSubjects(subjects).build();
    }

    static RoleBinding rb(String ns, String name, String kind, String roleName, Subject... subjects) {
        return new RoleBindingBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withRoleRef(new RoleRef("rbac.authorization.k8s.io", kind, roleName)).withSubjects(subjects).build();
    }

    static RoleLister roles(Role... roles) {
        List<Role> all = List.of(roles);
        return (ns, name) -> all.stream().filter(r -> r.getMetadata().getNamespace().equals(ns) && r.getMetadata().getName().equals(name)).findFirst();
    }

    static ClusterRoleLister clusterRoles(ClusterRole... roles) {
        return ClusterRoleLister.of(List.of(roles));
    }

    static Optional<Role> none() {
        return Optional.empty();
    }
}
