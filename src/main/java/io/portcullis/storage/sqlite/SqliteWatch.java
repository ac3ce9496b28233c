package io.portcullis.storage.sqlite;

import io.portcullis.storage.Store.Event;
import io.portcullis.storage.Store.Watch;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Replays the log in pages up to the revision committed when the watch began, then hands out the
 * events the writer offered since. A watcher that falls {@link SqliteStore#WATCH_QUEUE_BOUND}
 * events behind (by default) gets the events it has, then an error, and must watch again from its last revision.
 */
final class SqliteWatch implements Watch {
    private static final long WAKE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final SqliteStore store;
    private final String prefix;
    private final long liveFrom;
    private final ArrayDeque<Event> replay = new ArrayDeque<>();
    private final int bound;
    private final LinkedBlockingQueue<Event> live;
    private long delivered;
    private boolean replayDone;
    private volatile boolean closed;
    private volatile boolean overflowed;
    private volatile boolean storeClosed;

    SqliteWatch(SqliteStore store, String prefix, long afterRevision, long liveFrom, int bound) {
        this.store = store;
        this.bound = bound;
        this.live = new LinkedBlockingQueue<>(bound);
        this.prefix = prefix;
        this.delivered = afterRevision;
        this.liveFrom = liveFrom;
        this.replayDone = afterRevision >= liveFrom;
    }

    /** Called by the writer under its publish lock; false drops this watch. */
    boolean offer(Event event) {
        if (closed) return false;
        if (!event.entry().key().startsWith(prefix)) return true;
        if (live.offer(event)) return true;
        overflowed = true;
        return false;
    }

    void storeClosed() {
        storeClosed = true;
    }

    @Override
    public synchronized Event poll(Duration timeout) throws InterruptedException {
        if (closed) return null;
        if (!replayDone) {
            if (replay.isEmpty()) {
                replay.addAll(store.history(prefix, delivered, liveFrom));
                if (replay.isEmpty()) replayDone = true;
            }
            Event next = replay.poll();
            if (next != null) return deliver(next);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event next = live.poll(Math.max(0, Math.min(left, WAKE_NANOS)), TimeUnit.NANOSECONDS);
            if (next != null) {
                if (next.revision() <= delivered) continue;   // watching from a revision not yet written
                return deliver(next);
            }
            if (closed) return null;
            if (overflowed) {
                closed = true;
                throw new IllegalStateException("watch on " + prefix + " fell more than " + bound
                        + " events behind; watch again after revision " + delivered);
            }
            if (storeClosed) throw new IllegalStateException(store + " is closed");
            if (left <= 0) return null;
        }
    }

    private Event deliver(Event event) {
        delivered = event.revision();
        return event;
    }

    @Override
    public void close() {
        closed = true;
        store.unregister(this);
        live.clear();
    }
}
