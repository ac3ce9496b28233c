package io.portcullis.authz.rbac;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.portcullis.authn.Groups;
import io.portcullis.authn.UserInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RoleBindings and ClusterRoleBindings indexed by the user and group names of their subjects, so
 * that a decision looks only at the bindings that name the caller. A ServiceAccount subject is
 * indexed as the user {@code system:serviceaccount:<namespace>:<name>}, its namespace defaulting
 * to the RoleBinding's (a ClusterRoleBinding's ServiceAccount subject without namespace matches
 * nobody, as upstream). The server feeds it from watch events; writers are serialized, readers
 * never lock and see each key's array replaced whole (copy-on-write).
 */
public final class BindingIndex {
    public static final String ROLE_BINDING = "RoleBinding";
    public static final String CLUSTER_ROLE_BINDING = "ClusterRoleBinding";
    private static final Binding[] NONE = new Binding[0];

    /** One binding as indexed; namespace is "" for a ClusterRoleBinding. Immutable. */
    public static final class Binding {
        private static final byte NOBODY = 0, USER = 1, GROUP = 2;

        private final String kind;
        private final String namespace;
        private final String name;
        private final RoleRef roleRef;
        // the role reference's kind (as the RoleRef's, or the shared constant) and name, read
        // without going through the RoleRef on the decision path
        private final String roleKind;
        private final String roleName;
        private final List<Subject> subjects;
        // each subject as the decision path reads it: a user name (a ServiceAccount as its user
        // name), a group name, or nobody (no kind or name, an unknown kind, a ServiceAccount
        // without namespace); so matching touches no Subject
        private final byte[] subjectKinds;
        private final String[] subjectNames;
        // "RBAC: allowed by ..." per subject, built once so that an ALLOW costs no formatting
        private final String[] reasons;

        public Binding(String kind, String namespace, String name, RoleRef roleRef, List<Subject> subjects) {
            this.kind = kind;
            this.namespace = namespace;
            this.name = name;
            this.roleRef = roleRef;
            this.roleKind = roleRef == null ? null : canonicalKind(roleRef.getKind());
            this.roleName = roleRef == null ? null : roleRef.getName();
            this.subjects = subjects == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(subjects));
            int n = this.subjects.size();
            this.subjectKinds = new byte[n];
            this.subjectNames = new String[n];
            this.reasons = new String[n];
            for (int i = 0; i < n; i++) {
                Subject s = this.subjects.get(i);
                String user = userName(s, namespace);
                if (user != null) {
                    subjectKinds[i] = USER;
                    subjectNames[i] = user;
                } else if ("Group".equals(s.getKind()) && s.getName() != null) {
                    subjectKinds[i] = GROUP;
                    subjectNames[i] = s.getName();
                }
                reasons[i] = "RBAC: allowed by " + describe(s);
            }
        }

        private static String canonicalKind(String kind) {
            if ("ClusterRole".equals(kind)) return "ClusterRole";
            if ("Role".equals(kind)) return "Role";
            return kind;
        }

        public String kind() { return kind; }
        public String namespace() { return namespace; }
        public String name() { return name; }
        public RoleRef roleRef() { return roleRef; }
        public List<Subject> subjects() { return subjects; }

        public boolean cluster() {
            return CLUSTER_ROLE_BINDING.equals(kind);
        }

        /** The index of the first subject that names the user, as upstream's appliesTo; -1 when none does. */
        public int subjectFor(UserInfo user) {
            for (int i = 0; i < subjectKinds.length; i++) {
                byte k = subjectKinds[i];
                if (k == USER ? subjectNames[i].equals(user.name()) : k == GROUP && user.groups().contains(subjectNames[i])) {
                    return i;
                }
            }
            return -1;
        }

        String roleKind() { return roleKind; }
        String roleName() { return roleName; }

        /**
         * Upstream's description of the source of a rule: {@code ClusterRoleBinding "b" of
         * ClusterRole "r" to User "u"} or {@code RoleBinding "b/ns" of Role "r" to ServiceAccount "sa/ns"}.
         */
        public String describe(UserInfo user) {
            int i = subjectFor(user);
            return i < 0 ? "" : reasons[i].substring("RBAC: allowed by ".length());
        }

        /** The authorizer's ALLOW reason for the user. */
        String reason(UserInfo user) {
            int i = subjectFor(user);
            return i < 0 ? "RBAC: allowed by " + describe((Subject) null) : reasons[i];
        }

        private String describe(Subject s) {
            String subject = s == null ? "" : describeSubject(s, namespace);
            String bindingName = cluster() ? name : name + "/" + namespace;
            return kind + " " + Quote.go(bindingName) + " of " + (roleRef == null ? "" : roleRef.getKind()) + " "
                    + Quote.go(roleRef == null ? "" : String.valueOf(roleRef.getName())) + " to " + subject;
        }

        private static String describeSubject(Subject s, String bindingNamespace) {
            if ("ServiceAccount".equals(s.getKind())) {
                String ns = s.getNamespace() == null || s.getNamespace().isEmpty() ? bindingNamespace : s.getNamespace();
                return s.getKind() + " " + Quote.go(s.getName() + "/" + ns);
            }
            return s.getKind() + " " + Quote.go(String.valueOf(s.getName()));
        }
    }

    /**
     * Bindings of one scope (the cluster, or one namespace) by user name and by group name, and by
     * the role they refer to ({@code Role/<name>} or {@code ClusterRole/<name>}), for who-can.
     */
    static final class Scope {
        final Map<String, Binding[]> users = new ConcurrentHashMap<>();
        final Map<String, Binding[]> groups = new ConcurrentHashMap<>();
        final Map<String, Binding[]> roles = new ConcurrentHashMap<>();

        Binding[] user(String name) {
            Binding[] b = users.get(name);
            return b == null ? NONE : b;
        }

        Binding[] group(String name) {
            Binding[] b = groups.get(name);
            return b == null ? NONE : b;
        }

        boolean isEmpty() {
            return users.isEmpty() && groups.isEmpty() && roles.isEmpty();
        }
    }

    private final Scope cluster = new Scope();
    private final Map<String, Scope> namespaces = new ConcurrentHashMap<>();
    // writer-side bookkeeping, guarded by this
    private final Map<String, Binding> clusterByName = new HashMap<>();
    private final Map<String, Map<String, Binding>> byNamespace = new HashMap<>();

    public static BindingIndex of(List<RoleBinding> roleBindings, List<ClusterRoleBinding> clusterRoleBindings) {
        BindingIndex index = new BindingIndex();
        roleBindings.forEach(index::put);
        clusterRoleBindings.forEach(index::put);
        return index;
    }

    /** Adds or replaces a RoleBinding (by namespace and name). */
    public synchronized void put(RoleBinding binding) {
        String ns = Objects.requireNonNull(binding.getMetadata().getNamespace(), "RoleBinding without namespace");
        String name = binding.getMetadata().getName();
        remove(ns, name);
        Binding b = new Binding(ROLE_BINDING, ns, name, binding.getRoleRef(), binding.getSubjects());
        byNamespace.computeIfAbsent(ns, k -> new HashMap<>()).put(name, b);
        Scope scope = namespaces.computeIfAbsent(ns, k -> new Scope());
        add(scope, b);
    }

    /** Adds or replaces a ClusterRoleBinding (by name). */
    public synchronized void put(ClusterRoleBinding binding) {
        String name = binding.getMetadata().getName();
        removeCluster(name);
        Binding b = new Binding(CLUSTER_ROLE_BINDING, "", name, binding.getRoleRef(), binding.getSubjects());
        clusterByName.put(name, b);
        add(cluster, b);
    }

    public synchronized void remove(String namespace, String name) {
        Map<String, Binding> names = byNamespace.get(namespace);
        if (names == null) return;
        Binding old = names.remove(name);
        if (old == null) return;
        if (names.isEmpty()) byNamespace.remove(namespace);
        Scope scope = namespaces.get(namespace);
        drop(scope, old);
        if (scope.isEmpty()) namespaces.remove(namespace);
    }

    public synchronized void removeCluster(String name) {
        Binding old = clusterByName.remove(name);
        if (old != null) drop(cluster, old);
    }

    /** The ClusterRoleBindings naming the user, one of its groups, or its ServiceAccount; each once. */
    public List<Binding> clusterBindingsFor(UserInfo user) {
        return collect(cluster, user);
    }

    /** The RoleBindings of that namespace naming the user, one of its groups, or its ServiceAccount; each once. */
    public List<Binding> bindingsFor(UserInfo user, String namespace) {
        Scope scope = namespaces.get(namespace);
        return scope == null ? List.of() : collect(scope, user);
    }

    /** The RoleBindings of every namespace naming the user, one of its groups, or its ServiceAccount; by namespace. */
    public List<Binding> bindingsEverywhereFor(UserInfo user) {
        List<Binding> out = new ArrayList<>();
        for (String ns : new java.util.TreeSet<>(namespaces.keySet())) out.addAll(bindingsFor(user, ns));
        return out;
    }

    /** Every binding, for inspection; not used on the decision path. */
    public synchronized int size() {
        return clusterByName.size() + byNamespace.values().stream().mapToInt(Map::size).sum();
    }

    Scope clusterScope() {
        return cluster;
    }

    Scope namespaceScope(String namespace) {
        return namespaces.get(namespace);
    }

    private static List<Binding> collect(Scope scope, UserInfo user) {
        Set<Binding> found = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Binding> out = new ArrayList<>();
        for (Binding b : scope.user(user.name())) {
            if (found.add(b)) out.add(b);
        }
        for (String g : user.groups()) {
            for (Binding b : scope.group(g)) {
                if (found.add(b)) out.add(b);
            }
        }
        return out;
    }

    private static void add(Scope scope, Binding b) {
        for (String u : userKeys(b)) scope.users.compute(u, (k, arr) -> append(arr, b));
        for (String g : groupKeys(b)) scope.groups.compute(g, (k, arr) -> append(arr, b));
        String role = roleKey(b.roleRef());
        if (role != null) scope.roles.compute(role, (k, arr) -> append(arr, b));
    }

    private static void drop(Scope scope, Binding b) {
        for (String u : userKeys(b)) scope.users.computeIfPresent(u, (k, arr) -> without(arr, b));
        for (String g : groupKeys(b)) scope.groups.computeIfPresent(g, (k, arr) -> without(arr, b));
        String role = roleKey(b.roleRef());
        if (role != null) scope.roles.computeIfPresent(role, (k, arr) -> without(arr, b));
    }

    /** {@code <kind>/<name>} of a role reference; null when it names no kind or name (it grants nothing). */
    static String roleKey(RoleRef ref) {
        if (ref == null || ref.getKind() == null || ref.getName() == null) return null;
        return ref.getKind() + "/" + ref.getName();
    }

    private static Binding[] append(Binding[] arr, Binding b) {
        if (arr == null) return new Binding[] {b};
        Binding[] copy = Arrays.copyOf(arr, arr.length + 1);
        copy[arr.length] = b;
        return copy;
    }

    private static Binding[] without(Binding[] arr, Binding b) {
        int n = 0;
        Binding[] copy = new Binding[arr.length];
        for (Binding x : arr) {
            if (x != b) copy[n++] = x;
        }
        return n == 0 ? null : Arrays.copyOf(copy, n);
    }

    private static Set<String> userKeys(Binding b) {
        return keys(b, Binding.USER);
    }

    private static Set<String> groupKeys(Binding b) {
        return keys(b, Binding.GROUP);
    }

    private static Set<String> keys(Binding b, byte kind) {
        Set<String> keys = new LinkedHashSet<>();
        for (int i = 0; i < b.subjectKinds.length; i++) {
            if (b.subjectKinds[i] == kind) keys.add(b.subjectNames[i]);
        }
        return keys;
    }

    /** The user name a User or ServiceAccount subject names; null for any other subject, or one that names nobody. */
    private static String userName(Subject s, String bindingNamespace) {
        if (s.getKind() == null || s.getName() == null) return null;
        if ("User".equals(s.getKind())) return s.getName();
        if (!"ServiceAccount".equals(s.getKind())) return null;
        String ns = s.getNamespace() == null || s.getNamespace().isEmpty() ? bindingNamespace : s.getNamespace();
        return ns == null || ns.isEmpty() ? null : Groups.SERVICEACCOUNT_USER_PREFIX + ns + ":" + s.getName();
    }

    /** Upstream's appliesToUser: User by name, Group by membership, ServiceAccount by its username. */
    static boolean applies(UserInfo user, Subject s, String bindingNamespace) {
        if (s.getKind() == null || s.getName() == null) return false;
        switch (s.getKind()) {
            case "User":
                return s.getName().equals(user.name());
            case "Group":
                return user.groups().contains(s.getName());
            case "ServiceAccount": {
                String ns = s.getNamespace() == null || s.getNamespace().isEmpty() ? bindingNamespace : s.getNamespace();
                if (ns == null || ns.isEmpty()) return false;
                return user.name().equals(Groups.SERVICEACCOUNT_USER_PREFIX + ns + ":" + s.getName());
            }
            default:
                return false;
        }
    }
}
