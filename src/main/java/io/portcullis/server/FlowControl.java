package io.portcullis.server;

import io.portcullis.api.Statuses;
import io.portcullis.authn.Groups;
import io.portcullis.authn.UserInfo;
import io.portcullis.request.RequestInfo;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Overload protection, after authentication and impersonation and before authorization, as in
 * kube-apiserver: --max-requests-inflight seats for reads (get, list) and
 * --max-mutating-requests-inflight seats for everything else, each shared fairly among users by
 * {@link FairSeats}; a request that finds no seat waits in its user's queue for at most
 * {@code queueWait} (upstream's quarter of --request-timeout), and is answered 429
 * TooManyRequests with Retry-After when the queues are full or its wait is over.
 * <p>
 * Never counted: long-running requests (watches), system:masters (upstream's exempt priority
 * level) and the health probes /healthz, /livez and /readyz, so an administrator and the
 * supervisor's probes always get through. A limit of 0 means no limit for that kind.
 */
final class FlowControl {
    static final String READ_ONLY = "readOnly";
    static final String MUTATING = "mutating";
    private static final Set<String> READ_VERBS = Set.of("get", "list", "watch");
    private static final Set<String> PROBES = Set.of("/healthz", "/livez", "/readyz");
    private static final Set<String> LONG_RUNNING_VERBS = Set.of("watch", "proxy");
    private static final Set<String> LONG_RUNNING_SUBRESOURCES = Set.of("attach", "exec", "log", "portforward", "proxy");

    private final FairSeats readOnly;
    private final FairSeats mutating;
    private final Duration queueWait;
    private final Vertx vertx;
    private final Metrics metrics;

    FlowControl(int maxReadOnly, int maxMutating, Duration queueWait, Vertx vertx, Metrics metrics) {
        this.readOnly = seats(maxReadOnly);
        this.mutating = seats(maxMutating);
        this.queueWait = queueWait;
        this.vertx = vertx;
        this.metrics = metrics;
        metrics.flowControl(READ_ONLY, readOnly::held, readOnly::waiting);
        metrics.flowControl(MUTATING, mutating::held, mutating::waiting);
    }

    /** As many waiting places as seats: a flood waits in a bounded line, and a quiet user always finds room. */
    private static FairSeats seats(int limit) {
        return limit == 0 ? FairSeats.unlimited() : new FairSeats(limit, limit);
    }

    /**
     * Upstream's long-running requests: watches and proxies, and the attach, exec, log, portforward
     * and proxy subresources (of which this server serves watches alone). They have no deadline
     * and take no seat.
     */
    static boolean longRunning(RequestInfo info) {
        return LONG_RUNNING_VERBS.contains(info.verb())
                || (info.resourceRequest() && LONG_RUNNING_SUBRESOURCES.contains(info.subresource()));
    }

    /** True for what is never held back: long-running requests, system:masters and the health probes. */
    static boolean exempt(RequestInfo info, UserInfo user) {
        if (longRunning(info)) return true;
        if (user.groups().contains(Groups.SYSTEM_MASTERS)) return true;
        if (info.resourceRequest()) return false;
        String path = info.path();
        for (String probe : PROBES) if (path.equals(probe) || path.startsWith(probe + "/")) return true;
        return false;
    }

    static String kind(RequestInfo info) {
        return READ_VERBS.contains(info.verb()) ? READ_ONLY : MUTATING;
    }

    /**
     * Runs {@code proceed} on this thread when the request may go on at once; hands it to
     * {@code resume} when a seat is given to it later; or answers 429. The seat is given back
     * when the exchange is over.
     */
    void admit(Exchange ex, RequestInfo info, UserInfo user, Runnable proceed, Consumer<Runnable> resume) {
        if (exempt(info, user)) {
            proceed.run();
            return;
        }
        String kind = kind(info);
        FairSeats seats = kind.equals(READ_ONLY) ? readOnly : mutating;
        FairSeats.Ticket ticket = seats.enter(user.name(), () -> resume.accept(proceed), reason -> refuse(ex, kind, reason));
        ex.onDone(ticket::release);
        if (ticket.grantedAtOnce()) {
            proceed.run();
            return;
        }
        long timer = vertx.setTimer(Math.max(1, queueWait.toMillis()), id -> ticket.expire());
        ex.onDone(() -> vertx.cancelTimer(timer));
    }

    private void refuse(Exchange ex, String kind, String reason) {
        metrics.rejected(kind, reason);
        ex.fail(Statuses.tooManyRequests());
    }
}
