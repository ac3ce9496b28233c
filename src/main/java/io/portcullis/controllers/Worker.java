package io.portcullis.controllers;

import io.portcullis.api.ApiException;
import io.portcullis.storage.cache.CacheEvent;
import io.portcullis.storage.cache.WatchCache;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller's one thread and its queue of keys: a key queued while already pending runs once;
 * a sync that fails (a conflict, a store hiccup) runs again after a pause, a few times. Cache
 * listeners only enqueue, so they never block the cache's thread.
 */
final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final int ATTEMPTS = 5;

    private final String name;
    private final ScheduledExecutorService thread;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final List<WatchCache.Registration> listening = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    Worker(String name) {
        this.name = name;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, name);
            th.setDaemon(true);
            return th;
        });
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.thread = t;
    }

    /** Follows the cache's events under the prefix until the worker closes (the consumer should only enqueue). */
    void listen(WatchCache cache, String prefix, Consumer<CacheEvent> consumer) {
        WatchCache.Registration registration = cache.addListener(prefix, consumer);
        listening.add(registration);
        if (closed) registration.close();   // closed while it was added: close() may not have seen it
    }

    /** Runs {@code sync} for {@code key} on the worker's thread, unless it is already queued. */
    void enqueue(String key, Runnable sync) {
        schedule(key, sync, 0, 0);
    }

    /** As {@link #enqueue}, after a pause (for state that another party must first change). */
    void enqueueLater(String key, Runnable sync, long millis) {
        schedule(key, sync, millis, 0);
    }

    private void schedule(String key, Runnable sync, long delayMillis, int attempt) {
        if (closed || !pending.add(key)) return;
        try {
            thread.schedule(() -> {
                pending.remove(key);
                if (closed) return;
                try {
                    sync.run();
                } catch (ApiException e) {
                    retry(key, sync, attempt, e.getMessage());
                } catch (RuntimeException e) {
                    if (closed) return;
                    LOG.warn("{}: syncing {} failed", name, key, e);
                    retry(key, sync, attempt, e.toString());
                } catch (Error e) {
                    // a scheduled task's Error would stay in its future: the thread's handler judges it instead
                    Thread t = Thread.currentThread();
                    t.getUncaughtExceptionHandler().uncaughtException(t, e);
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            pending.remove(key);
        }
    }

    private void retry(String key, Runnable sync, int attempt, String why) {
        if (closed) return;
        if (attempt + 1 >= ATTEMPTS) {
            LOG.warn("{}: giving up on {} for now: {}", name, key, why);
            return;
        }
        LOG.debug("{}: retrying {}: {}", name, key, why);
        schedule(key, sync, 200L << attempt, attempt + 1);
    }

    static boolean is(ApiException e, String... reasons) {
        for (String r : reasons) if (r.equals(e.reason())) return true;
        return false;
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        listening.forEach(WatchCache.Registration::close);
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
