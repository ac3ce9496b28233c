package io.portcullis.storage.cache;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.storage.Store;
import io.portcullis.storage.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The freshness protocol between the watch cache and a store that may be remote. */
class WatchCacheFreshnessTest {
    private static final String KEY = "/registry/configmaps/default/a";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private Store store;
    private WatchCache cache;

    @AfterEach
    void close() {
        if (cache != null) cache.close();
        if (store != null) store.close();
    }

    @Test
    void aLocalStoreCaughtUpIsFreshWithoutWaiting() {
        store = SqliteStore.open(dir.resolve("store.db"));
        cache = WatchCache.start(store);
        store.create(KEY, json("a"));
        assertThat(cache.waitFresh(WAIT)).isTrue();

        assertThat(cache.fresh()).isTrue();
    }

    @Test
    void aRemoteStoreIsNeverFreshWithoutAskingAndIsAskedOncePerFreshRead() {
        Remote remote = new Remote(SqliteStore.open(dir.resolve("store.db")));
        store = remote;
        cache = WatchCache.start(store);
        long written = store.create(KEY, json("a")).modRevision();
        remote.asked.set(0);

        assertThat(cache.fresh()).as("no round trip may be made to say so").isFalse();
        assertThat(remote.asked).hasValue(0);

        // a write acknowledged before the read is seen, whether or not the cache had it yet
        Optional<Item> read = cache.getFresh(KEY, WAIT);
        assertThat(read).get().extracting(Item::revision).isEqualTo(written);
        assertThat(remote.asked).hasValue(1);
    }

    @Test
    void aClosedListenerHearsNothingMore() throws Exception {
        store = SqliteStore.open(dir.resolve("store.db"));
        cache = WatchCache.start(store);
        List<String> heard = new CopyOnWriteArrayList<>();
        WatchCache.Registration r = cache.addListener("/registry/configmaps/", e -> heard.add(e.item().name()));
        store.create(KEY, json("a"));
        assertThat(cache.waitFresh(WAIT)).isTrue();
        r.close();
        store.create("/registry/configmaps/default/b", json("b"));
        assertThat(cache.waitFresh(WAIT)).isTrue();

        assertThat(heard).containsExactly("a");
    }

    private static byte[] json(String name) {
        return ("{\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"default\"}}").getBytes(UTF_8);
    }

    /** A store that behaves as a remote one: its revision is not known locally, and asking is counted. */
    private static final class Remote implements Store {
        final Store local;
        final AtomicInteger asked = new AtomicInteger();

        Remote(Store local) {
            this.local = local;
        }

        @Override public Optional<Entry> get(String key) { return local.get(key); }
        @Override public Page list(String prefix, long atRevision, int limit, String continueAfter) {
            return local.list(prefix, atRevision, limit, continueAfter);
        }
        @Override public Entry create(String key, byte[] json) { return local.create(key, json); }
        @Override public Entry update(String key, byte[] json, long expected) { return local.update(key, json, expected); }
        @Override public Entry delete(String key, long expected) { return local.delete(key, expected); }
        @Override public Watch watch(String prefix, long afterRevision) { return local.watch(prefix, afterRevision); }
        @Override public void compact(long revision) { local.compact(revision); }
        @Override public long currentRevision() {
            asked.incrementAndGet();
            return local.currentRevision();
        }
        @Override public long compactedRevision() { return local.compactedRevision(); }
        @Override public void close() { local.close(); }
    }
}
