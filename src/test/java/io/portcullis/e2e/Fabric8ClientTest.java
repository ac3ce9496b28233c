package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static org.assertj.core.groups.Tuple.tuple;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.TestServer;
import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The fabric8 kubernetes-client, a real client over HTTPS, against one embedded server. */
@Timeout(value = 60)
@EndToEnd
class Fabric8ClientTest {
    @RegisterExtension
    static final TestServer server = TestServer.embedded();
    static KubernetesClient client;
    static final AtomicInteger SEQ = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        Config config = Config.fromKubeconfig(Files.readString(server.kubeconfig()));
        // the admin key is EC in PKCS#8 form, which fabric8 reads as RSA unless told: see adminKubeconfigLoadsAsWritten
        // fabric8 watches over WebSocket by default, which hangs here: see watchOverWebSocketIsAcceptedOrRefusedAtOnce
        config.setOnlyHttpWatches(true);
        client = new KubernetesClientBuilder().withConfig(config).build();
    }

    @Test
    void adminKubeconfigLoadsAsWritten() throws Exception {
        try (KubernetesClient plain = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(Files.readString(server.kubeconfig()))).build()) {
            assertThat(plain.namespaces().withName("default").get()).isNotNull();
        }
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
    }

    /** What the controllers put into every namespace: the root CA ConfigMap and the default ServiceAccount. */
    static final String ROOT_CA = "kube-root-ca.crt";

    /**
     * A fresh namespace, so tests never see each other's objects, returned once the controllers have
     * filled it, so that what a test lists or watches afterwards is its own doing.
     */
    static String namespace() {
        String name = "t" + SEQ.incrementAndGet();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        awaitControllerObjects(name);
        return name;
    }

    static void awaitControllerObjects(String ns) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (client.configMaps().inNamespace(ns).withName(ROOT_CA).get() == null
                || client.serviceAccounts().inNamespace(ns).withName("default").get() == null) {
            assertThat(System.nanoTime()).as("%s and the default ServiceAccount in %s within 10 s", ROOT_CA, ns).isLessThan(deadline);
            sleep(50);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static ConfigMap configMap(String name, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().withData(data).build();
    }

    static KubernetesClientException failure(Runnable call) {
        KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class, call::run);
        assertThat(e).as("the call should have failed").isNotNull();
        return e;
    }

    /** A raw request through the client's own transport, for options the DSL does not expose. */
    static HttpResponse<String> raw(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = client.getHttpClient().newHttpRequestBuilder().uri(server.url() + path);
        if (body == null) b.method(method, null, null);
        else b.method(method, contentType, body);
        return client.getHttpClient().sendAsync(b.build(), String.class).get(20, TimeUnit.SECONDS);
    }

    // ---- CRUD on every kind ----

    static Stream<Arguments> everyKind() {
        return Stream.of(
                arguments("namespaces", false, (Function<String, HasMetadata>) n -> new NamespaceBuilder().withNewMetadata().withName(n).endMetadata().build()),
                arguments("serviceaccounts", true, (Function<String, HasMetadata>) n -> new ServiceAccountBuilder().withNewMetadata().withName(n).endMetadata().build()),
                arguments("secrets", true, (Function<String, HasMetadata>) n -> new SecretBuilder().withNewMetadata().withName(n).endMetadata()
                        .addToStringData("password", "s3cret").build()),
                arguments("configmaps", true, (Function<String, HasMetadata>) n -> configMap(n, Map.of("k", "v"))),
                arguments("pods", true, (Function<String, HasMetadata>) n -> new PodBuilder().withNewMetadata().withName(n).endMetadata()
                        .withNewSpec().addNewContainer().withName("app").withImage("nginx").endContainer().endSpec().build()),
                arguments("events", true, (Function<String, HasMetadata>) n -> new EventBuilder().withNewMetadata().withName(n).endMetadata()
                        .withNewInvolvedObject().withKind("Pod").withName("p").withNamespace("default").endInvolvedObject()
                        .withReason("Started").withMessage("started").withType("Normal").build()),
                arguments("roles", true, (Function<String, HasMetadata>) n -> new RoleBuilder().withNewMetadata().withName(n).endMetadata()
                        .addNewRule().withApiGroups("").withResources("pods").withVerbs("get", "list").endRule().build()),
                arguments("rolebindings", true, (Function<String, HasMetadata>) n -> new RoleBindingBuilder().withNewMetadata().withName(n).endMetadata()
                        .withNewRoleRef("rbac.authorization.k8s.io", "Role", "reader")
                        .addNewSubject().withKind("User").withName("alice").withApiGroup("rbac.authorization.k8s.io").endSubject().build()),
                arguments("clusterroles", false, (Function<String, HasMetadata>) n -> new ClusterRoleBuilder().withNewMetadata().withName(n).endMetadata()
                        .addNewRule().withApiGroups("").withResources("namespaces").withVerbs("get").endRule().build()),
                arguments("clusterrolebindings", false, (Function<String, HasMetadata>) n -> new ClusterRoleBindingBuilder().withNewMetadata().withName(n).endMetadata()
                        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")
                        .addNewSubject().withKind("Group").withName("devs").withApiGroup("rbac.authorization.k8s.io").endSubject().build()),
                arguments("leases", true, (Function<String, HasMetadata>) n -> new LeaseBuilder().withNewMetadata().withName(n).endMetadata()
                        .withNewSpec().withHolderIdentity("node-1").withLeaseDurationSeconds(40).endSpec().build()));
    }

    @ParameterizedTest(name = "{0}: create, get, list, update, delete")
    @MethodSource("everyKind")
    void everyKindSupportsCreateGetListUpdateAndDelete(String resource, boolean namespaced, Function<String, HasMetadata> make) {
        String ns = namespaced ? namespace() : null;
        String name = "crud-" + resource + "-" + SEQ.incrementAndGet();
        HasMetadata object = make.apply(name);
        if (object instanceof Event event) event.getInvolvedObject().setNamespace(ns);
        var ops = namespaced ? client.resource(object).inNamespace(ns) : client.resource(object);

        HasMetadata created = ops.create();
        assertThat(created.getMetadata().getName()).isEqualTo(name);
        assertThat(created.getMetadata().getUid()).isNotBlank();
        assertThat(created.getMetadata().getResourceVersion()).matches("[0-9]+");
        assertThat(created.getMetadata().getCreationTimestamp()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        if (namespaced) assertThat(created.getMetadata().getNamespace()).isEqualTo(ns);

        HasMetadata got = ops.get();
        assertThat(got.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());

        var list = namespaced ? client.resources(object.getClass()).inNamespace(ns).list() : client.resources(object.getClass()).list();
        assertThat(list.getItems()).extracting(o -> o.getMetadata().getName()).contains(name);
        assertThat(list.getMetadata().getResourceVersion()).matches("[0-9]+");

        got.getMetadata().setLabels(Map.of("updated", "yes"));
        HasMetadata updated = (namespaced ? client.resource(got).inNamespace(ns) : client.resource(got)).update();
        assertThat(updated.getMetadata().getLabels()).containsEntry("updated", "yes");
        assertThat(Long.parseLong(updated.getMetadata().getResourceVersion()))
                .isGreaterThan(Long.parseLong(created.getMetadata().getResourceVersion()));
        assertThat(ops.get().getMetadata().getLabels()).containsEntry("updated", "yes");

        ops.delete();
        if (!"namespaces".equals(resource)) {
            assertThat(ops.get()).isNull();
        }
    }

    @Test
    void createIntoAMissingNamespaceIsNotFound() {
        KubernetesClientException e = failure(() -> client.configMaps().inNamespace("no-such-ns").resource(configMap("a", Map.of())).create());
        assertThat(e.getCode()).isEqualTo(404);
        assertThat(e.getStatus().getMessage()).isEqualTo("namespaces \"no-such-ns\" not found");
    }

    @Test
    void createOfAnExistingNameIsAlreadyExists() {
        String ns = namespace();
        client.configMaps().inNamespace(ns).resource(configMap("dup", Map.of())).create();
        KubernetesClientException e = failure(() -> client.configMaps().inNamespace(ns).resource(configMap("dup", Map.of())).create());
        assertThat(e.getCode()).isEqualTo(409);
        assertThat(e.getStatus().getReason()).isEqualTo("AlreadyExists");
        assertThat(e.getStatus().getMessage()).isEqualTo("configmaps \"dup\" already exists");
    }

    @Test
    void getOfAMissingRbacObjectNamesTheGroup() throws Exception {
        HttpResponse<String> r = raw("GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/missing", null, null);
        assertThat(r.code()).isEqualTo(404);
        Status s = client.getKubernetesSerialization().unmarshal(r.body(), Status.class);
        assertThat(s.getMessage()).isEqualTo("roles.rbac.authorization.k8s.io \"missing\" not found");
        assertThat(s.getDetails().getGroup()).isEqualTo("rbac.authorization.k8s.io");
    }

    // ---- patches ----

    @Test
    void jsonPatchAppliesOperationsInOrder() {
        String ns = namespace();
        client.configMaps().inNamespace(ns).resource(configMap("jp", Map.of("a", "1", "b", "2"))).create();
        ConfigMap patched = client.configMaps().inNamespace(ns).withName("jp").patch(PatchContext.of(PatchType.JSON), """
                [{"op":"replace","path":"/data/a","value":"10"},
                 {"op":"remove","path":"/data/b"},
                 {"op":"add","path":"/data/c","value":"3"},
                 {"op":"test","path":"/data/c","value":"3"}]""");
        assertThat(patched.getData()).isEqualTo(Map.of("a", "10", "c", "3"));
    }

    @Test
    void jsonPatchWithAFailingTestIsRejectedAndChangesNothing() {
        String ns = namespace();
        ConfigMap before = client.configMaps().inNamespace(ns).resource(configMap("jpt", Map.of("a", "1"))).create();
        KubernetesClientException e = failure(() -> client.configMaps().inNamespace(ns).withName("jpt").patch(PatchContext.of(PatchType.JSON), """
                [{"op":"replace","path":"/data/a","value":"2"},{"op":"test","path":"/data/a","value":"1"}]"""));
        assertThat(e.getCode()).isIn(409, 422);
        assertThat(client.configMaps().inNamespace(ns).withName("jpt").get().getMetadata().getResourceVersion())
                .isEqualTo(before.getMetadata().getResourceVersion());
    }

    @Test
    void mergePatchMergesMapsAndNullDeletes() {
        String ns = namespace();
        client.configMaps().inNamespace(ns).resource(configMap("mp", Map.of("a", "1", "b", "2"))).create();
        ConfigMap patched = client.configMaps().inNamespace(ns).withName("mp").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"labels\":{\"x\":\"y\"}},\"data\":{\"b\":null,\"c\":\"3\"}}");
        assertThat(patched.getData()).isEqualTo(Map.of("a", "1", "c", "3"));
        assertThat(patched.getMetadata().getLabels()).isEqualTo(Map.of("x", "y"));
    }

    @Test
    void strategicMergePatchMergesPodContainersByName() {
        String ns = namespace();
        client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("smp").endMetadata().withNewSpec()
                .addNewContainer().withName("a").withImage("busybox:1").endContainer()
                .addNewContainer().withName("b").withImage("nginx:1").endContainer().endSpec().build()).create();
        Pod patched = client.pods().inNamespace(ns).withName("smp").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
                "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"nginx:2\"}]}}");
        assertThat(patched.getSpec().getContainers()).extracting(Container::getName, Container::getImage)
                .containsExactly(tuple("a", "busybox:1"), tuple("b", "nginx:2"));
        // a merge patch of the same body replaces the list wholesale, which pod validation forbids
        KubernetesClientException e = failure(() -> client.pods().inNamespace(ns).withName("smp").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"nginx:3\"}]}}"));
        assertThat(e.getCode()).isEqualTo(422);
        assertThat(e.getStatus().getMessage()).contains("pod updates may not change fields other than");
    }

    @Test
    void serverSideApplyCreatesThenConflictsBetweenManagersThenForceTakesOwnership() {
        String ns = namespace();
        ConfigMap first = client.configMaps().inNamespace(ns).resource(configMap("ssa", Map.of("key", "one")))
                .fieldManager("alpha").serverSideApply();
        assertThat(first.getData()).containsEntry("key", "one");
        assertThat(first.getMetadata().getManagedFields()).extracting(f -> f.getManager(), f -> f.getOperation())
                .contains(tuple("alpha", "Apply"));

        KubernetesClientException e = failure(() -> client.configMaps().inNamespace(ns).resource(configMap("ssa", Map.of("key", "two")))
                .fieldManager("beta").serverSideApply());
        assertThat(e.getCode()).isEqualTo(409);
        assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
        assertThat(e.getStatus().getMessage()).isEqualTo("Apply failed with 1 conflict: conflict with \"alpha\": .data.key");
        assertThat(e.getStatus().getDetails().getCauses()).singleElement().satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("FieldManagerConflict");
            assertThat(c.getField()).isEqualTo(".data.key");
        });
        assertThat(client.configMaps().inNamespace(ns).withName("ssa").get().getData()).containsEntry("key", "one");

        ConfigMap forced = client.configMaps().inNamespace(ns).resource(configMap("ssa", Map.of("key", "two")))
                .fieldManager("beta").forceConflicts().serverSideApply();
        assertThat(forced.getData()).containsEntry("key", "two");
        assertThat(forced.getMetadata().getManagedFields()).extracting(f -> f.getManager()).contains("beta").doesNotContain("alpha");
    }

    @Test
    void serverSideApplyBySameManagerPrunesFieldsItNoLongerApplies() {
        String ns = namespace();
        client.configMaps().inNamespace(ns).resource(configMap("prune", Map.of("a", "1", "b", "2"))).fieldManager("m").serverSideApply();
        ConfigMap second = client.configMaps().inNamespace(ns).resource(configMap("prune", Map.of("a", "1"))).fieldManager("m").serverSideApply();
        assertThat(second.getData()).isEqualTo(Map.of("a", "1"));
    }

    // ---- optimistic concurrency ----

    @Test
    void updateWithAStaleResourceVersionIsConflict() {
        String ns = namespace();
        ConfigMap stale = client.configMaps().inNamespace(ns).resource(configMap("occ", Map.of("a", "1"))).create();
        ConfigMap fresh = client.configMaps().inNamespace(ns).withName("occ").get();
        fresh.setData(Map.of("a", "2"));
        client.configMaps().inNamespace(ns).resource(fresh).update();

        stale.setData(Map.of("a", "3"));
        KubernetesClientException e = failure(() -> client.configMaps().inNamespace(ns).resource(stale).update());
        assertThat(e.getCode()).isEqualTo(409);
        assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
        assertThat(e.getStatus().getMessage()).isEqualTo("Operation cannot be fulfilled on configmaps \"occ\": the object has been "
                + "modified; please apply your changes to the latest version and try again");
        assertThat(client.configMaps().inNamespace(ns).withName("occ").get().getData()).containsEntry("a", "2");
    }

    // ---- watch ----

    @Test
    void watchDeliversEventsInOrderAndReconnectFromAResourceVersionGetsOnlyLaterOnes() throws Exception {
        String ns = namespace();
        String listRv = client.configMaps().inNamespace(ns).list().getMetadata().getResourceVersion();
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        List<String> versions = new ArrayList<>();
        Watcher<ConfigMap> recorder = new Watcher<>() {
            @Override public void eventReceived(Action action, ConfigMap cm) {
                synchronized (versions) { versions.add(cm.getMetadata().getResourceVersion()); }
                events.add(action + " " + cm.getMetadata().getName() + " " + cm.getData());
            }
            @Override public void onClose(WatcherException cause) {}
        };
        try (Watch w = client.configMaps().inNamespace(ns).withResourceVersion(listRv).watch(recorder)) {
            client.configMaps().inNamespace(ns).resource(configMap("w", Map.of("v", "1"))).create();
            client.configMaps().inNamespace(ns).withName("w").edit(c -> { c.setData(Map.of("v", "2")); return c; });
            client.configMaps().inNamespace(ns).withName("w").delete();
            assertThat(List.of(poll(events), poll(events), poll(events)))
                    .containsExactly("ADDED w {v=1}", "MODIFIED w {v=2}", "DELETED w {v=2}");
        }
        String afterUpdate;
        synchronized (versions) { afterUpdate = versions.get(1); }
        events.clear();
        try (Watch w = client.configMaps().inNamespace(ns).withResourceVersion(afterUpdate).watch(recorder)) {
            assertThat(poll(events)).isEqualTo("DELETED w {v=2}");
            client.configMaps().inNamespace(ns).resource(configMap("w2", Map.of())).create();
            assertThat(poll(events)).isEqualTo("ADDED w2 {}");
            assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void watchAnswersWithHeadersBeforeTheFirstEvent() throws Exception {
        String ns = namespace();
        Https h2 = server.admin().overHttp2();
        String rv = client.configMaps().inNamespace(ns).list().getMetadata().getResourceVersion();
        var request = h2.request("/api/v1/namespaces/" + ns + "/configmaps?allowWatchBookmarks=true&watch=true&resourceVersion=" + rv).build();
        var pending = h2.client().sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        var response = pending.get(5, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        response.body().close();
    }

    @Test
    void watchOverWebSocketIsAcceptedOrRefusedAtOnce() throws Exception {
        String ns = namespace();
        var ws = server.admin().client().newWebSocketBuilder().buildAsync(URI.create(server.url().replace("https", "wss") + "/api/v1/namespaces/" + ns
                + "/configmaps?watch=true"), new WebSocket.Listener() {});
        try {
            ws.get(5, TimeUnit.SECONDS).abort();
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
        }
    }

    @Test
    void informerListsThenFollowsChanges() throws Exception {
        String ns = namespace();
        create(ns, "existing", Map.of());
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        var informer = client.configMaps().inNamespace(ns).inform(new ResourceEventHandler<ConfigMap>() {
            @Override public void onAdd(ConfigMap cm) { events.add("add " + cm.getMetadata().getName()); }
            @Override public void onUpdate(ConfigMap old, ConfigMap cm) {
                if (!old.getMetadata().getResourceVersion().equals(cm.getMetadata().getResourceVersion())) events.add("update " + cm.getMetadata().getName());
            }
            @Override public void onDelete(ConfigMap cm, boolean unknownFinalState) { events.add("delete " + cm.getMetadata().getName()); }
        });
        try {
            assertThat(Set.of(poll(events), poll(events))).isEqualTo(Set.of("add existing", "add " + ROOT_CA));
            assertThat(informer.hasSynced()).isTrue();
            create(ns, "fresh", Map.of());
            assertThat(poll(events)).isEqualTo("add fresh");
            client.configMaps().inNamespace(ns).withName("fresh").edit(c -> { c.setData(Map.of("k", "v")); return c; });
            assertThat(poll(events)).isEqualTo("update fresh");
            client.configMaps().inNamespace(ns).withName("existing").delete();
            assertThat(poll(events)).isEqualTo("delete existing");
            assertThat(names(informer.getStore().list())).containsExactly("fresh", ROOT_CA);
            assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
        } finally {
            informer.close();
        }
    }

    static String poll(BlockingQueue<String> q) throws InterruptedException {
        String s = q.poll(10, TimeUnit.SECONDS);
        assertThat(s).as("a watch event within 10 s").isNotNull();
        return s;
    }

    // ---- pagination ----

    @Test
    void paginationOver250ObjectsHasNoDuplicatesAndNoGaps() {
        String ns = namespace();
        Set<String> want = new HashSet<>(Set.of(ROOT_CA));
        for (int i = 0; i < 250; i++) {
            String name = "p-%03d".formatted(i);
            want.add(name);
            client.configMaps().inNamespace(ns).resource(configMap(name, Map.of())).create();
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            ConfigMapList page = client.configMaps().inNamespace(ns).list(new ListOptionsBuilder().withLimit(40L).withContinue(token).build());
            assertThat(page.getItems()).hasSizeLessThanOrEqualTo(40);
            page.getItems().forEach(c -> seen.add(c.getMetadata().getName()));
            token = page.getMetadata().getContinue();
            if (token != null && !token.isEmpty()) {
                // a change after the first page must not leak into later pages of the same list
                if (pages == 0) client.configMaps().inNamespace(ns).resource(configMap("p-late", Map.of())).create();
            }
            pages++;
        } while (token != null && !token.isEmpty());
        // 251 objects in pages of 40
        assertThat(pages).isEqualTo(7);
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(new HashSet<>(seen)).isEqualTo(want);
    }

    @Test
    void limitedListReportsRemainingItemCount() {
        String ns = namespace();
        for (int i = 0; i < 5; i++) client.configMaps().inNamespace(ns).resource(configMap("r" + i, Map.of())).create();
        assertThat(names(client.configMaps().inNamespace(ns).list().getItems())).containsExactly(ROOT_CA, "r0", "r1", "r2", "r3", "r4");
        ConfigMapList page = client.configMaps().inNamespace(ns).list(new ListOptionsBuilder().withLimit(2L).build());
        assertThat(page.getItems()).hasSize(2);
        assertThat(page.getMetadata().getContinue()).isNotEmpty();
        assertThat(page.getMetadata().getRemainingItemCount()).isEqualTo(4L);
    }

    @Test
    void listAtAnExactOlderResourceVersionSeesTheStoreAsItWas() {
        String ns = namespace();
        create(ns, "a", Map.of());
        String then = client.configMaps().inNamespace(ns).list().getMetadata().getResourceVersion();
        create(ns, "b", Map.of());
        client.configMaps().inNamespace(ns).withName("a").delete();

        ConfigMapList exact = client.configMaps().inNamespace(ns).list(new ListOptionsBuilder().withResourceVersion(then)
                .withResourceVersionMatch("Exact").build());
        assertThat(names(exact.getItems())).containsExactly("a", ROOT_CA);
        assertThat(exact.getMetadata().getResourceVersion()).isEqualTo(then);
        ConfigMapList notOlder = client.configMaps().inNamespace(ns).list(new ListOptionsBuilder().withResourceVersion(then)
                .withResourceVersionMatch("NotOlderThan").build());
        // NotOlderThan promises state at least as new as "then", served from the cache, which may trail the delete
        assertThat(names(notOlder.getItems())).contains("b", ROOT_CA);
        assertThat(Long.parseLong(notOlder.getMetadata().getResourceVersion())).isGreaterThanOrEqualTo(Long.parseLong(then));
        assertThat(names(client.configMaps().inNamespace(ns).list(new ListOptionsBuilder().withResourceVersion("0").build()).getItems()))
                .contains("b", ROOT_CA);
        assertThat(names(client.configMaps().inNamespace(ns).list().getItems())).as("a list with no resourceVersion is fresh")
                .containsExactly("b", ROOT_CA);
    }

    @Test
    void watchEndsAfterItsTimeoutSeconds() throws Exception {
        String ns = namespace();
        long start = System.nanoTime();
        HttpResponse<String> r = raw("GET", "/api/v1/namespaces/" + ns + "/configmaps?watch=true&timeoutSeconds=1", null, null);
        assertThat(r.code()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(10));
    }

    // ---- selectors ----

    @ParameterizedTest(name = "labelSelector {0}")
    @CsvSource(delimiter = '|', textBlock = """
            app=web                    | a,b
            app==web                   | a,b
            app!=web                   | c,d,kube-root-ca.crt
            app in (web,db)            | a,b,c
            app notin (web)            | c,d,kube-root-ca.crt
            tier                       | a,c
            !tier                      | b,d,kube-root-ca.crt
            app=web,tier=front         | a
            app in (web),!tier         | b
            """)
    void labelSelectorsFilterLists(String selector, String expected) {
        String ns = labelled.computeIfAbsent("ns", k -> {
            String n = namespace();
            create(n, "a", Map.of("app", "web", "tier", "front"));
            create(n, "b", Map.of("app", "web"));
            create(n, "c", Map.of("app", "db", "tier", "back"));
            create(n, "d", Map.of());
            return n;
        });
        List<String> names = client.configMaps().inNamespace(ns).list(new ListOptionsBuilder().withLabelSelector(selector).build())
                .getItems().stream().map(c -> c.getMetadata().getName()).sorted().toList();
        assertThat(names).containsExactly(expected.split(","));
    }

    static final Map<String, String> labelled = new ConcurrentHashMap<>();

    static void create(String ns, String name, Map<String, String> labels) {
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build()).create();
    }

    @Test
    void fieldSelectorsFilterByNameTypeServiceAccountPhaseAndInvolvedObject() {
        String ns = namespace();
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("opaque").endMetadata().build()).create();
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("tls").endMetadata().withType("kubernetes.io/tls")
                .addToStringData("tls.crt", "x").addToStringData("tls.key", "y").build()).create();
        client.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata().withName("robot").endMetadata().build()).create();
        client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("p1").endMetadata().withNewSpec()
                .withServiceAccountName("robot").addNewContainer().withName("c").withImage("i").endContainer().endSpec().build()).create();
        client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("p2").endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage("i").endContainer().endSpec().build()).create();
        client.v1().events().inNamespace(ns).resource(new EventBuilder().withNewMetadata().withName("e1").endMetadata()
                .withNewInvolvedObject().withKind("Pod").withName("p1").withNamespace(ns).endInvolvedObject().withReason("R").withMessage("m").build()).create();
        client.v1().events().inNamespace(ns).resource(new EventBuilder().withNewMetadata().withName("e2").endMetadata()
                .withNewInvolvedObject().withKind("Pod").withName("p2").withNamespace(ns).endInvolvedObject().withReason("R").withMessage("m").build()).create();

        assertThat(names(client.secrets().inNamespace(ns).list(fields("metadata.name=tls")).getItems())).containsExactly("tls");
        assertThat(names(client.secrets().inNamespace(ns).list(fields("type=kubernetes.io/tls")).getItems())).containsExactly("tls");
        assertThat(names(client.secrets().inNamespace(ns).list(fields("type!=kubernetes.io/tls")).getItems())).containsExactly("opaque");
        assertThat(names(client.pods().inNamespace(ns).list(fields("spec.serviceAccountName=robot")).getItems())).containsExactly("p1");
        assertThat(names(client.pods().inNamespace(ns).list(fields("status.phase=Pending")).getItems())).containsExactly("p1", "p2");
        assertThat(names(client.pods().inNamespace(ns).list(fields("status.phase=Running")).getItems())).isEmpty();
        assertThat(names(client.v1().events().inNamespace(ns).list(fields("involvedObject.name=p2")).getItems())).containsExactly("e2");
        assertThat(names(client.v1().events().inNamespace(ns).list(fields("involvedObject.name=p1,involvedObject.kind=Pod")).getItems()))
                .containsExactly("e1");
        assertThat(names(client.pods().inAnyNamespace().list(fields("metadata.namespace=" + ns + ",metadata.name!=p1")).getItems()))
                .containsExactly("p2");
    }

    @Test
    void podStatusIsWrittenOnlyThroughItsSubresourceAndSelectableByPhase() {
        String ns = namespace();
        Pod pod = client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("s").endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage("i").endContainer().endSpec().build()).create();
        assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");

        // status in the main resource is ignored
        Pod viaMain = client.pods().inNamespace(ns).withName("s").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Running\"}}");
        assertThat(viaMain.getStatus().getPhase()).isEqualTo("Pending");

        Pod running = client.pods().inNamespace(ns).withName("s").subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Running\"},\"metadata\":{\"labels\":{\"ignored\":\"yes\"}}}");
        assertThat(running.getStatus().getPhase()).isEqualTo("Running");
        assertThat(running.getMetadata().getLabels()).doesNotContainKey("ignored");
        assertThat(names(client.pods().inNamespace(ns).list(fields("status.phase=Running")).getItems())).containsExactly("s");
        assertThat(names(client.pods().inNamespace(ns).list(fields("status.phase!=Running")).getItems())).isEmpty();
    }

    @Test
    void immutableFieldsRefuseChanges() {
        String ns = namespace();
        client.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata().withName("rb").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "a").build()).create();
        KubernetesClientException roleRef = failure(() -> client.rbac().roleBindings().inNamespace(ns).withName("rb")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"roleRef\":{\"name\":\"b\"}}"));
        assertThat(roleRef.getCode()).isEqualTo(422);
        assertThat(roleRef.getStatus().getReason()).isEqualTo("Invalid");
        assertThat(roleRef.getStatus().getMessage()).contains("roleRef").contains("cannot change roleRef");

        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("frozen").endMetadata()
                .withImmutable(true).addToStringData("k", "v").build()).create();
        KubernetesClientException frozen = failure(() -> client.secrets().inNamespace(ns).withName("frozen")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"stringData\":{\"k\":\"w\"}}"));
        assertThat(frozen.getCode()).isEqualTo(422);
        assertThat(frozen.getStatus().getMessage()).contains("field is immutable when `immutable` is set");
        assertThat(client.secrets().inNamespace(ns).withName("frozen").get().getData()).containsEntry("k", "dg==");
    }

    @Test
    void watchWithALabelSelectorSeesOnlyMatchingObjects() throws Exception {
        String ns = namespace();
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        try (Watch w = client.configMaps().inNamespace(ns).withLabel("app", "web").watch(new Watcher<ConfigMap>() {
            @Override public void eventReceived(Action action, ConfigMap cm) { events.add(action + " " + cm.getMetadata().getName()); }
            @Override public void onClose(WatcherException cause) {}
        })) {
            create(ns, "other", Map.of("app", "db"));
            create(ns, "mine", Map.of("app", "web"));
            assertThat(poll(events)).isEqualTo("ADDED mine");
            // a label change that makes the object stop matching is seen as a deletion
            client.configMaps().inNamespace(ns).withName("mine").edit(c -> { c.getMetadata().getLabels().put("app", "db"); return c; });
            assertThat(poll(events)).isEqualTo("DELETED mine");
            assertThat(events.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    static ListOptions fields(String selector) {
        return new ListOptionsBuilder().withFieldSelector(selector).build();
    }

    static List<String> names(List<? extends HasMetadata> items) {
        return items.stream().map(o -> o.getMetadata().getName()).sorted().toList();
    }

    // ---- deletion ----

    @Test
    void deletedNamespaceIsTerminatingAndRefusesNewContent() {
        // a finalizer of the test's own holds the namespace in Terminating after the namespace controller has emptied it
        String ns = "t" + SEQ.incrementAndGet();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).withFinalizers(HOLD).endMetadata().build()).create();
        awaitControllerObjects(ns);
        client.configMaps().inNamespace(ns).resource(configMap("inside", Map.of())).create();
        client.namespaces().withName(ns).delete();

        Namespace during = client.namespaces().withName(ns).get();
        assertThat(during).isNotNull();
        assertThat(during.getStatus().getPhase()).isEqualTo("Terminating");
        assertThat(during.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(during.getMetadata().getFinalizers()).containsExactly(HOLD);
        assertRefusesNewContent(ns);

        // the controller deletes everything in it, its own objects too, and gives up its spec finalizer
        awaitUntil("namespace " + ns + " emptied and its spec.finalizers released", () -> contents(ns).isEmpty()
                && client.namespaces().withName(ns).get().getSpec().getFinalizers().isEmpty());
        Namespace emptied = client.namespaces().withName(ns).get();
        assertThat(emptied.getStatus().getPhase()).isEqualTo("Terminating");
        assertThat(emptied.getMetadata().getFinalizers()).containsExactly(HOLD);
        assertRefusesNewContent(ns);
        sleep(300);
        assertThat(contents(ns)).as("nothing recreated in a terminating namespace").isEmpty();

        client.namespaces().withName(ns).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
        awaitUntil("namespace " + ns + " gone once its last finalizer is removed", () -> client.namespaces().withName(ns).get() == null);
        assertThat(contents(ns)).isEmpty();
    }

    static final String HOLD = "example.com/hold";

    static void assertRefusesNewContent(String ns) {
        KubernetesClientException e = failure(() -> client.configMaps().inNamespace(ns).resource(configMap("late", Map.of())).create());
        assertThat(e.getCode()).isEqualTo(403);
        assertThat(e.getStatus().getReason()).isEqualTo("Forbidden");
        assertThat(e.getStatus().getMessage()).isEqualTo("configmaps \"late\" is forbidden: unable to create new content in namespace "
                + ns + " because it is being terminated");
    }

    /** Every ConfigMap, ServiceAccount and Secret in the namespace, as kind/name. */
    static List<String> contents(String ns) {
        ListOptions in = fields("metadata.namespace=" + ns);
        return Stream.of(
                client.configMaps().inAnyNamespace().list(in).getItems().stream().map(o -> "ConfigMap/" + o.getMetadata().getName()),
                client.serviceAccounts().inAnyNamespace().list(in).getItems().stream().map(o -> "ServiceAccount/" + o.getMetadata().getName()),
                client.secrets().inAnyNamespace().list(in).getItems().stream().map(o -> "Secret/" + o.getMetadata().getName()))
                .flatMap(x -> x).sorted().toList();
    }

    static void awaitUntil(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within 20 s").isLessThan(deadline);
            sleep(100);
        }
    }

    @Test
    void namespaceDeletionGoesThroughTerminatingAndRemovesItsContents() {
        String ns = namespace();
        client.configMaps().inNamespace(ns).resource(configMap("inside", Map.of())).create();
        client.serviceAccounts().inNamespace(ns).resource(new ServiceAccountBuilder().withNewMetadata().withName("sa").endMetadata().build()).create();
        client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("s").endMetadata().build()).create();
        assertThat(contents(ns)).containsExactly("ConfigMap/inside", "ConfigMap/" + ROOT_CA, "Secret/s", "ServiceAccount/default", "ServiceAccount/sa");
        client.namespaces().withName(ns).delete();

        // the controller may finish within a moment, so the namespace is either still Terminating or already gone
        Namespace during = client.namespaces().withName(ns).get();
        if (during != null) {
            assertThat(during.getStatus().getPhase()).isEqualTo("Terminating");
            assertThat(during.getMetadata().getDeletionTimestamp()).isNotNull();
        }
        awaitUntil("namespace " + ns + " gone", () -> client.namespaces().withName(ns).get() == null);
        assertThat(contents(ns)).isEmpty();

        // a namespace made again under the same name starts with only what the controllers put there
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        awaitControllerObjects(ns);
        assertThat(client.namespaces().withName(ns).get().getStatus().getPhase()).isEqualTo("Active");
        assertThat(contents(ns)).containsExactly("ConfigMap/" + ROOT_CA, "ServiceAccount/default");
    }

    @Test
    void deleteOfAnObjectWithAFinalizerSetsDeletionTimestampAndRemovingTheFinalizerDeletesIt() {
        String ns = namespace();
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("fin")
                .withFinalizers("example.com/hold").endMetadata().build()).create();
        client.configMaps().inNamespace(ns).withName("fin").delete();

        ConfigMap held = client.configMaps().inNamespace(ns).withName("fin").get();
        assertThat(held).isNotNull();
        assertThat(held.getMetadata().getDeletionTimestamp()).isNotBlank();
        assertThat(held.getMetadata().getFinalizers()).containsExactly("example.com/hold");

        client.configMaps().inNamespace(ns).withName("fin").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
        assertThat(client.configMaps().inNamespace(ns).withName("fin").get()).isNull();
    }

    @Test
    void deletePreconditionsOnUidAndResourceVersionAreEnforced() throws Exception {
        String ns = namespace();
        ConfigMap cm = client.configMaps().inNamespace(ns).resource(configMap("pre", Map.of())).create();
        String path = "/api/v1/namespaces/" + ns + "/configmaps/pre";

        HttpResponse<String> wrongUid = raw("DELETE", path, "application/json",
                "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"preconditions\":{\"uid\":\"00000000-0000-0000-0000-000000000000\"}}");
        assertThat(wrongUid.code()).isEqualTo(409);
        Status s = client.getKubernetesSerialization().unmarshal(wrongUid.body(), Status.class);
        assertThat(s.getReason()).isEqualTo("Conflict");
        assertThat(s.getMessage()).startsWith("Operation cannot be fulfilled on configmaps \"pre\": Precondition failed: UID in precondition: "
                + "00000000-0000-0000-0000-000000000000, UID in object meta: " + cm.getMetadata().getUid());

        HttpResponse<String> wrongRv = raw("DELETE", path, "application/json",
                "{\"preconditions\":{\"resourceVersion\":\"1\"}}");
        assertThat(wrongRv.code()).isEqualTo(409);
        assertThat(client.getKubernetesSerialization().unmarshal(wrongRv.body(), Status.class).getMessage())
                .contains("Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: " + cm.getMetadata().getResourceVersion());
        assertThat(client.configMaps().inNamespace(ns).withName("pre").get()).isNotNull();

        HttpResponse<String> right = raw("DELETE", path, "application/json", "{\"preconditions\":{\"uid\":\"" + cm.getMetadata().getUid()
                + "\",\"resourceVersion\":\"" + cm.getMetadata().getResourceVersion() + "\"}}");
        assertThat(right.code()).isEqualTo(200);
        assertThat(client.configMaps().inNamespace(ns).withName("pre").get()).isNull();
    }

    @Test
    void dryRunAllValidatesButWritesNothing() throws Exception {
        String ns = namespace();
        ConfigMap would = client.configMaps().inNamespace(ns).resource(configMap("dry", Map.of("a", "1"))).dryRun().create();
        assertThat(would.getMetadata().getName()).isEqualTo("dry");
        assertThat(client.configMaps().inNamespace(ns).withName("dry").get()).isNull();

        client.configMaps().inNamespace(ns).resource(configMap("real", Map.of("a", "1"))).create();
        String rv = client.configMaps().inNamespace(ns).withName("real").get().getMetadata().getResourceVersion();
        client.configMaps().inNamespace(ns).withName("real").dryRun().patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"a\":\"2\"}}");
        client.configMaps().inNamespace(ns).withName("real").dryRun().delete();
        ConfigMap real = client.configMaps().inNamespace(ns).withName("real").get();
        assertThat(real.getData()).containsEntry("a", "1");
        assertThat(real.getMetadata().getResourceVersion()).isEqualTo(rv);

        HttpResponse<String> invalid = raw("POST", "/api/v1/namespaces/" + ns + "/configmaps?dryRun=All", "application/json",
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"Bad_Name\"}}");
        assertThat(invalid.code()).isEqualTo(422);
        assertThat(names(client.configMaps().inNamespace(ns).list().getItems())).containsExactly(ROOT_CA, "real");
    }

    @Test
    void generateNameAppendsFiveRandomCharacters() {
        String ns = namespace();
        Set<String> names = IntStream.range(0, 5).mapToObj(i -> client.configMaps().inNamespace(ns)
                .resource(new ConfigMapBuilder().withNewMetadata().withGenerateName("gen-").endMetadata().build()).create()
                .getMetadata().getName()).collect(Collectors.toSet());
        assertThat(names).hasSize(5).allSatisfy(n -> assertThat(n).matches("gen-[bcdfghjklmnpqrstvwxz2456789]{5}"));
    }

    @Test
    void deleteCollectionRemovesOnlySelectedObjects() {
        String ns = namespace();
        create(ns, "keep", Map.of("app", "keep"));
        create(ns, "drop1", Map.of("app", "drop"));
        create(ns, "drop2", Map.of("app", "drop"));
        client.configMaps().inNamespace(ns).withLabel("app", "drop").delete();
        assertThat(names(client.configMaps().inNamespace(ns).list().getItems())).containsExactly("keep", ROOT_CA);
    }
}
