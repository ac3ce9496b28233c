package io.portcullis.audit;

import io.portcullis.authn.UserInfo;
import io.portcullis.request.RequestInfo;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The audit record of one request, filled in as the request goes and written as one
 * {@link Event} per stage: RequestReceived when it begins, ResponseStarted when a watch's
 * response starts, then ResponseComplete when the exchange is over, or Panic instead. The
 * request's threads call it one after another; {@link #NONE} (a request not audited) ignores
 * every call.
 */
public final class AuditEvent {
    /** The record of a request that is not audited. */
    public static final AuditEvent NONE = new AuditEvent(e -> true, new Policy.Outcome(Level.NONE, Set.of(), false), null, null, null);

    private static final String DECISION = "authorization.k8s.io/decision";
    private static final String REASON = "authorization.k8s.io/reason";
    private static final Event.ResponseStatus CLOSED_EARLY = new Event.ResponseStatus(200, "Success", "Connection closed early", null, null);

    private final Predicate<Event> sink;
    private final Level level;
    private final Set<Stage> omitStages;
    private final boolean omitManagedFields;
    private final Event.Origin origin;
    private final UserInfo user;
    private final String verb;
    private final Event.ObjectRef objectRef;
    /** As upstream's long-running check, for what this server serves: watches. */
    private final boolean longRunning;

    private UserInfo impersonated;
    private final Map<String, String> annotations = new LinkedHashMap<>();
    private Event.ResponseStatus status;
    private Event.Body responseBody;
    private boolean finished;

    /** {@code sink} takes each event, false when it could not be stored; {@code user} is null for a failed authentication. */
    AuditEvent(Predicate<Event> sink, Policy.Outcome outcome, Event.Origin origin, UserInfo user, RequestInfo info) {
        this.sink = sink;
        this.level = outcome.level();
        this.omitStages = outcome.omitStages();
        this.omitManagedFields = outcome.omitManagedFields();
        this.origin = origin;
        this.user = user;
        this.verb = info == null ? "" : info.verb();
        this.objectRef = info == null || !info.resourceRequest() ? null : new Event.ObjectRef(info.resource(), info.namespace(),
                info.name(), info.apiGroup(), info.apiVersion(), info.subresource());
        this.longRunning = verb.equals("watch");
    }

    /** RequestReceived; false when it could not be stored (a blocking-strict sink that is failing). */
    synchronized boolean received() {
        return emit(Stage.REQUEST_RECEIVED, null);
    }

    /** A failed authentication: one ResponseStarted event with the 401 and the methods tried, as upstream. */
    synchronized void unauthenticated(String message) {
        finished = true;
        status = new Event.ResponseStatus(401, null, message, null, null);
        emit(Stage.RESPONSE_STARTED, null);
    }

    /** The user the request acts as, once impersonation has been allowed. */
    public synchronized void impersonated(UserInfo as) {
        if (level != Level.NONE) impersonated = as;
    }

    /** The authorizers' decision and reason, as upstream's annotations. */
    public synchronized void authorized(boolean allowed, String reason) {
        annotate(DECISION, allowed ? "allow" : "forbid");
        annotate(REASON, reason);
    }

    /** The authorizers could not decide (a 500). */
    public synchronized void authorizationFailed() {
        annotate(REASON, "internal error");
    }

    private void annotate(String key, String value) {
        // as upstream, a key keeps the first value it was given
        if (level != Level.NONE) annotations.putIfAbsent(key, value);
    }

    /** A watch's stream has opened ({@code code} 200, or 101 for a WebSocket). */
    public synchronized void responseStarted(int code) {
        if (level == Level.NONE || status != null) return;
        status = Event.ResponseStatus.code(code);
        startedIfLongRunning();
    }

    /**
     * A response goes out. Its body is asked for only when the event records it: when it may be
     * a Status (a failure, or a delete's Success), and a resource's response at RequestResponse.
     */
    public synchronized void responded(int code, String contentType, Supplier<byte[]> body) {
        if (level == Level.NONE || status != null) return;
        boolean json = contentType != null && contentType.startsWith("application/json");
        boolean recorded = objectRef != null && level == Level.REQUEST_RESPONSE;
        boolean maybeStatus = code >= 300 || verb.equals("delete");
        byte[] bytes = json && (maybeStatus || recorded) ? body.get() : null;
        if (recorded && bytes != null) responseBody = new Event.Body(contentType, bytes);
        status = new Event.ResponseStatus(code, null, null, null, maybeStatus ? bytes : null);
        startedIfLongRunning();
    }

    /** As upstream, a long-running request has a ResponseStarted event whatever its code. */
    private void startedIfLongRunning() {
        if (longRunning && !finished) emit(Stage.RESPONSE_STARTED, null);
    }

    /**
     * The exchange is over: ResponseComplete, with the request's body ({@code null} when none
     * was read). A client gone before any response gets upstream's "Connection closed early".
     */
    public synchronized void completed(byte[] requestBody, String contentType) {
        if (level == Level.NONE || finished) return;
        finished = true;
        if (status == null) {
            status = CLOSED_EARLY;
            if (longRunning) emit(Stage.RESPONSE_STARTED, null);
        }
        boolean keepBody = requestBody != null && requestBody.length > 0 && objectRef != null
                && (level.atLeast(Level.REQUEST) || verb.equals("create") || verb.equals("update"));
        emit(Stage.RESPONSE_COMPLETE, keepBody ? new Event.Body(contentType, requestBody) : null);
    }

    /** The request failed on something unexpected: Panic instead of ResponseComplete. */
    public synchronized void panicked(Throwable t) {
        if (level == Level.NONE || finished) return;
        finished = true;
        // the type only: a message could carry anything
        status = new Event.ResponseStatus(500, "Failure", "APIServer panic'd: " + t.getClass().getName(), "InternalError", null);
        emit(Stage.PANIC, null);
    }

    private boolean emit(Stage stage, Event.Body requestBody) {
        if (omitStages.contains(stage)) return true;
        Instant at = stage == Stage.REQUEST_RECEIVED ? origin.received() : Instant.now();
        return sink.test(new Event(level, stage, origin, verb, user, impersonated, objectRef, status, requestBody, responseBody, at,
                Map.copyOf(annotations), omitManagedFields));
    }
}
