package io.portcullis.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.portcullis.api.Json;
import io.portcullis.storage.etcd.EtcdCluster;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** One server on a one-member etcd: the key layout, freshness, bad values, and etcd failing at start and while serving. */
@EndToEnd
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdServerTest {
    @TempDir static Path dir;
    static EtcdCluster etcd;
    @RegisterExtension static final TestServer server = TestServer.notStarted();
    /** For the starts that must fail. */
    @RegisterExtension final TestServer other = TestServer.notStarted();
    static Https https;
    static Client raw;
    static final int ETCD_MAX_REQUEST = 256 * 1024;

    @BeforeAll
    static void start() throws Exception {
        EtcdCluster.assumeInstalled();
        // a small request limit, so that an object within the server's 3 MiB is still too large for etcd
        etcd = EtcdCluster.start(dir.resolve("etcd"), 1, null, List.of("--max-request-bytes", Integer.toString(ETCD_MAX_REQUEST)));
        server.start(c -> c.withStorage(s -> s.withEtcd(etcd.endpoints(), "/registry")));
        https = server.admin();
        raw = Client.builder().endpoints(etcd.endpoints().split(",")).build();
    }

    @AfterAll
    static void stop() {
        if (raw != null) raw.close();
        server.stop();
        if (etcd != null) etcd.close();
    }

    static KeyValue rawGet(String key) throws Exception {
        List<KeyValue> kvs = raw.getKVClient().get(bytes(key)).get(10, TimeUnit.SECONDS).getKvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    static Https.Response createConfigMap(String ns, String name) throws Exception {
        return https.send("POST", "/api/v1/namespaces/" + ns + "/configmaps", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"k\":\"v\"}}");
    }

    @Test
    @Order(1)
    void objectsLiveUnderUpstreamsKeysAsJsonWithEtcdsRevisionAsTheirResourceVersion() throws Exception {
        assertThat(createConfigMap("default", "layout").status()).isEqualTo(201);
        JsonNode served = Json.objectTree(https.get("/api/v1/namespaces/default/configmaps/layout").body());

        KeyValue kv = rawGet("/registry/configmaps/default/layout");
        assertThat(kv).as("the configmap under /registry/configmaps/<namespace>/<name>").isNotNull();
        JsonNode stored = Json.objectTree(kv.getValue().getBytes());
        assertThat(stored.path("kind").asString()).isEqualTo("ConfigMap");
        assertThat(stored.path("metadata").path("uid").asString()).isEqualTo(served.path("metadata").path("uid").asString());
        assertThat(served.path("metadata").path("resourceVersion").asString()).isEqualTo(Long.toString(kv.getModRevision()));
        assertThat(rawGet("/registry/namespaces/default")).as("cluster-scoped: no namespace in the key").isNotNull();
        assertThat(rawGet("/registry/clusterroles/cluster-admin")).isNotNull();
        assertThat(rawGet("/registry/clusterrolebindings/cluster-admin")).isNotNull();
    }

    @Test
    @Order(2)
    void aLatestStateReadIsServedWhenEtcdsRevisionMovedWithoutAnEventForTheServer() throws Exception {
        // writes outside the prefix move etcd's revision but bring the server's watch no event:
        // only etcd's progress report tells the cache it is current
        for (int i = 0; i < 3; i++) raw.getKVClient().put(bytes("/elsewhere/" + i), bytes("x")).get(10, TimeUnit.SECONDS);

        Https.Response read = https.get("/api/v1/namespaces/default");
        assertThat(read.status()).as(read.text()).isEqualTo(200);
        Https.Response list = https.get("/api/v1/namespaces/default/configmaps");
        assertThat(list.status()).as(list.text()).isEqualTo(200);
    }

    @Test
    @Order(3)
    void aValueThatIsNotAnObjectFailsThatObjectAloneAndTheRestServes() throws Exception {
        assertThat(createConfigMap("default", "sound").status()).isEqualTo(201);
        raw.getKVClient().put(bytes("/registry/configmaps/default/broken"), bytes("not an object {")).get(10, TimeUnit.SECONDS);
        // the server has seen the hand-written value once a later write of its own is visible
        assertThat(createConfigMap("default", "after").status()).isEqualTo(201);

        Https.Response broken = https.get("/api/v1/namespaces/default/configmaps/broken");
        assertThat(broken.status()).isEqualTo(500);
        JsonNode status = Json.objectTree(broken.text().getBytes(UTF_8));
        assertThat(status.path("reason").asString()).isEqualTo("InternalError");
        assertThat(status.path("message").asString()).contains("configmaps \"broken\" in namespace \"default\"").doesNotContain("/registry");

        Https.Response list = https.get("/api/v1/namespaces/default/configmaps");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.text()).contains("\"sound\"", "\"after\"").doesNotContain("\"broken\"");
        assertThat(https.get("/readyz").status()).isEqualTo(200);

        // an operator's fix is seen like any write
        raw.getKVClient().delete(bytes("/registry/configmaps/default/broken")).get(10, TimeUnit.SECONDS);
        assertThat(createConfigMap("default", "fixed").status()).isEqualTo(201);
        assertThat(https.get("/api/v1/namespaces/default/configmaps/broken").status()).isEqualTo(404);
    }

    /**
     * As upstream: etcd's refusal is an error with no Status of its own, so the answer is a 500 with
     * no reason and etcd's words. etcd says "request is too large" up to its gRPC limit (the request
     * limit and 512 KiB), and gRPC's words past it.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            over etcd's request limit  | 300000 | etcdserver: request is too large
            over etcd's message limit  | 900000 | received message larger than max
            """)
    @Order(4)
    void aWriteEtcdRefusesAsTooLargeIsA500WithEtcdsWordsAndWritesNothing(String name, int size, String etcdWords) throws Exception {
        String cm = "large-" + size;
        Https.Response created = https.send("POST", "/api/v1/namespaces/default/configmaps", "application/json",
                configMapOfSize(cm, size));
        assertThat(created.status()).as(created.text()).isEqualTo(500);
        assertThat(created.reason()).as("upstream's StatusReasonUnknown").isEmpty();
        assertThat(created.message()).contains(etcdWords).doesNotContain("/registry");
        assertThat(https.get("/api/v1/namespaces/default/configmaps/" + cm).status()).isEqualTo(404);
        assertThat(rawGet("/registry/configmaps/default/" + cm)).isNull();

        // an update that grows a stored object past the limit leaves it as it was
        assertThat(createConfigMap("default", cm).status()).isEqualTo(201);
        String before = https.get("/api/v1/namespaces/default/configmaps/" + cm).expect(200).json()
                .path("metadata").path("resourceVersion").asString();
        Https.Response updated = https.send("PUT", "/api/v1/namespaces/default/configmaps/" + cm, "application/json",
                configMapOfSize(cm, size));
        assertThat(updated.status()).as(updated.text()).isEqualTo(500);
        assertThat(updated.message()).contains(etcdWords);
        JsonNode after = https.get("/api/v1/namespaces/default/configmaps/" + cm).expect(200).json();
        assertThat(after.path("metadata").path("resourceVersion").asString()).isEqualTo(before);
        assertThat(after.path("data").path("k").asString()).isEqualTo("v");
        assertThat(https.get("/readyz/etcd").status()).isEqualTo(200);
    }

    static String configMapOfSize(String name, int size) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"big\":\""
                + "x".repeat(size) + "\"}}";
    }

    @Test
    @Order(5)
    void unreachableEtcdAtStartIsAnErrorNamingTheUrlAndTheCause() throws Exception {
        String nobody = "http://127.0.0.1:" + freePort();
        assertThatThrownBy(() -> other.start(c -> c.withStorage(s -> s.withEtcd(nobody, "/registry"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot reach etcd at " + nobody)
                .hasMessageContaining("Connection refused");
    }

    @Test
    @Order(6)
    void etcdTlsFilesThatCannotBeReadAreAnErrorNamingTheFile() throws Exception {
        Path notPem = Files.writeString(dir.resolve("not-a-ca.crt"), "hello");
        String somewhere = "https://127.0.0.1:" + freePort();
        assertThatThrownBy(() -> other.start(c -> c.withStorage(s -> s.withEtcd(somewhere, "/registry").withEtcdTls(notPem, null, null))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("etcd CA file " + notPem);
    }

    @Test
    @Order(7)
    void losingEtcdTurnsReadyzEtcdNotReadyAndRequestsInto5xxUntilEtcdIsBack() throws Exception {
        assertThat(https.get("/readyz/etcd").status()).isEqualTo(200);
        etcd.kill(0);
        try {
            awaitStatus("/readyz/etcd", 500);
            assertThat(https.get("/readyz?verbose").text()).contains("[-]etcd failed");

            Https.Response write = createConfigMap("default", "while-down");
            assertThat(write.status()).as(write.text()).isEqualTo(500);
            JsonNode status = Json.objectTree(write.text().getBytes(UTF_8));
            assertThat(status.path("reason").asString()).isEqualTo("ServerTimeout");
            assertThat(status.path("message").asString())
                    .isEqualTo("The create operation against configmaps could not be completed at this time, please try again.");

            Https.Response latest = https.get("/api/v1/namespaces/default/configmaps/sound");
            assertThat(latest.status()).as("a latest-state read is never answered from a cache that cannot be checked").isGreaterThanOrEqualTo(500);
        } finally {
            etcd.restart(0);
        }
        awaitStatus("/readyz/etcd", 200);
        Https.Response again = null;
        for (int i = 0; i < 20; i++) {
            again = createConfigMap("default", "back");
            if (again.status() == 201 || again.status() == 409) break;
            Thread.sleep(500);
        }
        assertThat(again.status()).as(again.text()).isIn(201, 409);
        assertThat(https.get("/api/v1/namespaces/default/configmaps/back").status()).isEqualTo(200);
    }

    static void awaitStatus(String path, int code) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (https.get(path).status() != code) {
            assertThat(System.nanoTime()).as(path + " answering " + code).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
