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
import tools.jackson.databind.node.ObjectNode;

/**
 * How a replica announces itself, as kube-apiserver does: a Lease in kube-system named for the
 * replica, labelled {@code apiserver.kubernetes.io/identity=kube-apiserver}, renewed every ten
 * seconds, and held for an hour. Every replica also deletes the identity Leases nobody renewed within
 * their duration, so a replica that stopped leaves the list; one that stops cleanly deletes its own.
 */
public final class IdentityLease implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IdentityLease.class);
    public static final String LABEL = "apiserver.kubernetes.io/identity";
    public static final String VALUE = "kube-apiserver";
    private static final Duration DURATION = Duration.ofHours(1);
    private static final Duration RENEW = Duration.ofSeconds(10);

    private final ObjectStore objects;
    private final Strategy leases;
    private final String name;
    private final String holder;
    private final String hostname;
    private final Clock clock = Clock.systemUTC();
    private final ScheduledExecutorService thread;

    private IdentityLease(ObjectStore objects, String name, String holder, String hostname) {
        this.objects = objects;
        this.leases = objects.strategy("coordination.k8s.io", "leases");
        this.name = name;
        this.holder = holder;
        this.hostname = hostname;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "identity-lease");
            t.setDaemon(true);
            return t;
        });
    }

    /** Creates or takes over the Lease {@code kube-system/<name>} for {@code holder} and keeps it renewed. */
    public static IdentityLease start(ObjectStore objects, String name, String holder, String hostname) {
        IdentityLease l = new IdentityLease(objects, name, holder, hostname);
        l.thread.scheduleWithFixedDelay(l::renewAndCollect, 0, RENEW.toMillis(), TimeUnit.MILLISECONDS);
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
            lease.putObject("spec").put("holderIdentity", holder).put("leaseDurationSeconds", (int) DURATION.toSeconds())
                    .put("renewTime", now);
            try {
                objects.create(Context.SYSTEM, leases, LeaderElection.NAMESPACE, lease);
            } catch (ApiException e) {
                if (!Worker.is(e, "AlreadyExists")) throw e;
            }
            return;
        }
        objects.write(Context.SYSTEM, leases, LeaderElection.NAMESPACE, name, "", 0, old -> {
            old.withObject("spec").put("holderIdentity", holder).put("leaseDurationSeconds", (int) DURATION.toSeconds()).put("renewTime", now);
            return old;
        });
    }

    /** Deletes the identity Leases whose holders stopped renewing them (upstream's apiserver lease garbage collector). */
    private void collect() {
        Instant now = clock.instant();
        for (Item it : objects.cache().all(leases.type().prefix(LeaderElection.NAMESPACE))) {
            ObjectNode lease = it.object();
            if (!VALUE.equals(lease.path("metadata").path("labels").path(LABEL).asString(""))) continue;
            Instant renewed;
            try {
                renewed = Instant.parse(lease.path("spec").path("renewTime").asString(""));
            } catch (DateTimeParseException e) {
                continue;
            }
            long seconds = lease.path("spec").path("leaseDurationSeconds").asLong(DURATION.toSeconds());
            if (renewed.plusSeconds(seconds).isAfter(now)) continue;
            try {
                objects.delete(Context.SYSTEM, leases, LeaderElection.NAMESPACE, it.name(), null, Long.toString(it.revision()));
            } catch (ApiException e) {
                if (!Worker.is(e, "NotFound", "Conflict")) throw e;
            }
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
