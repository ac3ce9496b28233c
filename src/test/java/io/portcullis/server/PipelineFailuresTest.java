package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Discovery;
import io.portcullis.api.Json;
import io.portcullis.audit.Auditor;
import io.portcullis.audit.Event;
import io.portcullis.audit.Level;
import io.portcullis.audit.Policy;
import io.portcullis.audit.Sink;
import io.portcullis.audit.Stage;
import io.portcullis.authn.Authenticator;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.Decision;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An Error inside a request fails that request with a 500 Status and the worker thread goes on
 * serving; an Error the JVM cannot serve through (an InternalError here; a heap still full after
 * an OutOfMemoryError) also runs the fatal action, with which the command line exits. The pipeline
 * runs on plain HTTP here, with an authorizer that throws what the test asks for.
 */
class PipelineFailuresTest {
    private Vertx vertx;
    private HttpServer http;
    private ExecutorService worker;
    private final Failures failures = new Failures();
    /** Every body of the server shares this bound. */
    private final BodyBudget budget = new BodyBudget(8L << 20);
    private final Set<Thread> workerThreads = ConcurrentHashMap.newKeySet();
    private final AtomicInteger fatal = new AtomicInteger();
    private volatile Supplier<Error> thrown;
    private volatile boolean queueFull;
    /** The authenticator would have to wait for the store: it refuses to on an event loop. */
    private volatile boolean needsWorker;
    private final List<String> authenticatedOn = new CopyOnWriteArrayList<>();
    private final HttpClient client = HttpClient.newHttpClient();
    /** Every request is audited at Metadata, into this list. */
    private final List<Event> audited = new CopyOnWriteArrayList<>();
    private final Auditor auditor = new Auditor(new Policy(List.of(Policy.Rule.all(Level.METADATA)), Set.of(), false), List.of(new Sink() {
        @Override public boolean process(Event event) {
            return audited.add(event);
        }
        @Override public void close() {}
    }));

    @BeforeEach
    void start() throws Exception {
        start(true);
    }

    /** {@code blocking}: authentication and authorization on a worker too, as with webhooks. */
    private void start(boolean blocking) throws Exception {
        if (http != null) stop();
        vertx = Vertx.vertx();
        worker = Executors.newSingleThreadExecutor();
        failures.onFatal(fatal::incrementAndGet);
        Authorizer authorizer = attributes -> {
            workerThreads.add(Thread.currentThread());
            Supplier<Error> t = thrown;
            if (t != null) throw t.get();
            return new Authorizer.Verdict(Decision.ALLOW, "");
        };
        Metrics metrics = new Metrics();
        NonResource nonResource = new NonResource(new Discovery(List.of()), () -> null, () -> null, metrics, () -> "", Map.of(), Map.of(), Map.of());
        Authenticator authenticator = credentials -> {
            boolean onEventLoop = Context.isOnEventLoopThread();
            authenticatedOn.add(onEventLoop ? "event loop" : "worker");
            if (needsWorker && onEventLoop) throw new Pipeline.NeedsWorker();
            return Optional.of(UserInfo.of("someone"));
        };
        Pipeline pipeline = new Pipeline(authenticator, authorizer, auditor, new Router(List.of()), null,
                nonResource, metrics, task -> {
                    if (queueFull) throw new RejectedExecutionException("full (the test)");
                    worker.execute(task);
                }, blocking, new Connections(vertx, Duration.ofSeconds(30), Duration.ofSeconds(30)),
                budget, new FlowControl(400, 200, Duration.ofSeconds(15), vertx, metrics), Duration.ofSeconds(30), failures);
        http = vertx.createHttpServer().requestHandler(pipeline::handle);
        http.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        if (http == null) return;
        http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        worker.shutdownNow();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        http = null;
    }

    @Test
    void anOutOfMemoryErrorFailsItsRequestAloneAndTheWorkerServesTheNext() throws Exception {
        thrown = () -> new OutOfMemoryError("Java heap space (thrown by the test)");
        HttpResponse<String> failed = get("/version");
        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(Json.MAPPER.readTree(failed.body()).path("reason").asString()).isEqualTo("InternalError");
        thrown = null;
        assertThat(get("/version").statusCode()).isEqualTo(200);
        assertThat(workerThreads).as("one worker thread served both").hasSize(1);
        assertThat(failures.failed()).as("the heap recovered once the request was dropped").isFalse();
        assertThat(fatal.get()).isZero();
    }

    @Test
    void anErrorInARequestIsAuditedAsAPanicInsteadOfResponseComplete() throws Exception {
        thrown = StackOverflowError::new;
        HttpResponse<String> failed = get("/version");
        assertThat(failed.statusCode()).isEqualTo(500);
        String id = failed.headers().firstValue("Audit-ID").orElseThrow();
        thrown = null;
        get("/version"); // once it is answered, the failed request's exchange is long over
        List<Event> events = audited.stream().filter(e -> e.origin().auditId().equals(id)).toList();
        assertThat(events).extracting(Event::stage).containsExactly(Stage.REQUEST_RECEIVED, Stage.PANIC);
        Event.ResponseStatus status = events.get(1).responseStatus();
        assertThat(status.code()).isEqualTo(500);
        assertThat(status.reason()).isEqualTo("InternalError");
        assertThat(status.message()).isEqualTo("APIServer panic'd: java.lang.StackOverflowError");
        assertThat(events.get(1).user().name()).isEqualTo("someone");
    }

    @Test
    void aStackOverflowFailsItsRequestAlone() throws Exception {
        thrown = StackOverflowError::new;
        assertThat(get("/version").statusCode()).isEqualTo(500);
        thrown = null;
        assertThat(get("/version").statusCode()).isEqualTo(200);
        assertThat(fatal.get()).isZero();
    }

    @Test
    void anErrorTheJvmCannotServeThroughFailsTheRequestAndRunsTheFatalAction() throws Exception {
        thrown = () -> new InternalError("broken by the test");
        assertThat(get("/version").statusCode()).isEqualTo(500);
        // the request is answered first, then the failure is judged
        for (int i = 0; i < 100 && fatal.get() == 0; i++) Thread.sleep(50);
        assertThat(failures.failed()).isTrue();
        assertThat(fatal.get()).isEqualTo(1);
    }

    @Test
    void aFullWorkerQueueIsAnswered429WhereverTheRequestWaits() throws Exception {
        queueFull = true;
        for (boolean blocking : new boolean[] {true, false}) {
            start(blocking);
            // a body to read: admitted on the event loop, then refused a worker once the body is in
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.actualPort() + "/version"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("blocking authentication: %s", blocking).isEqualTo(429);
            assertThat(Json.MAPPER.readTree(r.body()).path("reason").asString()).isEqualTo("TooManyRequests");
            assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        }
    }

    @Test
    void aBodyThatFindsTheSharedBudgetFullIsAnswered429AndHoldsNothing() throws Exception {
        start(false);
        BodyBudget.Lease others = budget.lease();
        assertThat(others.grow(8L << 20)).as("other requests' bodies take the whole budget").isTrue();
        // a declared length is refused before a byte is read; a chunked body as its first chunk arrives
        HttpRequest.BodyPublisher chunked = HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[100_000]));
        for (HttpRequest.BodyPublisher body : List.of(HttpRequest.BodyPublishers.ofString("{}"), chunked)) {
            HttpResponse<String> r = post(body);
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(Json.MAPPER.readTree(r.body()).path("reason").asString()).isEqualTo("TooManyRequests");
        }
        others.release();
        assertThat(post(HttpRequest.BodyPublishers.ofString("{}")).statusCode()).as("room again").isNotEqualTo(429);
        for (int i = 0; i < 100 && budget.held() > 0; i++) Thread.sleep(50);
        assertThat(budget.held()).as("every exchange gave its room back").isZero();
    }

    /** Over HTTP/1.1: the JDK client over h2c does not complete a request whose stream the server ends before the whole body is sent. */
    private HttpResponse<String> post(HttpRequest.BodyPublisher body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.actualPort() + "/version"))
                .version(HttpClient.Version.HTTP_1_1).POST(body).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAuthenticationThatMustWaitForTheStoreIsMadeAgainOnAWorkerAndTheRequestIsAuditedOnce() throws Exception {
        start(false);
        needsWorker = true;
        HttpResponse<String> r = get("/version");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(authenticatedOn).containsExactly("event loop", "worker");
        String id = r.headers().firstValue("Audit-ID").orElseThrow();
        get("/version"); // once it is answered, the first request's exchange is long over
        assertThat(audited.stream().filter(e -> e.origin().auditId().equals(id))).extracting(Event::stage)
                .containsExactly(Stage.REQUEST_RECEIVED, Stage.RESPONSE_COMPLETE);
    }

    private HttpResponse<String> get(String path) throws Exception {
        int port = http.actualPort();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
