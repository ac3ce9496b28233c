package io.portcullis.audit;

import io.portcullis.api.protobuf.ProtobufBodies;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend behind a bounded buffer: requests hand events over and go on, one thread of the
 * sink's own writes them in batches. What a request does when the buffer is full is the
 * {@link Buffering.Mode}'s. Events dropped or lost are counted and logged (never their content),
 * at most every ten seconds.
 */
public final class BufferedSink implements Sink {
    private static final Logger LOG = LoggerFactory.getLogger(BufferedSink.class);
    private static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Duration CLOSE_DEADLINE = Duration.ofSeconds(10);
    /** How often the sink's thread looks for events: the most an event waits before its batch may go out. */
    private static final Duration POLL = Duration.ofMillis(10);

    /** What writes a batch: the log, the webhook. Called on the sink's thread only. */
    interface Backend extends AutoCloseable {
        void write(List<Event> batch) throws IOException;

        @Override
        void close() throws IOException;
    }

    private final String name;
    private final Backend backend;
    private final Buffering buffering;
    private final BlockingQueue<Event> queue;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private long lost;
    private String lostBecause;
    private long reported = System.nanoTime();
    private volatile boolean failing;
    private volatile boolean closed;

    BufferedSink(String name, Backend backend, Buffering buffering) {
        this.name = name;
        this.backend = backend;
        this.buffering = buffering;
        this.queue = new ArrayBlockingQueue<>(buffering.bufferSize());
        this.thread = new Thread(this::run, "audit-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * --audit-log-path: JSON lines in {@code path} ("-" for standard output), rotated as upstream's
     * --audit-log-maxsize (MB, 0 for 100), --audit-log-maxbackup and --audit-log-maxage (days) say
     * (0: keep every backup, of any age). {@code protobuf} decodes protobuf request bodies.
     */
    public static BufferedSink log(String path, int maxAgeDays, int maxBackups, int maxSizeMb, Buffering buffering, ProtobufBodies protobuf)
            throws IOException {
        EventJson json = new EventJson(protobuf);
        LogBackend backend = path.equals("-") ? LogBackend.standardOutput(json) : LogBackend.open(Path.of(path), maxAgeDays, maxBackups, maxSizeMb, json);
        return new BufferedSink("log", backend, buffering);
    }

    /** --audit-webhook-config-file: EventLists POSTed to {@code server}, retried from {@code initialBackoff} on. */
    public static BufferedSink webhook(URI server, SSLContext tls, String bearerToken, Duration initialBackoff, Buffering buffering,
                                       ProtobufBodies protobuf) {
        return new BufferedSink("webhook", new WebhookBackend(server, tls, bearerToken, initialBackoff, new EventJson(protobuf)), buffering);
    }

    @Override
    public boolean process(Event event) {
        if (closed) return true;
        if (buffering.mode() == Buffering.Mode.BATCH) {
            if (!queue.offer(event)) dropped.incrementAndGet();
            return true;
        }
        try {
            queue.put(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dropped.incrementAndGet();
        }
        return buffering.mode() != Buffering.Mode.BLOCKING_STRICT || !failing;
    }

    /**
     * Takes what is waiting every {@link #POLL} rather than being woken for each event: a request
     * that hands over an event then never wakes this thread (no system call on the request's
     * path), and the backend writes one batch per turn instead of one per event.
     */
    private void run() {
        int max = buffering.maxBatchSize();
        long maxWait = buffering.maxBatchWait().toNanos();
        List<Event> batch = new ArrayList<>();
        long firstAt = 0;
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                // only close interrupts, past its deadline: what is still here is given up
                lost += batch.size() + queue.size();
                lostBecause = "the server stopped before they were written";
                queue.clear();
                report();
                break;
            }
            boolean closing = closed; // read before draining: whatever came before close is written
            if (batch.isEmpty()) firstAt = System.nanoTime();
            queue.drainTo(batch, max - batch.size());
            boolean due = !batch.isEmpty() && (closing || batch.size() >= max || System.nanoTime() - firstAt >= maxWait);
            if (due) {
                try {
                    backend.write(batch);
                    failing = false;
                } catch (IOException | RuntimeException e) {
                    failing = true;
                    lost += batch.size();
                    lostBecause = e.getMessage();
                }
                batch.clear();
            } else if (closing && batch.isEmpty()) {
                report();
                break;
            }
            report();
            if (!due || queue.isEmpty()) LockSupport.parkNanos(POLL.toNanos());
        }
        try {
            backend.close();
        } catch (IOException e) {
            LOG.warn("audit {}: closing: {}", name, e.getMessage());
        }
    }

    private void report() {
        long now = System.nanoTime();
        if (now - reported < REPORT_EVERY_NANOS && !closed) return;
        long full = dropped.getAndSet(0);
        if (full > 0) {
            LOG.warn("audit {}: {} events dropped: the buffer of {} events was full (--audit-{}-mode=batch)", name, full,
                    buffering.bufferSize(), name);
        }
        if (lost > 0) LOG.warn("audit {}: {} events could not be written: {}", name, lost, lostBecause);
        lost = 0;
        reported = now;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            thread.join(CLOSE_DEADLINE.toMillis());
            if (thread.isAlive()) {
                // a webhook still retrying: give up on what it holds
                thread.interrupt();
                thread.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
