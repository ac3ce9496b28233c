package io.portcullis.e2e.rbac;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.portcullis.api.Json;
import io.portcullis.authz.AccessRecorder.Request;
import io.portcullis.server.ServerConfig;
import io.portcullis.storage.etcd.EtcdCluster;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Two replicas on one etcd: a least-privilege answer from either covers the requests both served,
 * each counted once, across a restart; the records of a replica gone for longer than the
 * retention leave the answers and etcd, and come back with it.
 */
@EndToEnd
@Timeout(300)
class SharedAccessRecordsTest {
    static final String WORKER = "system:serviceaccount:app:worker";
    static final String REVIEWS = "/apis/policy.portcullis.io/v1alpha1/leastprivilegereviews";
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir static Path dir;
    static EtcdCluster etcd;
    @RegisterExtension static final TestServer a = TestServer.notStarted();
    @RegisterExtension static final TestServer b = TestServer.notStarted();

    static UnaryOperator<ServerConfig> onEtcd() {
        return c -> c.withStorage(s -> s.withEtcd(etcd.endpoints(), "/registry"))
                .withAuthorization(z -> z.withAccessRecordsInterval(Duration.ofMillis(200)));
    }

    @BeforeAll
    static void start() throws Exception {
        EtcdCluster.assumeInstalled();
        etcd = EtcdCluster.start(dir.resolve("etcd"), 1);
        a.start(onEtcd());
        // the second replica is the same cluster: a copy of the first one's PKI
        copyPki(a.dataDir().resolve("pki"), b.dir().resolve("data").resolve("pki"));
        b.start(onEtcd());
    }

    @AfterAll
    static void stop() {
        a.stop();
        b.stop();
        if (etcd != null) etcd.close();
    }

    /** The files of one PKI directory (it has no subdirectories) into a new, owner-only one. */
    static void copyPki(Path from, Path to) throws IOException {
        Files.createDirectories(to, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    @Test
    void eitherReplicaAnswersForTheRequestsBothServedEachCountedOnce() throws Exception {
        Https admin = a.admin();
        admin.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"app\"}}").expect(201);
        admin.post("/api/v1/namespaces/app/serviceaccounts", "{\"metadata\":{\"name\":\"worker\"}}").expect(201);
        admin.post("/api/v1/namespaces/app/secrets", "{\"metadata\":{\"name\":\"app-secret\"}}").expect(201);
        admin.post("/apis/rbac.authorization.k8s.io/v1/namespaces/app/rolebindings", """
                {"metadata":{"name":"worker-view"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
                 "subjects":[{"kind":"ServiceAccount","name":"worker","namespace":"app"}]}""").expect(201);
        String token = admin.post("/api/v1/namespaces/app/serviceaccounts/worker/token", "{\"spec\":{}}").expect(201)
                .json().path("status").path("token").asString();
        // the second replica has seen the ServiceAccount and the binding before the worker turns to it
        await("b allows the worker to list pods", () -> allowed(b.admin(), "list", "pods"));

        for (int i = 0; i < 3; i++) a.anonymous().withToken(token).get("/api/v1/namespaces/app/configmaps").expect(200);
        for (int i = 0; i < 2; i++) b.anonymous().withToken(token).get("/api/v1/namespaces/app/pods").expect(200);
        b.anonymous().withToken(token).get("/api/v1/namespaces/app/secrets/app-secret").expect(403);

        Predicate<JsonNode> both = s -> count(s, "allowed", "list", "configmaps", "allowed") == 3
                && count(s, "allowed", "list", "pods", "allowed") == 2 && count(s, "denied", "get", "secrets", "denied") == 1;
        for (TestServer replica : List.of(a, b)) {
            JsonNode status = await("the answer of " + (replica == a ? "a" : "b") + " covers both replicas", replica, both);
            assertThat(findRule(status, "configmaps").path("verbs")).as(status.toString()).extracting(JsonNode::asString).containsExactly("list");
            assertThat(findRule(status, "pods")).isSameAs(findRule(status, "configmaps"));
            assertThat(status.path("denied")).singleElement().satisfies(d -> {
                assertThat(d.path("resource").asString()).isEqualTo("secrets");
                assertThat(d.path("denied").asLong()).isEqualTo(1);
            });
            assertThat(status.path("unused")).as(status.toString()).isNotEmpty();
        }
        assertThat(recorded(a, "list", "configmaps")).isEqualTo(3);
        assertThat(recorded(b, "list", "pods")).isEqualTo(2);

        // a restarted replica keeps its records and its key: nothing is counted twice
        a.restart();
        await("b still sees a's requests once", () -> recorded(b, "list", "configmaps") == 3);
        assertThat(recorded(a, "list", "configmaps")).isEqualTo(3);
        assertThat(recorded(a, "list", "pods")).isEqualTo(2);

        // a replica gone for longer than the retention: its records leave the answers and etcd
        String gone = b.server().accessRecorder().id();
        assertThat(keys()).anyMatch(k -> k.endsWith("/" + gone));
        b.stop();
        await("a forgets b's requests", () -> recorded(a, "list", "pods") == 0);
        assertThat(recorded(a, "list", "configmaps")).isEqualTo(3);
        await("b's keys are removed", () -> keys().stream().noneMatch(k -> k.endsWith("/" + gone)));
        assertThat(keys()).anyMatch(k -> k.endsWith("/" + a.server().accessRecorder().id()));

        // back, it finds its keys gone and writes its records again, under the same name
        b.start(onEtcd());
        assertThat(b.server().accessRecorder().id()).isEqualTo(gone);
        await("b's records are back", () -> recorded(a, "list", "pods") == 2);
        assertThat(recorded(b, "list", "configmaps")).isEqualTo(3);
    }

    /** How often the worker was allowed {@code verb resource}, by the replica's answer. */
    static long recorded(TestServer replica, String verb, String resource) {
        return count(review(replica), "allowed", verb, resource, "allowed");
    }

    static long count(JsonNode status, String list, String verb, String resource, String field) {
        long n = 0;
        for (JsonNode r : status.path(list)) {
            if (r.path("verb").asString().equals(verb) && r.path("resource").asString().equals(resource)) n += r.path(field).asLong();
        }
        return n;
    }

    /** The suggested Role's rule that names the resource; a missing node when none does. */
    static JsonNode findRule(JsonNode status, String resource) {
        for (JsonNode role : status.path("suggestion").path("roles")) {
            for (JsonNode rule : role.path("rules")) {
                for (JsonNode r : rule.path("resources")) if (r.asString().equals(resource)) return rule;
            }
        }
        return status.path("no such rule");
    }

    static JsonNode review(TestServer replica) {
        ObjectNode review = Json.object();
        review.put("apiVersion", "policy.portcullis.io/v1alpha1");
        review.put("kind", "LeastPrivilegeReview");
        review.putObject("spec").put("subject", WORKER);
        return replica.admin().post(REVIEWS, review).expect(201).json().path("status");
    }

    static boolean allowed(Https https, String verb, String resource) {
        return LeastPrivilegeReviewTest.sar(https, new Request(true, verb, "", resource, "", "app", "", ""));
    }

    static List<String> keys() throws Exception {
        try (Client raw = Client.builder().endpoints(etcd.endpoints().split(",")).build()) {
            ByteSequence prefix = ByteSequence.from("/registry/portcullis.io/uncached/accessrecords/", UTF_8);
            List<KeyValue> kvs = raw.getKVClient().get(prefix, GetOption.builder().isPrefix(true).withKeysOnly(true).build())
                    .get(10, TimeUnit.SECONDS).getKvs();
            return kvs.stream().map(kv -> kv.getKey().toString(UTF_8)).toList();
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + WAIT + ": " + what);
            Thread.sleep(100);
        }
    }

    static JsonNode await(String what, TestServer replica, Predicate<JsonNode> check) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            JsonNode status = review(replica);
            if (check.test(status)) return status;
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + WAIT + ": " + what + "; last answer " + status);
            Thread.sleep(100);
        }
    }
}
