package io.portcullis.server;

import io.portcullis.api.Json;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import io.portcullis.registry.ListOptions;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import io.portcullis.request.RequestInfo;
import io.portcullis.storage.cache.CacheEvent;
import io.portcullis.storage.cache.Item;
import io.portcullis.storage.cache.WatchCache;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Watch streams: a cache registration per watch, events filtered by the watch's selectors and
 * encoded once for every watcher, written by one task per event loop for all of that loop's
 * watches, bookmarks, timeouts, and the end of the stream when the client goes or the watcher
 * falls too far behind.
 */
final class Watches {
    private static final Logger LOG = LoggerFactory.getLogger(Watches.class);
    private static final long BOOKMARK_MS = 30_000;

    private final ObjectStore objects;
    private final Vertx vertx;
    private final Duration minRequestTimeout;
    private final Map<EventLoop, Loop> loops = new ConcurrentHashMap<>();

    /** {@code minRequestTimeout}: --min-request-timeout, the shortest life of a watch that names no timeoutSeconds. */
    Watches(ObjectStore objects, Vertx vertx, Duration minRequestTimeout) {
        this.objects = objects;
        this.vertx = vertx;
        this.minRequestTimeout = minRequestTimeout;
    }

    /** A watch of the kind in the namespace, from the resourceVersion asked, over chunked HTTP or a WebSocket. */
    void serve(Exchange ex, RequestInfo info, Strategy s, String ns) {
        ListOptions o = Rest.listOptions(info);
        Predicate<Item> selected = objects.watchFilter(s, o);
        // a watch of one object (watch/.../<name>) sees that object alone: it was authorized for no more
        String name = info.name();
        Predicate<Item> filter = name.isEmpty() ? selected : selected.and(it -> it.name().equals(name));
        String rvParam = o.resourceVersion();
        long after = ObjectStore.parseResourceVersion(rvParam);
        boolean table = Tables.wanted(ex.header("Accept"));
        String include = table ? Tables.includeObject(info.param("includeObject")) : null;
        boolean bookmarks = "true".equals(info.param("allowWatchBookmarks"));
        long timeoutSeconds = 0;
        String ts = info.param("timeoutSeconds");
        if (ts != null && !ts.isEmpty()) {
            try {
                timeoutSeconds = Long.parseLong(ts);
            } catch (NumberFormatException e) {
                throw Statuses.badRequest("timeoutSeconds: Invalid value: \"" + ts + "\": must be an integer");
            }
        }
        WatchCache cache = objects.cache();
        String prefix = s.type().prefix(ns);
        if (after > 0 && after < cache.oldestWatchable(prefix)) {
            ex.webSocketOrResponse(stream -> {
                stream.write(Buffer.buffer(errorEvent("too old resource version: " + after + " (" + cache.oldestWatchable(prefix) + ")")));
                stream.end();
            });
            return;
        }
        ResourceType t = s.type();
        double timeout = Deadlines.watchSeconds(timeoutSeconds, minRequestTimeout, ThreadLocalRandom.current());
        Loop loop = loop(ex.context());
        ex.webSocketOrResponse(stream -> startWatch(stream, loop, s, t, prefix, after, filter, table, include, bookmarks, timeout));
    }

    private void startWatch(EventStream stream, Loop loop, Strategy s, ResourceType t, String prefix, long after,
                            Predicate<Item> filter, boolean table, String include, boolean bookmarks, double timeoutSeconds) {
        WatchCache cache = objects.cache();
        AtomicBoolean firstTable = new AtomicBoolean(true);
        // done: the cache sends no more; failed (event loop only): the client fell behind, nothing more is written
        AtomicBoolean done = new AtomicBoolean(false);
        boolean[] failed = {false};
        Consumer<Buffer> write = event -> {
            if (failed[0]) return;
            if (!stream.write(event)) {
                failed[0] = true;
                done.set(true);
            }
        };
        WatchCache.Sink sink = new WatchCache.Sink() {
            @Override
            public boolean send(CacheEvent e) {
                if (done.get()) return false;
                boolean now = filter.test(e.item());
                boolean before = e.previous() != null && filter.test(e.previous());
                String type;
                switch (e.type()) {
                    case ADDED -> { if (!now) return true; type = "ADDED"; }
                    case DELETED -> { if (!now) return true; type = "DELETED"; }
                    default -> {
                        if (now && before) type = "MODIFIED";
                        else if (now) type = "ADDED";
                        else if (before) type = "DELETED";
                        else return true;
                    }
                }
                Buffer event = table ? Buffer.buffer(eventBytes(type, e.item(), s, include, firstTable)) : encoded(e, type);
                loop.run(() -> write.accept(event));
                return true;
            }

            @Override
            public void closed() {
                // after the events already queued for this watch
                if (done.compareAndSet(false, true)) loop.run(stream::end);
            }
        };
        Optional<WatchCache.Registration> reg = cache.watch(prefix, after, sink);
        if (reg.isEmpty()) {
            stream.write(Buffer.buffer(errorEvent("too old resource version: " + after)));
            stream.end();
            return;
        }
        long bookmarkTimer = bookmarks ? vertx.setPeriodic(BOOKMARK_MS, id -> {
            if (done.get()) return;
            String b = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"" + t.kind() + "\",\"apiVersion\":\"" + t.apiVersion()
                    + "\",\"metadata\":{\"resourceVersion\":\"" + cache.revision() + "\"}}}\n";
            Buffer bookmark = Buffer.buffer(b);
            loop.run(() -> write.accept(bookmark));
        }) : -1;
        long timeoutTimer = timeoutSeconds > 0 ? vertx.setTimer(Math.max(1, Math.round(timeoutSeconds * 1000)), id -> reg.get().close()) : -1;
        // the watch ends when the client goes, the timeout fires, or the cache closes it (shutdown)
        stream.onClose(() -> {
            done.set(true);
            reg.get().close();
            if (bookmarkTimer >= 0) vertx.cancelTimer(bookmarkTimer);
            if (timeoutTimer >= 0) vertx.cancelTimer(timeoutTimer);
        });
    }

    /**
     * The JSON line of an event, encoded once for all the watchers it goes to and shared by their
     * writes: events reach sinks one at a time (on the cache's thread, or under its lock while a
     * watch registers).
     */
    private synchronized Buffer encoded(CacheEvent e, String type) {
        if (e != lastEvent || !type.equals(lastType)) {
            lastBuffer = Buffer.buffer(eventBytes(type, e.item(), null, null, null));
            lastEvent = e;
            lastType = type;
        }
        return lastBuffer;
    }

    private CacheEvent lastEvent;
    private String lastType;
    private Buffer lastBuffer;

    /** The event loop the watch's connection belongs to: one for all the watches on that loop. */
    private Loop loop(Context context) {
        ContextInternal c = (ContextInternal) context;
        return loops.computeIfAbsent(c.nettyEventLoop(), l -> new Loop(c.unwrap()));
    }

    /**
     * The writes of one event loop's watches, run in order by as few tasks as the loop needs to
     * catch up: an event for a thousand watchers on a loop costs that loop one task, not a thousand.
     */
    private static final class Loop {
        private final Context context;
        private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();

        Loop(Context context) {
            this.context = context;
        }

        /** Runs the step on the loop, after every step queued before it. */
        void run(Runnable step) {
            queue.add(step);
            if (scheduled.compareAndSet(false, true)) context.runOnContext(v -> drain());
        }

        private void drain() {
            scheduled.set(false);
            for (Runnable step; (step = queue.poll()) != null; ) {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    LOG.debug("watch write failed", e);
                }
            }
        }
    }

    private static byte[] errorEvent(String message) {
        return ("{\"type\":\"ERROR\",\"object\":" + Json.string(Statuses.gone(message).status()) + "}\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] eventBytes(String type, Item item, Strategy tableOf, String include, AtomicBoolean firstTable) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(item.json().length + 40);
        write(out, "{\"type\":\"" + type + "\",\"object\":");
        if (tableOf == null) {
            out.writeBytes(item.json());
        } else {
            ObjectNode table = Tables.table(tableOf, List.of(item), item.object().path("metadata").path("resourceVersion").asString(""),
                    null, include, firstTable.getAndSet(false));
            out.writeBytes(Json.bytes(table));
        }
        write(out, "}\n");
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
