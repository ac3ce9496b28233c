package io.portcullis.controllers;

import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.registry.Context;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import io.portcullis.storage.cache.Item;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * How a replica announces itself, as kube-apiserver does: a Lease in kube-system named for the
 * replica, labelled {@code apiserver.kubernetes.io/identity=kube-apiserver}, held for an hour
 * and renewed every ten seconds unless the flags say otherwise. Every replica also deletes, as upstream's
 * apiserver lease garbage collector, the identity Leases whose renewTime plus leaseDurationSeconds
 * has passed (or that lack either), so a replica that died leaves the list once its Lease expires.
 * One that stops cleanly deletes its own at once (upstream leaves it to expire).
 */
public final class IdentityLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IdentityLease.class);
    public static final String LABEL = "apiserver.kubernetes.io/identity";
    public static final String VALUE = "kube-apiserver";

    private final ObjectStore objects;
    private final Strategy leases;
    private final String name;
    private final String holder;
    private final String hostname;
    private final int seconds;
    private final Clock clock = Clock.systemUTC();
    private final ScheduledExecutorService thread;

    private IdentityLease(ObjectStore objects, String name, String holder, String hostname, Duration duration) {
        this.objects = objects;
        this.leases = objects.strategy("coordination.k8s.io", "leases");
        this.name = name;
        this.holder = holder;
        this.hostname = hostname;
        this.seconds = (int) Math.max(1, duration.toSeconds());
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "identity-lease");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Creates or takes over the Lease {@code kube-system/<name>} for {@code holder}, lasting
     * {@code duration}, and renews it every {@code renew}.
     */
    public static IdentityLease start(ObjectStore objects, String name, String holder, String hostname, Duration duration,
                                      Duration renew) {
        IdentityLease l = new IdentityLease(objects, name, holder, hostname, duration);
        l.thread.scheduleWithFixedDelay(l::renewAndCollect, 0, renew.toMillis(), TimeUnit.MILLISECONDS);
        return l;
    }

    private void renewAndCollect() {
        try {
            renew();
            collect();
        } catch (RuntimeException e) {
            LOG.debug("identity lease {}: {}", name, e.getMessage());
        }
    }

    private void renew() {
        String now = LeaderElection.microTime(clock.instant());
        Optional<Item> current = objects.find(leases, LeaderElection.NAMESPACE, name);
        if (current.isEmpty()) {
            ObjectNode lease = Json.object();
            ObjectNode meta = lease.putObject("metadata").put("name", name);
            meta.putObject("labels").put(LABEL, VALUE).put("kubernetes.io/hostname", hostname);
            lease.putObject("spec").put("holderIdentity", holder).put("leaseDurationSeconds", seconds)
                    .put("renewTime", now);
            try {
                objects.create(Context.SYSTEM, leases, LeaderElection.NAMESPACE, lease);
            } catch (ApiException e) {
                if (!Worker.is(e, "AlreadyExists")) throw e;
            }
            return;
        }
        objects.write(Context.SYSTEM, leases, LeaderElection.NAMESPACE, name, "", 0, old -> {
            old.withObject("spec").put("holderIdentity", holder).put("leaseDurationSeconds", seconds).put("renewTime", now);
            return old;
        });
    }

    /** Deletes the identity Leases whose holders stopped renewing them (upstream's apiserver lease garbage collector). */
    private void collect() {
        Instant now = clock.instant();
        for (Item it : objects.cache().all(leases.type().prefix(LeaderElection.NAMESPACE))) {
            ObjectNode lease = it.object();
            if (!VALUE.equals(lease.path("metadata").path("labels").path(LABEL).asString("")) || !expired(lease, now)) continue;
            try {
                objects.delete(Context.SYSTEM, leases, LeaderElection.NAMESPACE, it.name(), null, Long.toString(it.revision()));
            } catch (ApiException e) {
                if (!Worker.is(e, "NotFound", "Conflict")) throw e;
            }
        }
    }

    /** As upstream: a Lease without a renewTime or a leaseDurationSeconds is expired too. */
    static boolean expired(ObjectNode lease, Instant now) {
        JsonNode spec = lease.path("spec");
        if (!spec.path("renewTime").isString() || !spec.path("leaseDurationSeconds").isNumber()) return true;
        try {
            return Instant.parse(spec.path("renewTime").asString()).plusSeconds(spec.path("leaseDurationSeconds").asLong()).isBefore(now);
        } catch (DateTimeParseException e) {
            return true;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
            objects.delete(Context.SYSTEM, leases, LeaderElection.NAMESPACE, name, null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debug("removing the identity lease {}: {}", name, e.getMessage());
        }
    }
}
