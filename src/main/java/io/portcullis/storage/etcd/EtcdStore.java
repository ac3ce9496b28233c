package io.portcullis.storage.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.PutOption;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.portcullis.api.Statuses;
import io.portcullis.pki.ClientTls;
import io.portcullis.pki.Pem;
import io.portcullis.storage.Store;
import io.portcullis.storage.StoreException;
import io.portcullis.storage.StoreException.Reason;
import io.portcullis.storage.StoreUnavailableException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Store} on an etcd v3 cluster, through jetcd. The store's revision is etcd's: an entry's
 * modRevision is etcd's mod_revision, so a resourceVersion means the same on every server using the
 * cluster. Creates, updates and deletes are single etcd transactions that compare the key's create
 * or mod revision; lists are ranges at a revision; watches are etcd watches with the previous value.
 *
 * <p>Keys: the server's keys start with {@code /registry/}; in etcd that leading {@code /registry}
 * is replaced by the prefix (kube-apiserver's {@code --etcd-prefix}), and keys come back in the
 * server's form. With the default prefix the mapping is the identity, so any key is stored as given;
 * with another prefix a key outside {@code /registry/} is refused, as it would land outside the
 * prefix. The keys {@code <prefix>/compact_rev_key} (the compaction record) and
 * {@code <prefix>/watch_progress_key} (see {@link #markProgress}) are this store's own records and
 * are never listed, watched or written through the {@link Store} methods.
 *
 * <p>Every call waits at most the request timeout for etcd (10 s by default) and then fails with a
 * {@link StoreUnavailableException}; a write that timed out may still have been applied. Calls made while
 * etcd is unreachable fail the same way, and the store works again once etcd is back. A request
 * etcd answers by refusing it (a value over its {@code --max-request-bytes}, for one) changes nothing
 * and fails with upstream's answer to it, an {@link io.portcullis.api.ApiException} 500 in etcd's
 * words ({@link Statuses#unknown}). A watch whose
 * stream is lost resumes by itself from the revision after its last event, without gap or
 * duplicate; it ends with an error only when that history has been compacted meanwhile
 * (COMPACTED), when etcd refuses it, or when the store closes (see {@link EtcdWatch}).
 */
public final class EtcdStore implements Store {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdStore.class);

    /** kube-apiserver's default {@code --etcd-prefix}. */
    public static final String DEFAULT_PREFIX = "/registry";
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** How many times a start reads etcd's first answer before it gives up (see {@link #firstRead}). */
    static final int FIRST_READ_ATTEMPTS = 3;
    /** A watcher this many events behind is ended with an error; it watches again from its last revision. */
    public static final int WATCH_QUEUE_BOUND = 100_000;
    /** Where the server's keys start; replaced by the prefix in etcd. */
    static final String SERVER_ROOT = "/registry/";
    static final String COMPACT_KEY = "compact_rev_key";
    static final String PROGRESS_KEY = "watch_progress_key";
    private static final String COMPACTED_ERROR = "required revision has been compacted";
    private static final String FUTURE_ERROR = "required revision is a future revision";

    /**
     * Mutual TLS with etcd, as kube-apiserver's {@code --etcd-cafile}, {@code --etcd-certfile} and
     * {@code --etcd-keyfile} (PEM). A null CA trusts the JVM's default authorities; a null
     * certificate and key present no client certificate.
     */
    public record Tls(Path caFile, Path certFile, Path keyFile) {
        public Tls {
            if ((certFile == null) != (keyFile == null)) {
                throw new IllegalArgumentException("an etcd client certificate needs its key file, and a key file its certificate");
            }
        }
    }

    private final String endpoints;
    private final String root;
    private final ByteSequence compactKey;
    private final ByteSequence progressKey;
    /** A write of the progress key is on its way: one at a time is enough for every waiter. */
    private final AtomicBoolean marking = new AtomicBoolean();
    private final Duration timeout;
    private final Client client;
    private final ScheduledExecutorService resumer;
    private final int watchQueueBound;
    private final Set<EtcdWatch> watches = ConcurrentHashMap.newKeySet();
    private final AtomicLong compacted = new AtomicLong();
    /** Guards the two shared revision reads: the one in flight (null: none) and the one its latecomers wait for. */
    private final Object revisionReads = new Object();
    private CompletableFuture<Long> revisionRead;
    private CompletableFuture<Long> nextRevisionRead;
    private volatile boolean closed;
    // the shared compaction's state at the previous tick: the compact key's version and etcd's revision
    private long compactVersion;
    private long previousTickRevision;

    private EtcdStore(String endpoints, String root, Duration timeout, Client client, int watchQueueBound) {
        this.endpoints = endpoints;
        this.root = root;
        this.compactKey = bytes(root + COMPACT_KEY);
        this.progressKey = bytes(root + PROGRESS_KEY);
        this.timeout = timeout;
        this.client = client;
        this.watchQueueBound = watchQueueBound;
        this.resumer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "etcd-store-watch-resumer");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects to etcd at the endpoints (comma-separated {@code http://} or {@code https://} URLs,
     * as {@code --etcd-servers}; https needs the TLS files or trusts the JVM's authorities) and
     * reads the compacted revision recorded there. Fails when etcd does not answer in time (a few
     * request timeouts: see {@link #firstRead}).
     *
     * @param tls    null for plain HTTP endpoints
     * @param prefix the etcd key prefix standing for {@code /registry} ({@link #DEFAULT_PREFIX})
     */
    public static EtcdStore connect(String endpoints, Tls tls, String prefix) {
        return connect(endpoints, tls, prefix, REQUEST_TIMEOUT, WATCH_QUEUE_BOUND);
    }

    static EtcdStore connect(String endpoints, Tls tls, String prefix, Duration timeout, int watchQueueBound) {
        Objects.requireNonNull(prefix, "prefix");
        List<URI> uris = parseEndpoints(endpoints);
        boolean https = uris.get(0).getScheme().equals("https");
        if (tls != null && !https) throw new IllegalArgumentException("etcd TLS files are given but the endpoints are not https: " + endpoints);
        SslContext ssl = https ? sslContext(tls) : null;   // names a file it cannot use
        dial(uris, tls, timeout);
        ClientBuilder builder = Client.builder().endpoints(uris).interceptor(deadline(timeout))
                // as etcd's Go client: no limit of its own on what etcd answers (gRPC's default is 4 MiB,
                // less than a page of large objects or a watch replaying them)
                .maxInboundMessageSize(Integer.MAX_VALUE);
        if (https) builder.sslContext(ssl);
        EtcdStore store = new EtcdStore(endpoints, root(prefix), timeout, builder.build(), watchQueueBound);
        try {
            GetResponse recorded = store.firstRead();
            recorded.getKvs().forEach(kv -> store.learnCompacted(parseRevision(kv)));
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw new IllegalStateException("cannot use etcd at " + endpoints + ": " + e.getMessage(), e);
        }
    }

    /**
     * The compaction record, the first thing a store reads. Its time counts what the first call alone
     * does (the client's connection and, on a loaded machine, the loading of its classes), and etcd
     * may be electing a leader just then: so a read that got no answer in time, or that etcd could not
     * serve yet (UNAVAILABLE), is tried again, up to {@link #FIRST_READ_ATTEMPTS} reads in all, each
     * with the whole request timeout. Any other failure ends the start at once.
     */
    private GetResponse firstRead() {
        for (int attempt = 1; ; attempt++) {
            try {
                return await(kv().get(compactKey), "reading the compacted revision");
            } catch (StoreUnavailableException e) {
                if (!notYetAnswered(e)) throw e;
                if (attempt == FIRST_READ_ATTEMPTS) {
                    throw new StoreUnavailableException(e.getMessage() + " (" + attempt + " times)", e.getCause());
                }
                LOG.warn("{}; trying again", e.getMessage());
            }
        }
    }

    private static boolean notYetAnswered(StoreUnavailableException e) {
        Throwable cause = e.getCause();
        if (cause instanceof TimeoutException) return true;
        String code = cause instanceof EtcdException etcd ? etcd.getErrorCode().name() : Status.fromThrowable(cause).getCode().name();
        return code.equals(Status.Code.DEADLINE_EXCEEDED.name()) || code.equals(Status.Code.UNAVAILABLE.name());
    }

    /**
     * Fails at once, naming each endpoint and why, when none accepts a connection (and, for https,
     * a TLS handshake with the given files): gRPC would keep trying until the timeout and then say
     * only that it timed out.
     */
    private static void dial(List<URI> uris, Tls tls, Duration timeout) {
        SSLSocketFactory ssl = uris.get(0).getScheme().equals("https") ? jsse(tls) : null;
        int millis = (int) Math.min(timeout.toMillis(), Integer.MAX_VALUE);
        List<String> failures = new ArrayList<>();
        for (URI uri : uris) {
            int port = uri.getPort() >= 0 ? uri.getPort() : ssl != null ? 443 : 80;
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(uri.getHost(), port), millis);
                if (ssl != null) handshake(ssl, socket, uri.getHost(), port, millis);
                return;
            } catch (IOException e) {
                failures.add(uri + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            }
        }
        throw new IllegalStateException("cannot reach etcd at " + String.join("; ", failures));
    }

    /** A TLS handshake as gRPC would make it (the name checked), and a short read for a refused client certificate. */
    private static void handshake(SSLSocketFactory ssl, Socket socket, String host, int port, int millis) throws IOException {
        socket.setSoTimeout(millis);
        try (SSLSocket tlsSocket = (SSLSocket) ssl.createSocket(socket, host, port, false)) {
            SSLParameters parameters = tlsSocket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            parameters.setApplicationProtocols(new String[] {"h2"});
            tlsSocket.setSSLParameters(parameters);
            tlsSocket.startHandshake();
            // with TLS 1.3 a refused client certificate shows only as the server's first answer
            tlsSocket.setSoTimeout(200);
            try {
                tlsSocket.getInputStream().read();
            } catch (SocketTimeoutException quiet) {
                // the server waits for the client to speak first: the handshake was accepted
            }
        }
    }

    private static SSLSocketFactory jsse(Tls tls) {
        try {
            byte[] ca = tls == null || tls.caFile() == null ? null : Files.readAllBytes(tls.caFile());
            byte[] cert = tls == null || tls.certFile() == null ? null : Files.readAllBytes(tls.certFile());
            byte[] key = tls == null || tls.keyFile() == null ? null : Files.readAllBytes(tls.keyFile());
            return ClientTls.context(ca, cert, key, false).getSocketFactory();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("cannot use the etcd TLS files (" + files(tls) + "): " + e.getMessage(), e);
        }
    }

    private static String files(Tls tls) {
        if (tls == null) return "none given";
        List<String> named = new ArrayList<>();
        if (tls.caFile() != null) named.add("CA " + tls.caFile());
        if (tls.certFile() != null) named.add("certificate " + tls.certFile());
        if (tls.keyFile() != null) named.add("key " + tls.keyFile());
        return String.join(", ", named);
    }

    private static List<URI> parseEndpoints(String endpoints) {
        if (endpoints == null || endpoints.isBlank()) throw new IllegalArgumentException("no etcd endpoints given");
        List<URI> uris = new ArrayList<>();
        for (String e : endpoints.split(",")) {
            URI uri;
            try {
                uri = URI.create(e.trim());
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("etcd endpoint " + e + " is not a URL", bad);
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("etcd endpoint " + e + " is not an http:// or https:// URL");
            }
            uris.add(uri);
        }
        if (uris.stream().map(URI::getScheme).distinct().count() > 1) {
            throw new IllegalArgumentException("etcd endpoints mix http and https: " + endpoints);
        }
        return uris;
    }

    private static SslContext sslContext(Tls tls) {
        SslContextBuilder ssl = GrpcSslContexts.forClient();
        if (tls != null && tls.caFile() != null) ssl.trustManager(certificates("CA", tls.caFile()));
        if (tls != null && tls.certFile() != null) {
            PrivateKey key;
            try {
                key = Pem.readPrivateKey(tls.keyFile());
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("etcd client key file " + tls.keyFile() + ": " + e.getMessage(), e);
            }
            ssl.keyManager(key, certificates("client certificate", tls.certFile()));
        }
        try {
            return ssl.build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot use the etcd TLS files (" + files(tls) + "): " + e.getMessage(), e);
        }
    }

    private static X509Certificate[] certificates(String what, Path file) {
        List<X509Certificate> certificates;
        try {
            certificates = Pem.readCertificates(file);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("etcd " + what + " file " + file + ": " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) throw new IllegalArgumentException("etcd " + what + " file " + file + ": no PEM certificate in it");
        return certificates.toArray(X509Certificate[]::new);
    }

    /**
     * Every unary call gets the timeout as its gRPC deadline: a call still waiting for etcd to be
     * reachable when its caller gives up is dropped, never sent later.
     */
    private static ClientInterceptor deadline(Duration timeout) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                if (method.getType() == MethodDescriptor.MethodType.UNARY && options.getDeadline() == null) {
                    options = options.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
                }
                return next.newCall(method, options);
            }
        };
    }

    /** The prefix as upstream cleans it: one leading slash, and a trailing one to join keys to. */
    static String root(String prefix) {
        String trimmed = prefix.replaceAll("^/+|/+$", "");
        return trimmed.isEmpty() ? "/" : "/" + trimmed + "/";
    }

    // ---- reads ----

    @Override
    public Optional<Entry> get(String key) {
        ByteSequence k = etcdKey(key);
        GetResponse r = await(kv().get(k), "reading " + key);
        return r.getKvs().stream().findFirst().map(kv -> new Entry(key, kv.getValue().getBytes(), kv.getCreateRevision(), kv.getModRevision()));
    }

    @Override
    public Page list(String prefix, long atRevision, int limit, String continueAfter) {
        Objects.requireNonNull(prefix, "prefix");
        if (atRevision < 0) throw new IllegalArgumentException("revision must not be negative: " + atRevision);
        if (limit < 0) throw new IllegalArgumentException("limit must not be negative: " + limit);
        KV kv = kv();
        String etcdPrefix = toEtcd(prefix);
        ByteSequence lower = rangeStart(etcdPrefix);
        ByteSequence upper = rangeEnd(etcdPrefix);
        ByteSequence from = lower;
        if (continueAfter != null) {
            ByteSequence after = bytes(toEtcd(continueAfter) + "\0");   // the smallest key after it
            if (Arrays.compareUnsigned(after.getBytes(), lower.getBytes()) > 0) from = after;
        }
        // more than the limit: the store's two records may be among them and are dropped
        GetOption option = GetOption.builder().withRange(upper).withRevision(atRevision)
                .withLimit(limit == 0 ? 0 : limit + 2L).build();
        GetResponse r;
        try {
            r = await(kv.get(from, option), "listing " + prefix);
        } catch (IllegalStateException e) {
            if (causedBy(e, COMPACTED_ERROR)) {
                learnCompacted(atRevision + 1);   // etcd refuses revisions below the compacted one
                throw new StoreException(Reason.COMPACTED, prefix, "revision " + atRevision + " has been compacted");
            }
            if (causedBy(e, FUTURE_ERROR)) throw new IllegalArgumentException("revision " + atRevision + " is newer than the current revision");
            throw e;
        }
        List<Entry> entries = new ArrayList<>();
        for (KeyValue e : r.getKvs()) {
            if (isRecord(e.getKey())) continue;
            entries.add(new Entry(toServer(e.getKey()), e.getValue().getBytes(), e.getCreateRevision(), e.getModRevision()));
        }
        boolean more = r.isMore();
        if (limit != 0 && entries.size() > limit) {
            entries = entries.subList(0, limit);
            more = true;
        }
        String next = more && !entries.isEmpty() ? entries.get(entries.size() - 1).key() : null;
        return new Page(List.copyOf(entries), atRevision == 0 ? r.getHeader().getRevision() : atRevision, next);
    }

    /**
     * etcd's current revision, read through the leader (linearizable), never a cached value, so a
     * revision written by any server is seen at once. Callers at the same moment share one read: a
     * call finding none in flight starts one; a call finding one in flight (started before it came,
     * so it may miss a write acknowledged just before the call) waits for the next, which starts as
     * soon as that one ends and serves every call that came meanwhile.
     */
    @Override
    public long currentRevision() {
        ensureOpen();
        CompletableFuture<Long> mine;
        boolean start = false;
        synchronized (revisionReads) {
            if (revisionRead == null) {
                mine = revisionRead = new CompletableFuture<>();
                start = true;
            } else {
                if (nextRevisionRead == null) nextRevisionRead = new CompletableFuture<>();
                mine = nextRevisionRead;
            }
        }
        if (start) readRevision(mine);
        // a copy: a caller that gives up cancels its own wait, not the read the others share
        return await(mine.copy(), "reading the current revision");
    }

    /** One count-only Range for etcd's revision; when it ends, the next shared read starts if anyone waits for one. */
    private void readRevision(CompletableFuture<Long> result) {
        CompletableFuture<GetResponse> call;
        try {
            call = kv().get(compactKey, GetOption.builder().withCountOnly(true).build()).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((r, e) -> {
            CompletableFuture<Long> next;
            synchronized (revisionReads) {
                next = nextRevisionRead;
                nextRevisionRead = null;
                revisionRead = next;
            }
            if (e == null) result.complete(r.getHeader().getRevision());
            else result.completeExceptionally(e instanceof CompletionException c && c.getCause() != null ? c.getCause() : e);
            if (next != null) readRevision(next);
        });
    }

    /**
     * The newest compacted revision this store knows of: what it compacted, what the compaction
     * record in etcd said when it connected or at a shared compaction tick, and what etcd answered
     * to a watch or list too old to serve. Compaction by clients that keep no record (etcdctl,
     * etcd's own auto-compaction) shows only through such answers, so this may lag behind etcd.
     */
    @Override
    public long compactedRevision() {
        ensureOpen();
        return compacted.get();
    }

    // ---- writes ----

    @Override
    public Entry create(String key, byte[] json) {
        ByteSequence k = etcdKey(key);
        ByteSequence value = value(json);
        TxnResponse r = await(kv().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(k, value, PutOption.DEFAULT))
                .commit(), "creating " + key);
        if (!r.isSucceeded()) throw new StoreException(Reason.ALREADY_EXISTS, key, "key already exists");
        long revision = r.getHeader().getRevision();
        return new Entry(key, value.getBytes(), revision, revision);
    }

    @Override
    public Entry update(String key, byte[] json, long expectedRevision) {
        ByteSequence k = etcdKey(key);
        ByteSequence value = value(json);
        // a missing key's mod revision compares as 0: the create revision check keeps update from creating
        TxnResponse r = await(kv().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision)),
                        new Cmp(k, Cmp.Op.GREATER, CmpTarget.createRevision(0)))
                .Then(Op.put(k, value, PutOption.builder().withPrevKV().build()))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit(), "updating " + key);
        if (!r.isSucceeded()) throw refused(key, r, expectedRevision);
        KeyValue previous = r.getPutResponses().get(0).getPrevKv();
        return new Entry(key, value.getBytes(), previous.getCreateRevision(), r.getHeader().getRevision());
    }

    @Override
    public Entry delete(String key, long expectedRevision) {
        ByteSequence k = etcdKey(key);
        Cmp precondition = expectedRevision == 0
                ? new Cmp(k, Cmp.Op.GREATER, CmpTarget.createRevision(0))
                : new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision));
        TxnResponse r = await(kv().txn()
                .If(precondition)
                .Then(Op.delete(k, DeleteOption.builder().withPrevKV(true).build()))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit(), "deleting " + key);
        if (!r.isSucceeded()) throw refused(key, r, expectedRevision);
        KeyValue last = r.getDeleteResponses().get(0).getPrevKvs().get(0);
        return new Entry(key, last.getValue().getBytes(), last.getCreateRevision(), r.getHeader().getRevision());
    }

    /** NOT_FOUND or CONFLICT, from the entry the failed transaction read. */
    private static StoreException refused(String key, TxnResponse r, long expected) {
        List<KeyValue> current = r.getGetResponses().get(0).getKvs();
        if (current.isEmpty()) return new StoreException(Reason.NOT_FOUND, key, "key not found");
        return new StoreException(Reason.CONFLICT, key,
                "the entry was modified at revision " + current.get(0).getModRevision() + ", expected revision " + expected);
    }

    // ---- compaction ----

    /**
     * Compacts etcd's history before the revision (etcd keeps each key's state at it), then records
     * the revision in the compaction record, which also tells {@link #compactIfUnchanged() shared
     * compaction} on other servers that this interval's compaction is done. Nothing happens when
     * etcd had compacted at or past the revision already.
     */
    @Override
    public void compact(long revision) {
        if (revision < 0) throw new IllegalArgumentException("revision must not be negative: " + revision);
        ensureOpen();
        if (revision <= compacted.get()) return;
        if (compactTo(revision)) await(kv().put(compactKey, bytes(Long.toString(revision))), "recording the compacted revision");
    }

    /**
     * One tick of compaction shared by every server on this etcd cluster, kube-apiserver's protocol:
     * call it once per interval on each server. The compaction record's version serves as a clock; a
     * tick that finds it where this store last saw it advances it (one compare-and-swap), and the
     * winner compacts to the revision it saw at its previous tick. A tick that finds it moved learns
     * that another server compacted, and waits for the next interval. So history spans at least one
     * interval, one server compacts per interval, and when that server stops another takes over
     * within two intervals. The first tick never compacts.
     *
     * @return the revision this tick compacted to, 0 when it did not compact
     */
    public synchronized long compactIfUnchanged() {
        long target = previousTickRevision;
        TxnResponse r = await(kv().txn()
                .If(new Cmp(compactKey, Cmp.Op.EQUAL, CmpTarget.version(compactVersion)))
                .Then(Op.put(compactKey, bytes(Long.toString(target)), PutOption.DEFAULT))
                .Else(Op.get(compactKey, GetOption.DEFAULT))
                .commit(), "claiming a compaction interval");
        previousTickRevision = r.getHeader().getRevision();
        if (!r.isSucceeded()) {
            List<KeyValue> record = r.getGetResponses().get(0).getKvs();
            compactVersion = record.isEmpty() ? 0 : record.get(0).getVersion();
            record.forEach(kv -> learnCompacted(parseRevision(kv)));
            return 0;
        }
        compactVersion++;
        return target != 0 && compactTo(target) ? target : 0;
    }

    /** True when etcd compacted now; false when it had already compacted at or past the revision. */
    private boolean compactTo(long revision) {
        try {
            await(kv().compact(revision), "compacting to revision " + revision);
        } catch (IllegalStateException e) {
            if (causedBy(e, FUTURE_ERROR)) throw new IllegalArgumentException("revision " + revision + " is newer than the current revision");
            if (!causedBy(e, COMPACTED_ERROR)) throw e;
            learnCompacted(revision);
            return false;
        }
        learnCompacted(revision);
        return true;
    }

    void learnCompacted(long revision) {
        compacted.accumulateAndGet(revision, Math::max);
    }

    private static long parseRevision(KeyValue record) {
        try {
            return Long.parseLong(record.getValue().toString(UTF_8));
        } catch (NumberFormatException e) {
            return 0;   // not ours to interpret
        }
    }

    // ---- watch ----

    @Override
    public Watch watch(String prefix, long afterRevision) {
        Objects.requireNonNull(prefix, "prefix");
        if (afterRevision < 0) throw new IllegalArgumentException("revision must not be negative: " + afterRevision);
        ensureOpen();
        // etcd would still serve a watch after the revision just before the compacted one (whose
        // events it keeps); the contract refuses every revision older than the compacted one
        long known = compacted.get();
        if (afterRevision < known) throw compacted(prefix, afterRevision, known);
        String etcdPrefix = toEtcd(prefix);
        EtcdWatch watch = new EtcdWatch(this, prefix, rangeStart(etcdPrefix), rangeEnd(etcdPrefix), afterRevision, watchQueueBound);
        watches.add(watch);
        if (closed) watch.storeClosed();
        watch.open();
        return watch;
    }

    static StoreException compacted(String prefix, long after, long compacted) {
        return new StoreException(Reason.COMPACTED, prefix,
                "revision " + after + " has been compacted; the oldest watchable revision is " + compacted);
    }

    io.etcd.jetcd.Watch watchClient() {
        return client.getWatchClient();
    }

    /**
     * Writes the progress key, without waiting: its event reaches every watch whose range holds it,
     * after every event before it, so it tells such a watch that it has heard everything up to its
     * revision. etcd's own progress request cannot be trusted for that: before 3.4.25 and 3.5.8 it
     * answers with the current revision while the stream is still sending older events (a stream
     * just resumed from an older revision, say; etcd issue 15220), and later versions stay silent
     * for a stream that has not caught up. One write at a time; a failed one is forgotten.
     */
    void markProgress() {
        if (closed || !marking.compareAndSet(false, true)) return;
        try {
            kv().put(progressKey, ByteSequence.EMPTY).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
                marking.set(false);
                if (e != null) LOG.debug("writing the progress key failed: {}", e.getMessage());
            });
        } catch (RuntimeException e) {
            marking.set(false);
            LOG.debug("writing the progress key failed: {}", e.getMessage());
        }
    }

    /** Runs a watch's task on the store's thread, off jetcd's; dropped once the store is closed. */
    void later(Runnable task, long delayMillis) {
        try {
            resumer.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing: the watch has been ended already
        }
    }

    void unregister(EtcdWatch watch) {
        watches.remove(watch);
    }

    /** The compaction record or the progress key: the store's own, never an entry. */
    boolean isRecord(ByteSequence etcdKey) {
        return etcdKey.equals(compactKey) || etcdKey.equals(progressKey);
    }

    // ---- keys ----

    /** The etcd key or prefix of a key or prefix in the server's form. */
    private String toEtcd(String key) {
        if (key.startsWith(SERVER_ROOT)) return root + key.substring(SERVER_ROOT.length());
        if (root.equals(SERVER_ROOT)) return key;
        throw new IllegalArgumentException("key " + key + " is outside " + SERVER_ROOT + ", the only tree stored under the prefix " + root);
    }

    String toServer(ByteSequence etcdKey) {
        String key = etcdKey.toString(UTF_8);
        return key.startsWith(root) ? SERVER_ROOT + key.substring(root.length()) : key;
    }

    private ByteSequence etcdKey(String key) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("key must not be empty");
        ByteSequence k = bytes(toEtcd(key));
        if (isRecord(k)) throw new IllegalArgumentException("key " + key + " is kept by the store for its own records");
        return k;
    }

    /** etcd has no empty key: the whole key space starts at the zero byte. */
    private static ByteSequence rangeStart(String prefix) {
        return bytes(prefix.isEmpty() ? "\0" : prefix);
    }

    /** Past every key with the prefix; the zero byte, meaning no end, for the empty prefix. */
    private static ByteSequence rangeEnd(String prefix) {
        return OptionsUtil.prefixEndOf(bytes(prefix));
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private static ByteSequence value(byte[] json) {
        if (json == null) throw new IllegalArgumentException("value must not be null");
        return ByteSequence.from(json);
    }

    // ---- calls ----

    private KV kv() {
        ensureOpen();
        return client.getKVClient();
    }

    private <T> T await(CompletableFuture<T> call, String doing) {
        try {
            return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                throw new StoreUnavailableException(this + ": " + doing + " got no answer within " + timeout, e.getCause());
            }
            Status refusal = Status.fromThrowable(e.getCause());
            if (refusal.getCode() == Status.Code.INVALID_ARGUMENT || refusal.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                // etcd answered and refused (a request too large, for one): as upstream, its words in a 500
                LOG.warn("{}: etcd refused {}: {}", this, doing, e.getCause().getMessage());
                throw Statuses.unknown(Objects.requireNonNullElse(refusal.getDescription(), e.getCause().getMessage()));
            }
            throw new StoreUnavailableException(this + ": " + doing + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new StoreUnavailableException(this + ": " + doing + " got no answer within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel(true);
            throw new StoreUnavailableException(this + ": interrupted while " + doing, e);
        }
    }

    private static boolean causedBy(IllegalStateException e, String etcdError) {
        return e.getCause() != null && String.valueOf(e.getCause().getMessage()).contains(etcdError);
    }

    // ---- lifecycle ----

    private void ensureOpen() {
        if (closed) throw new IllegalStateException(this + " is closed");
    }

    /** Ends every open watch with an error and closes the connections. Calling it again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (EtcdWatch w : List.copyOf(watches)) w.storeClosed();
        watches.clear();
        resumer.shutdownNow();
        client.close();
    }

    @Override
    public String toString() {
        return "EtcdStore[" + endpoints + ", prefix " + root + "]";
    }
}
