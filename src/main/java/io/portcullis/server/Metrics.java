package io.portcullis.server;

import io.prometheus.metrics.core.metrics.Counter;
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

/** The server's Prometheus metrics, in a registry of its own (several servers may share a JVM). */
final class Metrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter requests = Counter.builder().name("apiserver_request_total")
            .help("Counter of apiserver requests broken out for each verb, API group, resource and HTTP response code.")
            .labelNames("verb", "group", "resource", "code").register(registry);
    final Histogram requestDuration = Histogram.builder().name("apiserver_request_duration_seconds")
            .help("Response latency distribution in seconds for each verb, group and resource.")
            .classicUpperBounds(0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60)
            .labelNames("verb", "group", "resource").register(registry);
    /** kube-apiserver's name has no _total suffix, which this client would add to a Counter: written by hand. */
    private final Map<String, LongAdder> authenticationAttempts = new ConcurrentHashMap<>();
    final Histogram authenticationDuration = Histogram.builder().name("authentication_duration_seconds")
            .help("Authentication duration in seconds broken out by result.")
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
