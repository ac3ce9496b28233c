package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.portcullis.pki.ClusterPki;
import io.portcullis.pki.Pem;
import io.portcullis.storage.etcd.EtcdCluster;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Two replicas, each its own `portcullis server` process, on a three-member etcd: what one writes
 * the other reads and watches, RBAC and tokens agree, the controllers move when their holder is
 * killed, and etcd losing one member or two. The scenarios share the cluster, in order.
 */
@EndToEnd
@Timeout(600)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicasTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir static Path dir;
    static EtcdCluster etcd;
    static final List<Replica> replicas = new ArrayList<>();

    /** A replica process, its admin clients, and its output. */
    record Replica(String name, Process process, Path dataDir, Path log, Https https, Https plain, KubernetesClient client) {
        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            client.close();
        }

        String output() throws IOException {
            return Files.readString(log);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        EtcdCluster.assumeInstalled();
        etcd = EtcdCluster.start(dir.resolve("etcd"), 3);
        // the cluster's PKI, made once; the second replica starts with a copy, as the README says
        ClusterPki.loadOrCreate(dir.resolve("a"), List.of(), Clock.systemUTC());
        copyTree(dir.resolve("a/pki"), dir.resolve("b/pki"));
        Process a = launch("a");
        Process b = launch("b");
        replicas.add(connect("a", a));
        replicas.add(connect("b", b));
    }

    @AfterAll
    static void stop() {
        for (Replica r : replicas) r.kill();
        if (etcd != null) etcd.close();
    }

    static Process launch(String name) throws IOException {
        Path data = dir.resolve(name);
        Files.createDirectories(data);
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m",
                "io.portcullis.cli.Main", "server", "--data-dir", data.toString(), "--secure-port", "0",
                "--etcd-servers", etcd.endpoints(), "--etcd-compaction-interval", "0",
                // shorter than upstream's 15s/10s/2s, so that a failover fits in a test
                "--leader-elect-lease-duration", "4s", "--leader-elect-renew-deadline", "3s", "--leader-elect-retry-period", "500ms");
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
    }

    static Replica connect(String name, Process p) throws Exception {
        Path log = dir.resolve(name + ".log");
        awaitTrue(name + " serving; its output:\n", () -> {
            try {
                assertThat(p.isAlive()).as("%s exited: %s", name, Files.readString(log)).isTrue();
                return Files.readString(log).contains("Portcullis is serving the Kubernetes API at");
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(180));
        Path kubeconfig = dir.resolve(name).resolve("admin.kubeconfig");
        Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
        config.setOnlyHttpWatches(true);
        config.setRequestRetryBackoffLimit(0);
        Https admin = Https.fromKubeconfig(kubeconfig);
        Https plain = Https.to(admin.url(), Pem.readCertificates(dir.resolve(name).resolve("pki").resolve("ca.crt")).get(0));
        return new Replica(name, p, dir.resolve(name), log, admin, plain,
                new KubernetesClientBuilder().withConfig(config).build());
    }

    static Replica a() {
        return replicas.get(0);
    }

    static Replica b() {
        return replicas.get(1);
    }

    @Test
    @Order(1)
    void aReplicaWhosePkiDiffersFromTheClustersRefusesToStartNamingTheFile() throws Exception {
        Process stranger = launch("stranger");
        assertThat(stranger.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(stranger.exitValue()).isNotZero();
        assertThat(Files.readString(dir.resolve("stranger.log")))
                .contains(dir.resolve("stranger").resolve("pki").resolve("ca.crt").toString() + " differs from the ca.crt of the cluster");
    }

    @Test
    @Order(2)
    void whatOneReplicaAcknowledgesTheOtherReadsAtOnce() {
        String ns = namespace("ryw");
        for (int i = 0; i < 20; i++) {
            Replica writer = replicas.get(i % 2);
            Replica reader = replicas.get((i + 1) % 2);
            ConfigMap written = writer.client().configMaps().inNamespace(ns).resource(configMap("cm-" + i)).create();
            ConfigMap read = reader.client().configMaps().inNamespace(ns).withName("cm-" + i).get();
            assertThat(read).as("cm-%d written through %s, read through %s", i, writer.name(), reader.name()).isNotNull();
            assertThat(read.getMetadata().getResourceVersion()).isEqualTo(written.getMetadata().getResourceVersion());
            List<ConfigMap> listed = reader.client().configMaps().inNamespace(ns).list().getItems();
            assertThat(listed).extracting(c -> c.getMetadata().getName()).contains("cm-" + i);
        }
    }

    @Test
    @Order(3)
    void aWatchOnOneReplicaSeesTheOthersWritesInOrderWithoutGapOrDuplicate() throws Exception {
        String ns = namespace("watch");
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Long> revisions = new CopyOnWriteArrayList<>();
        try (Watch w = b().client().configMaps().inNamespace(ns).watch(new Watcher<>() {
            @Override public void eventReceived(Action action, ConfigMap cm) {
                if (cm.getMetadata().getName().startsWith("w-")) {
                    seen.add(action + " " + cm.getMetadata().getName());
                    revisions.add(Long.parseLong(cm.getMetadata().getResourceVersion()));
                }
            }
            @Override public void onClose(WatcherException cause) {}
        })) {
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                a().client().configMaps().inNamespace(ns).resource(configMap("w-" + i)).create();
                expected.add("ADDED w-" + i);
            }
            a().client().configMaps().inNamespace(ns).withName("w-3").delete();
            expected.add("DELETED w-3");
            awaitTrue("all events on b", () -> seen.size() >= expected.size(), WAIT);
            assertThat(seen).containsExactlyElementsOf(expected);
            assertThat(revisions).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    @Order(4)
    void rbacAndTokensWrittenThroughOneReplicaAreEnforcedByTheOther() throws Exception {
        String ns = namespace("rbac");
        a().client().serviceAccounts().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder()
                .withNewMetadata().withName("robot").endMetadata().build()).create();
        String token = a().https().post("/api/v1/namespaces/" + ns + "/serviceaccounts/robot/token",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{}}").expect(201)
                .json().path("status").path("token").asString();
        String pods = "/api/v1/namespaces/" + ns + "/configmaps";

        assertThat(asRobot(b(), pods, token)).as("known on b, allowed nothing yet").isEqualTo(403);
        Https.Response bound = a().https().send("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns + "/rolebindings",
                "application/json", """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"robot-view"},
                 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
                 "subjects":[{"kind":"ServiceAccount","name":"robot","namespace":"%s"}]}""".formatted(ns));
        bound.expect(201);
        awaitTrue("the binding made through a enforced by b", () -> asRobot(b(), pods, token) == 200, WAIT);

        a().client().serviceAccounts().inNamespace(ns).withName("robot").delete();
        awaitTrue("the token of the ServiceAccount deleted through a refused by b", () -> asRobot(b(), pods, token) == 401, WAIT);
    }

    static int asRobot(Replica r, String path, String token) {
        try {
            return r.plain().withToken(token).get(path).status();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @Order(5)
    void whenTheControllersHolderIsKilledAnotherReplicaTakesOver() throws Exception {
        awaitTrue("a controllers' holder", () -> holder() != null, WAIT);
        Replica holder = holder();
        Replica other = holder == a() ? b() : a();
        JsonNode leases = other.https().get("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases").expect(200).json();
        assertThat(leases.path("items").valueStream().filter(l -> "kube-apiserver".equals(
                l.path("metadata").path("labels").path("apiserver.kubernetes.io/identity").asString(""))).count())
                .as("one identity Lease per replica").isEqualTo(2);
        String before = controllersLease(other).path("spec").path("holderIdentity").asString();

        holder.kill();
        replicas.remove(holder);   // the survivor is a() from here on
        String ns = "after-failover";
        other.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        awaitTrue("the default ServiceAccount in a namespace made after the holder died",
                () -> other.client().serviceAccounts().inNamespace(ns).withName("default").get() != null, WAIT);
        JsonNode lease = controllersLease(other);
        assertThat(lease.path("spec").path("holderIdentity").asString()).isNotEqualTo(before);
        assertThat(lease.path("spec").path("leaseTransitions").asInt()).isPositive();
        assertThat(other.output()).contains("took the lease kube-system/kube-controller-manager");
    }

    /** The replica whose output says it holds the controllers' Lease, if one does. */
    static Replica holder() {
        for (Replica r : replicas) {
            try {
                if (r.process().isAlive() && r.output().contains("took the lease kube-system/kube-controller-manager")) return r;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        return null;
    }

    static JsonNode controllersLease(Replica r) throws Exception {
        return r.https().get("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager").expect(200).json();
    }

    @Test
    @Order(6)
    void oneEtcdMemberOfThreeStoppedUnderWritesLosesNothingAcknowledgedAndWritesGoOn() throws Exception {
        String ns = namespace("quorum");
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger afterStop = new AtomicInteger();
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int i = 0; !done.get(); i++) {
                try {
                    a().client().configMaps().inNamespace(ns).resource(configMap("q-" + i)).create();
                    acknowledged.add("q-" + i);
                    if (stopped.get()) afterStop.incrementAndGet();
                } catch (KubernetesClientException e) {
                    // not acknowledged: may or may not be there, either is right
                }
            }
        });
        writer.start();
        awaitTrue("some writes before the stop", () -> acknowledged.size() >= 20, WAIT);
        etcd.kill(2);
        stopped.set(true);
        awaitTrue("writes going on with one member stopped", () -> afterStop.get() >= 20, WAIT);
        done.set(true);
        writer.join();
        etcd.restart(2);

        Set<String> stored = ConcurrentHashMap.newKeySet();
        a().client().configMaps().inNamespace(ns).list().getItems().forEach(c -> stored.add(c.getMetadata().getName()));
        assertThat(stored).containsAll(acknowledged);
    }

    @Test
    @Order(7)
    void withTwoMembersOfThreeStoppedWritesFailWithAClearStatusAndSucceedWhenOneReturns() throws Exception {
        String ns = namespace("noquorum");
        etcd.kill(1);
        etcd.kill(2);
        try {
            Https.Response refused = a().https().post("/api/v1/namespaces/" + ns + "/configmaps",
                    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"lost\"}}").expect(500);
            assertThat(refused.reason()).isEqualTo("ServerTimeout");
            assertThat(refused.message()).contains("The create operation against configmaps could not be completed");
        } finally {
            etcd.restart(1);
        }
        awaitTrue("a write succeeding with two members of three", () -> {
            try {
                a().client().configMaps().inNamespace(ns).resource(configMap("back")).create();
                return true;
            } catch (KubernetesClientException e) {
                return e.getCode() == 409;
            }
        }, WAIT);
        // read at once: the cache's etcd stream has just been resumed from an older revision
        assertThat(a().client().configMaps().inNamespace(ns).withName("back").get()).as("read as soon as acknowledged").isNotNull();
        etcd.restart(2);
        assertThat(a().client().configMaps().inNamespace(ns).withName("back").get()).isNotNull();
    }

    static String namespace(String name) {
        a().client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }

    static ConfigMap configMap(String name) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("k", "v").build();
    }

    static void awaitTrue(String what, BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(target);
                else Files.copy(f, target);
            }
        }
    }
}
