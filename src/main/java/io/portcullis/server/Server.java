package io.portcullis.server;

import io.portcullis.admission.Admission;
import io.portcullis.admission.AdmissionPlugin;
import io.portcullis.admission.NamespaceLifecycle;
import io.portcullis.admission.ServiceAccountAdmission;
import io.portcullis.authn.CachedTokenAuthenticator;
import io.portcullis.api.Discovery;
import io.portcullis.api.OpenApi;
import io.portcullis.api.OpenApiV2;
import io.portcullis.api.protobuf.ProtobufBodies;
import io.portcullis.api.ResourceType;
import io.portcullis.audit.Auditor;
import io.portcullis.audit.BufferedSink;
import io.portcullis.audit.Policy;
import io.portcullis.audit.Sink;
import io.portcullis.authn.Authenticator;
import io.portcullis.authn.Authenticators;
import io.portcullis.authn.BasicAuthenticator;
import io.portcullis.authn.OidcAuthenticator;
import io.portcullis.authn.TokenAuthenticator;
import io.portcullis.authn.TokenFileAuthenticator;
import io.portcullis.authn.WebhookTokenAuthenticator;
import io.portcullis.authn.X509Authenticator;
import io.portcullis.authz.AccessRecorder;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.Authorizers;
import io.portcullis.authz.WebhookAuthorizer;
import io.portcullis.authn.Groups;
import io.portcullis.controllers.GarbageCollector;
import io.portcullis.storage.cache.Item;
import io.portcullis.controllers.TokensController;
import io.portcullis.controllers.ServiceAccountsController;
import io.portcullis.controllers.RootCaController;
import io.portcullis.controllers.NamespaceController;
import io.portcullis.controllers.Controller;
import io.portcullis.controllers.Controllers;
import io.portcullis.controllers.IdentityLease;
import io.portcullis.controllers.LeaderElection;
import io.portcullis.controllers.Bootstrap;
import io.portcullis.controllers.AggregationController;
import io.portcullis.authz.rbac.LeastPrivilege;
import io.portcullis.authz.rbac.BootstrapPolicy;
import io.portcullis.authz.rbac.RbacPolicy;
import io.portcullis.authz.rbac.EscalationCheck;
import io.portcullis.pki.ClusterPki;
import io.portcullis.pki.KeysAhead;
import io.portcullis.pki.Kubeconfig;
import io.portcullis.pki.Pem;
import io.portcullis.pki.WebhookConfig;
import io.portcullis.registry.Reviews;
import io.portcullis.registry.ServedKinds;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import io.portcullis.storage.Store;
import io.portcullis.storage.cache.WatchCache;
import io.portcullis.storage.encryption.EncryptingStore;
import io.portcullis.storage.etcd.EtcdStore;
import io.portcullis.storage.sqlite.SqliteStore;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Portcullis: PKI, store, watch cache, registry, the request pipeline over HTTPS, and
 * the controllers. {@link #start(ServerConfig)} returns once it is ready; {@link #close()} stops
 * accepting, finishes in-flight requests, ends watches and closes the store.
 */
public final class Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Server.class);
    /** Portcullis' own version, shown by --version. */
    public static final String VERSION = "0.1.0";
    private static final Duration FRESH = Duration.ofSeconds(5);
    /** How long after it serves a server begins the work its start did not wait for. */
    private static final Duration AFTER_START = Duration.ofSeconds(1);
    private static final int EVENT_LOOPS = Math.max(2, Runtime.getRuntime().availableProcessors());
    /** The controllers' Lease in kube-system, named as kube-controller-manager's. */
    static final String CONTROLLERS_LEASE = "kube-controller-manager";
    /** How often etcd is asked whether it answers, and how stale the last answer may be for /readyz/etcd. */
    private static final Duration ETCD_PROBE_EVERY = Duration.ofSeconds(1);
    private static final Duration ETCD_PROBE_STALE = Duration.ofSeconds(3);
    /** On etcd, the records of a replica silent for this many intervals are removed by the others. */
    private static final int ACCESS_RECORDS_RETENTION_INTERVALS = 10;
    static final String ACCESS_RECORDS = "access-records.json";

    private final ServerConfig config;
    private ClusterPki pki;
    private Store store;
    /** The store itself, under the encryption decorator when there is one. */
    private Store backing;
    private WatchCache cache;
    private ObjectStore objects;
    private Vertx vertx;
    /** Parsed while the store loads. */
    private final CompletableFuture<BootstrapPolicy.Defaults> bootstrapPolicy;
    /** Completed once the server serves: work a start need not wait for begins then. */
    private final CompletableFuture<Void> startedServing = new CompletableFuture<>();
    /** Vert.x, started beside the PKI and the store, which it owes nothing. */
    private final CompletableFuture<Vertx> vertxStarting;
    private ExecutorService workers;
    private HttpServer http;
    // http and one more listener per further event loop, sharing its port
    private final List<HttpServer> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private HttpServerOptions httpOptions;
    private volatile X509Certificate servingAnchor;
    private Path kubeconfig;
    private String url;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Failures failures = new Failures();
    private volatile boolean stopping;
    private final AccessRecorder accessRecorder = AccessRecorder.bounded();
    private LeastPrivilege leastPrivilege;
    /** On etcd, every replica's access records; null on SQLite. */
    private SharedAccessRecords sharedAccessRecords;

    private Server(ServerConfig config) throws IOException {
        this.config = config;
        long start = System.nanoTime();
        io.portcullis.pki.SecureFiles.makePrivate(config.dataDir());   // 0700, files 0600: it holds every Secret
        // the served kinds (their models) and the bootstrap policy load meanwhile
        CompletableFuture<List<ResourceType>> storedTypes = onOwnThread("served-kinds", ServedKinds::storedTypes);
        this.bootstrapPolicy = onOwnThread("bootstrap-policy", BootstrapPolicy.Defaults::shared);
        // the PKI and the store do not depend on each other: load them side by side
        CompletableFuture<ClusterPki> loading = CompletableFuture.supplyAsync(() -> {
            try {
                return ClusterPki.loadOrCreate(config.dataDir(), config.serving().tlsSans(), Clock.systemUTC());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        // Vert.x (Netty's event loops) and the JDK's TLS classes load on a thread of their own
        this.vertxStarting = new CompletableFuture<>();
        daemonThreads("vertx-start").newThread(() -> startVertx(vertxStarting, loading)).start();
        daemonThreads("netty-tls").newThread(Server::loadNettyTls).start();
        try {
            ServerConfig.Encryption encryption = config.encryption();
            this.backing = openStore(config);
            // the served kinds name what encryption covers: without it the cache's load need not wait for them
            this.store = encryption.providerConfig() == null ? backing
                    : EncryptingStore.around(backing, storedTypes.join(), encryption.providerConfig(), encryption.automaticReload(),
                            encryption.reloadInterval());
            this.cache = WatchCache.start(store);
            this.pki = loading.join();
            if (backing instanceof EtcdStore) ClusterIdentity.check(store, pki);
        } catch (CompletionException e) {
            close();
            if (e.getCause() instanceof UncheckedIOException io) throw io.getCause();
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } catch (RuntimeException e) {
            loading.join();
            close();
            throw e;
        }
        try {
            assemble(config, start);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** SQLite in the data directory, or etcd when --etcd-servers is given. */
    private static Store openStore(ServerConfig config) {
        ServerConfig.Storage s = config.storage();
        if (!s.etcd()) {
            SqliteStore sqlite = SqliteStore.open(config.dataDir().resolve("store.db"));
            try {
                StorageMigration.upgradeKeys(sqlite);   // a data directory of an earlier version
            } catch (RuntimeException e) {
                sqlite.close();
                throw e;
            }
            return sqlite;
        }
        boolean tls = s.etcdCaFile() != null || s.etcdCertFile() != null || s.etcdKeyFile() != null;
        return EtcdStore.connect(s.etcdServers(), tls ? new EtcdStore.Tls(s.etcdCaFile(), s.etcdCertFile(), s.etcdKeyFile()) : null,
                s.etcdPrefix());
    }

    private void assemble(ServerConfig config, long start) throws IOException {
        LOG.debug("cache loaded at revision {} after {} ms", cache.revision(), (System.nanoTime() - start) / 1_000_000);
        RbacPolicy rbac = new RbacPolicy();
        Authorizer authorizer = authorizer(config.authorization(), rbac.authorizer());
        ServiceAccounts serviceAccounts = ServiceAccounts.load(config.serviceAccounts(), pki);
        List<Strategy> strategies = ServedKinds.stored(new EscalationCheck(rbac.authorizer(), authorizer), serviceAccounts.tokenRequests());
        List<ResourceType> stored = strategies.stream().map(Strategy::type).toList();
        rbac.follow(cache, stored);
        // admission reads the watch cache, as of the newest write
        ResourceType namespaces = stored.stream().filter(t -> t.group().isEmpty() && t.resource().equals("namespaces")).findFirst().orElseThrow();
        // as upstream's lister: on a remote store a namespace the cache holds is taken as it is, where a
        // latest-state lookup would cost every create a round trip to etcd; a miss asks for the newest state
        boolean namespaceLister = !store.currentRevisionIsLocal();
        Map<String, AdmissionPlugin> plugins = Map.of(
                NamespaceLifecycle.NAME, new NamespaceLifecycle(name -> {
                    String key = namespaces.key("", name);
                    Optional<Item> cached = namespaceLister ? cache.get(key) : Optional.empty();
                    return (cached.isPresent() ? cached : cache.getFresh(key, FRESH)).map(Item::object);
                }),
                ServiceAccountAdmission.NAME, ServiceAccounts.admission(cache, stored));
        ServerConfig.Admission enabled = config.admission();
        Admission admission = new Admission(Admission.enabled(enabled.enablePlugins(), enabled.disablePlugins()).stream().map(plugins::get).toList());
        this.objects = new ObjectStore(store, cache, admission, strategies);
        Bootstrap.ensure(objects, bootstrapPolicy.join());
        LOG.debug("bootstrap done after {} ms", (System.nanoTime() - start) / 1_000_000);
        String caPem = Pem.encode(pki.caCertificate());
        List<Controller> controllers = List.of(
                NamespaceController::start,
                ServiceAccountsController::start,
                o -> RootCaController.start(o, caPem),
                o -> TokensController.start(o, serviceAccounts.signer(), caPem, config.serviceAccounts().legacyTokenSecrets()),
                o -> GarbageCollector.start(o, startedServing),
                o -> AggregationController.start(o, rbac.clusterRoles()));
        if (backing instanceof EtcdStore) {
            // replicas: each announces itself; the controllers run on the one holding their Lease
            String hostname = hostname();
            String id = replicaId(hostname, config.serving());
            String holder = id + "_" + UUID.randomUUID();
            ServerConfig.LeaderElection election = config.leaderElection();
            LOG.info("replica {} announces itself in the Lease {}/{}", holder, LeaderElection.NAMESPACE, id);
            closeables.add(IdentityLease.start(objects, id, holder, hostname, election.identityLeaseDuration(), election.identityLeaseRenewInterval()));
            if (election.enabled()) {
                closeables.add(LeaderElection.start(objects, CONTROLLERS_LEASE, holder,
                        new LeaderElection.Timings(election.leaseDuration(), election.renewDeadline(), election.retryPeriod()),
                        () -> Controllers.start(objects, controllers)));
            } else {
                closeables.add(Controllers.start(objects, controllers));
            }
        } else {
            closeables.add(Controllers.start(objects, controllers));
        }
        LOG.debug("controllers started after {} ms", (System.nanoTime() - start) / 1_000_000);

        try {
            this.vertx = vertxStarting.join();
        } catch (CompletionException e) {
            throw new IllegalStateException("cannot start Vert.x: " + rootMessage(e), e);
        }
        vertx.exceptionHandler(failures::outsideRequest);
        this.workers = new ThreadPoolExecutor(64, 64, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000), daemonThreads("worker"));
        Metrics metrics = new Metrics();
        if (store instanceof EncryptingStore e && e.reloadsAutomatically()) {
            metrics.encryptionConfigReloads(() -> e.reloads(true), () -> e.reloads(false));
        }
        ServerConfig.Serving serving = config.serving();
        Reloader reloader = new Reloader(serving.fileCheckInterval());
        closeables.add(reloader);

        CachedTokenAuthenticator tokens = tokenAuthenticator(config.authentication(), serviceAccounts, cache, stored, reloader);
        Authenticator authenticator = authenticator(config.authentication(), pki.caCertificate(), tokens, serviceAccounts.apiAudiences(),
                reloader);

        List<Route> routes = new ArrayList<>();
        for (Strategy s : strategies) routes.add(new Route.Stored(s));
        List<ResourceType> reviewKinds = ServedKinds.reviews();
        List<ResourceType> served = new ArrayList<>(stored);
        served.addAll(reviewKinds);
        ProtobufBodies protobuf = new ProtobufBodies(served);
        Bodies bodies = new Bodies(protobuf);
        accessRecorder.load(config.dataDir().resolve(ACCESS_RECORDS));
        this.leastPrivilege = rbac.leastPrivilege();
        Duration recordsInterval = config.authorization().accessRecordsInterval();
        AccessRecorder.Source records = subject -> accessRecorder;
        if (backing instanceof EtcdStore) {
            sharedAccessRecords = new SharedAccessRecords(store, accessRecorder,
                    recordsInterval.multipliedBy(ACCESS_RECORDS_RETENTION_INTERVALS), Clock.systemUTC());
            records = sharedAccessRecords;
        }
        Reviews reviews = new Reviews(tokens, serviceAccounts.apiAudiences(), authorizer, rbac.authorizer(), rbac.whoCan(),
                config.authorization().modes(), stored, records, leastPrivilege);
        for (ResourceType t : reviewKinds) routes.add(new Route.Review(t, reviews));
        Discovery discovery = new Discovery(served);
        // built on first use: they read every model class, which start-up need not wait for
        Supplier<OpenApi> openApi = onFirstUse(() -> new OpenApi(discovery));
        Supplier<OpenApiV2> openApiV2 = onFirstUse(() -> new OpenApiV2(discovery));

        HttpServerOptions options = httpOptions(serving, servingCertificate(serving, reloader));
        this.httpOptions = options;
        // every request's decision is recorded for least-privilege reports; reviews ask the chain unrecorded
        Authorizer recording = Authorizers.recording(authorizer, accessRecorder);
        Rest rest = new Rest(objects, vertx, bodies, serving.minRequestTimeout(), recording);
        Map<String, BooleanSupplier> live = new LinkedHashMap<>();
        live.put("ping", () -> true);
        live.put("jvm", () -> !failures.failed());
        live.put("storage", () -> !stopping);
        if (store instanceof EncryptingStore e && e.checksHealth()) live.put("kms-providers", e::healthy);
        Map<String, BooleanSupplier> ready = new LinkedHashMap<>();
        ready.put("watch-cache", () -> cache.revision() >= 0);
        if (backing instanceof EtcdStore) ready.put("etcd", probeEtcd());
        ready.put("shutdown", () -> !stopping);
        String host = serving.bindAddress().contains(":") ? "[" + serving.bindAddress() + "]" : serving.bindAddress();
        NonResource nonResource = new NonResource(discovery, openApi, openApiV2, metrics, () -> host + ":" + port(), live, ready,
                serviceAccounts.documents());
        // remote authenticators and authorizers: never on an event loop (a token lookup that must wait for a
        // remote store's revision moves its request to a worker by itself: Pipeline.NeedsWorker)
        boolean blocking = config.authorization().modes().contains("Webhook") || config.authentication().webhookConfigFile() != null
                || config.authentication().oidc() != null;
        Connections connections = new Connections(vertx, serving.headerTimeout(), serving.idleTimeout());
        Auditor auditor = auditor(config.audit(), protobuf);
        closeables.add(auditor);
        // as upstream: a request waits for a seat at most a quarter of --request-timeout
        FlowControl flowControl = new FlowControl(serving.maxRequestsInflight(), serving.maxMutatingRequestsInflight(),
                serving.requestTimeout().isZero() ? Duration.ofSeconds(15) : serving.requestTimeout().dividedBy(4), vertx, metrics);
        Pipeline pipeline = new Pipeline(authenticator, recording, auditor, new Router(routes), rest,
                nonResource, metrics, workers, blocking, connections, BodyBudget.ofHeap(), flowControl, serving.requestTimeout(), failures);
        try {
            // one listener per event loop on the same port, each serving its own connections: one
            // alone would leave every connection's TLS and HTTP work to a single event loop
            // (Vert.x shares a port among listeners asking for the same one; a negative port is a random one shared)
            int port = serving.securePort() == 0 ? -1 : serving.securePort();
            this.http = listen(options, port, serving.bindAddress(), connections, pipeline);
            for (int i = 1; i < EVENT_LOOPS; i++) listen(options, port, serving.bindAddress(), connections, pipeline);
        } catch (Exception e) {
            throw new IOException("cannot listen on " + serving.bindAddress() + ":" + serving.securePort() + ": " + rootMessage(e), e);
        }
        scheduleCompaction(config.storage().compactionInterval());
        // written on a worker on a timer, never on a request's path
        long recordsTimer = vertx.setPeriodic(recordsInterval.toMillis(), id -> workers.execute(() -> {
            if (accessRecorder.changed()) saveAccessRecords();
            if (sharedAccessRecords != null) sharedAccessRecords.flush();
        }));
        closeables.add(() -> vertx.cancelTimer(recordsTimer));   // before the workers stop taking tasks
        this.url = "https://" + ("0.0.0.0".equals(serving.bindAddress()) || "::".equals(serving.bindAddress()) ? "127.0.0.1" : host)
                + ":" + http.actualPort();
        this.kubeconfig = config.dataDir().resolve("admin.kubeconfig");
        this.servingAnchor = servingTrustAnchor(serving);
        Kubeconfig.writeAdmin(kubeconfig, url, servingAnchor, pki.adminCertificate(), pki.adminKey(), "portcullis");
        LOG.info("ready in {} ms, {} at revision {}", (System.nanoTime() - start) / 1_000_000, url, cache.revision());
        KeysAhead.prepare();   // the next server's ServiceAccount key, where a program starts several
        // what a start need not wait for begins a moment after serving, leaving the processors to the
        // first clients' handshakes meanwhile: the protobuf messages (or the first protobuf body builds
        // them), then the garbage collector's first pass
        vertx.setTimer(AFTER_START.toMillis(), id -> {
            if (stopping) return;
            try {
                workers.execute(() -> {
                    protobuf.prepare();
                    startedServing.complete(null);
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping
            }
        });
    }

    /**
     * As kube-apiserver names its identity Lease: "apiserver-" and a hash; of the host name and,
     * since several replicas may share a machine here, of the address they serve on (a random one
     * when the port is picked at start).
     */
    private static String replicaId(String hostname, ServerConfig.Serving serving) {
        String seed = hostname + "|" + serving.bindAddress() + "|" + (serving.securePort() == 0 ? UUID.randomUUID() : serving.securePort());
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(seed.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "apiserver-" + java.util.HexFormat.of().formatHex(hash, 0, 13);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Starts a server and returns once it answers /readyz. */
    public static Server start(ServerConfig config) throws IOException {
        return new Server(config);
    }

    public String url() {
        return url;
    }

    public int port() {
        return http.actualPort();
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public ClusterPki pki() {
        return pki;
    }

    public Path dataDir() {
        return config.dataDir();
    }

    /**
     * What every subject was allowed and denied, as recorded at authorization (kept across restarts
     * in the data directory's access-records.json): for least-privilege reports in process.
     */
    public AccessRecorder accessRecorder() {
        return accessRecorder;
    }

    /** Least-privilege reports over {@link #accessRecorder()} and the live RBAC policy. */
    public LeastPrivilege leastPrivilege() {
        return leastPrivilege;
    }

    /**
     * Returns once every write acknowledged so far is seen by reads and by what derives from them
     * (the RBAC index, token revocation, the controllers' views): so that a test's next request is
     * authorized by the RoleBinding it has just written, as kube-apiserver promises only eventually.
     * IllegalStateException when the cache does not catch up within {@link #FRESH}.
     */
    public void awaitFresh() {
        if (!cache.waitFresh(FRESH)) throw new IllegalStateException("the cache did not catch up with storage in " + FRESH.toSeconds() + " s");
    }

    /**
     * Back to a freshly started server, for the next test: user namespaces and objects removed,
     * system namespaces and the bootstrap policy kept (see {@link Reset}), access records cleared.
     * Returns once reads see the result. Meant for a server no client is writing to.
     */
    public void reset() {
        Reset.run(store, cache, objects, bootstrapPolicy.join());
        accessRecorder.clear();
    }

    /**
     * What to do when the JVM is found unable to serve (a heap still full after an
     * OutOfMemoryError, an Error outside any request); the server turns unready either way, and
     * the command line exits so that a supervisor restarts it.
     */
    public void onFatal(Runnable action) {
        failures.onFatal(action);
    }

    /** Judges what a thread throws and nothing catches as the server's own failures are judged (an Error is fatal). */
    public Thread.UncaughtExceptionHandler uncaughtHandler() {
        return failures.uncaughtHandler();
    }

    /**
     * What admin.kubeconfig trusts for the serving certificate: the cluster CA that signed the
     * generated one, or the last certificate of --tls-cert-file's chain (its CA when the file
     * carries it, else the certificate itself).
     */
    private X509Certificate servingTrustAnchor(ServerConfig.Serving serving) throws IOException {
        if (serving.tlsCertFile() == null) return pki.caCertificate();
        List<X509Certificate> chain = Pem.readCertificates(serving.tlsCertFile());
        if (chain.isEmpty()) throw new IOException("--tls-cert-file " + serving.tlsCertFile() + ": no certificate");
        return chain.get(chain.size() - 1);
    }

    /**
     * The bearer-token plugins in upstream's order (token file, ServiceAccount tokens, OIDC,
     * webhook) behind one cache, which forgets a token as soon as what it is bound to changes;
     * they also answer TokenReview.
     */
    private static CachedTokenAuthenticator tokenAuthenticator(ServerConfig.Authentication c, ServiceAccounts serviceAccounts,
                                                               WatchCache cache, List<ResourceType> stored, Reloader reloader) {
        List<TokenAuthenticator> tokens = new ArrayList<>();
        AtomicReference<CachedTokenAuthenticator> cachedRef = new AtomicReference<>();
        if (c.tokenAuthFile() != null) {
            Path file = c.tokenAuthFile();
            AtomicReference<TokenFileAuthenticator> current = new AtomicReference<>();
            // a token the new file drops must stop working at once: the cache forgets every answer
            current.set(reloader.follow("--token-auth-file " + file, List.of(file), () -> TokenFileAuthenticator.load(file), loaded -> {
                current.set(loaded);
                cachedRef.get().invalidateAll();
            }));
            tokens.add((token, audiences) -> current.get().authenticateToken(token, audiences));
        }
        tokens.add(serviceAccounts.authenticator(cache, stored));
        if (c.oidc() != null && c.oidc().issuerUrl() != null) {
            ServerConfig.Oidc o = c.oidc();
            tokens.add(OidcAuthenticator.start(new OidcAuthenticator.Options(o.issuerUrl(), o.clientId(), o.usernameClaim(),
                    o.usernamePrefix(), o.groupsClaim(), o.groupsPrefix(), o.caFile(), o.signingAlgs(),
                    OidcAuthenticator.Options.requiredClaims(o.requiredClaims())), Clock.systemUTC()));
        }
        if (c.webhookConfigFile() != null) {
            tokens.add(WebhookTokenAuthenticator.cached(WebhookTokenAuthenticator.load(c.webhookConfigFile()), c.webhookCacheTtl()));
        }
        CachedTokenAuthenticator cached = Authenticators.cached(Authenticators.firstSuccessToken(tokens));
        cachedRef.set(cached);
        ServiceAccounts.revokeOnChange(cache, stored, cached);
        return cached;
    }

    /**
     * Client certificates, then bearer tokens, then basic; anonymous only when nobody objected.
     * The client CA bundle and the password file are followed: a new one is in force for the
     * next request.
     */
    private static Authenticator authenticator(ServerConfig.Authentication c, X509Certificate clusterCa, TokenAuthenticator tokens,
                                               List<String> apiAudiences, Reloader reloader) {
        List<Authenticator> chain = new ArrayList<>();
        if (c.clientCaFile() == null) {
            chain.add(X509Authenticator.load(List.of(clusterCa), null, Clock.systemUTC()));
        } else {
            Path file = c.clientCaFile();
            AtomicReference<X509Authenticator> current = new AtomicReference<>();
            current.set(reloader.follow("--client-ca-file " + file, List.of(file),
                    () -> X509Authenticator.load(List.of(clusterCa), file, Clock.systemUTC()), current::set));
            chain.add(credentials -> current.get().authenticate(credentials));
        }
        chain.add(Authenticators.bearer(tokens, apiAudiences));
        if (c.basicAuthFile() != null) {
            Path file = c.basicAuthFile();
            AtomicReference<BasicAuthenticator> current = new AtomicReference<>();
            current.set(reloader.follow("--basic-auth-file " + file, List.of(file), () -> BasicAuthenticator.load(file), current::set));
            chain.add(credentials -> current.get().authenticate(credentials));
        }
        Authenticator authn = Authenticators.withAuthenticatedGroup(Authenticators.firstSuccess(chain));
        return c.anonymous() ? Authenticators.orElseAnonymous(authn) : authn;
    }

    /** system:masters first, as upstream, then the --authorization-mode chain; the first decision wins. */
    private static Authorizer authorizer(ServerConfig.Authorization c, Authorizer rbac) {
        List<Authorizer> chain = new ArrayList<>();
        chain.add(Authorizers.privilegedGroups(Groups.SYSTEM_MASTERS));
        for (String mode : c.modes()) {
            chain.add(switch (mode) {
                case "RBAC" -> rbac;
                case "AlwaysAllow" -> Authorizers.alwaysAllow();
                case "AlwaysDeny" -> Authorizers.alwaysDeny();
                case "Webhook" -> WebhookAuthorizer.load(c.webhookConfigFile(), c.webhookCacheAuthorizedTtl(),
                        c.webhookCacheUnauthorizedTtl());
                default -> throw new IllegalArgumentException("--authorization-mode " + mode + ": unknown mode");
            });
        }
        return Authorizers.firstDecision(chain);
    }

    /** The policy, and the log and the webhook behind their buffers; without a policy nothing is audited, as upstream. */
    private static Auditor auditor(ServerConfig.Audit c, ProtobufBodies protobuf) throws IOException {
        if (c.policyFile() == null) {
            if (c.logPath() != null || c.webhookConfigFile() != null) LOG.warn("no --audit-policy-file: no audit events are recorded");
            return Auditor.off();
        }
        Policy policy = Policy.load(c.policyFile());
        WebhookConfig webhook = c.webhookConfigFile() == null ? null : WebhookConfig.load("--audit-webhook-config-file", c.webhookConfigFile());
        List<Sink> sinks = new ArrayList<>();
        if (c.logPath() != null) sinks.add(BufferedSink.log(c.logPath(), c.logMaxAge(), c.logMaxBackups(), c.logMaxSize(), c.logBuffering(), protobuf));
        if (webhook != null) sinks.add(BufferedSink.webhook(webhook.server(), webhook.tls(), webhook.token(), c.webhookInitialBackoff(),
                c.webhookBuffering(), protobuf));
        return new Auditor(policy, sinks);
    }

    /**
     * The generated serving certificate, or --tls-cert-file and --tls-private-key-file, which are
     * followed: a new pair (checked to belong together) serves every later connection; open
     * connections keep the one they began with.
     */
    private KeyCertOptions servingCertificate(ServerConfig.Serving c, Reloader reloader) {
        if (c.tlsCertFile() == null) return KeyCertOptions.wrap(keyManagers(pki.servingKey(), pki.servingCertificate()));
        Path certFile = c.tlsCertFile(), keyFile = c.tlsPrivateKeyFile();
        return reloader.follow("--tls-cert-file " + certFile + " and --tls-private-key-file " + keyFile, List.of(certFile, keyFile),
                () -> servingPair(certFile, keyFile), this::serveWith);
    }

    /**
     * The generated serving pair as key managers over an in-memory JKS store. (Given as PEM, Vert.x
     * builds a PKCS#12 store, whose password-based key encryption is a noticeable part of a cold start.)
     */
    private static KeyManagerFactory keyManagers(java.security.PrivateKey key, X509Certificate certificate) {
        try {
            char[] password = "in-memory".toCharArray();   // the store never leaves this process
            KeyStore store = KeyStore.getInstance("JKS");
            store.load(null, null);
            store.setKeyEntry("serving", key, password, new X509Certificate[] {certificate});
            KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            managers.init(store, password);
            return managers;
        } catch (java.security.GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot serve with the generated certificate: " + e.getMessage(), e);
        }
    }

    /** The certificate chain and key of the files, refused unless the key is the first certificate's. */
    private static PemKeyCertOptions servingPair(Path certFile, Path keyFile) throws IOException {
        byte[] certs = Files.readAllBytes(certFile);
        byte[] key = Files.readAllBytes(keyFile);
        List<X509Certificate> chain;
        try {
            chain = Pem.parseCertificates(new String(certs, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException("--tls-cert-file " + certFile + ": " + e.getMessage(), e);
        }
        java.security.PrivateKey privateKey = Pem.parsePrivateKey(new String(key, java.nio.charset.StandardCharsets.UTF_8),
                "--tls-private-key-file " + keyFile);
        if (!io.portcullis.pki.Keys.samePublicKey(chain.get(0).getPublicKey(), io.portcullis.pki.Keys.publicKeyOf(privateKey))) {
            throw new IOException("--tls-private-key-file " + keyFile + " is not the key of --tls-cert-file " + certFile);
        }
        return new PemKeyCertOptions().addCertValue(Buffer.buffer(certs)).addKeyValue(Buffer.buffer(key));
    }

    /** A listener whose connections are served on an event loop of its own (the port shared with the first). */
    private HttpServer listen(HttpServerOptions options, int port, String host, Connections connections, Pipeline pipeline)
            throws Exception {
        HttpServer server = vertx.createHttpServer(options).connectionHandler(connections::opened).requestHandler(pipeline::handle);
        CompletableFuture<HttpServer> bound = new CompletableFuture<>();
        ((VertxInternal) vertx).createEventLoopContext().runOnContext(v -> server.listen(port, host).onComplete(ar -> {
            if (ar.succeeded()) bound.complete(ar.result());
            else bound.completeExceptionally(ar.cause());
        }));
        listeners.add(server);
        return bound.get(30, TimeUnit.SECONDS);
    }

    /** Serves new connections with another certificate; admin.kubeconfig follows when what it must trust changed. */
    private void serveWith(PemKeyCertOptions cert) {
        ServerSSLOptions ssl = ((ServerSSLOptions) httpOptions.getSslOptions()).copy().setKeyCertOptions(cert)
                .setUseAlpn(true).setApplicationLayerProtocols(List.of("h2", "http/1.1"));
        try {
            for (HttpServer server : listeners) {
                server.updateSSLOptions(ssl, true).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            httpOptions.setKeyCertOptions(cert);
            X509Certificate anchor = servingTrustAnchor(config.serving());
            if (kubeconfig != null && !anchor.equals(servingAnchor)) {
                Kubeconfig.writeAdmin(kubeconfig, url, anchor, pki.adminCertificate(), pki.adminKey(), "portcullis");
                servingAnchor = anchor;
            }
        } catch (Exception e) {
            throw new IllegalStateException("the listener refused the new certificate: " + rootMessage(e), e);
        }
    }

    private HttpServerOptions httpOptions(ServerConfig.Serving c, KeyCertOptions cert) {
        HttpServerOptions options = new HttpServerOptions()
                .setSsl(true)
                .setSslEngineOptions(new JdkServerTls())
                .setUseAlpn(true)
                .setKeyCertOptions(cert)
                .setClientAuth(ClientAuth.REQUEST)
                // any client certificate is accepted by the handshake; the X.509 authenticator decides
                .setTrustOptions(TrustOptions.wrap(new AnyClientCertificate()))
                .setEnabledSecureTransportProtocols(TlsPolicy.protocols(c.tlsMinVersion()))
                .setTcpNoDelay(true)
                // idle and header timeouts are the Connections' (a quiet watch must stay open)
                .setIdleTimeout(0)
                .setMaxHeaderSize(64 * 1024)
                .setMaxInitialLineLength(16 * 1024);
        // HTTP/2 headers (the path with its query among them) get the bound HTTP/1 headers have, not
        // Netty's 8 KiB: past it a stream is answered 431, past a quarter more the connection ends
        options.getInitialSettings().setMaxHeaderListSize(64 * 1024);
        TlsPolicy.cipherSuites(c.tlsCipherSuites()).forEach(options::addEnabledCipherSuite);
        return options;
    }

    /** Accepts every client chain in the handshake and names no CA, so clients offer their certificate. */
    private static final class AnyClientCertificate implements X509TrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("not a client");
        }
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }

    /**
     * As kube-apiserver asks etcd: every interval (--etcd-compaction-interval, zero: never), history
     * up to the revision seen at the previous tick is compacted, so watches and continue tokens older
     * than that get 410 Expired. On etcd the replicas share one compaction per interval (a
     * compare-and-swap on etcd's compaction record decides which).
     */
    private void scheduleCompaction(Duration interval) {
        if (interval.isZero()) return;
        if (backing instanceof EtcdStore etcd) {
            workers.execute(() -> compactShared(etcd));   // the first tick only takes part: it never compacts
            vertx.setPeriodic(interval.toMillis(), id -> workers.execute(() -> compactShared(etcd)));
            return;
        }
        long[] seen = {store.currentRevision()};
        vertx.setPeriodic(interval.toMillis(), id -> workers.execute(() -> {
            long target = seen[0];
            seen[0] = store.currentRevision();
            if (target > store.compactedRevision()) {
                try {
                    store.compact(target);
                } catch (RuntimeException e) {
                    LOG.warn("compacting the store to revision {} failed: {}", target, e.getMessage());
                }
            }
        }));
    }

    private static void compactShared(EtcdStore etcd) {
        try {
            long compacted = etcd.compactIfUnchanged();
            if (compacted > 0) LOG.info("compacted etcd's history up to revision {}", compacted);
        } catch (RuntimeException e) {
            LOG.warn("compacting etcd failed: {}", e.getMessage());
        }
    }

    /**
     * /readyz/etcd: etcd answered a linearizable read within the last few seconds. The read runs on
     * a thread of its own every second, so a check never waits for etcd.
     */
    private BooleanSupplier probeEtcd() {
        AtomicLong answered = new AtomicLong(System.nanoTime());
        Thread prober = new Thread(() -> {
            while (!stopping) {
                try {
                    store.currentRevision();
                    answered.set(System.nanoTime());
                } catch (RuntimeException e) {
                    LOG.debug("etcd did not answer the health probe: {}", e.getMessage());
                }
                try {
                    Thread.sleep(ETCD_PROBE_EVERY.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "etcd-probe");
        prober.setDaemon(true);
        prober.start();
        closeables.add(prober::interrupt);
        return () -> System.nanoTime() - answered.get() < ETCD_PROBE_STALE.toNanos();
    }

    private void saveAccessRecords() {
        try {
            accessRecorder.save(config.dataDir().resolve(ACCESS_RECORDS));
        } catch (IOException | RuntimeException e) {
            LOG.warn("saving the access records: {}", e.getMessage());
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The work's result, computed on a daemon thread of its own. */
    private static <T> CompletableFuture<T> onOwnThread(String name, Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        daemonThreads(name).newThread(() -> {
            try {
                result.complete(work.get());
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        }).start();
        return result;
    }

    /** The value built by the first get() (once, however many ask at once), and kept. */
    private static <T> Supplier<T> onFirstUse(Supplier<T> build) {
        return new Supplier<>() {
            private volatile T built;

            @Override
            public T get() {
                T value = built;
                if (value == null) {
                    synchronized (this) {
                        if (built == null) built = build.get();
                        value = built;
                    }
                }
                return value;
            }
        };
    }

    /**
     * Starts Vert.x, then readies what the listener's TLS will need of the JDK: its classes, and,
     * once the PKI is loaded, one handshake in memory with the serving key.
     */
    private static void startVertx(CompletableFuture<Vertx> started, CompletableFuture<ClusterPki> pki) {
        try {
            started.complete(Vertx.vertx(new VertxOptions().setEventLoopPoolSize(EVENT_LOOPS)));
        } catch (RuntimeException | Error e) {
            started.completeExceptionally(e);
            return;
        }
        try {
            SSLContext.getDefault();
            ClusterPki keys = pki.join();
            TlsWarmUp.handshake(keyManagers(keys.servingKey(), keys.servingCertificate()));
        } catch (Exception | LinkageError e) {
            // only readied ahead of need: the listener meets any real problem and reports it
        }
    }

    /**
     * Netty's JDK TLS context, on its first use, asks the JDK which protocols and suites it
     * supports: done here on a thread of its own rather than when the listener binds.
     */
    private static void loadNettyTls() {
        try {
            Class.forName("io.netty.handler.ssl.JdkSslContext", true, Server.class.getClassLoader());
        } catch (ReflectiveOperationException | LinkageError e) {
            // the listener meets any real problem and reports it
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage();
    }

    @Override
    public void close() {
        if (stopping) return;
        stopping = true;
        for (HttpServer server : listeners) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("stopping the listener: {}", e.getMessage());
            }
        }
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("stopping {}: {}", c, e.getMessage());
            }
        }
        if (cache != null) cache.close();
        if (workers != null) {
            workers.shutdown();
            try {
                workers.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (http != null) {   // only a server that served has records to keep
            saveAccessRecords();
            if (sharedAccessRecords != null) sharedAccessRecords.flush();
        }
        if (store != null) store.close();
        if (vertx == null && vertxStarting != null) {
            try {
                vertx = vertxStarting.join();   // started for a server that failed before it was used
            } catch (CompletionException e) {
                // nothing to stop
            }
        }
        if (vertx != null) {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("stopping Vert.x: {}", e.getMessage());
            }
        }
    }
}
