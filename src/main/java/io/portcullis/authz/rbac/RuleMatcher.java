package io.portcullis.authz.rbac;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.portcullis.authz.Attributes;
import java.util.List;

/** Whether one PolicyRule allows a request, with upstream's matching of each field. */
public final class RuleMatcher {
    public static final String ALL = "*";

    private RuleMatcher() {}

    public static boolean verbMatches(PolicyRule rule, String verb) {
        for (String v : nn(rule.getVerbs())) {
            if (v.equals(ALL) || v.equals(verb)) return true;
        }
        return false;
    }

    /** The core group is "". */
    public static boolean apiGroupMatches(PolicyRule rule, String group) {
        for (String g : nn(rule.getApiGroups())) {
            if (g.equals(ALL) || g.equals(group)) return true;
        }
        return false;
    }

    /**
     * {@code *}, the exact {@code resource} or {@code resource/subresource}, or {@code *}/subresource;
     * a bare resource never covers its subresources.
     */
    public static boolean resourceMatches(PolicyRule rule, String resource, String subresource) {
        boolean hasSub = subresource != null && !subresource.isEmpty();
        int combinedLength = hasSub ? resource.length() + 1 + subresource.length() : resource.length();
        for (String r : nn(rule.getResources())) {
            if (r.equals(ALL)) return true;
            if (!hasSub) {
                if (r.equals(resource)) return true;
                continue;
            }
            // resource/subresource compared piecewise: no string is built on the hot path
            if (r.length() == combinedLength && r.startsWith(resource) && r.charAt(resource.length()) == '/'
                    && r.endsWith(subresource)) return true;
            if (r.length() == subresource.length() + 2 && r.startsWith("*/") && r.endsWith(subresource)) return true;
        }
        return false;
    }

    /** An empty list allows every name; an empty requested name never matches a non-empty list. */
    public static boolean resourceNameMatches(PolicyRule rule, String name) {
        List<String> names = nn(rule.getResourceNames());
        if (names.isEmpty()) return true;
        for (String n : names) {
            if (n.equals(name)) return true;
        }
        return false;
    }

    /** {@code *}, the exact path, or an entry ending in {@code *} whose rest is a prefix of the path. */
    public static boolean nonResourceURLMatches(PolicyRule rule, String path) {
        for (String u : nn(rule.getNonResourceURLs())) {
            if (u.equals(ALL) || u.equals(path)) return true;
            if (u.endsWith("*") && path.startsWith(stripStars(u))) return true;
        }
        return false;
    }

    public static boolean ruleAllows(Attributes a, PolicyRule rule) {
        if (a.resourceRequest()) {
            return verbMatches(rule, a.verb()) && apiGroupMatches(rule, a.apiGroup())
                    && resourceMatches(rule, a.resource(), a.subresource()) && resourceNameMatches(rule, a.name());
        }
        return verbMatches(rule, a.verb()) && nonResourceURLMatches(rule, a.path());
    }

    public static boolean rulesAllow(Attributes a, List<PolicyRule> rules) {
        for (PolicyRule r : nn(rules)) {
            if (ruleAllows(a, r)) return true;
        }
        return false;
    }

    /** As Go's strings.TrimRight(s, "*"). */
    static String stripStars(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '*') end--;
        return s.substring(0, end);
    }

    static <T> List<T> nn(List<T> list) {
        return list == null ? List.of() : list;
    }
}
