package io.portcullis.storage.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch.Listener;
import io.etcd.jetcd.Watch.Watcher;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.portcullis.storage.Store.Entry;
import io.portcullis.storage.Store.Event;
import io.portcullis.storage.Store.Watch;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store watch over etcd watch streams. Events are queued as they arrive; a consumer that falls
 * {@link EtcdStore#WATCH_QUEUE_BOUND} events behind (by default) gets the events it has, then an
 * error, and must watch again from its last revision.
 *
 * <p>A lost stream (the connection cut, the member stopped, the member's leader lost) is resumed:
 * a new stream starts at the revision after the last event received, on whichever member answers,
 * so the consumer sees every event once and in order, however often the stream is lost. Until etcd
 * answers again the watch is quiet; attempts that etcd refuses at once (no leader) are spaced from
 * 0.2 s doubling up to 5 s. Only three things end the watch, each after the events received before
 * it: the history it needs compacted meanwhile (COMPACTED), etcd refusing the watch for good, and
 * the store closing.
 */
final class EtcdWatch implements Watch {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdWatch.class);
    private static final long FIRST_RETRY_MILLIS = 200;
    private static final long MAX_RETRY_MILLIS = 5_000;
    private static final Object CLOSED = new Object();

    /** Every event up to the revision has been received: the store's own record came after them. */
    private record Progress(long revision) {}

    private final EtcdStore store;
    private final String prefix;
    private final ByteSequence from;
    private final ByteSequence end;
    private final int bound;
    /** Events and Progress reports, then possibly one RuntimeException that ended the watch, or CLOSED. */
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    // guarded by lock; jetcd is never called while holding it, as jetcd calls back under its own lock
    private long received;
    private int stream;
    private Watcher watcher;
    private boolean ended;
    private long retryDelay = FIRST_RETRY_MILLIS;
    // the consumer's
    private volatile boolean closed;
    private RuntimeException failure;
    private volatile long progress;

    EtcdWatch(EtcdStore store, String prefix, ByteSequence from, ByteSequence end, long afterRevision, int bound) {
        this.store = store;
        this.prefix = prefix;
        this.from = from;
        this.end = end;
        this.received = afterRevision;
        this.bound = bound;
    }

    /** Starts a stream from the revision after the last event received. */
    void open() {
        int n;
        long start;
        synchronized (lock) {
            if (ended) return;
            n = ++stream;
            start = received + 1;
        }
        Watcher w;
        try {
            WatchOption option = WatchOption.builder().withRange(end).withRevision(start).withPrevKV(true)
                    .withRequireLeader(true)   // a member cut off from its leader ends the stream rather than go quiet
                    .withCreateNotify(true)    // an accepted stream resets the delay between attempts
                    .build();
            w = store.watchClient().watch(from, option, listener(n));
        } catch (RuntimeException e) {
            failed(n, e);
            return;
        }
        synchronized (lock) {
            if (n == stream && !ended) {
                watcher = w;
                return;
            }
        }
        w.close();   // lost or ended while starting
    }

    private Listener listener(int n) {
        return new Listener() {
            @Override public void onNext(WatchResponse response) { received(n, response); }
            @Override public void onError(Throwable error) { failed(n, error); }
            @Override public void onCompleted() { failed(n, null); }
        };
    }

    private void received(int n, WatchResponse response) {
        synchronized (lock) {
            if (n != stream || ended) return;
            retryDelay = FIRST_RETRY_MILLIS;   // etcd took the stream
            // etcd's progress notifications are never asked for (see requestProgress): a response
            // without events moves nothing, least of all the revision a lost stream resumes after
            boolean skipped = false;
            for (WatchEvent e : response.getEvents()) {
                KeyValue kv = e.getKeyValue();
                received = Math.max(received, kv.getModRevision());
                skipped = store.isRecord(kv.getKey());
                if (skipped) continue;
                if (queue.size() >= bound) {
                    end(new IllegalStateException("watch on " + prefix + " fell more than " + bound
                            + " events behind; watch again after the last revision it delivered"));
                    return;
                }
                Event event = event(e);
                if (event == null) {
                    end(new IllegalStateException("etcd sent the deletion of " + store.toServer(kv.getKey())
                            + " at revision " + kv.getModRevision() + " without its last value"));
                    return;
                }
                queue.add(event);
            }
            if (skipped) queue.add(new Progress(received));   // the store's own record (compaction, progress key) moved the revision
        }
    }

    /** The store's event; null for a deletion that lacks the previous value. */
    private Event event(WatchEvent e) {
        KeyValue kv = e.getKeyValue();
        String key = store.toServer(kv.getKey());
        if (e.getEventType() == WatchEvent.EventType.DELETE) {
            KeyValue last = e.getPrevKV();
            if (last == null || last.getKey().isEmpty()) return null;
            return new Event(Event.Type.DELETE, new Entry(key, last.getValue().getBytes(), last.getCreateRevision(), kv.getModRevision()));
        }
        return new Event(Event.Type.PUT, new Entry(key, kv.getValue().getBytes(), kv.getCreateRevision(), kv.getModRevision()));
    }

    /** The stream ended; error null when etcd closed it without one. */
    private void failed(int n, Throwable error) {
        synchronized (lock) {
            if (n != stream || ended) return;
            if (error instanceof CompactedException c) {
                store.learnCompacted(c.getCompactedRevision());
                end(EtcdStore.compacted(prefix, received, c.getCompactedRevision()));
                return;
            }
            if (error != null && !isTransient(error)) {
                end(new IllegalStateException("etcd ended the watch on " + prefix + ": " + error.getMessage(), error));
                return;
            }
            String why = error == null ? "closed by etcd" : error.getMessage();
            if (retryDelay == FIRST_RETRY_MILLIS) {
                LOG.warn("watch on {} lost its etcd stream after revision {} ({}); resuming", prefix, received, why);
            } else {
                LOG.debug("watch on {} could not resume after revision {} ({}); trying again", prefix, received, why);
            }
            dropStream();
            store.later(this::open, retryDelay);
            retryDelay = Math.min(retryDelay * 2, MAX_RETRY_MILLIS);
        }
    }

    /**
     * What jetcd itself retries: the member unreachable or gone, or its leader lost; and a
     * connection that broke under the stream (gRPC reports a closed channel as UNKNOWN).
     */
    private static boolean isTransient(Throwable error) {
        if (error instanceof EtcdException e && (e.getErrorCode() == ErrorCode.UNAVAILABLE || e.getErrorCode() == ErrorCode.INTERNAL)) {
            return true;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException) return true;
        }
        return false;
    }

    /** Under the lock: no more streams; the consumer gets the error after what is queued. */
    private void end(RuntimeException error) {
        ended = true;
        queue.add(error);
        dropStream();
    }

    /**
     * Under the lock: whatever the current stream still sends is ignored, and it is closed off
     * jetcd's thread, as jetcd calls back while holding the stream.
     */
    private void dropStream() {
        stream++;
        Watcher w = watcher;
        watcher = null;
        if (w != null) store.later(w::close, 0);
    }

    void storeClosed() {
        synchronized (lock) {
            if (!ended) end(new IllegalStateException(store + " is closed"));
        }
    }

    @Override
    public synchronized Event poll(Duration timeout) throws InterruptedException {
        if (failure != null) throw failure;
        if (closed) return null;
        long deadline = System.nanoTime() + timeout.toNanos();
        Object next = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        while (next instanceof Progress p) {
            progress = p.revision();
            next = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
        if (next == null || next == CLOSED) return null;
        if (next instanceof RuntimeException e) {
            failure = e;
            throw e;
        }
        return (Event) next;
    }

    @Override
    public long progress() {
        return progress;
    }

    /**
     * Writes the store's progress key ({@link EtcdStore#markProgress}): its event comes after every
     * earlier one, on this stream or on the one resumed after it, and is reported as progress. Only
     * a watch whose range holds the key (the whole /registry/ tree) hears it. etcd's own progress
     * request is not used: the etcd versions Debian ships answer it with the current revision while
     * older events are still on their way, which would report progress not yet made and move the
     * revision a lost stream resumes after past events never received.
     */
    @Override
    public void requestProgress() {
        synchronized (lock) {
            if (ended) return;
        }
        store.markProgress();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            ended = true;
            dropStream();
        }
        store.unregister(this);
        queue.clear();
        queue.add(CLOSED);   // wakes a consumer waiting in poll
    }
}
