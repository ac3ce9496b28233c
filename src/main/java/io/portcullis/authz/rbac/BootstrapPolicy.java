package io.portcullis.authz.rbac;

import static io.portcullis.authz.rbac.RuleMatcher.nn;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.rbac.AggregationRule;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.portcullis.api.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Upstream's default ClusterRoles and ClusterRoleBindings, shipped whole (node, controller and
 * scheduler roles included: they are inert without those components, and keeping the set
 * identical to upstream's keeps policy written for a cluster working here), and the
 * reconciliation run at each start: missing objects are created, objects annotated
 * {@code rbac.authorization.kubernetes.io/autoupdate: "false"} are left alone, others get missing
 * rules, subjects and aggregation selectors added, never removed. Beside them, the project's own
 * defaults, all named {@code system:portcullis:*}.
 */
public final class BootstrapPolicy {
    public static final String AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate";
    private static final String PREFIX = "/io/portcullis/authz/rbac/";

    private BootstrapPolicy() {}

    public static final String OWN_PREFIX = "system:portcullis:";

    /**
     * The whole bootstrap policy, as {@link #clusterRoles()} and {@link #clusterRoleBindings()} give it.
     * Its lists cannot change, and what reads them never changes their objects ({@link #reconcile}
     * writes to copies), so one parse serves every server in the JVM ({@link #shared()}).
     */
    public record Defaults(List<ClusterRole> clusterRoles, List<ClusterRoleBinding> clusterRoleBindings) {
        private static Defaults shared;

        public Defaults {
            clusterRoles = List.copyOf(clusterRoles);
            clusterRoleBindings = List.copyOf(clusterRoleBindings);
        }

        public static Defaults load() {
            return new Defaults(BootstrapPolicy.clusterRoles(), BootstrapPolicy.clusterRoleBindings());
        }

        /** {@link #load()}, parsed on the first call and the same afterwards: a later server in a test JVM skips the parse. */
        public static synchronized Defaults shared() {
            if (shared == null) shared = load();
            return shared;
        }
    }

    /**
     * Upstream's default ClusterRoles, then the project's own: every authenticated user may ask the
     * policy reviews (system:portcullis:policy-reviewer); each review then checks what the asker may
     * see, as SelfSubjectAccessReview is open to all and reveals only the asker's own.
     */
    public static List<ClusterRole> clusterRoles() {
        List<ClusterRole> all = new ArrayList<>(load("cluster-roles.json", ClusterRole.class));
        all.addAll(load("portcullis-cluster-roles.json", ClusterRole.class));
        return all;
    }

    /** Upstream's default ClusterRoleBindings, then the project's own. */
    public static List<ClusterRoleBinding> clusterRoleBindings() {
        List<ClusterRoleBinding> all = new ArrayList<>(load("cluster-role-bindings.json", ClusterRoleBinding.class));
        all.addAll(load("portcullis-cluster-role-bindings.json", ClusterRoleBinding.class));
        return all;
    }

    /** Parses a List (items) or a single object of YAML into the given kind. */
    public static <T> List<T> parse(InputStream yaml, Class<T> type) {
        return items(YAMLMapper.builder().build().readTree(yaml), type);
    }

    /** A List's items, or the single object, as the given kind. */
    private static <T> List<T> items(JsonNode root, Class<T> type) {
        List<T> out = new ArrayList<>();
        JsonNode items = root.get("items");
        if (items != null && items.isArray()) {
            for (JsonNode item : items) out.add(Json.MAPPER.treeToValue(item, type));
        } else {
            out.add(Json.MAPPER.treeToValue(root, type));
        }
        return out;
    }

    private static <T> List<T> load(String file, Class<T> type) {
        try (InputStream in = BootstrapPolicy.class.getResourceAsStream(PREFIX + file)) {
            if (in == null) throw new IllegalStateException("missing classpath resource " + PREFIX + file);
            // shipped as JSON: a YAML parser would cost a start a tenth of a second of CPU
            return items(Json.MAPPER.readTree(in), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ClusterRole to write (create or update), or empty when the existing one is to be left as it is. */
    public static Optional<ClusterRole> reconcile(Optional<ClusterRole> existing, ClusterRole desired) {
        if (existing.isEmpty()) return Optional.of(desired);
        ClusterRole cur = existing.get();
        if (isProtected(cur.getMetadata())) return Optional.empty();
        ClusterRole out = cur.toBuilder().build();
        boolean changed = mergeMeta(out, desired.getMetadata());

        List<PolicyRule> missing = PolicyComparator.uncovered(nn(cur.getRules()), nn(desired.getRules()));
        if (!missing.isEmpty()) {
            List<PolicyRule> rules = new ArrayList<>(nn(cur.getRules()));
            rules.addAll(missing);
            out.setRules(rules);
            changed = true;
        }

        AggregationRule want = desired.getAggregationRule();
        AggregationRule have = cur.getAggregationRule();
        if (want == null && have != null) {
            out.setAggregationRule(null);
            changed = true;
        } else if (want != null) {
            List<LabelSelector> selectors = new ArrayList<>(have == null ? List.of() : nn(have.getClusterRoleSelectors()));
            boolean added = false;
            for (LabelSelector s : nn(want.getClusterRoleSelectors())) {
                if (!selectors.contains(s)) {
                    selectors.add(s);
                    added = true;
                }
            }
            if (added) {
                out.setAggregationRule(new AggregationRule(selectors));
                changed = true;
            }
        }
        return changed ? Optional.of(out) : Optional.empty();
    }

    /** What to write for a ClusterRoleBinding; recreate means delete and create, as upstream does when roleRef differs. */
    public record BindingChange(ClusterRoleBinding binding, boolean recreate) {}

    public static Optional<BindingChange> reconcile(Optional<ClusterRoleBinding> existing, ClusterRoleBinding desired) {
        if (existing.isEmpty()) return Optional.of(new BindingChange(desired, false));
        ClusterRoleBinding cur = existing.get();
        if (isProtected(cur.getMetadata())) return Optional.empty();
        if (!Objects.equals(cur.getRoleRef(), desired.getRoleRef())) return Optional.of(new BindingChange(desired, true));
        ClusterRoleBinding out = cur.toBuilder().build();
        boolean changed = mergeMeta(out.getMetadata() == null ? null : out, desired.getMetadata());
        List<Subject> subjects = new ArrayList<>(nn(cur.getSubjects()));
        for (Subject s : nn(desired.getSubjects())) {
            if (subjects.stream().noneMatch(x -> sameSubject(x, s))) {
                subjects.add(s);
                changed = true;
            }
        }
        out.setSubjects(subjects);
        return changed ? Optional.of(new BindingChange(out, false)) : Optional.empty();
    }

    private static boolean sameSubject(Subject a, Subject b) {
        return Objects.equals(a.getKind(), b.getKind()) && Objects.equals(a.getName(), b.getName())
                && Objects.equals(nz(a.getNamespace()), nz(b.getNamespace())) && Objects.equals(nz(a.getApiGroup()), nz(b.getApiGroup()));
    }

    private static boolean isProtected(ObjectMeta meta) {
        return meta != null && meta.getAnnotations() != null && "false".equals(meta.getAnnotations().get(AUTOUPDATE));
    }

    /** Labels and annotations: the desired ones added, the existing values winning (upstream's merge). */
    private static boolean mergeMeta(io.fabric8.kubernetes.api.model.HasMetadata obj, ObjectMeta desired) {
        if (obj == null || desired == null) return false;
        ObjectMeta meta = obj.getMetadata();
        Map<String, String> annotations = merge(desired.getAnnotations(), meta.getAnnotations());
        Map<String, String> labels = merge(desired.getLabels(), meta.getLabels());
        boolean changed = !annotations.equals(nm(meta.getAnnotations())) || !labels.equals(nm(meta.getLabels()));
        ObjectMeta copy = new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(meta)
                .withAnnotations(annotations.isEmpty() ? null : annotations)
                .withLabels(labels.isEmpty() ? null : labels).build();
        obj.setMetadata(copy);
        return changed;
    }

    private static Map<String, String> merge(Map<String, String> base, Map<String, String> winning) {
        Map<String, String> m = new LinkedHashMap<>(nm(base));
        m.putAll(nm(winning));
        return m;
    }

    private static Map<String, String> nm(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
