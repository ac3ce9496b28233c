package io.portcullis.storage.cache;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.storage.Store;
import io.portcullis.storage.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole lists the cache keeps between changes (the same answer while nothing changed, the change as
 * soon as it is applied), and watchers grouped by the prefix they watch (each gets its prefix's
 * events only, and a closed one leaves nothing behind).
 */
class WatchCacheTest {
    private static final String PREFIX = "/registry/configmaps/default/";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private Store store;
    private WatchCache cache;

    @BeforeEach
    void open() {
        store = SqliteStore.open(dir.resolve("store.db"));
        cache = WatchCache.start(store);
    }

    @AfterEach
    void close() {
        cache.close();
        store.close();
    }

    @Test
    void aWholeListAskedAgainWithNoChangeIsTheSameListAtTheCurrentRevision() {
        store.create(PREFIX + "a", json("a", "1"));
        store.create(PREFIX + "b", json("b", "1"));
        assertThat(cache.waitFresh(WAIT)).isTrue();
        WatchCache.Snapshot first = cache.list(PREFIX, WatchCache.EVERY, null, 0);

        // a write elsewhere moves the revision, not this list
        long elsewhere = store.create("/registry/secrets/default/s", json("s", "1")).modRevision();
        assertThat(cache.waitFresh(WAIT)).isTrue();
        WatchCache.Snapshot again = cache.list(PREFIX, WatchCache.EVERY, null, 0);

        assertThat(again.items()).isSameAs(first.items());
        assertThat(again.revision()).isEqualTo(elsewhere);
        assertThat(names(again)).containsExactly("a", "b");
    }

    @Test
    void everyChangeToTheResourceIsInTheNextWholeList() {
        Store.Entry a = store.create(PREFIX + "a", json("a", "1"));
        store.create("/registry/configmaps/other/c", json("c", "1"));
        assertThat(cache.waitFresh(WAIT)).isTrue();
        assertThat(names(cache.list(PREFIX, WatchCache.EVERY, null, 0))).containsExactly("a");

        store.create(PREFIX + "b", json("b", "1"));
        assertThat(cache.waitFresh(WAIT)).isTrue();
        assertThat(names(cache.list(PREFIX, WatchCache.EVERY, null, 0))).containsExactly("a", "b");

        Store.Entry updated = store.update(PREFIX + "a", json("a", "2"), a.modRevision());
        assertThat(cache.waitFresh(WAIT)).isTrue();
        List<Item> items = cache.list(PREFIX, WatchCache.EVERY, null, 0).items();
        assertThat(items.get(0).revision()).isEqualTo(updated.modRevision());
        assertThat(new String(items.get(0).json(), UTF_8)).contains("\"v\":\"2\"");

        store.delete(PREFIX + "b", 0);
        assertThat(cache.waitFresh(WAIT)).isTrue();
        assertThat(names(cache.list(PREFIX, WatchCache.EVERY, null, 0))).containsExactly("a");
        // a change in another namespace of the same resource is seen too
        assertThat(names(cache.list("/registry/configmaps/other/", WatchCache.EVERY, null, 0))).containsExactly("c");
    }

    @Test
    void aFilteredOrPagedListIsNotTakenForTheWholeList() {
        store.create(PREFIX + "a", json("a", "1"));
        store.create(PREFIX + "b", json("b", "1"));
        assertThat(cache.waitFresh(WAIT)).isTrue();
        cache.list(PREFIX, WatchCache.EVERY, null, 0);

        assertThat(names(cache.list(PREFIX, it -> it.name().equals("b"), null, 0))).containsExactly("b");
        WatchCache.Snapshot page = cache.list(PREFIX, WatchCache.EVERY, null, 1);
        assertThat(names(page)).containsExactly("a", "b");   // one beyond the limit says more remain
        assertThat(page.remaining()).isEqualTo(1);
        assertThat(names(cache.list(PREFIX, WatchCache.EVERY, PREFIX + "a", 0))).containsExactly("b");
    }

    private static List<String> names(WatchCache.Snapshot s) {
        return s.items().stream().map(Item::name).toList();
    }

    @Test
    void eachWatcherHearsItsPrefixOnlyAndClosedOnesLeaveNoPrefixBehind() {
        List<String> ns1 = new CopyOnWriteArrayList<>();
        List<String> ns10 = new CopyOnWriteArrayList<>();
        List<String> all = new CopyOnWriteArrayList<>();
        WatchCache.Registration a = watch("/registry/configmaps/ns1/", ns1);
        WatchCache.Registration b = watch("/registry/configmaps/ns10/", ns10);
        WatchCache.Registration c = watch("/registry/configmaps/", all);
        List<WatchCache.Registration> others = new ArrayList<>();
        for (int i = 0; i < 1000; i++) others.add(watch("/registry/configmaps/gone-" + i + "/", new ArrayList<>()));
        assertThat(cache.watchedPrefixes()).isEqualTo(1003);

        store.create("/registry/configmaps/ns1/x", json("x", "1"));
        store.create("/registry/configmaps/ns10/y", json("y", "1"));
        assertThat(cache.waitFresh(WAIT)).isTrue();
        assertThat(ns1).containsExactly("x");
        assertThat(ns10).containsExactly("y");
        assertThat(all).containsExactly("x", "y");

        others.forEach(WatchCache.Registration::close);
        assertThat(cache.watchedPrefixes()).isEqualTo(3);
        a.close();
        b.close();
        c.close();
        assertThat(cache.watchedPrefixes()).isZero();
    }

    private WatchCache.Registration watch(String prefix, List<String> heard) {
        return cache.watch(prefix, 0, e -> heard.add(e.item().name())).orElseThrow();
    }

    private static byte[] json(String name, String v) {
        return ("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"default\"},\"data\":{\"v\":\""
                + v + "\"}}").getBytes(UTF_8);
    }
}
