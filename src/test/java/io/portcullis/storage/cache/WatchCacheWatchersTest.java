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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Watchers grouped by the prefix they watch: each gets its prefix's events only, and a closed one leaves nothing behind. */
class WatchCacheWatchersTest {
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
    void eachWatcherHearsItsPrefixOnlyAndClosedOnesLeaveNoPrefixBehind() {
        store = SqliteStore.open(dir.resolve("store.db"));
        cache = WatchCache.start(store);
        List<String> ns1 = new CopyOnWriteArrayList<>();
        List<String> ns10 = new CopyOnWriteArrayList<>();
        List<String> all = new CopyOnWriteArrayList<>();
        WatchCache.Registration a = watch("/registry/configmaps/ns1/", ns1);
        WatchCache.Registration b = watch("/registry/configmaps/ns10/", ns10);
        WatchCache.Registration c = watch("/registry/configmaps/", all);
        List<WatchCache.Registration> others = new ArrayList<>();
        for (int i = 0; i < 1000; i++) others.add(watch("/registry/configmaps/gone-" + i + "/", new ArrayList<>()));
        assertThat(cache.watchedPrefixes()).isEqualTo(1003);

        store.create("/registry/configmaps/ns1/x", json("x", "ns1"));
        store.create("/registry/configmaps/ns10/y", json("y", "ns10"));
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

    private static byte[] json(String name, String namespace) {
        return ("{\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + namespace + "\"}}").getBytes(UTF_8);
    }
}
