package io.portcullis.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/** The server's Prometheus metrics, in a registry of its own (several servers may share a JVM). */
final class Metrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter requests = Counter.builder().name("apiserver_request_total")
            .help("Counter of apiserver requests broken out for each verb, API group, resource and HTTP response code.")
            .labelNames("verb", "group", "resource", "code").register(registry);
    final Histogram requestDuration = Histogram.builder().name("apiserver_request_duration_seconds")
            .help("Response latency distribution in seconds for each verb, group and resource.")
            .classicOnly()   // as upstream's: classic buckets only, and no per-request cost of native ones
            .classicUpperBounds(0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60)
            .labelNames("verb", "group", "resource").register(registry);
    /** kube-apiserver's name has no _total suffix, which this client would add to a Counter: written by hand. */
    private final Map<String, LongAdder> authenticationAttempts = new ConcurrentHashMap<>();
    final Histogram authenticationDuration = Histogram.builder().name("authentication_duration_seconds")
            .help("Authentication duration in seconds broken out by result.")
            .classicOnly()
            .classicUpperBounds(0.000001, 0.00001, 0.0001, 0.001, 0.01, 0.1, 1)
            .labelNames("result").register(registry);

    /** kube-apiserver's count of --encryption-provider-config reloads, by status (success, failure). */
    void encryptionConfigReloads(java.util.function.LongSupplier success, java.util.function.LongSupplier failure) {
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder()
                .name("apiserver_encryption_config_controller_automatic_reloads_total")
                .help("Total number of reload successes and failures of encryption configuration split by apiserver identity.")
                .labelNames("status")
                .callback(c -> {
                    c.call(success.getAsLong(), "success");
                    c.call(failure.getAsLong(), "failure");
                })
                .register(registry);
    }

    /** Requests refused by flow control, by kind (upstream's older, per-kind name). */
    private final Counter dropped = Counter.builder().name("apiserver_dropped_requests_total")
            .help("Number of requests dropped with 'Try again later' response.")
            .labelNames("request_kind").register(registry);
    /** The same refusals by upstream's flow control names: one flow per user, one priority level per kind. */
    private final Counter rejected = Counter.builder().name("apiserver_flowcontrol_rejected_requests_total")
            .help("Number of requests rejected by API Priority and Fairness subsystem.")
            .labelNames("flow_schema", "priority_level", "reason").register(registry);

    /** The seats of one request kind in use and the requests waiting for one, read at each scrape. */
    void flowControl(String kind, IntSupplier inflight, IntSupplier inqueue) {
        inflightBy.put(kind, inflight);
        inqueueBy.put(kind, inqueue);
    }

    private final Map<String, IntSupplier> inflightBy = new ConcurrentHashMap<>();
    private final Map<String, IntSupplier> inqueueBy = new ConcurrentHashMap<>();
    {
        GaugeWithCallback.builder().name("apiserver_current_inflight_requests")
                .help("Number of requests of each kind holding a seat (watches, system:masters and health probes are not counted).")
                .labelNames("request_kind")
                .callback(cb -> inflightBy.forEach((kind, n) -> cb.call(n.getAsInt(), kind))).register(registry);
        GaugeWithCallback.builder().name("apiserver_current_inqueue_requests")
                .help("Number of requests of each kind waiting for a seat.")
                .labelNames("request_kind")
                .callback(cb -> inqueueBy.forEach((kind, n) -> cb.call(n.getAsInt(), kind))).register(registry);
    }

    void rejected(String kind, String reason) {
        dropped.labelValues(kind).inc();
        rejected.labelValues("per-user", kind, reason).inc();
    }

    void authenticationAttempt(String result) {
        authenticationAttempts.computeIfAbsent(result, r -> new LongAdder()).increment();
    }

    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
            StringBuilder attempts = new StringBuilder("# HELP authentication_attempts Counter of authenticated attempts.\n")
                    .append("# TYPE authentication_attempts counter\n");
            new TreeMap<>(authenticationAttempts).forEach((result, n) ->
                    attempts.append("authentication_attempts{result=\"").append(result).append("\"} ").append(n.sum()).append('\n'));
            out.writeBytes(attempts.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
