package io.portcullis.e2e;

import static io.portcullis.e2e.ReplicasTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.portcullis.storage.etcd.EtcdCluster;
import io.portcullis.testing.EndToEnd;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
import tools.jackson.databind.node.ObjectNode;

/**
 * The Leases of replicas on a three-member etcd: the controllers' Lease never has two replicas
 * running the controllers at once, however the holder loses it (cut off from etcd while it runs on,
 * or its Lease written over by another holder), and each replica's identity Lease is renewed while
 * it runs, deleted when it stops cleanly, and deleted by a survivor once it expires after a crash.
 *
 * <p>Replica a reaches etcd through the third member alone and b through the other two, so that
 * stopping that member cuts a off while b keeps a quorum. a starts first, so it holds the
 * controllers' Lease. Its lease duration is well above its renew deadline (10s against 3s), so
 * that "stopped before another started" does not hang on how fast a loaded machine runs either.
 * The scenarios share the cluster, in order.
 */
@EndToEnd
@Timeout(900)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicaLeasesTest {
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/";
    static final String CONTROLLERS = LEASES + "kube-controller-manager";
    static final String TOOK = "took the lease kube-system/kube-controller-manager";
    static final String STOPPED = "stopped what it led under the lease kube-system/kube-controller-manager";
    static final String IDENTITY_LABEL = "apiserver.kubernetes.io/identity";
    static final List<String> TIMINGS = List.of(
            "--leader-elect-lease-duration", "10s", "--leader-elect-renew-deadline", "3s", "--leader-elect-retry-period", "500ms");
    static final DateTimeFormatter MICRO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    @TempDir static Path dir;
    static EtcdCluster etcd;
    static ReplicaProcess a;
    static ReplicaProcess b;
    static final List<ReplicaProcess> started = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        EtcdCluster.assumeInstalled();
        etcd = EtcdCluster.start(dir.resolve("etcd"), 3);
        // a's identity Lease lasts 20s unrenewed instead of an hour, so that its expiry after a crash fits in a test
        a = replica("a", etcd.endpoint(2), Stream.concat(TIMINGS.stream(), Stream.of("--identity-lease-duration-seconds", "20", "--identity-lease-renew-interval-seconds", "5")).toList());
        awaitTrue("a holding the controllers' Lease", () -> a.logged(TOOK) == 1, WAIT);
        b = replica("b", etcd.endpoint(0) + "," + etcd.endpoint(1), TIMINGS);
    }

    static ReplicaProcess replica(String name, String etcdServers, List<String> flags) throws Exception {
        ReplicaProcess r = ReplicaProcess.sharingPki(dir, "a", name, etcdServers, flags);
        started.add(r);
        r.launch();
        r.awaitServing();
        return r;
    }

    @AfterAll
    static void stop() {
        for (ReplicaProcess r : started) r.kill();
        if (etcd != null) etcd.close();
    }

    @Test
    @Order(1)
    void eachReplicaAnnouncesItselfInALabelledIdentityLeaseThatItKeepsRenewing() {
        JsonNode listed = b.https().get(LEASES.substring(0, LEASES.length() - 1) + "?labelSelector=" + IDENTITY_LABEL + "%3Dkube-apiserver")
                .expect(200).json();
        assertThat(listed.path("items").valueStream().map(l -> l.path("metadata").path("name").asString()))
                .as("the identity Leases").containsExactlyInAnyOrder(a.identity().lease(), b.identity().lease());
        for (ReplicaProcess r : List.of(a, b)) {
            JsonNode lease = identityLease(r);
            assertThat(lease.path("spec").path("holderIdentity").asString()).as("holder of %s's", r).isEqualTo(r.identity().holder());
            assertThat(lease.path("metadata").path("labels").path("kubernetes.io/hostname").asString()).as("%s's host", r).isNotEmpty();
        }
        assertThat(identityLease(a).path("spec").path("leaseDurationSeconds").asInt()).isEqualTo(20);
        assertThat(identityLease(b).path("spec").path("leaseDurationSeconds").asInt()).as("kube-apiserver's hour").isEqualTo(3600);

        String aRenewed = identityLease(a).path("spec").path("renewTime").asString();
        String bRenewed = identityLease(b).path("spec").path("renewTime").asString();
        awaitTrue("a renewing its identity Lease", () -> !identityLease(a).path("spec").path("renewTime").asString().equals(aRenewed), WAIT);
        awaitTrue("b renewing its identity Lease", () -> !identityLease(b).path("spec").path("renewTime").asString().equals(bRenewed), WAIT);
    }

    @Test
    @Order(2)
    void aHolderCutOffFromEtcdStopsItsControllersBeforeAnotherReplicaStartsThem() {
        assertThat(controllersLease().path("spec").path("holderIdentity").asString()).isEqualTo(a.identity().holder());
        assertThat(b.logged(TOOK)).as("b never held the controllers' Lease yet").isZero();

        etcd.kill(2);   // a's only member: a runs on without etcd, b keeps two members of three
        awaitTrue("a giving up its controllers", () -> a.logged("could not renew the lease kube-system/kube-controller-manager") == 1, WAIT);
        awaitTrue("a having stopped them", () -> a.logged(STOPPED) == 1, WAIT);
        awaitTrue("b taking the controllers' Lease", () -> b.logged(TOOK) == 1, WAIT);
        assertThat(a.alive()).as("a still running").isTrue();
        LocalTime stopped = a.loggedAt(STOPPED);
        LocalTime took = b.loggedAt(TOOK);
        assertThat(ordered(stopped, took)).as("a stopped its controllers (%s) before b started its own (%s)", stopped, took).isTrue();

        String aRenewed = identityLease(a).path("spec").path("renewTime").asString();
        etcd.restart(2);
        // once a renews its identity Lease again, its election has read the Lease, held by b, many times over
        awaitTrue("a reaching etcd again", () -> !identityLease(a).path("spec").path("renewTime").asString().equals(aRenewed), WAIT);
        assertThat(a.logged(TOOK)).as("a took the controllers' Lease again").isEqualTo(1);
        assertThat(controllersLease().path("spec").path("holderIdentity").asString()).isEqualTo(b.identity().holder());
        String ns = namespace("after-the-cut");
        awaitTrue("the default ServiceAccount made by b's controllers", () -> serviceAccountExists(ns), WAIT);
    }

    @Test
    @Order(3)
    void aHolderWhoseLeaseAnotherHolderWroteStopsItsControllersAndNobodyRunsThemUntilItIsFree() throws Exception {
        ReplicaProcess holder = Stream.of(a, b).filter(r -> r.identity().holder().equals(controllersLease().path("spec").path("holderIdentity").asString()))
                .findFirst().orElseThrow();
        long tookBefore = a.logged(TOOK) + b.logged(TOOK);
        long stoppedBefore = holder.logged(STOPPED);

        writeControllersLease("intruder", 10);
        ScheduledExecutorService intruder = Executors.newSingleThreadScheduledExecutor();
        try {
            // renewed as a holder would, well within its 10 seconds
            intruder.scheduleWithFixedDelay(() -> {
                try {
                    writeControllersLease("intruder", 10);
                } catch (RuntimeException | AssertionError e) {
                    // tried again in a second: a repeated task that throws would never run again
                }
            }, 1, 1, TimeUnit.SECONDS);
            awaitTrue(holder + " giving up its controllers", () -> holder.logged("lost the lease kube-system/kube-controller-manager to intruder") == 1, WAIT);
            awaitTrue(holder + " having stopped them", () -> holder.logged(STOPPED) == stoppedBefore + 1, WAIT);

            String ns = namespace("while-another-holds");
            assertNever("a replica's controllers making the default ServiceAccount while another holds the Lease",
                    () -> serviceAccountExists(ns), Duration.ofSeconds(5));
            assertThat(a.logged(TOOK) + b.logged(TOOK)).as("the controllers' Lease taken by a replica while another holds it").isEqualTo(tookBefore);
            assertThat(controllersLease().path("spec").path("holderIdentity").asString()).isEqualTo("intruder");

            intruder.shutdownNow();
            assertThat(intruder.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            writeControllersLease("", 1);   // released, as a holder that stops does
            awaitTrue("a replica taking the released Lease", () -> a.logged(TOOK) + b.logged(TOOK) == tookBefore + 1, WAIT);
            awaitTrue("the default ServiceAccount made by its controllers", () -> serviceAccountExists(ns), WAIT);
            assertThat(controllersLease().path("spec").path("holderIdentity").asString()).isIn(a.identity().holder(), b.identity().holder());
        } finally {
            intruder.shutdownNow();
        }
    }

    @Test
    @Order(4)
    void aKilledReplicasIdentityLeaseIsDeletedByASurvivorOnceItExpires() {
        String lease = a.identity().lease();
        a.kill();
        awaitTrue("a's identity Lease gone after its 20 seconds", () -> b.https().get(LEASES + lease).status() == 404, WAIT);
        assertThat(identityLease(b).path("spec").path("holderIdentity").asString()).isEqualTo(b.identity().holder());
    }

    @Test
    @Order(5)
    void aReplicaStoppedCleanlyDeletesItsIdentityLease() throws Exception {
        ReplicaProcess c = replica("c", etcd.endpoints(), TIMINGS);
        String lease = c.identity().lease();
        awaitTrue("c's identity Lease", () -> b.https().get(LEASES + lease).status() == 200, WAIT);
        assertThat(identityLease(c).path("spec").path("leaseDurationSeconds").asInt()).as("an hour: no survivor deletes it soon").isEqualTo(3600);
        c.stop();
        assertThat(c.output()).contains("Stopping Portcullis...");
        assertThat(b.https().get(LEASES + lease).status()).as("c's identity Lease once c has exited").isEqualTo(404);
    }

    static JsonNode identityLease(ReplicaProcess r) {
        return b.https().get(LEASES + r.identity().lease()).expect(200).json();
    }

    static JsonNode controllersLease() {
        return b.https().get(CONTROLLERS).expect(200).json();
    }

    /** Writes the controllers' Lease as another holder would: through the API, against its resourceVersion. */
    static void writeControllersLease(String holder, int seconds) {
        awaitTrue("writing the controllers' Lease for \"" + holder + "\"", () -> {
            ObjectNode lease = (ObjectNode) b.https().get(CONTROLLERS).expect(200).json();
            ObjectNode spec = lease.withObject("spec");
            String now = MICRO_TIME.format(Instant.now());
            if (!holder.equals(spec.path("holderIdentity").asString(""))) {
                spec.put("acquireTime", now).put("leaseTransitions", spec.path("leaseTransitions").asInt(0) + 1);
            }
            spec.put("holderIdentity", holder).put("leaseDurationSeconds", seconds).put("renewTime", now);
            int status = b.https().put(CONTROLLERS, lease).status();
            assertThat(status).as("writing the controllers' Lease").isIn(200, 409);
            return status == 200;
        }, WAIT);
    }

    static String namespace(String name) {
        b.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }

    static boolean serviceAccountExists(String namespace) {
        return b.client().serviceAccounts().inNamespace(namespace).withName("default").get() != null;
    }

    /** Checks all along {@code period} that the condition stays false: how long a mistake would take to show. */
    static void assertNever(String what, BooleanSupplier condition, Duration period) throws InterruptedException {
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            assertThat(condition.getAsBoolean()).as(what).isFalse();
            Thread.sleep(200);
        }
    }

    /** {@code first} is no later than {@code second}, two times of day minutes apart (across midnight too). */
    static boolean ordered(LocalTime first, LocalTime second) {
        Duration d = Duration.between(first, second);
        if (d.compareTo(Duration.ofHours(-12)) < 0) d = d.plusHours(24);
        return !d.isNegative();
    }
}
