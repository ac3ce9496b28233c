package io.portcullis.authz.rbac;

import static io.portcullis.authz.rbac.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.rbac.AggregationRule;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AggregationTest {
    static ClusterRole labelled(String name, Map<String, String> labels, io.fabric8.kubernetes.api.model.rbac.PolicyRule... rules) {
        ClusterRole r = clusterRole(name, rules);
        r.getMetadata().setLabels(labels);
        return r;
    }

    static ClusterRole aggregating(String name, LabelSelector... selectors) {
        ClusterRole r = clusterRole(name);
        r.setAggregationRule(new AggregationRule(List.of(selectors)));
        return r;
    }

    static LabelSelector labels(String k, String v) {
        return new LabelSelectorBuilder().addToMatchLabels(k, v).build();
    }

    @Test
    void rulesAreUnitedPerSelectorInNameOrderWithoutDuplicates() {
        ClusterRole target = aggregating("admin", labels("to-admin", "true"), labels("extra", "yes"));
        List<ClusterRole> all = List.of(
                target,
                labelled("zeta", Map.of("to-admin", "true"), rule("get| |pods"), rule("list| |pods")),
                labelled("alpha", Map.of("to-admin", "true"), rule("get| |secrets"), rule("get| |pods")),
                labelled("beta", Map.of("extra", "yes"), rule("get| |nodes"), rule("get| |secrets")),
                labelled("other", Map.of("to-admin", "false"), rule("delete| |*")));
        assertThat(Aggregation.aggregate(target, all)).containsExactly(
                rule("get| |secrets"), rule("get| |pods"), rule("list| |pods"), rule("get| |nodes"));
    }

    @Test
    void theTargetIsNeverItsOwnSource() {
        ClusterRole target = aggregating("self", labels("a", "b"));
        target.getMetadata().setLabels(Map.of("a", "b"));
        target.setRules(List.of(rule("get| |stale")));
        assertThat(Aggregation.aggregate(target, List.of(target))).isEmpty();
        assertThat(Aggregation.changed(target, List.of())).isTrue();
    }

    @ParameterizedTest(name = "{0} {1} {2} on {3}: {4}")
    @CsvSource(delimiter = ';', textBlock = """
            env ; In           ; prod,dev ; env=prod   ; true
            env ; In           ; prod,dev ; env=test   ; false
            env ; In           ; prod     ; other=prod ; false
            env ; NotIn        ; prod     ; env=dev    ; true
            env ; NotIn        ; prod     ; other=x    ; true
            env ; NotIn        ; prod     ; env=prod   ; false
            env ; Exists       ;          ; env=x      ; true
            env ; Exists       ;          ; other=x    ; false
            env ; DoesNotExist ;          ; other=x    ; true
            env ; DoesNotExist ;          ; env=x      ; false
            """)
    void matchExpressions(String key, String op, String values, String label, boolean want) {
        LabelSelector s = new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(op)
                .withValues(values == null ? List.of() : split(values)).endMatchExpression().build();
        String[] kv = label.split("=");
        assertThat(Aggregation.matches(s, Map.of(kv[0], kv[1]))).isEqualTo(want);
    }

    @Test
    void emptySelectorMatchesEverythingAndNullNothing() {
        assertThat(Aggregation.matches(new LabelSelector(), Map.of())).isTrue();
        assertThat(Aggregation.matches(null, Map.of("a", "b"))).isFalse();
        assertThatThrownBy(() -> Aggregation.matches(new LabelSelectorBuilder().addNewMatchExpression().withKey("k")
                .withOperator("Near").endMatchExpression().build(), Map.of()))
                .hasMessage("\"Near\" is not a valid label selector operator");
    }

    @Test
    void bootstrapAdminIncludesEditAndViewRules() {
        List<ClusterRole> all = BootstrapPolicy.clusterRoles();
        var settled = Aggregation.settle(all);
        assertThat(settled).containsKeys("admin", "edit", "view");
        var rules = settled.get("admin");
        var authz = new RbacAuthorizer((ns, n) -> java.util.Optional.empty(), ClusterRoleLister.of(List.of(clusterRole("admin",
                rules.toArray(io.fabric8.kubernetes.api.model.rbac.PolicyRule[]::new)))),
                BindingIndex.of(List.of(rb("ns", "b", "ClusterRole", "admin", user("u"))), List.of()));
        var u = io.portcullis.authn.UserInfo.of("u");
        assertThat(authz.authorize(io.portcullis.authz.Attributes.resource(u, "create", "rbac.authorization.k8s.io", "rolebindings", "", "ns", "")).allowed()).isTrue();
        assertThat(authz.authorize(io.portcullis.authz.Attributes.resource(u, "delete", "", "secrets", "", "ns", "s")).allowed()).isTrue();
        assertThat(authz.authorize(io.portcullis.authz.Attributes.resource(u, "watch", "apps", "deployments", "", "ns", "")).allowed()).isTrue();
        assertThat(authz.authorize(io.portcullis.authz.Attributes.resource(u, "get", "", "nodes", "", "", "n")).allowed()).isFalse();
    }
}
