package io.portcullis.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static io.portcullis.e2e.ReplicasTest.awaitTrue;
import static io.portcullis.e2e.ReplicasTest.configMap;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.portcullis.storage.etcd.EtcdCluster;
import io.portcullis.testing.EndToEnd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three replicas, each its own `portcullis server` process, on a three-member etcd: every replica
 * reads and watches what the others acknowledge, and the whole cluster (every etcd member and every
 * replica) stopped at once and started again keeps every acknowledged write, lets watches resume,
 * and does not write its bootstrap policy twice. The scenarios share the cluster, in order.
 */
@EndToEnd
@Timeout(900)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeReplicasTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Path KUBECTL = Path.of("/usr/bin/kubectl");
    @TempDir static Path dir;
    static EtcdCluster etcd;
    static List<ReplicaProcess> replicas = List.of();

    @BeforeAll
    static void start() throws Exception {
        EtcdCluster.assumeInstalled();
        etcd = EtcdCluster.start(dir.resolve("etcd"), 3);
        replicas = ReplicaProcess.startSharingPki(dir, etcd.endpoints(), List.of("a", "b", "c"));
    }

    @AfterAll
    static void stop() {
        for (ReplicaProcess r : replicas) r.kill();
        if (etcd != null) etcd.close();
    }

    @Test
    @Order(1)
    void everyReplicaReadsAtOnceWhatAnyOtherAcknowledged() throws Exception {
        String ns = namespace("ryw3");
        for (int i = 0; i < 30; i++) {
            // the first write goes through b at once after a created the namespace
            ReplicaProcess writer = replicas.get((i + 1) % 3);
            ConfigMap written = writer.client().configMaps().inNamespace(ns).resource(configMap("cm-" + i)).create();
            String rv = written.getMetadata().getResourceVersion();
            for (ReplicaProcess reader : replicas) {
                ConfigMap read = reader.client().configMaps().inNamespace(ns).withName("cm-" + i).get();
                assertThat(read).as("cm-%d written through %s, read through %s", i, writer, reader).isNotNull();
                assertThat(read.getMetadata().getResourceVersion()).as("read through %s", reader).isEqualTo(rv);
                assertThat(reader.client().configMaps().inNamespace(ns).list().getItems())
                        .as("listed through %s", reader).extracting(c -> c.getMetadata().getName()).contains("cm-" + i);
            }
            if (i % 10 == 0) {
                // the real kubectl, through the replica after the writer
                ReplicaProcess reader = replicas.get((i + 2) % 3);
                String out = kubectl(reader, "-n", ns, "get", "configmap", "cm-" + i, "-o", "jsonpath={.metadata.resourceVersion}");
                assertThat(out).as("kubectl through %s", reader).isEqualTo(rv);
            }
        }
    }

    @Test
    @Order(2)
    void aWatchOnEachReplicaSeesTheWritesOfAllThreeInOrderWithoutGapOrDuplicate() throws Exception {
        String ns = namespace("watch3");
        Map<ReplicaProcess, List<String>> seen = new ConcurrentHashMap<>();
        Map<ReplicaProcess, List<Long>> revisions = new ConcurrentHashMap<>();
        List<Watch> watches = new ArrayList<>();
        try {
            for (ReplicaProcess r : replicas) {
                List<String> events = new CopyOnWriteArrayList<>();
                List<Long> revs = new CopyOnWriteArrayList<>();
                seen.put(r, events);
                revisions.put(r, revs);
                watches.add(r.client().configMaps().inNamespace(ns).watch(new Watcher<>() {
                    @Override public void eventReceived(Action action, ConfigMap cm) {
                        if (!cm.getMetadata().getName().startsWith("w-")) return;   // kube-root-ca.crt, the controller's
                        events.add(action + " " + cm.getMetadata().getName());
                        revs.add(Long.parseLong(cm.getMetadata().getResourceVersion()));
                    }
                    @Override public void onClose(WatcherException cause) {}
                }));
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                replicas.get(i % 3).client().configMaps().inNamespace(ns).resource(configMap("w-" + i)).create();
                expected.add("ADDED w-" + i);
            }
            replicas.get(1).client().configMaps().inNamespace(ns).withName("w-4").edit(c -> {
                c.getData().put("k", "changed");
                return c;
            });
            expected.add("MODIFIED w-4");
            replicas.get(2).client().configMaps().inNamespace(ns).withName("w-7").delete();
            expected.add("DELETED w-7");

            for (ReplicaProcess r : replicas) {
                awaitTrue("every event on " + r, () -> seen.get(r).size() >= expected.size(), WAIT);
                assertThat(seen.get(r)).as("events on %s", r).containsExactlyElementsOf(expected);
                assertThat(revisions.get(r)).as("revisions on %s", r).isSorted().doesNotHaveDuplicates();
            }
        } finally {
            watches.forEach(Watch::close);
        }
    }

    @Test
    @Order(3)
    void afterEveryEtcdMemberAndEveryReplicaRestartEveryAcknowledgedWriteIsThereAndWatchesResume() throws Exception {
        String ns = namespace("restart");
        Map<String, String> policy = bootstrapPolicy(replicas.get(0));
        // an informer on c with its own client, which keeps retrying while c is down and comes back on c's port
        Config config = Config.fromKubeconfig(Files.readString(replicas.get(2).kubeconfig()));
        config.setOnlyHttpWatches(true);
        try (KubernetesClient follower = new KubernetesClientBuilder().withConfig(config).build();
                SharedIndexInformer<ConfigMap> informer = follower.configMaps().inNamespace(ns).runnableInformer(0)) {
            informer.exceptionHandler((started, cause) -> true);
            informer.start().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicBoolean done = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                for (int i = 0; !done.get(); i++) {
                    try {
                        replicas.get(i % 3).client().configMaps().inNamespace(ns).resource(configMap("r-" + i)).create();
                        acknowledged.add("r-" + i);
                    } catch (RuntimeException e) {
                        // not acknowledged (etcd gone, replica killed): there or not, either is right
                    }
                }
            });
            writer.start();
            awaitTrue("writes through all three before the stop", () -> acknowledged.size() >= 30, WAIT);
            awaitTrue("the informer following them", () -> names(informer.getStore().list()).size() >= 10, WAIT);

            etcd.killAll();
            done.set(true);
            for (ReplicaProcess r : replicas) r.kill();
            writer.join();

            etcd.restartAll();
            for (ReplicaProcess r : replicas) r.launch();
            for (ReplicaProcess r : replicas) r.awaitServing();

            for (ReplicaProcess r : replicas) {
                assertThat(names(r.client().configMaps().inNamespace(ns).list().getItems()))
                        .as("listed through %s after the restart", r).containsAll(acknowledged);
            }
            assertThat(bootstrapPolicy(replicas.get(1)))
                    .as("the bootstrap policy after three replicas reconciled it again: same objects, none rewritten")
                    .isEqualTo(policy);

            replicas.get(0).client().configMaps().inNamespace(ns).resource(configMap("after-restart")).create();
            awaitTrue("the informer on c resumed: it holds the write made after the restart through a",
                    () -> names(informer.getStore().list()).contains("after-restart"), Duration.ofSeconds(120));
            assertThat(names(informer.getStore().list())).containsAll(acknowledged);
        }

        String fresh = namespace("after-restart");
        awaitTrue("the default ServiceAccount in a namespace made after the restart",
                () -> replicas.get(1).client().serviceAccounts().inNamespace(fresh).withName("default").get() != null, WAIT);
    }

    /** Every ClusterRole and ClusterRoleBinding (here, the bootstrap policy alone), "kind/name" to its resourceVersion. */
    static Map<String, String> bootstrapPolicy(ReplicaProcess r) {
        Map<String, String> policy = new TreeMap<>();
        List<HasMetadata> all = new ArrayList<>();
        all.addAll(r.client().rbac().clusterRoles().list().getItems());
        all.addAll(r.client().rbac().clusterRoleBindings().list().getItems());
        for (HasMetadata o : all) {
            String previous = policy.put(o.getKind() + "/" + o.getMetadata().getName(), o.getMetadata().getResourceVersion());
            assertThat(previous).as("%s %s listed once", o.getKind(), o.getMetadata().getName()).isNull();
        }
        assertThat(policy).as("bootstrap policy present").isNotEmpty();
        return policy;
    }

    static Set<String> names(List<ConfigMap> items) {
        return items.stream().map(c -> c.getMetadata().getName()).collect(Collectors.toSet());
    }

    static String kubectl(ReplicaProcess r, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(KUBECTL.toString(), "--kubeconfig", r.kubeconfig().toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "kubectl", ".out");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).directory(dir.toFile());
        pb.environment().put("HOME", dir.toString());   // no user configuration or cache of this machine's
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kubectl %s finished", command).isTrue();
        String output = Files.readString(out, UTF_8);
        assertThat(p.exitValue()).as("kubectl %s: %s", command, output).isZero();
        return output;
    }

    static String namespace(String name) {
        replicas.get(0).client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }
}
