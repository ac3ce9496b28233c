package io.portcullis.authz.bench;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.rbac.BindingIndex;
import io.portcullis.authz.rbac.ClusterRoleLister;
import io.portcullis.authz.rbac.RbacAuthorizer;
import io.portcullis.authz.rbac.RuleMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * One RBAC decision with N RoleBindings (spread over 100 namespaces, one user each) plus 1,000
 * ClusterRoleBindings, for the indexed authorizer and for upstream's shape (every ClusterRoleBinding,
 * then every RoleBinding of the namespace, checked in turn). "allowed" requests are granted by the
 * user's RoleBinding; "denied" ones by nothing.
 * Run: java -cp target/test-classes:target/classes:$(deps) io.portcullis.authz.bench.RbacDecisionBenchmark
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
public class RbacDecisionBenchmark {
    static final int NAMESPACES = 100;
    static final int CLUSTER_BINDINGS = 1_000;
    static final int REQUESTS = 1024;

    @Param({"100", "1000", "10000", "100000"})
    public int bindings;

    RbacAuthorizer indexed;
    Scan scan;
    Attributes[] allowed = new Attributes[REQUESTS];
    Attributes[] denied = new Attributes[REQUESTS];
    int next;

    @Setup
    public void setUp() {
        List<ClusterRole> clusterRoles = new ArrayList<>();
        clusterRoles.add(role("pod-reader", new PolicyRuleBuilder().withVerbs("get", "list", "watch").withApiGroups("").withResources("pods", "pods/log").build()));
        clusterRoles.add(role("discovery", new PolicyRuleBuilder().withVerbs("get").withNonResourceURLs("/api", "/api/*", "/apis", "/apis/*").build()));
        clusterRoles.add(role("deployer", new PolicyRuleBuilder().withVerbs("create", "update").withApiGroups("apps").withResources("deployments").build(),
                new PolicyRuleBuilder().withVerbs("get").withApiGroups("").withResources("configmaps").build()));
        List<RoleBinding> rbs = new ArrayList<>();
        for (int i = 0; i < bindings; i++) {
            rbs.add(new RoleBindingBuilder().withNewMetadata().withNamespace("ns" + (i % NAMESPACES)).withName("rb" + i).endMetadata()
                    .withRoleRef(new RoleRef("rbac.authorization.k8s.io", "ClusterRole", i % 2 == 0 ? "pod-reader" : "deployer"))
                    .withSubjects(new Subject("rbac.authorization.k8s.io", "User", "user" + i, null)).build());
        }
        List<ClusterRoleBinding> crbs = new ArrayList<>();
        for (int i = 0; i < CLUSTER_BINDINGS; i++) {
            crbs.add(new ClusterRoleBindingBuilder().withNewMetadata().withName("crb" + i).endMetadata()
                    .withRoleRef(new RoleRef("rbac.authorization.k8s.io", "ClusterRole", i == 0 ? "discovery" : "deployer"))
                    .withSubjects(new Subject("rbac.authorization.k8s.io", i == 0 ? "Group" : "User", i == 0 ? "system:authenticated" : "cuser" + i, null)).build());
        }
        ClusterRoleLister lister = ClusterRoleLister.of(clusterRoles);
        indexed = new RbacAuthorizer((ns, n) -> Optional.empty(), lister, BindingIndex.of(rbs, crbs));
        scan = new Scan(lister, rbs, crbs);
        java.util.Random random = new java.util.Random(42);
        for (int k = 0; k < REQUESTS; k++) {
            int i = random.nextInt(bindings);
            UserInfo u = UserInfo.of("user" + i, "system:authenticated");
            String ns = "ns" + (i % NAMESPACES);
            allowed[k] = i % 2 == 0
                    ? Attributes.resource(u, "list", "", "pods", "", ns, "")
                    : Attributes.resource(u, "create", "apps", "deployments", "", ns, "");
            denied[k] = Attributes.resource(u, "delete", "", "secrets", "", ns, "s");
        }
        for (int k = 0; k < REQUESTS; k++) {
            if (!indexed.authorize(allowed[k]).allowed() || !scan.allows(allowed[k])) throw new IllegalStateException("setup: not allowed");
            if (indexed.authorize(denied[k]).allowed() || scan.allows(denied[k])) throw new IllegalStateException("setup: allowed");
        }
    }

    static ClusterRole role(String name, PolicyRule... rules) {
        return new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata().withRules(rules).build();
    }

    private Attributes pick(Attributes[] from) {
        next = (next + 1) & (REQUESTS - 1);
        return from[next];
    }

    @Benchmark
    public boolean indexedAllowed() { return indexed.authorize(pick(allowed)).allowed(); }

    @Benchmark
    public boolean indexedDenied() { return indexed.authorize(pick(denied)).allowed(); }

    @Benchmark
    public boolean scanAllowed() { return scan.allows(pick(allowed)); }

    @Benchmark
    public boolean scanDenied() { return scan.allows(pick(denied)); }

    /** Upstream's evaluation shape: every ClusterRoleBinding, then every RoleBinding of the namespace. */
    static final class Scan {
        final ClusterRoleLister clusterRoles;
        final Map<String, List<RoleBinding>> byNamespace = new HashMap<>();
        final List<ClusterRoleBinding> clusterBindings;

        Scan(ClusterRoleLister clusterRoles, List<RoleBinding> rbs, List<ClusterRoleBinding> crbs) {
            this.clusterRoles = clusterRoles;
            for (RoleBinding rb : rbs) byNamespace.computeIfAbsent(rb.getMetadata().getNamespace(), k -> new ArrayList<>()).add(rb);
            this.clusterBindings = crbs;
        }

        boolean allows(Attributes a) {
            for (ClusterRoleBinding b : clusterBindings) {
                if (appliesTo(a.user(), b.getSubjects(), "") && rulesAllow(a, b.getRoleRef())) return true;
            }
            if (!a.namespace().isEmpty()) {
                for (RoleBinding b : byNamespace.getOrDefault(a.namespace(), List.of())) {
                    if (appliesTo(a.user(), b.getSubjects(), a.namespace()) && rulesAllow(a, b.getRoleRef())) return true;
                }
            }
            return false;
        }

        private boolean rulesAllow(Attributes a, RoleRef ref) {
            return clusterRoles.get(ref.getName()).map(r -> RuleMatcher.rulesAllow(a, r.getRules())).orElse(false);
        }

        private static boolean appliesTo(UserInfo user, List<Subject> subjects, String ns) {
            for (Subject s : subjects) {
                switch (s.getKind()) {
                    case "User" -> { if (s.getName().equals(user.name())) return true; }
                    case "Group" -> { if (user.groups().contains(s.getName())) return true; }
                    case "ServiceAccount" -> {
                        String sns = s.getNamespace() == null || s.getNamespace().isEmpty() ? ns : s.getNamespace();
                        if (!sns.isEmpty() && user.name().equals("system:serviceaccount:" + sns + ":" + s.getName())) return true;
                    }
                    default -> { }
                }
            }
            return false;
        }
    }

    public static void main(String[] args) throws Exception {
        new Runner(new OptionsBuilder().include(RbacDecisionBenchmark.class.getSimpleName() + (args.length > 0 ? "." + args[0] : ""))
                .resultFormat(org.openjdk.jmh.results.format.ResultFormatType.TEXT).build()).run();
    }
}
