package io.portcullis.authz.rbac;

import static io.portcullis.authz.rbac.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BootstrapPolicyTest {
    static Path referenceDir() {
        Path relative = Path.of(System.getProperty("user.dir")).resolve("../shared/reference/bootstrappolicy").normalize();
        if (Files.isDirectory(relative)) return relative;
        return Path.of("/work/shared/reference/bootstrappolicy");
    }

    static <T> List<T> reference(String file, Class<T> type) throws IOException {
        try (InputStream in = Files.newInputStream(referenceDir().resolve(file))) {
            return BootstrapPolicy.parse(in, type);
        }
    }

    @Test
    void theSharedPolicyIsParsedOnceAndReconcilingNeverChangesIt() {
        BootstrapPolicy.Defaults shared = BootstrapPolicy.Defaults.shared();
        assertThat(BootstrapPolicy.Defaults.shared()).isSameAs(shared);
        for (ClusterRole desired : shared.clusterRoles()) {
            ClusterRole existing = new ClusterRoleBuilder().withNewMetadata().withName(desired.getMetadata().getName())
                    .addToLabels("mine", "x").endMetadata().build();
            BootstrapPolicy.reconcile(Optional.of(existing), desired);
        }
        for (ClusterRoleBinding desired : shared.clusterRoleBindings()) {
            ClusterRoleBinding existing = new ClusterRoleBindingBuilder(desired).withSubjects(List.of())
                    .editMetadata().addToAnnotations("mine", "x").endMetadata().build();
            BootstrapPolicy.reconcile(Optional.of(existing), desired);
        }
        assertThat(shared).isEqualTo(BootstrapPolicy.Defaults.load());
        assertThatThrownBy(() -> shared.clusterRoles().add(new ClusterRole())).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void everyShippedRoleHasTheReferenceRules() throws IOException {
        Map<String, ClusterRole> want = reference("cluster-roles.yaml", ClusterRole.class).stream()
                .collect(Collectors.toMap(r -> r.getMetadata().getName(), Function.identity()));
        List<ClusterRole> shipped = BootstrapPolicy.clusterRoles().stream()
                .filter(r -> !r.getMetadata().getName().startsWith(BootstrapPolicy.OWN_PREFIX)).toList();
        assertThat(shipped).extracting(r -> r.getMetadata().getName())
                .contains("cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user",
                        "system:public-info-viewer", "system:service-account-issuer-discovery", "system:auth-delegator",
                        "system:aggregate-to-admin", "system:aggregate-to-edit", "system:aggregate-to-view");
        for (ClusterRole r : shipped) {
            ClusterRole ref = want.get(r.getMetadata().getName());
            assertThat(ref).as(r.getMetadata().getName()).isNotNull();
            assertThat(RuleMatcher.nn(r.getRules())).as(r.getMetadata().getName()).isEqualTo(RuleMatcher.nn(ref.getRules()));
            assertThat(r.getAggregationRule()).isEqualTo(ref.getAggregationRule());
            assertThat(r.getMetadata().getLabels()).isEqualTo(ref.getMetadata().getLabels());
        }
        assertThat(shipped).hasSize(want.size());
    }

    @Test
    void everyShippedBindingHasTheReferenceSubjectsAndRole() throws IOException {
        Map<String, ClusterRoleBinding> want = reference("cluster-role-bindings.yaml", ClusterRoleBinding.class).stream()
                .collect(Collectors.toMap(r -> r.getMetadata().getName(), Function.identity()));
        List<ClusterRoleBinding> shipped = BootstrapPolicy.clusterRoleBindings().stream()
                .filter(b -> !b.getMetadata().getName().startsWith(BootstrapPolicy.OWN_PREFIX)).toList();
        assertThat(shipped).hasSize(want.size());
        for (ClusterRoleBinding b : shipped) {
            ClusterRoleBinding ref = want.get(b.getMetadata().getName());
            assertThat(ref).as(b.getMetadata().getName()).isNotNull();
            assertThat(b.getRoleRef()).isEqualTo(ref.getRoleRef());
            assertThat(b.getSubjects()).isEqualTo(ref.getSubjects());
        }
        assertThat(want.get("system:discovery").getSubjects()).extracting(s -> s.getName()).containsExactly("system:authenticated");
    }

    @Test
    void aMissingRoleIsCreated() {
        ClusterRole desired = clusterRole("r", rule("get| |pods"));
        assertThat(BootstrapPolicy.reconcile(Optional.empty(), desired)).contains(desired);
    }

    @Test
    void missingRulesAreAddedAndExtraOnesKept() {
        ClusterRole existing = clusterRole("r", rule("get| |pods"), rule("get| |extra"));
        existing.getMetadata().setLabels(Map.of("mine", "x", "kubernetes.io/bootstrapping", "custom"));
        ClusterRole desired = clusterRole("r", rule("get,list| |pods"));
        desired.getMetadata().setLabels(Map.of("kubernetes.io/bootstrapping", "rbac-defaults"));
        desired.getMetadata().setAnnotations(Map.of(BootstrapPolicy.AUTOUPDATE, "true"));
        ClusterRole out = BootstrapPolicy.reconcile(Optional.of(existing), desired).orElseThrow();
        assertThat(out.getRules()).containsExactly(rule("get| |pods"), rule("get| |extra"), rule("list| |pods"));
        assertThat(out.getMetadata().getLabels()).containsEntry("mine", "x").containsEntry("kubernetes.io/bootstrapping", "custom");
        assertThat(out.getMetadata().getAnnotations()).containsEntry(BootstrapPolicy.AUTOUPDATE, "true");
    }

    @Test
    void anUpToDateRoleIsLeftAlone() {
        ClusterRole existing = clusterRole("r", rule("*| |pods"));
        assertThat(BootstrapPolicy.reconcile(Optional.of(existing), clusterRole("r", rule("get| |pods")))).isEmpty();
    }

    @Test
    void autoupdateFalseProtectsRolesAndBindings() {
        ClusterRole existing = clusterRole("r");
        existing.getMetadata().setAnnotations(Map.of(BootstrapPolicy.AUTOUPDATE, "false"));
        assertThat(BootstrapPolicy.reconcile(Optional.of(existing), clusterRole("r", rule("get| |pods")))).isEmpty();
        ClusterRoleBinding b = crb("b", "r");
        b.getMetadata().setAnnotations(Map.of(BootstrapPolicy.AUTOUPDATE, "false"));
        assertThat(BootstrapPolicy.reconcile(Optional.of(b), crb("b", "other", group("g")))).isEmpty();
    }

    @Test
    void aggregationSelectorsAreUnited() {
        ClusterRole existing = AggregationTest.aggregating("admin", AggregationTest.labels("mine", "true"));
        existing.setRules(List.of(rule("get| |pods")));
        ClusterRole desired = AggregationTest.aggregating("admin", AggregationTest.labels("to-admin", "true"));
        ClusterRole out = BootstrapPolicy.reconcile(Optional.of(existing), desired).orElseThrow();
        assertThat(out.getAggregationRule().getClusterRoleSelectors()).containsExactly(
                AggregationTest.labels("mine", "true"), AggregationTest.labels("to-admin", "true"));
        assertThat(out.getRules()).containsExactly(rule("get| |pods"));
    }

    @Test
    void bindingSubjectsAreUnitedAndADifferentRoleRefRecreates() {
        ClusterRoleBinding existing = crb("b", "r", user("alice"));
        var out = BootstrapPolicy.reconcile(Optional.of(existing), crb("b", "r", group("g"))).orElseThrow();
        assertThat(out.recreate()).isFalse();
        assertThat(out.binding().getSubjects()).containsExactly(user("alice"), group("g"));
        assertThat(BootstrapPolicy.reconcile(Optional.of(existing), crb("b", "r", user("alice")))).isEmpty();
        var recreate = BootstrapPolicy.reconcile(Optional.of(existing), crb("b", "other", group("g"))).orElseThrow();
        assertThat(recreate.recreate()).isTrue();
        assertThat(recreate.binding().getRoleRef()).isEqualTo(new RoleRef("rbac.authorization.k8s.io", "ClusterRole", "other"));
    }
}
