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
import io.portcullis.authz.Attributes;
import io.portcullis.authz.rbac.BindingIndex;
import io.portcullis.authz.rbac.ClusterRoleLister;
import io.portcullis.authz.rbac.RbacAuthorizer;
import io.portcullis.authz.rbac.RuleMatcher;
import io.portcullis.authz.rbac.WhoCan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * One who-can with 10,000 RoleBindings (100 namespaces of 100) and 1,000 ClusterRoleBindings over
 * 200 ClusterRoles of 5 rules each, one role in ten granting the question (get secrets): the
 * index by role beside a scan of every ClusterRoleBinding and every RoleBinding of the namespace
 * (the shape of client-side tools), for a namespaced and a cluster-wide question.
 * Run: java -cp target/test-classes:target/classes:$(cat target/cp-test.txt) org.openjdk.jmh.Main WhoCanBenchmark
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class WhoCanBenchmark {
    static final int NAMESPACES = 100;
    static final int ROLE_BINDINGS = 10_000;
    static final int CLUSTER_BINDINGS = 1_000;
    static final int CLUSTER_ROLES = 200;
    static final String[] RESOURCES = {"pods", "configmaps", "services", "deployments", "jobs", "leases", "events", "endpoints"};

    WhoCan whoCan;
    Scan scan;
    final Attributes namespaced = Attributes.resource(null, "get", "", "secrets", "", "ns42", "");
    final Attributes clusterWide = Attributes.resource(null, "get", "", "secrets", "", "", "");

    @Setup
    public void setUp() {
        List<ClusterRole> roles = new ArrayList<>();
        for (int i = 0; i < CLUSTER_ROLES; i++) {
            List<PolicyRule> rules = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                String resource = k == 4 && i % 10 == 0 ? "secrets" : RESOURCES[(i + k) % RESOURCES.length];
                rules.add(new PolicyRuleBuilder().withVerbs("get", "list", "watch").withApiGroups("").withResources(resource).build());
            }
            roles.add(new ClusterRoleBuilder().withNewMetadata().withName("role" + i).endMetadata().withRules(rules).build());
        }
        List<RoleBinding> rbs = new ArrayList<>();
        for (int i = 0; i < ROLE_BINDINGS; i++) {
            rbs.add(new RoleBindingBuilder().withNewMetadata().withNamespace("ns" + (i % NAMESPACES)).withName("rb" + i).endMetadata()
                    .withRoleRef(new RoleRef("rbac.authorization.k8s.io", "ClusterRole", "role" + (i % CLUSTER_ROLES)))
                    .withSubjects(new Subject("", "ServiceAccount", "sa" + i, null)).build());
        }
        List<ClusterRoleBinding> crbs = new ArrayList<>();
        for (int i = 0; i < CLUSTER_BINDINGS; i++) {
            crbs.add(new ClusterRoleBindingBuilder().withNewMetadata().withName("crb" + i).endMetadata()
                    .withRoleRef(new RoleRef("rbac.authorization.k8s.io", "ClusterRole", "role" + ((i * 7) % CLUSTER_ROLES)))
                    .withSubjects(new Subject("rbac.authorization.k8s.io", "User", "user" + i, null)).build());
        }
        ClusterRoleLister lister = ClusterRoleLister.of(roles);
        BindingIndex index = BindingIndex.of(rbs, crbs);
        whoCan = new WhoCan(new RbacAuthorizer((ns, n) -> Optional.empty(), lister, index), index);
        scan = new Scan(lister, rbs, crbs);
        int indexed = whoCan.who(namespaced, true).size();
        int scanned = scan.who(namespaced).size();
        if (indexed != scanned || indexed == 0) throw new IllegalStateException("setup: index " + indexed + ", scan " + scanned);
    }

    @Benchmark
    public int indexedNamespaced() { return whoCan.who(namespaced, true).size(); }

    @Benchmark
    public int indexedClusterWide() { return whoCan.who(clusterWide, true).size(); }

    @Benchmark
    public int scanNamespaced() { return scan.who(namespaced).size(); }

    @Benchmark
    public int scanClusterWide() { return scan.who(clusterWide).size(); }

    /** Every ClusterRoleBinding, then every RoleBinding of the namespace, each role resolved and matched in turn. */
    static final class Scan {
        final ClusterRoleLister clusterRoles;
        final Map<String, List<RoleBinding>> byNamespace = new HashMap<>();
        final List<ClusterRoleBinding> clusterBindings;

        Scan(ClusterRoleLister clusterRoles, List<RoleBinding> rbs, List<ClusterRoleBinding> crbs) {
            this.clusterRoles = clusterRoles;
            for (RoleBinding rb : rbs) byNamespace.computeIfAbsent(rb.getMetadata().getNamespace(), k -> new ArrayList<>()).add(rb);
            this.clusterBindings = crbs;
        }

        Set<String> who(Attributes a) {
            Set<String> out = new TreeSet<>();
            for (ClusterRoleBinding b : clusterBindings) {
                if (allows(a, b.getRoleRef())) b.getSubjects().forEach(s -> out.add(s.getKind() + "/" + s.getName()));
            }
            if (!a.namespace().isEmpty()) {
                for (RoleBinding b : byNamespace.getOrDefault(a.namespace(), List.of())) {
                    if (allows(a, b.getRoleRef())) b.getSubjects().forEach(s -> out.add(s.getKind() + "/" + a.namespace() + "/" + s.getName()));
                }
            }
            return out;
        }

        private boolean allows(Attributes a, RoleRef ref) {
            return clusterRoles.get(ref.getName()).map(r -> RuleMatcher.rulesAllow(a, r.getRules())).orElse(false);
        }
    }

    public static void main(String[] args) throws Exception {
        new Runner(new OptionsBuilder().include(WhoCanBenchmark.class.getSimpleName() + (args.length > 0 ? "." + args[0] : ""))
                .resultFormat(org.openjdk.jmh.results.format.ResultFormatType.TEXT).build()).run();
    }
}
