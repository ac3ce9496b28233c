package io.portcullis.server;

import io.fabric8.kubernetes.api.model.Status;
import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.api.Statuses;
import io.portcullis.audit.AuditEvent;
import io.portcullis.audit.Auditor;
import io.portcullis.audit.Event;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * One request and its response, as the stages after the transport see them. A request that may
 * carry a body is paused on arrival: nothing of the body is read until {@link #readBody} is called,
 * which the pipeline does only once the request is authenticated and authorized. A request
 * answered without its body having been read ends its connection (HTTP/1) or stream (HTTP/2), so
 * that the unread body is never buffered.
 */
final class Exchange {
    static final String JSON = "application/json";
    static final int MAX_BODY = 3 * 1024 * 1024;
    /** As upstream's warning recorder: warnings beyond this many bytes in all are shortened. */
    private static final int WARNINGS_MAX_BYTES = 4 * 1024;
    private static final int WARNING_SHORTENED_LENGTH = 256;
    /** kube-apiserver compresses responses larger than this when the client accepts gzip. */
    static final int GZIP_THRESHOLD = 128 * 1024;
    /** How long, and how much of, an unread body is drained and dropped before its connection is closed regardless (as Go's server). */
    private static final Duration LINGER = Duration.ofMillis(500);
    private static final long LINGER_BYTES = 256 * 1024;

    private final HttpServerRequest req;
    private final Context context;
    private final Set<String> warnings = new LinkedHashSet<>();
    private final List<Runnable> onDone = new ArrayList<>();
    private boolean done;
    private final boolean bodyExpected;
    private volatile boolean bodyRead;
    /** Set once readBody has taken the body's data handler, which drops what arrives after a failure. */
    private volatile boolean bodyHandlerSet;
    private byte[] body = new byte[0];
    volatile int status;
    private final String auditId;
    private final Instant received = Instant.now();
    private volatile AuditEvent audit = AuditEvent.NONE;

    /** Takes over a request just arrived, on its event loop; {@code ended} runs once when the exchange is over. */
    Exchange(HttpServerRequest req, Runnable ended) {
        this.req = req;
        this.context = Vertx.currentContext();
        HttpMethod m = req.method();
        this.bodyExpected = m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH || m == HttpMethod.DELETE;
        // the body waits until the request has been admitted; a WebSocket upgrade must also find its request unread
        if (bodyExpected || req.getHeader("Upgrade") != null) req.pause();
        onDone.add(ended);
        HttpServerResponse r = req.response();
        // as upstream: the client's Audit-ID, else a new one, and it is echoed on every response
        String id = req.getHeader("Audit-ID");
        this.auditId = id == null || id.isEmpty() ? Auditor.newAuditId() : id;
        r.putHeader("Audit-ID", auditId);
        r.endHandler(v -> done());
        r.closeHandler(v -> done());
        r.exceptionHandler(e -> done());
    }

    /** Runs {@code r} once the exchange is over: the response ended, or the client went away. */
    void onDone(Runnable r) {
        synchronized (onDone) {
            if (!done) {
                onDone.add(r);
                return;
            }
        }
        r.run();
    }

    private void done() {
        List<Runnable> run;
        synchronized (onDone) {
            if (done) return;
            done = true;
            run = List.copyOf(onDone);
        }
        run.forEach(Runnable::run);
    }

    /** What the audit event records of the transport, read when a request is audited. */
    Event.Origin auditOrigin() {
        return Event.Origin.of(auditId, received, req.uri(), req.getHeader("User-Agent"), req.getHeader("X-Forwarded-For"),
                req.getHeader("X-Real-Ip"), remoteAddress());
    }

    /** The request's audit event: it sees the response go out, and ResponseComplete when the exchange is over. */
    AuditEvent audit(AuditEvent event) {
        audit = event;
        if (event != AuditEvent.NONE) onDone(() -> event.completed(bodyRead ? body : null, req.getHeader("Content-Type")));
        return event;
    }

    AuditEvent audit() {
        return audit;
    }

    String method() {
        return req.method().name();
    }

    String uri() {
        return req.uri();
    }

    String header(String name) {
        return req.getHeader(name);
    }

    List<String> headers(String name) {
        return req.headers().getAll(name);
    }

    /** Impersonate-* headers, names lower-cased. */
    Map<String, List<String>> impersonationHeaders() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : req.headers()) {
            String k = h.getKey().toLowerCase(Locale.ROOT);
            if (k.startsWith("impersonate-")) out.computeIfAbsent(k, x -> new ArrayList<>()).add(h.getValue());
        }
        return out;
    }

    /** Drops headers a stage has used up (the credential once authenticated, impersonation once applied). */
    void removeHeaders(String... names) {
        for (String n : names) req.headers().remove(n);
    }

    void removeImpersonationHeaders() {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, String> h : req.headers()) {
            if (h.getKey().toLowerCase(Locale.ROOT).startsWith("impersonate-")) names.add(h.getKey());
        }
        names.forEach(req.headers()::remove);
    }

    List<X509Certificate> peerCertificates() {
        if (!req.isSSL()) return List.of();
        try {
            List<Certificate> certs = req.connection().peerCertificates();
            List<X509Certificate> out = new ArrayList<>();
            if (certs != null) for (Certificate c : certs) if (c instanceof X509Certificate x) out.add(x);
            return out;
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }

    /** True for the methods whose requests may carry a body (POST, PUT, PATCH, DELETE). */
    boolean bodyExpected() {
        return bodyExpected;
    }

    /**
     * Reads the body, then runs {@code then} (on the event loop). At most {@link #MAX_BODY} bytes
     * (413), and only while {@code budget} has room for it (429); either ends the connection, as
     * does a client that fails mid-body. A body still arriving at the request's deadline ends it
     * the same way (504).
     */
    void readBody(BodyBudget budget, Runnable then) {
        context.runOnContext(v -> {
            try {
                startReading(budget, then);
            } catch (RuntimeException e) {
                failInternal(e);
            }
        });
    }

    /** The context of this request's event loop. */
    Context context() {
        return context;
    }

    /** Runs {@code step} on this request's event loop. */
    void runOnContext(Runnable step) {
        context.runOnContext(v -> step.run());
    }

    /** Fails the exchange with {@code e} once {@code after} has passed, unless it is over by then. */
    void failAfter(Duration after, ApiException e) {
        long timer = context.owner().setTimer(Math.max(1, after.toMillis()), id -> fail(e));
        onDone(() -> context.owner().cancelTimer(timer));
    }

    private void startReading(BodyBudget budget, Runnable then) {
        if (closed()) return;
        long declared = contentLength();
        if (declared > MAX_BODY) {
            fail(Bodies.tooLarge());
            return;
        }
        BodyBudget.Lease lease = budget.lease();
        onDone(lease::release);
        if (!lease.grow(Math.max(declared, 0))) {
            fail(Statuses.tooManyRequests());
            return;
        }
        if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) req.response().writeContinue();
        Buffer received = Buffer.buffer((int) Math.max(declared, 0));
        bodyHandlerSet = true;
        req.handler(chunk -> {
            if (closed()) return;
            long size = (long) received.length() + chunk.length();
            if (size > MAX_BODY) {
                fail(Bodies.tooLarge());
            } else if (!lease.grow(size)) {
                fail(Statuses.tooManyRequests());
            } else {
                received.appendBuffer(chunk);
            }
        });
        req.exceptionHandler(e -> {
            if (!closed()) req.connection().close();
        });
        req.endHandler(end -> {
            if (closed()) return;
            body = received.getBytes();
            bodyRead = true;
            then.run();
        });
        req.resume();
    }

    /** True unless the request says it has no body (HTTP/1 with neither a length nor chunks, or a length of 0). */
    private boolean declaresBody() {
        long length = contentLength();
        if (length > 0) return true;
        if (length == 0) return false;
        return http2() || req.getHeader("Transfer-Encoding") != null;
    }

    private long contentLength() {
        String length = req.getHeader("Content-Length");
        if (length == null) return -1;
        try {
            return Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Opens the stream a watch writes to: a WebSocket when the client asked to upgrade (fabric8's
     * default), else a chunked 200 response. The consumer runs once the stream is open.
     */
    void webSocketOrResponse(java.util.function.Consumer<EventStream> start) {
        String upgrade = req.getHeader("Upgrade");
        if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
            req.toWebSocket().onSuccess(ws -> {
                ws.closeHandler(v -> done());
                ws.exceptionHandler(e -> done());
                audit.responseStarted(101);
                start.accept(EventStream.of(ws, this::onDone));
            }).onFailure(e -> fail(Statuses.badRequest("cannot upgrade to a WebSocket: " + e.getMessage())));
            return;
        }
        HttpServerResponse r = req.response();
        status = 200;
        r.setStatusCode(200).putHeader("Content-Type", JSON).putHeader("Cache-Control", "no-cache, private");
        if (!http2()) r.setChunked(true);
        audit.responseStarted(200);
        start.accept(EventStream.of(r, this::onDone));
        if (!r.headWritten() && !r.ended()) r.write(Buffer.buffer());
    }

    boolean http2() {
        return req.version() == HttpVersion.HTTP_2;
    }

    String remoteAddress() {
        return req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
    }

    byte[] body() {
        return body;
    }

    void warn(String text) {
        warnings.add(text);
    }

    HttpServerResponse response() {
        return req.response();
    }

    boolean closed() {
        return req.response().closed() || req.response().ended();
    }

    void respond(int code, byte[] json) {
        respond(code, JSON, json);
    }

    void respond(int code, String contentType, byte[] bytes) {
        respond(code, contentType, io.netty.buffer.Unpooled.wrappedBuffer(bytes));
    }

    /**
     * Sends bytes that are not copied again (a composite of cached parts, say). Once: a response
     * already sent (by the deadline, say, while a worker was still answering) stays as it was.
     */
    synchronized void respond(int code, String contentType, io.netty.buffer.ByteBuf bytes) {
        HttpServerResponse r = req.response();
        if (r.ended() || r.closed()) return;
        status = code;
        io.netty.buffer.ByteBuf sent = bytes;
        audit.responded(code, contentType, () -> io.netty.buffer.ByteBufUtil.getBytes(sent));
        if (pretty() && contentType.startsWith(JSON)) {
            bytes = io.netty.buffer.Unpooled.wrappedBuffer(Json.pretty(io.netty.buffer.ByteBufUtil.getBytes(bytes)));
        }
        if (bytes.readableBytes() > GZIP_THRESHOLD && acceptsGzip()) {
            bytes = io.netty.buffer.Unpooled.wrappedBuffer(gzip(bytes));
            r.putHeader("Content-Encoding", "gzip").headers().add("Vary", "Accept-Encoding");
        }
        r.setStatusCode(code).putHeader("Content-Type", contentType);
        if (!r.headers().contains("Cache-Control")) r.putHeader("Cache-Control", "no-cache, private");
        for (String w : warningHeaders(warnings)) r.headers().add("Warning", w);
        boolean unread = bodyExpected && !bodyRead && declaresBody();
        if (unread && !http2()) r.putHeader("Connection", "close");
        // HEAD is GET without the body: HTTP/1 drops it, HTTP/2 would send it
        if (req.method() == HttpMethod.HEAD && http2()) bytes = io.netty.buffer.Unpooled.EMPTY_BUFFER;
        r.end(io.vertx.core.internal.buffer.BufferInternal.buffer(bytes)).onComplete(v -> {
            if (unread) discardUnreadBody();
        });
    }

    /**
     * A body nobody read is never buffered. HTTP/2 resets the stream. HTTP/1 closes the connection
     * once the rest of the body has been drained and dropped, or after {@link #LINGER} or
     * {@link #LINGER_BYTES} at the latest: closing at once with unread bytes in the socket would
     * reset it before the client could read the answer.
     */
    private void discardUnreadBody() {
        if (http2()) {
            req.response().reset(0);
            return;
        }
        if (req.isEnded()) {
            // the rest of the body arrived while the answer went out: nothing is left to drain
            req.connection().close();
            return;
        }
        long timer = context.owner().setTimer(LINGER.toMillis(), id -> req.connection().close());
        long[] drained = {0};
        if (!bodyHandlerSet) req.handler(chunk -> {
            drained[0] += chunk.length();
            if (drained[0] > LINGER_BYTES) req.connection().close();
        });
        req.endHandler(end -> {
            context.owner().cancelTimer(timer);
            req.connection().close();
        });
        req.resume();
    }

    /** As upstream: a client that accepts gzip gets bodies above {@link #GZIP_THRESHOLD} compressed, fast rather than small. */
    private boolean acceptsGzip() {
        for (String header : req.headers().getAll("Accept-Encoding")) {
            for (String coding : header.split(",")) {
                int semi = coding.indexOf(';');
                if ((semi < 0 ? coding : coding.substring(0, semi)).strip().equals("gzip")) return true;
            }
        }
        return false;
    }

    private static byte[] gzip(io.netty.buffer.ByteBuf bytes) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(bytes.readableBytes() / 4);
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(out, 64 * 1024) {
            { def.setLevel(java.util.zip.Deflater.BEST_SPEED); }
        }) {
            bytes.readBytes(z, bytes.readableBytes());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** As upstream: ?pretty=<bool> decides; without it, curl, Wget and browsers get indented JSON. */
    private boolean pretty() {
        String query = req.query();
        if (query != null && query.contains("pretty")) {
            String p = req.getParam("pretty");
            if (p != null && !p.isEmpty()) return List.of("1", "t", "T", "true", "TRUE", "True").contains(p);
        }
        String agent = req.getHeader("User-Agent");
        return agent != null && (agent.startsWith("curl") || agent.startsWith("Wget") || agent.startsWith("Mozilla/5.0"));
    }

    /**
     * The Warning header values for warning texts, as upstream writes them: code 299, agent "-",
     * the text quoted with backslash escapes; controls become spaces (no client text can break a
     * header), other characters go out as UTF-8; past {@link #WARNINGS_MAX_BYTES} in all, each text
     * is shortened, and what still does not fit is dropped.
     */
    static List<String> warningHeaders(Set<String> texts) {
        List<String> out = new ArrayList<>();
        int total = 0;
        for (String t : texts) total += t.length();
        int limit = total > WARNINGS_MAX_BYTES ? WARNING_SHORTENED_LENGTH : Integer.MAX_VALUE;
        int size = 0;
        for (String t : texts) {
            String text = t.length() > limit ? t.substring(0, limit) + "..." : t;
            StringBuilder q = new StringBuilder(text.length() + 10).append("299 - \"");
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '"' || c == '\\') q.append('\\').append(c);
                else if (c < 0x20 || c == 0x7f) q.append(' ');
                else q.append(c);
            }
            String value = new String(q.append('"').toString().getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            if (size + value.length() > WARNINGS_MAX_BYTES) break;
            size += value.length();
            out.add(value);
        }
        return out;
    }

    void respondJson(int code, Object value) {
        respond(code, Json.bytes(value));
    }

    void fail(ApiException e) {
        fail(e.status());
    }

    synchronized void fail(Status s) {
        if (closed()) return;
        if (s.getCode() != null && s.getCode() == 403) req.response().putHeader("X-Content-Type-Options", "nosniff");
        if (s.getDetails() != null && s.getDetails().getRetryAfterSeconds() != null) {
            req.response().putHeader("Retry-After", s.getDetails().getRetryAfterSeconds().toString());
        }
        respond(s.getCode() == null ? 500 : s.getCode(), Json.bytes(s));
    }

    void failInternal(Throwable t) {
        fail(Statuses.internal(t.getClass().getSimpleName()));
    }
}
