package io.portcullis.storage.cache;

import io.portcullis.api.Statuses;
import io.portcullis.storage.Store;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Derived, in-memory state of everything under /registry/, fed by one store watch, as upstream's
 * cacher: get, list and watch are served from here; writes go to the store. Objects are grouped
 * by resource prefix (/registry/<resource>/, group-qualified for groups outside Kubernetes'). The cache's revision is the store revision
 * of the last event applied. A value that cannot be read (not an object, or encrypted with a key
 * the server does not have: {@link Store.Entry#unreadable()}) is left out of lists and watches, and
 * a GET of it fails with a 500 saying why; the cache and every other object carry on.
 *
 * <p>Freshness: a read that must see every acknowledged write learns the store's revision once
 * ({@link #waitFresh}, a round trip for a remote store, so never on an event loop) and waits until
 * the cache has applied it. {@link #fresh()} answers without waiting or asking the network, for
 * reads served inline.
 */
public final class WatchCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WatchCache.class);
    private static final String ROOT = "/registry/";
    /**
     * The server's own records that change often, are never served as a kind and are read from
     * the store when needed: their events only move the cache's revision.
     */
    public static final String UNCACHED = "/registry/portcullis.io/uncached/";
    private static final int HISTORY = 20_000;
    /** At most this many whole lists are kept per resource (see {@link Bucket#listed}). */
    private static final int LISTED_PER_BUCKET = 64;
    /** The filter that passes every item: a list with it may be answered from the lists kept. */
    public static final Predicate<Item> EVERY = it -> true;
    private static final Duration POLL = Duration.ofMillis(20);
    /** A waiter behind the store asks it for a progress report after this long, then at most this often. */
    private static final long PROGRESS_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** A watcher: receives events in order on the cache's thread; returns false to be dropped. */
    public interface Sink {
        boolean send(CacheEvent event);

        /** Called once when the cache drops the sink (closed, slow or shut down). */
        default void closed() {}
    }

    /** A registered watcher or listener; close it to stop receiving. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * A consistent page of one resource: items in key order, the revision they reflect, and, when
     * a limit cut the page, how many more items passed the filter (null otherwise).
     */
    public record Snapshot(List<Item> items, long revision, Long remaining) {}

    private final Store store;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Condition advanced = lock.writeLock().newCondition();
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile long revision;
    /** Every event up to here is applied and heard by the listeners (derived state): what freshness waits for. */
    private volatile long settled;
    private volatile boolean closed;
    private final Thread thread;
    private volatile Store.Watch watch;
    private final AtomicLong lastProgressRequest = new AtomicLong(System.nanoTime());

    private record Listener(String prefix, Consumer<CacheEvent> consumer) {}

    private final class Bucket {
        final TreeMap<String, Item> items = new TreeMap<>();
        /** Keys whose stored value is not an object (written by hand into etcd, say): why, by key. */
        final Map<String, String> corrupt = new HashMap<>();
        final ArrayDeque<CacheEvent> history = new ArrayDeque<>();
        long oldest; // events after this revision are all in history
        /** The watchers by the prefix they watch (a namespace's, or the whole resource's): a key is matched once per prefix. */
        final Map<String, List<Watcher>> watchers = new ConcurrentHashMap<>();

        /**
         * The whole list under a prefix (every item, no selector, no page), kept until the bucket
         * next changes, so that the same list asked again is not walked again. Filled under the
         * read lock, emptied under the write lock by every change to the bucket.
         */
        final Map<String, List<Item>> listed = new ConcurrentHashMap<>();

        /** Every watcher whose prefix holds the event's key gets the event. */
        void deliver(CacheEvent e) {
            String key = e.item().key();
            for (Map.Entry<String, List<Watcher>> byPrefix : watchers.entrySet()) {
                if (!key.startsWith(byPrefix.getKey())) continue;
                for (Watcher w : byPrefix.getValue()) w.send(e);
            }
        }

        List<Watcher> allWatchers() {
            List<Watcher> all = new ArrayList<>();
            watchers.values().forEach(all::addAll);
            return all;
        }
    }

    private final class Watcher implements Registration {
        final Bucket bucket;
        final String prefix;
        final Sink sink;
        final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

        Watcher(Bucket bucket, String prefix, Sink sink) {
            this.bucket = bucket;
            this.prefix = prefix;
            this.sink = sink;
        }

        /** The event, if its key is under this watcher's prefix. */
        void deliver(CacheEvent e) {
            if (e.item().key().startsWith(prefix)) send(e);
        }

        /** The event, whose key is under this watcher's prefix. */
        void send(CacheEvent e) {
            if (closed.get()) return;
            boolean ok;
            try {
                ok = sink.send(e);
            } catch (RuntimeException ex) {
                LOG.debug("watcher failed", ex);
                ok = false;
            }
            if (!ok) close();
        }

        @Override
        public void close() {
            // also when the sink refused an event before the watcher was registered (its first events)
            if (!closed.compareAndSet(false, true)) return;
            // a prefix nobody watches any more is dropped, or watches of ever new namespaces would pile up
            bucket.watchers.computeIfPresent(prefix, (p, same) -> {
                same.remove(this);
                return same.isEmpty() ? null : same;
            });
            sink.closed();
        }
    }

    private WatchCache(Store store) {
        this.store = store;
        this.thread = new Thread(this::run, "watch-cache");
        this.thread.setDaemon(true);
    }

    /** Loads everything under /registry/ and starts following the store. */
    public static WatchCache start(Store store) {
        WatchCache cache = new WatchCache(store);
        cache.load();
        cache.thread.start();
        return cache;
    }

    private void load() {
        long at = 0;
        String after = null;
        do {
            Store.Page page = store.list(ROOT, at, 2000, after);
            at = page.revision();
            for (Store.Entry e : page.entries()) {
                if (e.key().startsWith(UNCACHED)) continue;
                Bucket b = bucket(e.key());
                Item item = decode(b, e, e.modRevision());
                if (item != null) b.items.put(e.key(), item);
            }
            after = page.continueAfter();
        } while (after != null);
        revision = at;
        settled = at;
        for (Bucket b : buckets.values()) b.oldest = at;
        watch = store.watch(ROOT, at);
    }

    private void run() {
        while (!closed) {
            Store.Event e;
            try {
                e = watch.poll(POLL);   // short: a progress report read while idle shows only when poll returns
            } catch (InterruptedException ie) {
                return;
            } catch (RuntimeException ex) {
                // compacted, fallen behind, or the store failed: start again from a fresh list
                if (closed) return;
                LOG.warn("store watch ended ({}); reloading the cache", ex.getMessage());
                reload();
                continue;
            }
            long progress = watch.progress();
            if (progress > revision) advance(progress);
            if (e == null) continue;
            try {
                apply(e);
            } catch (RuntimeException ex) {
                LOG.error("watch cache failed to apply the event at revision {}", e.revision(), ex);
            }
        }
    }

    private void reload() {
        lock.writeLock().lock();
        try {
            if (watch != null) watch.close();
            for (Bucket b : buckets.values()) {
                for (Watcher w : b.allWatchers()) w.close();
                b.items.clear();
                b.listed.clear();
                b.corrupt.clear();
                b.history.clear();
            }
            load();
            advanced.signalAll();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void apply(Store.Event e) {
        String key = e.entry().key();
        if (key.startsWith(UNCACHED)) {
            advance(e.revision());
            return;
        }
        Bucket b = bucket(key);
        CacheEvent ce;
        lock.writeLock().lock();
        try {
            b.listed.clear();
            Item previous = b.items.get(key);
            Item item;
            if (e.type() == Store.Event.Type.DELETE) {
                b.corrupt.remove(key);
                // the last value of an object deleted: nothing to record if it cannot be read
                item = previous == null || e.entry().unreadable() != null ? null : decode(b, e.entry(), e.revision());
            } else {
                b.corrupt.remove(key);
                item = decode(b, e.entry(), e.revision());
            }
            if (item == null) {
                // a corrupt value: what was there is gone from every view (derived state forgets it too)
                b.items.remove(key);
                revision = e.revision();
                ce = previous == null ? null : new CacheEvent(CacheEvent.Type.DELETED, previous, previous);
                if (ce != null) {
                    b.history.addLast(ce);
                    if (b.history.size() > HISTORY) b.oldest = b.history.removeFirst().revision();
                    b.deliver(ce);
                }
            } else if (e.type() == Store.Event.Type.DELETE) {
                b.items.remove(key);
                ce = new CacheEvent(CacheEvent.Type.DELETED, item, previous);
            } else {
                b.items.put(key, item);
                ce = new CacheEvent(previous == null ? CacheEvent.Type.ADDED : CacheEvent.Type.MODIFIED, item, previous);
            }
            if (item != null) {
                b.history.addLast(ce);
                if (b.history.size() > HISTORY) b.oldest = b.history.removeFirst().revision();
                revision = e.revision();
                b.deliver(ce);
            }
        } finally {
            lock.writeLock().unlock();
        }
        if (ce != null) {
            for (Listener l : listeners) {
                if (key.startsWith(l.prefix)) {
                    try {
                        l.consumer.accept(ce);
                    } catch (RuntimeException ex) {
                        LOG.error("cache listener on {} failed", l.prefix, ex);
                    }
                }
            }
        }
        settle(e.revision());
    }

    /** Listeners have heard everything up to the revision: freshness waiters may go on. */
    private void settle(long rev) {
        lock.writeLock().lock();
        try {
            if (rev > settled) {
                settled = rev;
                advanced.signalAll();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private Bucket bucket(String key) {
        return buckets.computeIfAbsent(bucketOf(key), k -> {
            Bucket b = new Bucket();
            b.oldest = revision;
            return b;
        });
    }

    /** The resource prefix of a key or prefix: /registry/<resource>/, or /registry/<group>/<resource>/ for a group (it has a dot). */
    private static String bucketOf(String key) {
        int end = Item.resourceEnd(key);
        return end < 0 ? key : key.substring(0, end + 1);
    }

    /**
     * The item, or null when the value cannot be read: the key is then recorded as corrupt with the
     * message its GET answers (the store's reason for an unreadable entry), and logged.
     */
    private static Item decode(Bucket b, Store.Entry entry, long rev) {
        String key = entry.key();
        if (entry.unreadable() != null) {
            LOG.warn("{}; it is left out of reads", entry.unreadable());
            b.corrupt.put(key, entry.unreadable());
            return null;
        }
        try {
            return Item.stored(key, entry.json(), rev);
        } catch (RuntimeException e) {
            String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("unreadable");
            LOG.warn("the value stored under {} at revision {} is not a valid object ({}); it is left out of reads", key, rev, why);
            b.corrupt.put(key, object(key) + " is stored in a form that cannot be read: " + why);
            return null;
        }
    }

    /** Every event up to the revision has been applied, as the store reported: the cache is that fresh. */
    private void advance(long progress) {
        lock.writeLock().lock();
        try {
            if (progress > revision) revision = progress;
            if (progress > settled) {
                settled = progress;
                advanced.signalAll();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    public long revision() {
        return revision;
    }

    /**
     * Waits until the cache reflects at least the revision; false on timeout. A waiter still behind
     * after a moment asks the store for a progress report, as the revision may have been reached by
     * writes outside /registry/ (the store's own records, another prefix) that bring no event here.
     */
    public boolean waitFor(long rev, Duration timeout) {
        if (settled >= rev) return true;
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextRequest = start + PROGRESS_AFTER_NANOS;
        lock.writeLock().lock();
        try {
            while (settled < rev) {
                long now = System.nanoTime();
                long left = deadline - now;
                if (left <= 0) return false;
                if (now >= nextRequest) {
                    requestProgress(now);
                    nextRequest = now + PROGRESS_EVERY_NANOS;
                }
                advanced.await(Math.min(left, nextRequest - now), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** One progress request for every waiter behind, at most every PROGRESS_EVERY_NANOS. */
    private void requestProgress(long now) {
        long last = lastProgressRequest.get();
        if (now - last < PROGRESS_EVERY_NANOS || !lastProgressRequest.compareAndSet(last, now)) return;
        Store.Watch w = watch;
        if (w != null) w.requestProgress();
    }

    /** Waits until the cache holds every write acknowledged so far; false on timeout. May block on the store. */
    public boolean waitFresh(Duration timeout) {
        return waitFor(store.currentRevision(), timeout);
    }

    /**
     * True when the cache is known, without blocking, to hold every acknowledged write: only for
     * a store whose revision is a memory read. A remote store's caller waits with {@link #waitFresh}.
     */
    public boolean fresh() {
        return store.currentRevisionIsLocal() && settled >= store.currentRevision();
    }

    /** The item as of the newest acknowledged write: at once when the cache is known fresh, else after waiting for it (503 on timeout). */
    public Optional<Item> getFresh(String key, Duration timeout) {
        if (!fresh() && !waitFresh(timeout)) throw Statuses.serviceUnavailable("the cache did not catch up with storage in time");
        return get(key);
    }

    /** The item under the key; a 500 naming the object when its stored value is not a valid object. */
    public Optional<Item> get(String key) {
        Bucket b = buckets.get(bucketOf(key));
        if (b == null) return Optional.empty();
        lock.readLock().lock();
        try {
            String corrupt = b.corrupt.get(key);
            if (corrupt != null) throw Statuses.internal(corrupt);
            return Optional.ofNullable(b.items.get(key));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** As messages name an object: secrets "db" in namespace "team". */
    private static String object(String key) {
        Item where = Item.stored(key, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
        String resource = key.substring("/registry/".length(), Item.resourceEnd(key));
        return where.namespace().isEmpty() ? "%s \"%s\"".formatted(resource, where.name())
                : "%s \"%s\" in namespace \"%s\"".formatted(resource, where.name(), where.namespace());
    }

    /** Items under the prefix that pass the filter, after the key {@code after} (null: from the start), at most limit (0: all). */
    public Snapshot list(String prefix, Predicate<Item> filter, String after, int limit) {
        Bucket b = buckets.get(bucketOf(prefix));
        lock.readLock().lock();
        try {
            long rev = revision;
            if (b == null) return new Snapshot(List.of(), rev, null);
            boolean whole = filter == EVERY && after == null && limit == 0;
            if (whole) {
                List<Item> kept = b.listed.get(prefix);
                if (kept != null) return new Snapshot(kept, rev, null);
            }
            List<Item> out = new ArrayList<>();
            long more = 0;
            var range = after == null ? b.items.tailMap(prefix, true) : b.items.tailMap(after, false);
            for (Item it : range.values()) {
                if (!it.key().startsWith(prefix)) break;
                if (!filter.test(it)) continue;
                if (limit > 0 && out.size() > limit) more++;
                else out.add(it); // one extra beyond the limit tells the caller more remain
            }
            if (whole) {
                List<Item> items = Collections.unmodifiableList(out);
                if (b.listed.size() >= LISTED_PER_BUCKET) b.listed.clear();
                b.listed.put(prefix, items);
                return new Snapshot(items, rev, null);
            }
            return new Snapshot(out, rev, limit > 0 && out.size() > limit ? more + 1 : null);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** How many prefixes have a watcher, over every resource. */
    int watchedPrefixes() {
        return buckets.values().stream().mapToInt(b -> b.watchers.size()).sum();
    }

    /**
     * Registers a watcher on a prefix: first the events after {@code afterRevision} still in the
     * window (or, with {@code afterRevision} 0, an ADDED event for every current item), then every
     * later event, with no gap. Empty when {@code afterRevision} is older than the window: the
     * caller answers 410 Expired.
     */
    public Optional<Registration> watch(String prefix, long afterRevision, Sink sink) {
        Bucket b = bucket(prefix);
        lock.writeLock().lock();
        try {
            Watcher w = new Watcher(b, prefix, sink);
            if (afterRevision == 0) {
                for (Item it : b.items.tailMap(prefix, true).values()) {
                    if (!it.key().startsWith(prefix)) break;
                    w.deliver(new CacheEvent(CacheEvent.Type.ADDED, it, null));
                }
            } else {
                if (afterRevision < b.oldest) return Optional.empty();
                for (CacheEvent e : b.history) {
                    if (e.revision() > afterRevision) w.deliver(e);
                }
            }
            // checked inside the key's compute, which close's removal follows or precedes as a whole
            b.watchers.compute(prefix, (p, same) -> {
                if (w.closed.get()) return same;
                List<Watcher> out = same == null ? new CopyOnWriteArrayList<>() : same;
                out.add(w);
                return out;
            });
            return Optional.of(w);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The oldest revision a watch on the prefix may start after. */
    public long oldestWatchable(String prefix) {
        Bucket b = buckets.get(bucketOf(prefix));
        return b == null ? revision : b.oldest;
    }

    /**
     * Calls the consumer with an ADDED event for every current item under the prefix, then, on the
     * cache's thread and after watchers, with every later event. For derived state kept elsewhere
     * (RBAC's binding index, token revocation, controllers); the consumer must be idempotent, as
     * an event racing the registration may arrive twice. Closing what is returned removes it.
     */
    public Registration addListener(String prefix, Consumer<CacheEvent> consumer) {
        lock.writeLock().lock();
        try {
            Bucket b = buckets.get(bucketOf(prefix));
            if (b != null) {
                for (Item it : b.items.tailMap(prefix, true).values()) {
                    if (!it.key().startsWith(prefix)) break;
                    consumer.accept(new CacheEvent(CacheEvent.Type.ADDED, it, null));
                }
            }
            Listener listener = new Listener(prefix, consumer);
            listeners.add(listener);
            return () -> listeners.remove(listener);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Every current item under the prefix, unfiltered (for seeding derived state). */
    public List<Item> all(String prefix) {
        return list(prefix, x -> true, null, 0).items();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (watch != null) watch.close();
        lock.writeLock().lock();
        try {
            for (Bucket b : buckets.values()) {
                for (Watcher w : b.allWatchers()) w.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
