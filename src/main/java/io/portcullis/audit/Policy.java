package io.portcullis.audit;

import io.portcullis.authn.UserInfo;
import io.portcullis.request.RequestInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * An audit.k8s.io/v1 Policy, as kube-apiserver reads {@code --audit-policy-file}: rules in order,
 * the first that matches a request gives its level (None when none matches), the stages to omit
 * (the policy's and the rule's together) and whether managedFields are left out of bodies (the
 * rule's choice, else the policy's). Rules see the user who authenticated, not one impersonated.
 */
public record Policy(List<Rule> rules, Set<Stage> omitStages, boolean omitManagedFields) {
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    public Policy {
        rules = List.copyOf(rules);
        omitStages = Set.copyOf(omitStages);
    }

    /** What a request is audited with. */
    public record Outcome(Level level, Set<Stage> omitStages, boolean omitManagedFields) {}

    /** Resources of one API group ("" the core group), optionally only some names of them. */
    public record GroupResources(String group, List<String> resources, List<String> resourceNames) {
        public GroupResources {
            resources = List.copyOf(resources);
            resourceNames = List.copyOf(resourceNames);
        }
    }

    /**
     * One rule: every list that is not empty must match (an empty list matches everything).
     * {@code omitManagedFields} is null when the rule leaves it to the policy.
     */
    public record Rule(Level level, List<String> users, List<String> userGroups, List<String> verbs,
                       List<GroupResources> resources, List<String> namespaces, List<String> nonResourceURLs,
                       Set<Stage> omitStages, Boolean omitManagedFields) {
        public Rule {
            users = List.copyOf(users);
            userGroups = List.copyOf(userGroups);
            verbs = List.copyOf(verbs);
            resources = List.copyOf(resources);
            namespaces = List.copyOf(namespaces);
            nonResourceURLs = List.copyOf(nonResourceURLs);
            omitStages = Set.copyOf(omitStages);
        }

        /** A rule that matches every request at this level. */
        public static Rule all(Level level) {
            return new Rule(level, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), Set.of(), null);
        }

        /** {@code user} is null for a request that did not authenticate. */
        boolean matches(UserInfo user, RequestInfo info) {
            if (!users.isEmpty() && (user == null || !users.contains(user.name()))) return false;
            if (!userGroups.isEmpty() && (user == null || user.groups().stream().noneMatch(userGroups::contains))) return false;
            if (!verbs.isEmpty() && !verbs.contains(info.verb())) return false;
            if (!namespaces.isEmpty() || !resources.isEmpty()) return matchesResource(info);
            if (!nonResourceURLs.isEmpty()) return !info.resourceRequest() && nonResourceURLs.stream().anyMatch(u -> pathMatches(info.path(), u));
            return true;
        }

        private boolean matchesResource(RequestInfo info) {
            if (!info.resourceRequest()) return false;
            // a cluster-scoped resource's namespace is "", which a rule names as ""
            if (!namespaces.isEmpty() && !namespaces.contains(info.namespace())) return false;
            if (resources.isEmpty()) return true;
            String resource = info.resource();
            String subresource = info.subresource();
            String combined = subresource.isEmpty() ? resource : resource + "/" + subresource;
            for (GroupResources gr : resources) {
                if (!gr.group().equals(info.apiGroup())) continue;
                if (gr.resources().isEmpty()) return true;
                if (!gr.resourceNames().isEmpty() && !gr.resourceNames().contains(info.name())) continue;
                for (String r : gr.resources()) {
                    if (r.equals("*") || r.equals(combined)) return true;
                    if (!subresource.isEmpty() && r.startsWith("*/") && r.substring(2).equals(subresource)) return true;
                    if (r.endsWith("/*") && r.substring(0, r.length() - 2).equals(resource)) return true;
                }
            }
            return false;
        }

        private static boolean pathMatches(String path, String spec) {
            if (spec.equals("*") || spec.equals(path)) return true;
            return spec.endsWith("*") && path.startsWith(spec.substring(0, spec.length() - 1));
        }
    }

    /** The level and options for a request; {@code user} is null when it did not authenticate. */
    public Outcome evaluate(UserInfo user, RequestInfo info) {
        for (Rule r : rules) {
            if (r.matches(user, info)) {
                Set<Stage> omit = EnumSet.noneOf(Stage.class);
                omit.addAll(omitStages);
                omit.addAll(r.omitStages());
                return new Outcome(r.level(), omit, r.omitManagedFields() == null ? omitManagedFields : r.omitManagedFields());
            }
        }
        return new Outcome(Level.NONE, omitStages, omitManagedFields);
    }

    /**
     * Reads a policy file (YAML or JSON) and checks it as upstream does: apiVersion
     * audit.k8s.io/v1 and kind Policy, at least one rule, known levels and stages, non-resource
     * URLs that begin with "/" and have "*" only at the end, never together with resources or
     * namespaces, and resourceNames only beside resources.
     *
     * @throws IllegalArgumentException naming the file and every problem found
     */
    public static Policy load(Path file) {
        JsonNode root;
        try {
            root = YAMLMapper.builder().build().readTree(Files.readString(file));
        } catch (IOException | JacksonException e) {
            throw new IllegalArgumentException("--audit-policy-file " + file + ": cannot be read: " + e.getMessage(), e);
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--audit-policy-file " + file + ": " + e.getMessage(), e);
        }
    }

    static Policy parse(JsonNode root) {
        String apiVersion = root.path("apiVersion").asString("");
        String kind = root.path("kind").asString("");
        if (!apiVersion.equals("audit.k8s.io/v1") || !kind.equals("Policy")) {
            throw new IllegalArgumentException("unknown group version field " + apiVersion + ", Kind=" + kind
                    + " in policy (want apiVersion audit.k8s.io/v1, kind Policy)");
        }
        List<String> problems = new ArrayList<>();
        Set<Stage> omitStages = stages(root.path("omitStages"), "omitStages", problems);
        List<Rule> rules = new ArrayList<>();
        JsonNode list = root.path("rules");
        for (int i = 0; i < list.size(); i++) rules.add(rule(list.get(i), "rules[" + i + "]", problems));
        if (!problems.isEmpty()) throw new IllegalArgumentException(String.join(", ", problems));
        if (rules.isEmpty()) throw new IllegalArgumentException("loaded illegal policy with 0 rules");
        return new Policy(rules, omitStages, root.path("omitManagedFields").asBoolean(false));
    }

    private static Rule rule(JsonNode node, String at, List<String> problems) {
        String levelText = node.path("level").asString("");
        Level level = named(Level.values(), levelText);
        if (levelText.isEmpty()) {
            problems.add(at + ".level: Required value");
        } else if (level == null) {
            problems.add(at + ".level: Unsupported value: \"" + levelText + "\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"");
        }
        List<String> urls = strings(node.path("nonResourceURLs"));
        for (int i = 0; i < urls.size(); i++) {
            String url = urls.get(i);
            if (url.equals("*")) continue;
            if (!url.startsWith("/")) problems.add(at + ".nonResourceURLs[" + i + "]: Invalid value: \"" + url + "\": non-resource URL rules must begin with a '/' character");
            if (!url.isEmpty() && url.substring(0, url.length() - 1).contains("*")) {
                problems.add(at + ".nonResourceURLs[" + i + "]: Invalid value: \"" + url + "\": non-resource URL wildcards '*' must be the final character of the rule");
            }
        }
        List<GroupResources> resources = new ArrayList<>();
        for (JsonNode gr : node.path("resources")) {
            String group = gr.path("group").asString("");
            if (!group.isEmpty() && (group.length() > 253 || !DNS1123_SUBDOMAIN.matcher(group).matches())) {
                problems.add(at + ".resources.group: Invalid value: \"" + group + "\": a lowercase RFC 1123 subdomain is required");
            }
            GroupResources r = new GroupResources(group, strings(gr.path("resources")), strings(gr.path("resourceNames")));
            if (!r.resourceNames().isEmpty() && r.resources().isEmpty()) {
                problems.add(at + ".resources.resourceNames: Invalid value: " + r.resourceNames() + ": using resourceNames requires at least one resource");
            }
            resources.add(r);
        }
        List<String> namespaces = strings(node.path("namespaces"));
        if (!urls.isEmpty() && (!resources.isEmpty() || !namespaces.isEmpty())) {
            problems.add(at + ".nonResourceURLs: Invalid value: " + urls + ": rules cannot apply to both regular resources and non-resource URLs");
        }
        JsonNode omitManaged = node.path("omitManagedFields");
        return new Rule(level, strings(node.path("users")), strings(node.path("userGroups")), strings(node.path("verbs")), resources,
                namespaces, urls, stages(node.path("omitStages"), at + ".omitStages", problems),
                omitManaged.isBoolean() ? omitManaged.asBoolean() : null);
    }

    private static Set<Stage> stages(JsonNode list, String at, List<String> problems) {
        Set<Stage> out = EnumSet.noneOf(Stage.class);
        for (int i = 0; i < list.size(); i++) {
            Stage s = named(Stage.values(), list.get(i).asString(""));
            if (s == null) {
                problems.add(at + "[" + i + "]: Invalid value: \"" + list.get(i).asString("") + "\": allowed stages are "
                        + "RequestReceived,ResponseStarted,ResponseComplete,Panic");
            } else {
                out.add(s);
            }
        }
        return out;
    }

    /** The constant upstream calls {@code text}, or null. */
    private static <E extends Enum<E>> E named(E[] values, String text) {
        for (E e : values) if (e.toString().equals(text)) return e;
        return null;
    }

    private static List<String> strings(JsonNode list) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : list) out.add(n.asString(""));
        return out;
    }
}
