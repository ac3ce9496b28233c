package io.portcullis.authz.rbac;

import static io.portcullis.authz.rbac.RuleMatcher.nn;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The rules of an aggregated ClusterRole, as upstream's aggregation controller computes them: for
 * each selector in order, the matching ClusterRoles sorted by name (the target itself excluded),
 * their rules appended unless an equal rule is already there.
 */
public final class Aggregation {
    private Aggregation() {}

    /** The rules the target should hold; the target's own rules when it has no aggregationRule. */
    public static List<PolicyRule> aggregate(ClusterRole target, Collection<ClusterRole> all) {
        if (target.getAggregationRule() == null) return nn(target.getRules());
        String self = target.getMetadata().getName();
        List<PolicyRule> out = new ArrayList<>();
        Set<List<List<String>>> seen = new HashSet<>();
        for (LabelSelector selector : nn(target.getAggregationRule().getClusterRoleSelectors())) {
            List<ClusterRole> matching = new ArrayList<>();
            for (ClusterRole r : all) {
                if (matches(selector, r.getMetadata().getLabels())) matching.add(r);
            }
            matching.sort(Comparator.comparing(r -> r.getMetadata().getName()));
            for (ClusterRole r : matching) {
                if (Objects.equals(r.getMetadata().getName(), self)) continue;
                for (PolicyRule rule : nn(r.getRules())) {
                    if (seen.add(key(rule))) out.add(rule);
                }
            }
        }
        return out;
    }

    /**
     * Every aggregated ClusterRole's rules once aggregation has settled: upstream's controller
     * re-runs on each change, so chains (view into edit into admin) fill in over several passes;
     * this repeats the passes until nothing changes (at most once per role). Roles without an
     * aggregationRule are absent from the result.
     */
    public static Map<String, List<PolicyRule>> settle(Collection<ClusterRole> all) {
        Map<String, ClusterRole> current = new java.util.LinkedHashMap<>();
        for (ClusterRole r : all) current.put(r.getMetadata().getName(), r);
        Map<String, List<PolicyRule>> out = new java.util.LinkedHashMap<>();
        for (int pass = 0; pass <= current.size(); pass++) {
            boolean changed = false;
            for (ClusterRole r : List.copyOf(current.values())) {
                if (r.getAggregationRule() == null) continue;
                List<PolicyRule> rules = aggregate(r, current.values());
                out.put(r.getMetadata().getName(), rules);
                if (changed(r, rules)) {
                    current.put(r.getMetadata().getName(), r.toBuilder().withRules(rules).build());
                    changed = true;
                }
            }
            if (!changed) break;
        }
        return out;
    }

    /** Whether the aggregated rules differ from the target's current ones (nil and empty lists are equal). */
    public static boolean changed(ClusterRole target, List<PolicyRule> aggregated) {
        List<PolicyRule> current = nn(target.getRules());
        if (current.size() != aggregated.size()) return true;
        for (int i = 0; i < current.size(); i++) {
            if (!key(current.get(i)).equals(key(aggregated.get(i)))) return true;
        }
        return false;
    }

    /** Whether the labels meet the selector, with upstream's semantics (see {@link io.portcullis.api.LabelSelector#of}). */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        return io.portcullis.api.LabelSelector.of(selector).test(labels == null ? Map.of() : labels);
    }

    private static List<List<String>> key(PolicyRule r) {
        return List.of(nn(r.getVerbs()), nn(r.getApiGroups()), nn(r.getResources()), nn(r.getResourceNames()),
                nn(r.getNonResourceURLs()));
    }
}
