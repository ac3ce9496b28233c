package io.portcullis.storage.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.portcullis.pki.CertificateAuthority;
import io.portcullis.pki.IssuedCertificate;
import io.portcullis.pki.Pem;
import io.portcullis.pki.SecureFiles;
import io.portcullis.storage.Store.Entry;
import io.portcullis.storage.Store.Event;
import io.portcullis.storage.Store.Watch;
import io.portcullis.storage.StoreException;
import io.portcullis.storage.StoreException.Reason;
import io.portcullis.testing.EndToEnd;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What EtcdStore does beyond the contract, each test on a fresh one-member etcd. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@EndToEnd
class EtcdStoreTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final Duration SHORT_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    Path dir;
    EtcdCluster etcd;

    @BeforeAll
    static void requireEtcd() {
        EtcdCluster.assumeInstalled();
    }

    @AfterEach
    void stopEtcd() {
        if (etcd != null) etcd.close();
    }

    EtcdStore connect(String prefix) {
        if (etcd == null) etcd = EtcdCluster.start(dir.resolve("etcd"), 1);
        return EtcdStore.connect(etcd.endpoints(), null, prefix);
    }

    static byte[] json(String s) {
        return ("{\"v\":\"" + s + "\"}").getBytes(UTF_8);
    }

    static Event next(Watch watch) throws InterruptedException {
        Event e = watch.poll(WAIT);
        assertThat(e).as("an event within " + WAIT).isNotNull();
        return e;
    }

    static KeyValue raw(Client client, String key) throws Exception {
        List<KeyValue> kvs = client.getKVClient().get(ByteSequence.from(key, UTF_8)).get(10, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    // ---- keys ----

    @Test
    void keysLiveUnderThePrefixInEtcdAndComeBackInTheServersForm() throws Exception {
        try (EtcdStore store = connect("/tenant-a/");
             Client raw = Client.builder().endpoints(etcd.endpoints().split(",")).build();
             Watch watch = store.watch("/registry/configmaps/", store.currentRevision())) {
            Entry created = store.create("/registry/configmaps/default/a", json("a"));

            KeyValue inEtcd = raw(raw, "/tenant-a/configmaps/default/a");
            assertThat(inEtcd).isNotNull();
            assertThat(inEtcd.getValue().getBytes()).isEqualTo(json("a"));
            assertThat(inEtcd.getModRevision()).isEqualTo(created.modRevision());
            assertThat(raw(raw, "/registry/configmaps/default/a")).isNull();
            assertThat(store.list("/registry/configmaps/", 0, 0, null).entries())
                    .extracting(Entry::key).containsExactly("/registry/configmaps/default/a");
            assertThat(next(watch).entry().key()).isEqualTo("/registry/configmaps/default/a");
            assertThatThrownBy(() -> store.create("/elsewhere/a", json("x")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside /registry/");
        }
        try (EtcdStore store = connect(EtcdStore.DEFAULT_PREFIX);
             Client raw = Client.builder().endpoints(etcd.endpoints().split(",")).build()) {
            store.create("/registry/configmaps/default/b", json("b"));
            assertThat(raw(raw, "/registry/configmaps/default/b")).isNotNull();
        }
    }

    @ParameterizedTest(name = "--etcd-prefix \"{0}\" holds the keys under \"{1}\"")
    @CsvSource(delimiter = '|', textBlock = """
            /registry   | /registry/
            /registry/  | /registry/
            registry    | /registry/
            /a/b//      | /a/b/
            /           | /
            ''          | /
            """)
    void thePrefixIsCleanedAsUpstreamCleansIt(String prefix, String root) {
        assertThat(EtcdStore.root(prefix)).isEqualTo(root);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no endpoint          | ''
            not a URL            | 127.0.0.1:2379
            another scheme       | unix:///run/etcd.sock
            http and https mixed | http://127.0.0.1:2379,https://127.0.0.1:2380
            """)
    void badEndpointsAreRefusedBeforeConnecting(String why, String endpoints) {
        assertThatThrownBy(() -> EtcdStore.connect(endpoints, null, EtcdStore.DEFAULT_PREFIX))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tlsFilesNeedHttpsEndpointsAndACertificateNeedsItsKey() {
        assertThatThrownBy(() -> new EtcdStore.Tls(null, Path.of("client.crt"), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EtcdStore.connect("http://127.0.0.1:2379", new EtcdStore.Tls(Path.of("ca.crt"), null, null), "/registry"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not https");
    }

    @Test
    void theStoresOwnRecordsAreNeitherListedNorWatchedNorWritable() throws Exception {
        try (EtcdStore store = connect(EtcdStore.DEFAULT_PREFIX);
             Watch watch = store.watch("/registry/", store.currentRevision())) {
            store.create("/registry/pods/a", json("a"));
            store.compact(store.currentRevision());
            store.create("/registry/pods/b", json("b"));

            assertThat(store.list("/registry/", 0, 0, null).entries()).extracting(Entry::key)
                    .containsExactly("/registry/pods/a", "/registry/pods/b");
            assertThat(store.list("/registry/", 0, 1, "/registry/pods/a").entries()).extracting(Entry::key)
                    .containsExactly("/registry/pods/b");
            assertThat(next(watch).entry().key()).isEqualTo("/registry/pods/a");
            assertThat(next(watch).entry().key()).isEqualTo("/registry/pods/b");
            assertThatThrownBy(() -> store.create("/registry/compact_rev_key", json("x")))
                    .isInstanceOf(IllegalArgumentException.class);

            // the progress key likewise
            watch.requestProgress();
            long marked = store.currentRevision();
            for (int i = 0; i < 200 && watch.progress() < marked; i++) assertThat(watch.poll(Duration.ofMillis(50))).isNull();
            assertThat(store.list("/registry/", 0, 0, null).entries()).extracting(Entry::key)
                    .containsExactly("/registry/pods/a", "/registry/pods/b");
            assertThatThrownBy(() -> store.get("/registry/watch_progress_key")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aPageOrAWatchReplayLargerThanGrpcsDefaultMessageLimitIsServed() throws Exception {
        try (EtcdStore store = connect(EtcdStore.DEFAULT_PREFIX)) {
            long start = store.currentRevision();
            byte[] large = ("{\"v\":\"" + "x".repeat(1_000_000) + "\"}").getBytes(UTF_8);   // etcd takes 1.5 MiB a request
            for (int i = 0; i < 6; i++) store.create("/registry/configmaps/big-" + i, large);

            assertThat(store.list("/registry/configmaps/", 0, 0, null).entries()).hasSize(6);
            try (Watch w = store.watch("/registry/configmaps/", start)) {
                for (int i = 0; i < 6; i++) assertThat(next(w).entry().json()).hasSize(large.length);
            }
        }
    }

    // ---- revisions and compaction ----

    @Test
    void currentRevisionSeesAWriteByAnotherClientAtOnce() throws Exception {
        try (EtcdStore store = connect(EtcdStore.DEFAULT_PREFIX);
             Client raw = Client.builder().endpoints(etcd.endpoints().split(",")).build()) {
            for (int i = 0; i < 5; i++) {
                long written = raw.getKVClient().put(ByteSequence.from("/other/" + i, UTF_8), ByteSequence.from("x", UTF_8))
                        .get(10, TimeUnit.SECONDS).getHeader().getRevision();
                assertThat(store.currentRevision()).isEqualTo(written);
            }
        }
    }

    @Test
    void concurrentCurrentRevisionCallsShareRangesAndEachSeesEveryWriteAcknowledgedBeforeIt() throws Exception {
        int threads = 32;
        int calls = 20;
        try (EtcdStore store = connect(EtcdStore.DEFAULT_PREFIX)) {
            AtomicLong acknowledged = new AtomicLong();
            List<String> stale = new CopyOnWriteArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService callers = Executors.newFixedThreadPool(threads);
            long rangesBefore = ranges();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(callers.submit(() -> {
                    go.await();
                    for (int i = 0; i < calls; i++) {
                        if (i % 4 == 0) {   // writes on the way, acknowledged while other calls wait
                            long written = store.create("/registry/coalesce/" + thread + "-" + i, json("x")).modRevision();
                            acknowledged.accumulateAndGet(written, Math::max);
                        }
                        long floor = acknowledged.get();
                        long read = store.currentRevision();
                        if (read < floor) stale.add("read " + read + " after revision " + floor + " was acknowledged");
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) f.get(50, TimeUnit.SECONDS);
            callers.shutdown();
            long ranges = ranges() - rangesBefore;

            assertThat(stale).as("a read never misses a write acknowledged before it began").isEmpty();
            assertThat(ranges).as("Range RPCs for %d revision reads at once", threads * calls).isLessThan(threads * calls / 2);
            assertThat(store.currentRevision()).isEqualTo(acknowledged.get());
        }
    }

    /** How many Range RPCs etcd has answered, from its own metrics. */
    long ranges() throws Exception {
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(etcd.endpoint(0) + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        return metrics.body().lines()
                .filter(l -> l.startsWith("grpc_server_handled_total{") && l.contains("grpc_method=\"Range\""))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void twoStoresOnOneEtcdCompactOncePerIntervalAndOneTakesOverWhenTheOtherStops() throws Exception {
        ExecutorService servers = Executors.newFixedThreadPool(2);
        try (EtcdStore a = connect(EtcdStore.DEFAULT_PREFIX); EtcdStore b = connect(EtcdStore.DEFAULT_PREFIX);
             EtcdStore reader = connect(EtcdStore.DEFAULT_PREFIX)) {
            long beforeTick = 0;
            long afterTick = 0;
            for (int interval = 0; interval < 5; interval++) {
                long before = a.create("/registry/pods/before-" + interval, json("x")).modRevision();
                // both servers' ticks come due at the same moment: the compare-and-swap lets one through
                Future<Long> tickA = servers.submit(a::compactIfUnchanged);
                Future<Long> tickB = servers.submit(b::compactIfUnchanged);
                long compactedA = tickA.get(10, TimeUnit.SECONDS);
                long compactedB = tickB.get(10, TimeUnit.SECONDS);
                long after = a.create("/registry/pods/after-" + interval, json("x")).modRevision();

                List<Long> compactions = new ArrayList<>(List.of(compactedA, compactedB));
                compactions.removeIf(r -> r == 0);
                if (interval == 0) {
                    assertThat(compactions).as("nobody compacts at the first tick").isEmpty();
                } else {
                    assertThat(compactions).as("interval %d", interval).hasSize(1);
                    // history reaches back to the previous tick, no further
                    assertThat(compactions.get(0)).isGreaterThan(beforeTick).isLessThan(afterTick);
                    long compacted = compactions.get(0);
                    assertThat(catchReason(() -> reader.list("/registry/", compacted - 1, 0, null))).isEqualTo(Reason.COMPACTED);
                    assertThat(reader.list("/registry/", compacted, 0, null).entries()).isNotEmpty();
                }
                beforeTick = before;
                afterTick = after;
            }

            // a stops ticking: b finds the record as it last saw it, and compacts alone from now on
            long compacted = b.compactIfUnchanged();
            assertThat(compacted).isGreaterThan(beforeTick).isLessThan(afterTick);
            assertThat(b.compactedRevision()).isEqualTo(compacted);
        } finally {
            servers.shutdownNow();
        }
    }

    @Test
    void aStoreLearnsTheCompactedRevisionFromTheRecordAndFromEtcdsAnswers() throws Exception {
        try (EtcdStore first = connect(EtcdStore.DEFAULT_PREFIX);
             Client raw = Client.builder().endpoints(etcd.endpoints().split(",")).build()) {
            for (int i = 0; i < 5; i++) first.create("/registry/pods/" + i, json("x"));
            long recorded = first.currentRevision() - 2;
            first.compact(recorded);

            try (EtcdStore second = connect(EtcdStore.DEFAULT_PREFIX)) {
                assertThat(second.compactedRevision()).as("read from the record").isEqualTo(recorded);

                // etcdctl-style compaction keeps no record: answers from etcd are the only news of it
                long silently = second.currentRevision();
                raw.getKVClient().compact(silently).get(10, TimeUnit.SECONDS);
                assertThat(second.compactedRevision()).isEqualTo(recorded);
                try (Watch w = second.watch("/registry/pods/", recorded)) {
                    assertThat(catchReason(() -> next(w))).isEqualTo(Reason.COMPACTED);
                }
                assertThat(second.compactedRevision()).as("from the watch's cancellation").isEqualTo(silently);
            }
        }
    }

    @Test
    void aWatchThatIsCaughtUpKeepsDeliveringWhenAnotherClientCompacts() throws Exception {
        try (EtcdStore watcher = connect(EtcdStore.DEFAULT_PREFIX); EtcdStore other = connect(EtcdStore.DEFAULT_PREFIX);
             Watch w = watcher.watch("/registry/pods/", watcher.currentRevision())) {
            other.create("/registry/pods/a", json("a"));
            assertThat(next(w).entry().key()).isEqualTo("/registry/pods/a");

            other.compact(other.currentRevision());
            other.create("/registry/pods/b", json("b"));
            other.compact(other.currentRevision());
            other.create("/registry/pods/c", json("c"));

            assertThat(next(w).entry().key()).isEqualTo("/registry/pods/b");
            assertThat(next(w).entry().key()).isEqualTo("/registry/pods/c");
        }
    }

    // ---- watches ----

    @Test
    void aWatcherThatFallsTooFarBehindGetsWhatItHasThenAnError() throws Exception {
        connect(EtcdStore.DEFAULT_PREFIX).close();
        try (EtcdStore store = EtcdStore.connect(etcd.endpoints(), null, "/registry", EtcdStore.REQUEST_TIMEOUT, 5);
             Watch slow = store.watch("/w/", store.currentRevision())) {
            long start = store.currentRevision();
            for (int i = 0; i < 12; i++) store.create("/w/" + i, json("v"));

            for (int i = 0; i < 5; i++) assertThat(next(slow).revision()).isEqualTo(start + 1 + i);
            assertThatThrownBy(() -> slow.poll(WAIT)).isInstanceOf(IllegalStateException.class).hasMessageContaining("watch again");
            try (Watch again = store.watch("/w/", start + 5)) {
                assertThat(next(again).entry().key()).isEqualTo("/w/5");
            }
        }
    }

    @Test
    void closingTheStoreEndsItsWatchesWithAnError() throws Exception {
        EtcdStore store = connect(EtcdStore.DEFAULT_PREFIX);
        Watch w = store.watch("/", store.currentRevision());
        store.create("/a", json("a"));
        assertThat(next(w).entry().key()).isEqualTo("/a");

        store.close();

        assertThatThrownBy(() -> w.poll(WAIT)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aLostConnectionThatComesBackLeavesTheStoreWorkingAndTheWatchResumingWithoutGapOrDuplicate() throws Exception {
        connect(EtcdStore.DEFAULT_PREFIX).close();
        try (EtcdStore store = EtcdStore.connect(etcd.endpoints(), null, "/registry", SHORT_TIMEOUT, EtcdStore.WATCH_QUEUE_BOUND);
             Watch w = store.watch("/w/", store.currentRevision())) {
            store.create("/w/1", json("1"));
            store.create("/w/2", json("2"));
            assertThat(next(w).entry().key()).isEqualTo("/w/1");

            etcd.kill(0);
            long start = System.nanoTime();
            assertThatThrownBy(() -> store.get("/w/1")).isInstanceOf(IllegalStateException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(SHORT_TIMEOUT.multipliedBy(3));
            etcd.restart(0);

            Eventually.reachable(store);
            Eventually.create(store, "/w/3");
            Eventually.create(store, "/w/4");
            assertThat(next(w).entry().key()).isEqualTo("/w/2");
            assertThat(next(w).entry().key()).isEqualTo("/w/3");
            assertThat(next(w).entry().key()).isEqualTo("/w/4");
            assertThat(w.poll(Duration.ofMillis(300))).isNull();
        }
    }

    @Test
    void aWatchFarBehindReportsProgressOnlyOnceItHasDeliveredEveryEventBefore() throws Exception {
        try (EtcdStore store = connect(EtcdStore.DEFAULT_PREFIX)) {
            long start = store.currentRevision();
            for (int i = 0; i < 300; i++) store.create("/registry/pods/p-" + i, json("x"));
            long last = store.currentRevision();
            // a watch that starts far behind, as one resumed after a lost stream does, asked for progress all along;
            // etcd before 3.4.25 and 3.5.8 answers its own progress request at once with the current revision
            try (Watch w = store.watch("/registry/", start)) {
                long delivered = start;
                while (delivered < last) {
                    w.requestProgress();
                    Event e = w.poll(Duration.ofMillis(5));
                    long before = e == null ? delivered : e.revision() - 1;
                    assertThat(Math.min(w.progress(), last)).as("progress reported with the events up to %d delivered", before)
                            .isLessThanOrEqualTo(before);
                    if (e != null) delivered = e.revision();
                }
                assertThat(delivered).isEqualTo(last);
                long marked = store.currentRevision();
                for (int i = 0; i < 200 && w.progress() < marked; i++) {
                    w.requestProgress();
                    assertThat(w.poll(Duration.ofMillis(50))).as("no event but the store's own").isNull();
                }
                assertThat(w.progress()).as("progress once caught up").isGreaterThanOrEqualTo(marked);
            }
        }
    }

    // ---- TLS ----

    @Test
    void mutualTlsWithTheCaCertificateAndKeyFiles() throws Exception {
        CertificateAuthority ca = CertificateAuthority.generate("etcd-ca");
        IssuedCertificate server = ca.issueServer("etcd", List.of("127.0.0.1", "localhost"), Duration.ofDays(1));
        IssuedCertificate client = ca.issueClient("portcullis", List.of(), Duration.ofDays(1));
        Path caFile = dir.resolve("ca.crt");
        Pem.writeCertificates(caFile, ca.certificate());
        Pem.writeCertificates(dir.resolve("server.crt"), server.certificate());
        Pem.writePrivateKey(dir.resolve("server.key"), server.privateKey());
        Pem.writeCertificates(dir.resolve("client.crt"), client.certificate());
        // kubeadm's etcd client keys are in the traditional form, which the store reads too
        SecureFiles.writePrivate(dir.resolve("client.key"), Pem.encodeTraditional(client.privateKey()));
        etcd = EtcdCluster.start(dir.resolve("etcd"), 1,
                new EtcdCluster.Tls(dir.resolve("server.crt"), dir.resolve("server.key"), caFile));

        EtcdStore.Tls tls = new EtcdStore.Tls(caFile, dir.resolve("client.crt"), dir.resolve("client.key"));
        try (EtcdStore store = EtcdStore.connect(etcd.endpoints(), tls, EtcdStore.DEFAULT_PREFIX)) {
            Entry created = store.create("/registry/secrets/default/s", json("s"));
            assertThat(store.get("/registry/secrets/default/s").orElseThrow().modRevision()).isEqualTo(created.modRevision());
        }
        EtcdStore.Tls noClientCertificate = new EtcdStore.Tls(caFile, null, null);
        assertThatThrownBy(() -> EtcdStore.connect(etcd.endpoints(), noClientCertificate, "/registry", SHORT_TIMEOUT, 10))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot reach etcd at " + etcd.endpoints())
                .hasMessageContaining("bad_certificate");
    }

    @Test
    void aStartReadsAgainWhenEtcdGivesNoAnswerInTimeAndGoesOnOnceItAnswers() throws Exception {
        etcd = EtcdCluster.start(dir.resolve("etcd"), 1);
        Duration timeout = Duration.ofSeconds(3);
        etcd.pause(0);
        ExecutorService starter = Executors.newSingleThreadExecutor();
        try {
            Future<EtcdStore> connecting = starter.submit(() -> EtcdStore.connect(etcd.endpoints(), null, "/registry", timeout, 10));
            // past the first read's timeout (when the start is not itself held up), well before the last one's
            Thread.sleep(timeout.plusSeconds(1).toMillis());
            etcd.resume(0);
            try (EtcdStore store = connecting.get(WAIT.toSeconds() * 3, TimeUnit.SECONDS)) {
                Entry created = store.create("/registry/configmaps/default/after-a-slow-start", json("v"));
                assertThat(store.get("/registry/configmaps/default/after-a-slow-start").orElseThrow().modRevision())
                        .isEqualTo(created.modRevision());
            }
        } finally {
            starter.shutdownNow();
        }
    }

    @Test
    void aStartOnAnEtcdThatNeverAnswersFailsNamingTheUrlAndWhatGotNoAnswer() {
        etcd = EtcdCluster.start(dir.resolve("etcd"), 1);
        etcd.pause(0);
        assertThatThrownBy(() -> EtcdStore.connect(etcd.endpoints(), null, "/registry", SHORT_TIMEOUT, 10))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot use etcd at " + etcd.endpoints())
                .hasMessageContaining("reading the compacted revision")
                .hasMessageContaining("(" + EtcdStore.FIRST_READ_ATTEMPTS + " times)");
    }

    static Reason catchReason(ThrowingCallable call) {
        StoreException e = catchThrowableOfType(StoreException.class, call);
        assertThat(e).as("a StoreException").isNotNull();
        return e.reason();
    }
}
