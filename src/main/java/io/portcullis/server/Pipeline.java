package io.portcullis.server;

import io.portcullis.api.ApiException;
import io.portcullis.api.GroupResource;
import io.portcullis.api.Statuses;
import io.portcullis.audit.AuditEvent;
import io.portcullis.audit.Auditor;
import io.portcullis.authn.AuthenticationException;
import io.portcullis.authn.Authenticator;
import io.portcullis.authn.Credentials;
import io.portcullis.authz.Impersonation;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.AuthorizationException;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.Decision;
import io.portcullis.authz.ForbiddenMessages;
import io.portcullis.request.RequestInfo;
import io.portcullis.storage.StoreUnavailableException;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request walks the same path, in this order: request info and deadline, authentication
 * (with the authenticated group), audit (from here on every request is recorded, as the user who
 * authenticated; a failed authentication is recorded too), routing (which settles a resource
 * request's scope), impersonation, flow control, authorization, then the route's handler
 * (admission, registry and storage happen behind it). This class alone knows the order.
 */
final class Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    private final Authenticator authenticator;
    private final Authorizer authorizer;
    private final Auditor auditor;
    private final Router router;
    private final Rest rest;
    private final NonResource nonResource;
    private final Metrics metrics;
    private final Executor workers;
    private final boolean blockingAuthentication;
    private final Connections connections;
    private final BodyBudget bodies;
    private final FlowControl flowControl;
    private final Duration requestTimeout;
    private final Failures failures;

    Pipeline(Authenticator authenticator, Authorizer authorizer, Auditor auditor, Router router, Rest rest, NonResource nonResource,
             Metrics metrics, Executor workers, boolean blockingAuthentication, Connections connections, BodyBudget bodies,
             FlowControl flowControl, Duration requestTimeout, Failures failures) {
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.auditor = auditor;
        this.router = router;
        this.rest = rest;
        this.nonResource = nonResource;
        this.metrics = metrics;
        this.workers = workers;
        this.blockingAuthentication = blockingAuthentication;
        this.connections = connections;
        this.bodies = bodies;
        this.flowControl = flowControl;
        this.requestTimeout = requestTimeout;
        this.failures = failures;
    }

    /**
     * A request whose headers have arrived (on its event loop). Its body, if any, stays unread
     * until the request has been authenticated and authorized: nothing is held for a client that
     * has not been admitted.
     */
    void handle(HttpServerRequest req) {
        long start = System.nanoTime();
        Exchange ex = new Exchange(req, connections.began(req.connection()));
        RequestInfo info = RequestInfo.resolve(req.method().name(), req.uri());
        ex.onDone(() -> observe(info, ex, start));
        guarded(ex, info, () -> {
            // as upstream: every request but a long-running one has a deadline, from its arrival
            Duration deadline = FlowControl.longRunning(info) ? null : Deadlines.forRequest(info.param("timeout"), requestTimeout);
            if (blockingAuthentication) submit(ex, info, () -> admit(ex, info));
            else admit(ex, info);
            // a request answered on the spot (a read from the cache) needs no timer; one still going
            // on (on a worker, waiting for a seat or for its body) gets the rest of its deadline
            if (deadline != null && !ex.over()) {
                ex.failAfter(deadline.minusNanos(System.nanoTime() - start), () -> Statuses.timeout(Deadlines.TIMED_OUT));
            }
        });
    }

    /**
     * Authentication, routing, impersonation, flow control (a seat, perhaps after a wait) and
     * authorization; then the body, if any; then the handler.
     */
    private void admit(Exchange ex, RequestInfo info) {
        UserInfo authenticated;
        try {
            authenticated = authenticate(ex, info);
        } catch (NeedsWorker e) {
            // a lookup must wait for the store (a token naming an object the cache has not seen yet): again, on a worker
            submit(ex, info, () -> admit(ex, info));
            return;
        }
        // as upstream: the credential goes no further than authentication
        ex.removeHeaders("Authorization", "X-Remote-User", "X-Remote-Group", "X-Remote-Uid");
        // RequestReceived now; the exchange records the response, and ResponseComplete when it is over
        AuditEvent audit = ex.audit(auditor.begin(authenticated, info, ex::auditOrigin));
        // a path the kind is not served at ends here, before anything is authorized for it
        Route route = info.resourceRequest() ? router.route(ex.method(), info) : null;
        UserInfo user = authenticated;
        Map<String, List<String>> impersonation = ex.impersonationHeaders();
        if (Impersonation.requested(impersonation)) {
            user = Impersonation.apply(user, impersonation, authorizer);
            audit.impersonated(user);
            ex.removeImpersonationHeaders();
        }
        UserInfo admitted = user;
        // a request given its seat later goes on where this one would have: on a worker, or on its event loop
        flowControl.admit(ex, info, admitted, () -> serve(ex, info, route, admitted), step -> {
            if (blockingAuthentication) submit(ex, info, step);
            else ex.runOnContext(() -> guarded(ex, info, step));
        });
    }

    /** Authorization; then the body, if any; then the handler. */
    private void serve(Exchange ex, RequestInfo info, Route route, UserInfo user) {
        authorize(attributes(user, info), ex.audit());
        if (ex.bodyExpected()) {
            ex.readBody(bodies, () -> submit(ex, info, () -> dispatch(ex, info, route, user)));
        } else if (!Context.isOnEventLoopThread() || route == null || rest.servesInline(info)) {
            // on a worker already, or nothing ahead blocks: no second hop
            dispatch(ex, info, route, user);
        } else {
            submit(ex, info, () -> dispatch(ex, info, route, user));
        }
    }

    /** Runs a step on a worker; a full queue is 429, as upstream answers when it has no room. */
    private void submit(Exchange ex, RequestInfo info, Runnable step) {
        try {
            workers.execute(() -> guarded(ex, info, step));
        } catch (RejectedExecutionException e) {
            ex.fail(Statuses.tooManyRequests());
        }
    }

    /** Runs a step of a request: whatever it throws fails that request alone, with a Status. */
    private void guarded(Exchange ex, RequestInfo info, Runnable step) {
        try {
            step.run();
        } catch (ApiException e) {
            ex.fail(e);
        } catch (StoreUnavailableException e) {
            // the log names the store and what it was doing; the client hears upstream's words only
            LOG.warn("request {} {} failed: {}", ex.method(), info.path(), e.getMessage());
            ex.fail(Statuses.serverTimeout(new GroupResource(info.apiGroup(), info.resource()), info.verb()));
        } catch (RuntimeException e) {
            LOG.error("request {} {} failed", ex.method(), info.path(), e);
            // what Go would call a panic: a Panic event instead of ResponseComplete
            ex.audit().panicked(e);
            ex.failInternal(e);
        } catch (Error e) {
            try {
                ex.audit().panicked(e);
                ex.failInternal(e);
            } catch (Throwable ignored) {
                // the connection may be as broken as the heap; the client sees it closed
            }
            failures.inRequest(e);
        }
    }

    /** The user; else a 401, audited without a user, as upstream. */
    private UserInfo authenticate(Exchange ex, RequestInfo info) {
        long start = System.nanoTime();
        Credentials credentials = new Credentials(ex.peerCertificates(), ex.headers("Authorization"));
        if (credentials.extraSpaceBeforeBearerToken()) ex.warn(Credentials.EXTRA_SPACE_WARNING);
        String result = "error";
        try {
            Optional<UserInfo> user = authenticator.authenticate(credentials);
            if (user.isPresent()) {
                result = "success";
                return user.get();
            }
        } catch (NeedsWorker e) {
            result = null;   // not an attempt: it is made again on a worker
            throw e;
        } catch (AuthenticationException e) {
            // the reason goes to the log, never the credential; the client sees a plain 401
            LOG.debug("authentication failed: {}", e.getMessage());
            result = "failure";
        } finally {
            if (result != null) {
                metrics.authenticationAttempt(result);
                metrics.authenticationDuration.labelValues(result).observe((System.nanoTime() - start) / 1e9);
            }
        }
        auditor.unauthenticated(info, ex::auditOrigin, credentials);
        throw Statuses.unauthorized();
    }

    static Attributes attributes(UserInfo user, RequestInfo info) {
        if (!info.resourceRequest()) return Attributes.nonResource(user, info.verb(), info.path());
        return new Attributes(user, info.verb(), true, info.namespace(), info.apiGroup(), info.apiVersion(), info.resource(),
                info.subresource(), info.authorizedName(), info.path());
    }

    private void authorize(Attributes attributes, AuditEvent audit) {
        Authorizer.Verdict verdict;
        try {
            verdict = authorizer.authorize(attributes);
        } catch (AuthorizationException e) {
            LOG.warn("authorization could not be evaluated: {}", e.getMessage());
            audit.authorizationFailed();
            throw Statuses.internal("authorization could not be evaluated");
        }
        audit.authorized(verdict.decision() == Decision.ALLOW, verdict.reason());
        if (verdict.decision() != Decision.ALLOW) throw ForbiddenMessages.forbidden(attributes, verdict.reason());
    }

    private void dispatch(Exchange ex, RequestInfo info, Route route, UserInfo user) {
        if (route == null) {
            nonResource.serve(ex, info);
        } else if (route instanceof Route.Review review) {
            rest.review(ex, info, review, user);
        } else if (route instanceof Route.Stored stored) {
            rest.serve(ex, info, stored.strategy(), user);
        }
    }

    private void observe(RequestInfo info, Exchange ex, long start) {
        String verb = info.resourceRequest() ? info.verb().toUpperCase(java.util.Locale.ROOT) : ex.method();
        String code = Integer.toString(ex.status == 0 ? ex.response().getStatusCode() : ex.status);
        metrics.requests.labelValues(verb, info.apiGroup(), info.resource(), code).inc();
        if (!"watch".equals(info.verb())) {
            metrics.requestDuration.labelValues(verb, info.apiGroup(), info.resource()).observe((System.nanoTime() - start) / 1e9);
        }
    }


    /**
     * Thrown on an event loop by a step that would have to wait for the store (never on a worker):
     * the request's admission starts again on a worker, where the step may block.
     */
    static final class NeedsWorker extends RuntimeException {
        NeedsWorker() {
            super("needs a worker", null, false, false);
        }
    }
}
