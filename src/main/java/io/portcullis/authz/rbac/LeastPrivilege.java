package io.portcullis.authz.rbac;

import io.fabric8.kubernetes.api.model.HasMetadata;
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
import io.portcullis.api.Json;
import io.portcullis.authn.Groups;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.AccessRecorder;
import io.portcullis.authz.AccessRecorder.Observed;
import io.portcullis.authz.AccessRecorder.Request;
import io.portcullis.authz.Decision;
import io.portcullis.authz.rbac.BindingIndex.Binding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Least privilege from observed access. From what an {@link AccessRecorder} saw one subject do in
 * a window, it builds (a) the smallest Roles, ClusterRoles and bindings that allow exactly the
 * requests that were allowed ({@link #suggest}); (b) the permissions the subject holds through
 * bindings that name it (as a User or ServiceAccount, or through a group other than
 * system:authenticated, system:unauthenticated and system:serviceaccounts) and did not use, each
 * with its binding; and (c) what it was denied. What RBAC allows to those groups alone (every
 * authenticated user, every unauthenticated one, every ServiceAccount), such as discovery, needs no
 * Role of its own: it is left out of (a) and listed apart.
 *
 * <p>The rules follow the requests' scope: a Role and RoleBinding in each namespace the subject
 * made namespaced requests in; one ClusterRole and ClusterRoleBinding for cluster-scoped
 * resources, requests across all namespaces and non-resource paths. For each resource and verb,
 * resourceNames are kept when every request of that verb named an object, and dropped as soon as
 * one did not (a list, a create); verbs with the same names share a rule, and resources of one API
 * group with the same verbs and names share a rule.
 */
public final class LeastPrivilege {
    public static final String RBAC = EscalationCheck.GROUP;
    /** The verbs in the order kubectl and upstream's roles list them; others follow alphabetically. */
    static final List<String> VERB_ORDER = List.of("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection");
    private static final Comparator<String> VERBS = Comparator.<String>comparingInt(v -> {
        int i = VERB_ORDER.indexOf(v);
        return i < 0 ? VERB_ORDER.size() : i;
    }).thenComparing(Comparator.naturalOrder());

    private final RbacAuthorizer rbac;
    private final BindingIndex index;

    public LeastPrivilege(RbacAuthorizer rbac, BindingIndex index) {
        this.rbac = rbac;
        this.index = index;
    }

    /** The objects to apply: ClusterRoles, ClusterRoleBindings, Roles, RoleBindings; empty lists when nothing is needed. */
    public record Suggestion(List<ClusterRole> clusterRoles, List<ClusterRoleBinding> clusterRoleBindings, List<Role> roles,
                             List<RoleBinding> roleBindings) {
        public Suggestion {
            clusterRoles = List.copyOf(clusterRoles);
            clusterRoleBindings = List.copyOf(clusterRoleBindings);
            roles = List.copyOf(roles);
            roleBindings = List.copyOf(roleBindings);
        }

        /** Every object, roles before the bindings that refer to them. */
        public List<HasMetadata> objects() {
            List<HasMetadata> all = new ArrayList<>();
            all.addAll(clusterRoles);
            all.addAll(clusterRoleBindings);
            all.addAll(roles);
            all.addAll(roleBindings);
            return all;
        }

        public boolean isEmpty() {
            return clusterRoles.isEmpty() && roles.isEmpty();
        }

        /** The objects as a YAML stream, one document each, for {@code kubectl apply -f -}; "" when there are none. */
        public String yaml() {
            return LeastPrivilege.yaml(objects());
        }
    }

    /**
     * A permission held and not used: {@code rule} is the binding's rule narrowed to the resources
     * (or paths) that had verbs left unused, with those verbs ({@code *} stays {@code *}: every verb
     * but {@code usedVerbs}).
     */
    public record Unused(Binding binding, PolicyRule rule, List<String> usedVerbs) {}

    /**
     * The whole answer for one subject and window. {@code allowed} lists every request allowed in
     * the window (those allowed to everybody too, also in {@code allowedToAll}); {@code incomplete}
     * when ClusterRoleBindings were left out of {@code unused}.
     */
    public record Report(String subject, Instant since, String namespace, Suggestion suggestion, List<Unused> unused,
                         List<Observed> denied, List<Observed> allowedToAll, List<Observed> allowed, boolean incomplete) {
        /** How many distinct requests were allowed in the window. */
        public int allowedRequests() {
            return allowed.size();
        }

        /** Whether the subject was denied anything in the window. */
        public boolean anyDenied() {
            return !denied.isEmpty();
        }
    }

    /** {@link #report(AccessRecorder, String, Instant, String, boolean)} with ClusterRoleBindings. */
    public Report report(AccessRecorder recorder, String subject, Instant since, String namespace) {
        return report(recorder, subject, since, namespace, true);
    }

    /**
     * The report on {@code subject}'s requests seen at or after {@code since} (null: everything
     * recorded), in {@code namespace} only when not empty; {@code clusterBindings} false leaves
     * ClusterRoleBindings out of the unused permissions. IllegalArgumentException for a subject
     * that is not a user name or {@code system:serviceaccount:<namespace>:<name>}.
     */
    public Report report(AccessRecorder recorder, String subject, Instant since, String namespace, boolean clusterBindings) {
        Subject who = bindingSubject(subject);
        Instant from = since == null ? Instant.EPOCH : since;
        String ns = namespace == null ? "" : namespace;
        UserInfo user = userInfo(subject, who, recorder.groups(subject));
        UserInfo everybody = UserInfo.of("", user.groups().stream().filter(LeastPrivilege::universal).toArray(String[]::new));
        List<Request> allowed = new ArrayList<>();
        List<Request> needed = new ArrayList<>();
        List<Observed> toAll = new ArrayList<>();
        List<Observed> denied = new ArrayList<>();
        List<Observed> seen = new ArrayList<>();
        for (Observed o : recorder.observed(subject, from)) {
            Request r = o.request();
            if (!ns.isEmpty() && !(r.resourceRequest() && r.namespace().equals(ns))) continue;
            if (o.deniedSince(from)) denied.add(o);
            if (!o.allowedSince(from)) continue;
            allowed.add(r);
            seen.add(o);
            if (rbac.authorize(r.attributes(everybody)).decision() == Decision.ALLOW) toAll.add(o);
            else needed.add(r);
        }
        List<Unused> unused = unused(user, allowed, ns, clusterBindings);
        return new Report(subject, since, ns, suggest(subject, needed), unused, denied, toAll, seen, !clusterBindings);
    }

    // ---- (a) the suggestion ----

    /**
     * The Roles and bindings that allow exactly {@code requests} to {@code subject} (a user name or
     * {@code system:serviceaccount:<namespace>:<name>}), named {@code least-privilege:<name>}
     * ({@code least-privilege:<namespace>:<name>} for a ServiceAccount).
     */
    public static Suggestion suggest(String subject, List<Request> requests) {
        Subject who = bindingSubject(subject);
        String name = objectName(subject);
        Map<String, List<Request>> byNamespace = new TreeMap<>();
        List<Request> cluster = new ArrayList<>();
        for (Request r : requests) {
            if (r.resourceRequest() && !r.namespace().isEmpty()) byNamespace.computeIfAbsent(r.namespace(), k -> new ArrayList<>()).add(r);
            else cluster.add(r);
        }
        List<ClusterRole> clusterRoles = new ArrayList<>();
        List<ClusterRoleBinding> clusterBindings = new ArrayList<>();
        if (!cluster.isEmpty()) {
            clusterRoles.add(new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata().withRules(rules(cluster)).build());
            clusterBindings.add(new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
                    .withRoleRef(new RoleRef(RBAC, "ClusterRole", name)).withSubjects(who).build());
        }
        List<Role> roles = new ArrayList<>();
        List<RoleBinding> bindings = new ArrayList<>();
        for (Map.Entry<String, List<Request>> e : byNamespace.entrySet()) {
            roles.add(new RoleBuilder().withNewMetadata().withName(name).withNamespace(e.getKey()).endMetadata()
                    .withRules(rules(e.getValue())).build());
            bindings.add(new RoleBindingBuilder().withNewMetadata().withName(name).withNamespace(e.getKey()).endMetadata()
                    .withRoleRef(new RoleRef(RBAC, "Role", name)).withSubjects(who).build());
        }
        return new Suggestion(clusterRoles, clusterBindings, roles, bindings);
    }

    /** The names one verb was used with; {@code any} once a request named no object. */
    private static final class Names {
        boolean any;
        final TreeSet<String> names = new TreeSet<>();

        String key() {
            return any ? "" : String.join("\n", names);
        }
    }

    /** The smallest rules that allow exactly these requests. */
    static List<PolicyRule> rules(List<Request> requests) {
        // group -> resource[/subresource] -> verb -> names
        Map<String, Map<String, Map<String, Names>>> resources = new TreeMap<>();
        Map<String, Set<String>> paths = new TreeMap<>();
        for (Request r : requests) {
            if (!r.resourceRequest()) {
                paths.computeIfAbsent(r.path(), k -> new TreeSet<>(VERBS)).add(r.verb());
                continue;
            }
            String resource = r.subresource().isEmpty() ? r.resource() : r.resource() + "/" + r.subresource();
            Names n = resources.computeIfAbsent(r.apiGroup(), k -> new TreeMap<>()).computeIfAbsent(resource, k -> new TreeMap<>())
                    .computeIfAbsent(r.verb(), k -> new Names());
            if (r.name().isEmpty()) n.any = true;
            else n.names.add(r.name());
        }
        List<PolicyRule> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, Map<String, Names>>> g : resources.entrySet()) {
            // (verbs, names) -> the resources that share them, in order
            Map<String, Shared> shared = new LinkedHashMap<>();
            for (Map.Entry<String, Map<String, Names>> res : g.getValue().entrySet()) {
                Map<String, Set<String>> verbsByNames = new LinkedHashMap<>();
                Map<String, Names> namesByKey = new LinkedHashMap<>();
                for (Map.Entry<String, Names> v : res.getValue().entrySet()) {
                    verbsByNames.computeIfAbsent(v.getValue().key(), k -> new TreeSet<>(VERBS)).add(v.getKey());
                    namesByKey.putIfAbsent(v.getValue().key(), v.getValue());
                }
                for (Map.Entry<String, Set<String>> e : verbsByNames.entrySet()) {
                    Names names = namesByKey.get(e.getKey());
                    String key = String.join(",", e.getValue()) + "|" + e.getKey();
                    shared.computeIfAbsent(key, k -> new Shared(List.copyOf(e.getValue()), names.any ? List.of() : List.copyOf(names.names)))
                            .resources.add(res.getKey());
                }
            }
            for (Shared s : shared.values()) {
                PolicyRuleBuilder b = new PolicyRuleBuilder().withApiGroups(g.getKey()).withResources(s.resources).withVerbs(s.verbs);
                if (!s.names.isEmpty()) b.withResourceNames(s.names);
                out.add(b.build());
            }
        }
        Map<String, List<String>> pathsByVerbs = new LinkedHashMap<>();
        Map<String, List<String>> verbsOf = new LinkedHashMap<>();
        for (Map.Entry<String, Set<String>> p : paths.entrySet()) {
            String key = String.join(",", p.getValue());
            pathsByVerbs.computeIfAbsent(key, k -> new ArrayList<>()).add(p.getKey());
            verbsOf.putIfAbsent(key, List.copyOf(p.getValue()));
        }
        for (Map.Entry<String, List<String>> e : pathsByVerbs.entrySet()) {
            out.add(new PolicyRuleBuilder().withNonResourceURLs(e.getValue()).withVerbs(verbsOf.get(e.getKey())).build());
        }
        return out;
    }

    private record Shared(List<String> verbs, List<String> names, List<String> resources) {
        Shared(List<String> verbs, List<String> names) {
            this(verbs, names, new ArrayList<>());
        }
    }

    // ---- (b) what is held and not used ----

    private List<Unused> unused(UserInfo user, List<Request> allowed, String namespace, boolean clusterBindings) {
        List<Binding> bindings = new ArrayList<>();
        if (clusterBindings) bindings.addAll(index.clusterBindingsFor(user));
        bindings.addAll(namespace.isEmpty() ? index.bindingsEverywhereFor(user) : index.bindingsFor(user, namespace));
        List<Unused> out = new ArrayList<>();
        for (Binding b : bindings) {
            if (!personal(b, user)) continue;
            RbacAuthorizer.RoleRules rr = rbac.roleRefRules(b.roleRef(), b.namespace());
            if (!rr.resolved()) continue;   // it grants nothing
            List<Request> reach = b.cluster() ? allowed
                    : allowed.stream().filter(r -> r.resourceRequest() && r.namespace().equals(b.namespace())).toList();
            for (PolicyRule rule : rr.rules()) {
                out.addAll(unused(b, rule, reach, false));
                out.addAll(unused(b, rule, reach, true));
            }
        }
        return out;
    }

    /** The parts of one rule (its resources, or its paths) with verbs left unused; those with the same unused verbs share an entry. */
    private static List<Unused> unused(Binding b, PolicyRule rule, List<Request> reach, boolean paths) {
        List<String> targets = RuleMatcher.nn(paths ? rule.getNonResourceURLs() : rule.getResources());
        List<String> verbs = RuleMatcher.nn(rule.getVerbs());
        Map<String, List<String>> targetsByVerbs = new LinkedHashMap<>();
        Map<String, List<String>[]> verbsOf = new LinkedHashMap<>();
        for (String target : targets) {
            PolicyRule part = paths ? new PolicyRuleBuilder(rule).withResources().withNonResourceURLs(target).build()
                    : new PolicyRuleBuilder(rule).withResources(target).withNonResourceURLs().build();
            Set<String> used = new TreeSet<>(VERBS);
            for (Request r : reach) {
                if (r.resourceRequest() == !paths && RuleMatcher.ruleAllows(r.attributes(null), part)) used.add(r.verb());
            }
            List<String> left = verbs.contains(RuleMatcher.ALL) ? List.of(RuleMatcher.ALL)
                    : verbs.stream().filter(v -> !used.contains(v)).sorted(VERBS).toList();
            if (left.isEmpty()) continue;
            String key = String.join(",", left) + "|" + String.join(",", used);
            targetsByVerbs.computeIfAbsent(key, k -> new ArrayList<>()).add(target);
            @SuppressWarnings("unchecked") List<String>[] pair = new List[] {left, List.copyOf(used)};
            verbsOf.putIfAbsent(key, pair);
        }
        List<Unused> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : targetsByVerbs.entrySet()) {
            List<String>[] pair = verbsOf.get(e.getKey());
            PolicyRuleBuilder narrowed = new PolicyRuleBuilder(rule).withVerbs(pair[0]);
            if (paths) narrowed.withResources().withApiGroups().withResourceNames().withNonResourceURLs(e.getValue());
            else narrowed.withResources(e.getValue()).withNonResourceURLs();
            out.add(new Unused(b, narrowed.build(), pair[1]));
        }
        return out;
    }

    /** Whether the binding names the user other than through the groups every user is in. */
    private static boolean personal(Binding b, UserInfo user) {
        for (Subject s : b.subjects()) {
            if (!BindingIndex.applies(user, s, b.namespace())) continue;
            if (!"Group".equals(s.getKind()) || !universal(s.getName())) return true;
        }
        return false;
    }

    /** The groups a user is in for being authenticated, unauthenticated, or a ServiceAccount at all. */
    private static boolean universal(String group) {
        return Groups.SYSTEM_AUTHENTICATED.equals(group) || Groups.SYSTEM_UNAUTHENTICATED.equals(group)
                || Groups.SYSTEM_SERVICEACCOUNTS.equals(group);
    }

    // ---- subjects and names ----

    /**
     * The binding subject for a user name or {@code system:serviceaccount:<namespace>:<name>};
     * IllegalArgumentException for an empty name or a malformed ServiceAccount name.
     */
    public static Subject bindingSubject(String subject) {
        if (subject == null || subject.isEmpty()) throw new IllegalArgumentException("a subject is required");
        if (subject.startsWith(Groups.SERVICEACCOUNT_USER_PREFIX)) {
            String[] parts = subject.substring(Groups.SERVICEACCOUNT_USER_PREFIX.length()).split(":", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new IllegalArgumentException("a ServiceAccount is named " + Groups.SERVICEACCOUNT_USER_PREFIX + "<namespace>:<name>");
            }
            return new Subject("", "ServiceAccount", parts[1], parts[0]);
        }
        return new Subject(RBAC, "User", subject, null);
    }

    /** {@code least-privilege:<user>} or {@code least-privilege:<namespace>:<name>}; '/' and '%', which names cannot hold, become '-'. */
    static String objectName(String subject) {
        String base = subject.startsWith(Groups.SERVICEACCOUNT_USER_PREFIX) ? subject.substring(Groups.SERVICEACCOUNT_USER_PREFIX.length()) : subject;
        return "least-privilege:" + base.replace('/', '-').replace('%', '-');
    }

    /** The user as it authenticates: a ServiceAccount's groups are known; a user's are those it was last seen with. */
    private static UserInfo userInfo(String name, Subject who, List<String> seenGroups) {
        if ("ServiceAccount".equals(who.getKind())) {
            return UserInfo.of(name, Groups.SYSTEM_SERVICEACCOUNTS, Groups.SERVICEACCOUNTS_PREFIX + who.getNamespace(), Groups.SYSTEM_AUTHENTICATED);
        }
        Set<String> groups = new LinkedHashSet<>(seenGroups);
        if (groups.isEmpty()) groups.add(Groups.SYSTEM_AUTHENTICATED);
        return UserInfo.of(name, groups.toArray(String[]::new));
    }

    /** Objects (typed or JSON trees) as a YAML stream, one document each. */
    public static String yaml(List<?> objects) {
        YAMLMapper yaml = new YAMLMapper();
        StringBuilder out = new StringBuilder();
        for (Object o : objects) out.append(yaml.writeValueAsString(Json.MAPPER.valueToTree(o)));
        return out.toString();
    }
}
