package io.portcullis.server;

import io.portcullis.api.ApiException;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
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
import io.portcullis.registry.Strategy;
import io.portcullis.request.RequestInfo;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request walks the same path, in this order: request info, authentication (with the
 * authenticated group), impersonation, authorization, then the resource's handler (admission,
 * registry and storage happen behind it). This class alone knows the order.
 */
final class Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    /** A served resource type and who answers it. */
    record Route(ResourceType type, Strategy strategy, Handler handler) {}

    /** Answers create-only kinds (reviews, TokenRequest) that are not stored. */
    interface Handler {
        void serve(Exchange ex, RequestInfo info, UserInfo user);
    }

    private final Authenticator authenticator;
    private final Authorizer authorizer;
    private final Map<String, Route> routes;
    private final Rest rest;
    private final NonResource nonResource;
    private final Metrics metrics;
    private final Executor workers;
    private final boolean blockingAuthentication;

    Pipeline(Authenticator authenticator, Authorizer authorizer, Map<String, Route> routes, Rest rest, NonResource nonResource,
             Metrics metrics, Executor workers, boolean blockingAuthentication) {
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.routes = routes;
        this.rest = rest;
        this.nonResource = nonResource;
        this.metrics = metrics;
        this.workers = workers;
        this.blockingAuthentication = blockingAuthentication;
    }

    /** The key of a route: "<group>/<version>/<resource>" ("" group for core). */
    static String routeKey(String group, String version, String resource) {
        return group + "/" + version + "/" + resource;
    }

    void handle(HttpServerRequest req) {
        long start = System.nanoTime();
        Exchange ex = new Exchange(req);
        RequestInfo info = RequestInfo.resolve(req.method().name(), req.uri());
        req.response().endHandler(v -> observe(info, ex, start));
        HttpMethod m = req.method();
        if (m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH || m == HttpMethod.DELETE) {
            String length = req.getHeader("Content-Length");
            if (length != null && parseLength(length) > Exchange.MAX_BODY) {
                ex.fail(Bodies.tooLarge());
                req.connection().close();
                return;
            }
            Buffer body = Buffer.buffer();
            req.handler(chunk -> {
                if (body.length() + chunk.length() > Exchange.MAX_BODY) {
                    if (!ex.closed()) {
                        ex.fail(Bodies.tooLarge());
                        req.connection().close();
                    }
                    return;
                }
                body.appendBuffer(chunk);
            });
            req.endHandler(v -> {
                if (ex.closed()) return;
                ex.body(body.getBytes());
                workers.execute(() -> process(ex, info));
            });
            req.exceptionHandler(e -> LOG.debug("request failed before its body was read", e));
            return;
        }
        if (!blockingAuthentication && (!info.resourceRequest() || rest.servesInline(info))) {
            process(ex, info);
        } else {
            // a WebSocket upgrade must find the request unread when the worker gets to it
            if (req.getHeader("Upgrade") != null) req.pause();
            try {
                workers.execute(() -> process(ex, info));
            } catch (RejectedExecutionException e) {
                ex.fail(Statuses.tooManyRequests("the server is shutting down or overloaded"));
            }
        }
    }

    private void process(Exchange ex, RequestInfo info) {
        try {
            UserInfo user = authenticate(ex);
            // as upstream: the credential goes no further than authentication
            ex.removeHeaders("Authorization", "X-Remote-User", "X-Remote-Group", "X-Remote-Uid");
            Map<String, List<String>> impersonation = ex.impersonationHeaders();
            if (Impersonation.requested(impersonation)) {
                user = Impersonation.apply(user, impersonation, authorizer);
                ex.removeImpersonationHeaders();
            }
            Attributes attributes = attributes(user, info);
            authorize(attributes);
            dispatch(ex, info, user);
        } catch (ApiException e) {
            ex.fail(e);
        } catch (RuntimeException e) {
            LOG.error("request {} {} failed", ex.method(), info.path(), e);
            ex.failInternal(e);
        }
    }

    private UserInfo authenticate(Exchange ex) {
        long start = System.nanoTime();
        Credentials credentials = new Credentials(ex.peerCertificates(), ex.headers("Authorization"));
        String result = "error";
        try {
            UserInfo user = authenticator.authenticate(credentials).orElseThrow(Statuses::unauthorized);
            result = "success";
            return user;
        } catch (AuthenticationException e) {
            // the reason goes to the log, never the credential; the client sees a plain 401
            LOG.debug("authentication failed: {}", e.getMessage());
            result = "failure";
            throw Statuses.unauthorized();
        } finally {
            metrics.authenticationAttempt(result);
            metrics.authenticationDuration.labelValues(result).observe((System.nanoTime() - start) / 1e9);
        }
    }

    static Attributes attributes(UserInfo user, RequestInfo info) {
        if (!info.resourceRequest()) return Attributes.nonResource(user, info.verb(), info.path());
        return new Attributes(user, info.verb(), true, info.namespace(), info.apiGroup(), info.apiVersion(), info.resource(),
                info.subresource(), info.name(), info.path());
    }

    private void authorize(Attributes attributes) {
        Authorizer.Verdict verdict;
        try {
            verdict = authorizer.authorize(attributes);
        } catch (AuthorizationException e) {
            LOG.warn("authorization could not be evaluated: {}", e.getMessage());
            throw Statuses.internal("authorization could not be evaluated");
        }
        if (verdict.decision() != Decision.ALLOW) throw ForbiddenMessages.forbidden(attributes, verdict.reason());
    }

    private void dispatch(Exchange ex, RequestInfo info, UserInfo user) {
        if (!info.resourceRequest()) {
            nonResource.serve(ex, info);
            return;
        }
        Route route = routes.get(routeKey(info.apiGroup(), info.apiVersion(), info.resource()));
        if (route == null) throw Statuses.notFoundPath();
        if (route.handler() != null && (route.strategy() == null || routedSubresource(route, info))) {
            route.handler().serve(ex, info, user);
        } else {
            rest.serve(ex, info, route.strategy(), user);
        }
    }

    private static boolean routedSubresource(Route route, RequestInfo info) {
        return !info.subresource().isEmpty() && route.type().subresources().stream()
                .anyMatch(s -> s.name().equals(info.subresource()) && !s.kind().equals(route.type().kind()) && !s.name().equals("status"));
    }

    private void observe(RequestInfo info, Exchange ex, long start) {
        String verb = info.resourceRequest() ? info.verb().toUpperCase(java.util.Locale.ROOT) : ex.method();
        String code = Integer.toString(ex.status == 0 ? ex.response().getStatusCode() : ex.status);
        metrics.requests.labelValues(verb, info.apiGroup(), info.resource(), code).inc();
        if (!"watch".equals(info.verb())) {
            metrics.requestDuration.labelValues(verb, info.apiGroup(), info.resource()).observe((System.nanoTime() - start) / 1e9);
        }
    }

    private static long parseLength(String v) {
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
