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
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Upstream's Lease-based leader election (client-go's leaderelection, as kube-controller-manager
 * runs it): every replica tries, each retry period, to take or renew a coordination.k8s.io Lease
 * in kube-system with a compare-and-swap on its resourceVersion. A Lease is free once its record
 * has not changed for its lease duration (the longer of the record's leaseDurationSeconds and this
 * replica's own), as measured by the observer's own clock (clocks are never compared across
 * machines). The holder runs {@code lead} while it holds the Lease. It stops at once when it reads
 * the Lease naming another holder, and when its last successful renewal began longer ago than the
 * renew deadline (shorter than the lease duration): counted from the start of that attempt, since
 * the write may have reached etcd, and so started another replica's wait, long before its answer
 * came back. So it has stopped before anyone else may take over. On close the holder stops and
 * releases the Lease, so that another replica takes over at its next retry.
 */
public final class LeaderElection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);
    public static final String NAMESPACE = "kube-system";
    private static final DateTimeFormatter MICRO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(java.time.ZoneOffset.UTC);
    /** As client-go: acquisition retries are spread by up to this share of the retry period. */
    private static final double JITTER = 1.2;

    /** The Lease's timings: --leader-elect-lease-duration, --leader-elect-renew-deadline, --leader-elect-retry-period. */
    public record Timings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {}

    private final ObjectStore objects;
    private final Strategy leases;
    private final String name;
    private final String identity;
    private final Timings timings;
    private final Supplier<AutoCloseable> lead;
    private final Clock clock;
    private final ScheduledExecutorService threads;
    // guarded by this
    private AutoCloseable leading;
    private long lastRenewNanos;
    private boolean closed;
    // the election thread's
    private JsonNode observedSpec;
    private long observedNanos;
    /** Whom the Lease named when the last attempt read it held by another replica; null otherwise. */
    private String otherHolder;

    private LeaderElection(ObjectStore objects, String name, String identity, Timings timings, Supplier<AutoCloseable> lead, Clock clock) {
        this.objects = objects;
        this.leases = objects.strategy("coordination.k8s.io", "leases");
        this.name = name;
        this.identity = identity;
        this.timings = timings;
        this.lead = lead;
        this.clock = clock;
        this.threads = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "leader-election-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts taking part in the election for the Lease {@code kube-system/<name>} as
     * {@code identity}; {@code lead} starts what the leader runs and returns what stops it.
     */
    public static LeaderElection start(ObjectStore objects, String name, String identity, Timings timings, Supplier<AutoCloseable> lead) {
        LeaderElection e = new LeaderElection(objects, name, identity, timings, lead, Clock.systemUTC());
        e.threads.execute(e::attempt);
        // the holder's own check, apart from the attempts, which may be stuck waiting for the store
        long check = Math.max(10, timings.retryPeriod().toMillis() / 4);
        e.threads.scheduleAtFixedRate(e::stopIfNotRenewed, check, check, TimeUnit.MILLISECONDS);
        return e;
    }

    /** True while this replica holds the Lease and runs what it leads. */
    public synchronized boolean leading() {
        return leading != null;
    }

    public String identity() {
        return identity;
    }

    private void attempt() {
        long started = System.nanoTime();
        boolean held;
        otherHolder = null;
        try {
            held = tryAcquireOrRenew();
        } catch (RuntimeException e) {
            LOG.debug("leader election for {}: {}", name, e.getMessage());
            held = false;
        }
        synchronized (this) {
            if (closed) return;
            // an answer that came back past the renew deadline proves too little: take the next one
            if (held && System.nanoTime() - started <= timings.renewDeadline().toNanos()) {
                lastRenewNanos = started;
                if (leading == null) {
                    LOG.info("{} took the lease {}/{}; starting what it leads", identity, NAMESPACE, name);
                    leading = lead.get();
                }
            } else if (leading != null && otherHolder != null) {
                LOG.warn("{} lost the lease {}/{} to {}; stopping what it leads", identity, NAMESPACE, name, otherHolder);
                stopLeading();
            }
            long delay = timings.retryPeriod().toMillis();
            if (leading == null) delay += (long) (ThreadLocalRandom.current().nextDouble() * (JITTER - 1) * delay);
            threads.schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void stopIfNotRenewed() {
        if (leading == null || System.nanoTime() - lastRenewNanos <= timings.renewDeadline().toNanos()) return;
        LOG.warn("{} could not renew the lease {}/{} within {}; stopping what it leads", identity, NAMESPACE, name, timings.renewDeadline());
        stopLeading();
    }

    private void stopLeading() {
        try {
            leading.close();
        } catch (Exception e) {
            LOG.warn("stopping what {} leads: {}", name, e.getMessage());
        }
        leading = null;
        LOG.info("{} stopped what it led under the lease {}/{}", identity, NAMESPACE, name);
    }

    /** One round: true when this replica holds the Lease afterwards. */
    private boolean tryAcquireOrRenew() {
        String now = microTime(clock.instant());
        Optional<Item> current = objects.find(leases, NAMESPACE, name);
        if (current.isEmpty()) {
            ObjectNode lease = Json.object();
            lease.putObject("metadata").put("name", name);
            ObjectNode spec = lease.putObject("spec");
            spec.put("holderIdentity", identity).put("leaseDurationSeconds", seconds()).put("acquireTime", now).put("renewTime", now)
                    .put("leaseTransitions", 0);
            try {
                objects.create(Context.SYSTEM, leases, NAMESPACE, lease);
                return true;
            } catch (ApiException e) {
                if (Worker.is(e, "AlreadyExists")) return false;
                throw e;
            }
        }
        ObjectNode lease = current.get().object();
        JsonNode spec = lease.path("spec");
        if (!spec.equals(observedSpec)) {
            observedSpec = spec.deepCopy();
            observedNanos = System.nanoTime();
        }
        String holder = spec.path("holderIdentity").asString("");
        boolean mine = holder.equals(identity);
        if (!mine && !holder.isEmpty()) otherHolder = holder;
        // as client-go, the duration the holder wrote; and never less than this replica's own
        long duration = Math.max(timings.leaseDuration().toNanos(), TimeUnit.SECONDS.toNanos(spec.path("leaseDurationSeconds").asLong(0)));
        if (!mine && !holder.isEmpty() && System.nanoTime() - observedNanos < duration) return false;
        long revision = current.get().revision();
        try {
            objects.write(Context.SYSTEM, leases, NAMESPACE, name, "", revision, old -> {
                ObjectNode s = old.withObject("spec");
                if (!mine) {
                    s.put("acquireTime", now);
                    s.put("leaseTransitions", s.path("leaseTransitions").asInt(0) + 1);
                }
                s.put("holderIdentity", identity).put("leaseDurationSeconds", seconds()).put("renewTime", now);
                return old;
            });
            return true;
        } catch (ApiException e) {
            if (Worker.is(e, "Conflict", "NotFound")) return false;
            throw e;
        }
    }

    /** The lease duration in whole seconds, rounded up so that a candidate reading it never waits less. */
    private int seconds() {
        return (int) Math.max(1, (timings.leaseDuration().toMillis() + 999) / 1000);
    }

    /** Stops what it leads and, when it held the Lease, gives it up so that another replica need not wait it out. */
    @Override
    public void close() {
        boolean wasLeading;
        synchronized (this) {
            if (closed) return;
            closed = true;
            wasLeading = leading != null;
            if (wasLeading) stopLeading();
        }
        threads.shutdownNow();
        if (wasLeading) release();
    }

    private void release() {
        try {
            objects.find(leases, NAMESPACE, name).ifPresent(current -> {
                if (!identity.equals(current.object().path("spec").path("holderIdentity").asString(""))) return;
                objects.write(Context.SYSTEM, leases, NAMESPACE, name, "", current.revision(), old -> {
                    ObjectNode s = old.withObject("spec");
                    s.put("holderIdentity", "");
                    s.put("leaseDurationSeconds", 1);
                    s.put("renewTime", microTime(clock.instant()));
                    return old;
                });
            });
        } catch (RuntimeException e) {
            LOG.info("could not release the lease {}/{}: {}", NAMESPACE, name, e.getMessage());
        }
    }

    /** A Lease's time field as upstream writes it (MicroTime). */
    static String microTime(Instant t) {
        return MICRO_TIME.format(t.truncatedTo(ChronoUnit.MICROS));
    }
}
