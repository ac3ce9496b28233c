package io.portcullis.authz.rbac;

import static io.portcullis.authz.rbac.RuleMatcher.nn;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether owner rules cover requested rules, as upstream's policy comparator: each requested rule
 * is broken down into single (group, resource, verb, name) or (URL, verb) tuples, and each tuple
 * must be covered by one owner rule.
 */
public final class PolicyComparator {
    private PolicyComparator() {}

    public static boolean covers(List<PolicyRule> owner, List<PolicyRule> requested) {
        return uncovered(owner, requested).isEmpty();
    }

    /** The broken-down tuples of requested that no owner rule covers, in order. */
    public static List<PolicyRule> uncovered(List<PolicyRule> owner, List<PolicyRule> requested) {
        List<PolicyRule> missing = new ArrayList<>();
        for (PolicyRule r : nn(requested)) {
            for (PolicyRule sub : breakdown(r)) {
                boolean covered = false;
                for (PolicyRule o : nn(owner)) {
                    if (ruleCovers(o, sub)) {
                        covered = true;
                        break;
                    }
                }
                if (!covered) missing.add(sub);
            }
        }
        return missing;
    }

    /** Rules of at most one group, resource, verb and name each; non-resource URLs pair only with verbs. */
    public static List<PolicyRule> breakdown(PolicyRule rule) {
        List<PolicyRule> out = new ArrayList<>();
        for (String group : nn(rule.getApiGroups())) {
            for (String resource : nn(rule.getResources())) {
                for (String verb : nn(rule.getVerbs())) {
                    if (!nn(rule.getResourceNames()).isEmpty()) {
                        for (String name : rule.getResourceNames()) {
                            out.add(new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verb)
                                    .withResourceNames(name).build());
                        }
                    } else {
                        out.add(new PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verb).build());
                    }
                }
            }
        }
        for (String url : nn(rule.getNonResourceURLs())) {
            for (String verb : nn(rule.getVerbs())) {
                out.add(new PolicyRuleBuilder().withNonResourceURLs(url).withVerbs(verb).build());
            }
        }
        return out;
    }

    static boolean ruleCovers(PolicyRule owner, PolicyRule sub) {
        boolean verbs = nn(owner.getVerbs()).contains("*") || hasAll(owner.getVerbs(), sub.getVerbs());
        boolean groups = nn(owner.getApiGroups()).contains("*") || hasAll(owner.getApiGroups(), sub.getApiGroups());
        boolean resources = resourceCoversAll(nn(owner.getResources()), nn(sub.getResources()));
        boolean urls = urlsCoverAll(nn(owner.getNonResourceURLs()), nn(sub.getNonResourceURLs()));
        List<String> ownerNames = nn(owner.getResourceNames());
        List<String> subNames = nn(sub.getResourceNames());
        boolean names = subNames.isEmpty() ? ownerNames.isEmpty() : ownerNames.isEmpty() || hasAll(ownerNames, subNames);
        return verbs && groups && resources && names && urls;
    }

    private static boolean hasAll(List<String> set, List<String> contains) {
        return new HashSet<>(nn(set)).containsAll(nn(contains));
    }

    private static boolean resourceCoversAll(List<String> owner, List<String> wanted) {
        if (owner.contains("*") || hasAll(owner, wanted)) return true;
        for (String path : wanted) {
            if (owner.contains(path)) continue;
            int slash = path.indexOf('/');
            if (slash < 0) return false;
            if (!owner.contains("*/" + path.substring(slash + 1))) return false;
        }
        return true;
    }

    private static boolean urlsCoverAll(List<String> owner, List<String> wanted) {
        for (String path : wanted) {
            boolean covered = false;
            for (String o : owner) {
                if (o.equals(path) || (o.endsWith("*") && path.startsWith(RuleMatcher.stripStars(o)))) {
                    covered = true;
                    break;
                }
            }
            if (!covered) return false;
        }
        return true;
    }

    /**
     * Upstream's CompactRules: rules with exactly one group and one resource and nothing but verbs
     * besides are merged per (group, resource), their verbs appended in order; others are kept.
     */
    public static List<PolicyRule> compact(List<PolicyRule> rules) {
        List<PolicyRule> out = new ArrayList<>();
        Map<List<String>, List<String>> simple = new LinkedHashMap<>();
        for (PolicyRule r : rules) {
            boolean isSimple = nn(r.getResourceNames()).isEmpty() && nn(r.getNonResourceURLs()).isEmpty()
                    && nn(r.getApiGroups()).size() == 1 && nn(r.getResources()).size() == 1;
            if (isSimple) {
                simple.computeIfAbsent(List.of(r.getApiGroups().get(0), r.getResources().get(0)), k -> new ArrayList<>())
                        .addAll(nn(r.getVerbs()));
            } else {
                out.add(r);
            }
        }
        simple.forEach((gr, verbs) -> out.add(new PolicyRuleBuilder().withApiGroups(gr.get(0)).withResources(gr.get(1))
                .withVerbs(verbs).build()));
        return out;
    }

    /** Upstream's CompactString: {APIGroups:["g"], Resources:["r"], NonResourceURLs:[...], ResourceNames:[...], Verbs:["v"]}, empty fields left out. */
    public static String compactString(PolicyRule r) {
        List<String> parts = new ArrayList<>();
        if (!nn(r.getApiGroups()).isEmpty()) parts.add("APIGroups:" + Quote.go(r.getApiGroups()));
        if (!nn(r.getResources()).isEmpty()) parts.add("Resources:" + Quote.go(r.getResources()));
        if (!nn(r.getNonResourceURLs()).isEmpty()) parts.add("NonResourceURLs:" + Quote.go(r.getNonResourceURLs()));
        if (!nn(r.getResourceNames()).isEmpty()) parts.add("ResourceNames:" + Quote.go(r.getResourceNames()));
        if (!nn(r.getVerbs()).isEmpty()) parts.add("Verbs:" + Quote.go(r.getVerbs()));
        return "{" + String.join(", ", parts) + "}";
    }

    /** The missing rules as upstream lists them in an escalation error: compacted, described, sorted, distinct. */
    public static List<String> describeMissing(List<PolicyRule> missing) {
        Set<String> sorted = new TreeSet<>();
        for (PolicyRule r : compact(missing)) sorted.add(compactString(r));
        return List.copyOf(sorted);
    }
}
