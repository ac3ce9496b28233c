package io.portcullis.audit;

import java.time.Duration;
import java.util.Locale;

/**
 * How a backend's buffer behaves, as upstream's --audit-log-* and --audit-webhook-* mode and
 * batch flags: at most {@code bufferSize} events wait to be written, a write takes at most
 * {@code maxBatchSize} of them, and waits at most {@code maxBatchWait} for a batch to fill.
 * Events are always written off the request path; the mode says what a request does when the
 * buffer is full.
 */
public record Buffering(Mode mode, int bufferSize, int maxBatchSize, Duration maxBatchWait) {
    public static final int DEFAULT_BUFFER_SIZE = 10_000;

    public enum Mode {
        /** the event is dropped (and counted in the log) */
        BATCH,
        /** the request waits for room */
        BLOCKING,
        /** the request waits for room, and fails (500) while the backend cannot write */
        BLOCKING_STRICT;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * The flags of a plugin (log, webhook) checked as upstream checks them.
     *
     * @throws IllegalArgumentException in upstream's words
     */
    public static Buffering of(String plugin, String mode, int bufferSize, int maxBatchSize, Duration maxBatchWait) {
        Mode m = null;
        for (Mode candidate : Mode.values()) if (candidate.toString().equals(mode)) m = candidate;
        if (m == null) throw new IllegalArgumentException("invalid audit " + plugin + " mode " + mode + ", allowed modes are \"batch,blocking,blocking-strict\"");
        if (bufferSize <= 0) throw new IllegalArgumentException("invalid audit batch " + plugin + " buffer size " + bufferSize + ", must be a positive number");
        if (maxBatchSize <= 0) throw new IllegalArgumentException("invalid audit batch " + plugin + " max batch size " + maxBatchSize + ", must be a positive number");
        return new Buffering(m, bufferSize, maxBatchSize, maxBatchWait);
    }

    /** The log's defaults: blocking; a write takes whatever is waiting. */
    public static Buffering log() {
        return new Buffering(Mode.BLOCKING, DEFAULT_BUFFER_SIZE, DEFAULT_BUFFER_SIZE, Duration.ZERO);
    }

    /** The webhook's defaults: batch, at most 400 events a request, sent at least every 30 s. */
    public static Buffering webhook() {
        return new Buffering(Mode.BATCH, DEFAULT_BUFFER_SIZE, 400, Duration.ofSeconds(30));
    }
}
