package io.portcullis.server;

import io.fabric8.kubernetes.api.model.Status;
import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.api.Statuses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;

/** One request and its response, as the stages after the transport see them. */
final class Exchange {
    static final String JSON = "application/json";
    static final int MAX_BODY = 3 * 1024 * 1024;

    private final HttpServerRequest req;
    private final List<String> warnings = new ArrayList<>();
    private byte[] body = new byte[0];
    volatile int status;

    Exchange(HttpServerRequest req) {
        this.req = req;
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

    /**
     * Opens the stream a watch writes to: a WebSocket when the client asked to upgrade (fabric8's
     * default), else a chunked 200 response. The consumer runs once the stream is open.
     */
    void webSocketOrResponse(java.util.function.Consumer<EventStream> start) {
        String upgrade = req.getHeader("Upgrade");
        if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
            req.toWebSocket().onSuccess(ws -> start.accept(EventStream.of(ws)))
                    .onFailure(e -> fail(Statuses.badRequest("cannot upgrade to a WebSocket: " + e.getMessage())));
            return;
        }
        HttpServerResponse r = req.response();
        status = 200;
        r.setStatusCode(200).putHeader("Content-Type", JSON).putHeader("Cache-Control", "no-cache, private");
        if (!http2()) r.setChunked(true);
        start.accept(EventStream.of(r));
        if (!r.headWritten() && !r.ended()) r.write(Buffer.buffer());
    }

    boolean http2() {
        return req.version() == io.vertx.core.http.HttpVersion.HTTP_2;
    }

    String remoteAddress() {
        return req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
    }

    byte[] body() {
        return body;
    }

    void body(byte[] b) {
        this.body = b;
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

    /** Sends bytes that are not copied again (a composite of cached parts, say). */
    void respond(int code, String contentType, io.netty.buffer.ByteBuf bytes) {
        HttpServerResponse r = req.response();
        if (r.ended() || r.closed()) return;
        status = code;
        r.setStatusCode(code).putHeader("Content-Type", contentType).putHeader("Cache-Control", "no-cache, private");
        for (String w : warnings) r.headers().add("Warning", "299 - \"" + w.replace("\"", "\\\"") + "\"");
        r.end(io.vertx.core.internal.buffer.BufferInternal.buffer(bytes));
    }

    void respondJson(int code, Object value) {
        respond(code, Json.bytes(value));
    }

    void fail(ApiException e) {
        fail(e.status());
    }

    void fail(Status s) {
        if (s.getCode() != null && s.getCode() == 403) req.response().putHeader("X-Content-Type-Options", "nosniff");
        respond(s.getCode() == null ? 500 : s.getCode(), Json.bytes(s));
    }

    void failInternal(Throwable t) {
        fail(Statuses.internal(t.getClass().getSimpleName()));
    }
}
