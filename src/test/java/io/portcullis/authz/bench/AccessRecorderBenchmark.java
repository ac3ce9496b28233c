package io.portcullis.authz.bench;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.AccessRecorder;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.Authorizers;
import io.portcullis.authz.rbac.BindingIndex;
import io.portcullis.authz.rbac.ClusterRoleLister;
import io.portcullis.authz.rbac.RbacAuthorizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

/**
 * What recording each decision for least-privilege reports adds to it: one RBAC decision (10,000
 * RoleBindings over 100 namespaces and 1,000 ClusterRoleBindings) bare, and through
 * {@link Authorizers#recording} as the server wires it, over 1,024 requests of 1,024 users (the
 * recorder holds them all: the steady state of a server whose clients repeat their requests). Each
 * request's strings are fresh copies, as a request's parsed path gives them, so that hashing is paid
 * as on the server; both sides pay the copying alike. {@code recordOnly} is the recorder alone.
 * Run: java -cp target/test-classes:target/classes:$(cat target/cp-test.txt) org.openjdk.jmh.Main AccessRecorderBenchmark
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class AccessRecorderBenchmark {
    static final int NAMESPACES = 100;
    static final int ROLE_BINDINGS = 10_000;
    static final int CLUSTER_BINDINGS = 1_000;
    static final int REQUESTS = 1024;

    Authorizer bare;
    Authorizer recorded;
    AccessRecorder recorder;
    final UserInfo[] users = new UserInfo[REQUESTS];
    final String[] namespaces = new String[REQUESTS];
    final String[] names = new String[REQUESTS];
    int next;

    @Setup
    public void setUp() {
        List<ClusterRole> roles = List.of(new ClusterRoleBuilder().withNewMetadata().withName("config-reader").endMetadata()
                .withRules(new PolicyRuleBuilder().withVerbs("get", "list", "watch").withApiGroups("").withResources("configmaps").build()).build());
        List<RoleBinding> rbs = new ArrayList<>();
        for (int i = 0; i < ROLE_BINDINGS; i++) {
            rbs.add(new RoleBindingBuilder().withNewMetadata().withNamespace("ns" + (i % NAMESPACES)).withName("rb" + i).endMetadata()
                    .withRoleRef(new RoleRef("rbac.authorization.k8s.io", "ClusterRole", "config-reader"))
                    .withSubjects(new Subject("", "ServiceAccount", "sa" + i, null)).build());
        }
        List<ClusterRoleBinding> crbs = new ArrayList<>();
        for (int i = 0; i < CLUSTER_BINDINGS; i++) {
            crbs.add(new ClusterRoleBindingBuilder().withNewMetadata().withName("crb" + i).endMetadata()
                    .withRoleRef(new RoleRef("rbac.authorization.k8s.io", "ClusterRole", "config-reader"))
                    .withSubjects(new Subject("rbac.authorization.k8s.io", "User", "user" + i, null)).build());
        }
        bare = new RbacAuthorizer((ns, n) -> Optional.empty(), ClusterRoleLister.of(roles), BindingIndex.of(rbs, crbs));
        recorder = AccessRecorder.bounded();
        recorded = Authorizers.recording(bare, recorder);
        java.util.Random random = new java.util.Random(42);
        for (int k = 0; k < REQUESTS; k++) {
            int i = random.nextInt(ROLE_BINDINGS);
            String ns = "ns" + (i % NAMESPACES);
            users[k] = UserInfo.of("system:serviceaccount:" + ns + ":sa" + i, "system:serviceaccounts", "system:serviceaccounts:" + ns,
                    "system:authenticated");
            namespaces[k] = ns;
            names[k] = "config-" + k;
        }
        for (int k = 0; k < REQUESTS; k++) {
            if (!recorded.authorize(request()).allowed()) throw new IllegalStateException("setup: not allowed");
        }
    }

    /** The next request, its strings fresh as a parsed path's. */
    private Attributes request() {
        int k = next = (next + 1) & (REQUESTS - 1);
        return new Attributes(users[k], new String("get"), true, new String(namespaces[k]), new String(""), new String("v1"),
                new String("configmaps"), "", new String(names[k]), "");
    }

    @Benchmark
    public boolean decision() { return bare.authorize(request()).allowed(); }

    @Benchmark
    public boolean decisionRecorded() { return recorded.authorize(request()).allowed(); }

    @Benchmark
    public AccessRecorder recordOnly() {
        recorder.record(request(), true);
        return recorder;
    }
}
