package io.portcullis.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.portcullis.storage.Store.Entry;
import io.portcullis.storage.Store.Event;
import io.portcullis.storage.Store.Page;
import io.portcullis.storage.Store.Watch;
import io.portcullis.storage.StoreException.Reason;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What every {@link Store} must do; an implementation's test extends this and says how to open one. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class StoreContractTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** A store keeping its data under the directory; opening it again on the same directory sees the same data. */
    protected abstract Store newStore(Path dir);

    @TempDir
    protected Path dir;
    protected Store store;

    @BeforeEach
    void openStore() {
        store = newStore(dir);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    static byte[] json(String s) {
        return ("{\"v\":\"" + s + "\"}").getBytes(UTF_8);
    }

    static String text(Entry e) {
        return new String(e.json(), UTF_8);
    }

    static Reason reasonOf(Runnable call) {
        StoreException e = catchThrowableOfType(StoreException.class, call::run);
        assertThat(e).as("a StoreException").isNotNull();
        return e.reason();
    }

    static List<String> keys(Page page) {
        return page.entries().stream().map(Entry::key).toList();
    }

    static Event next(Watch watch) throws InterruptedException {
        Event e = watch.poll(WAIT);
        assertThat(e).as("an event within " + WAIT).isNotNull();
        return e;
    }

    // ---- get, create, update, delete ----

    @Test
    void getOfAMissingKeyIsEmpty() {
        assertThat(store.get("/registry/pods/default/none")).isEmpty();
    }

    @Test
    void createStoresTheValueAtANewRevisionThatIsBothCreateAndModRevision() {
        long before = store.currentRevision();
        Entry created = store.create("/registry/pods/default/a", json("a"));

        assertThat(created.key()).isEqualTo("/registry/pods/default/a");
        assertThat(created.modRevision()).isGreaterThan(before).isEqualTo(created.createRevision());
        assertThat(store.currentRevision()).isEqualTo(created.modRevision());
        Entry got = store.get("/registry/pods/default/a").orElseThrow();
        assertThat(text(got)).isEqualTo("{\"v\":\"a\"}");
        assertThat(got.createRevision()).isEqualTo(created.createRevision());
        assertThat(got.modRevision()).isEqualTo(created.modRevision());
    }

    @Test
    void createOfAnExistingKeyFailsWithAlreadyExistsAndKeepsTheOldValue() {
        Entry first = store.create("/k", json("first"));

        assertThat(reasonOf(() -> store.create("/k", json("second")))).isEqualTo(Reason.ALREADY_EXISTS);
        Entry got = store.get("/k").orElseThrow();
        assertThat(text(got)).isEqualTo("{\"v\":\"first\"}");
        assertThat(got.modRevision()).isEqualTo(first.modRevision());
    }

    @Test
    void updateAtTheCurrentRevisionReplacesTheValueAndKeepsTheCreateRevision() {
        Entry created = store.create("/k", json("1"));
        Entry updated = store.update("/k", json("2"), created.modRevision());

        assertThat(updated.createRevision()).isEqualTo(created.createRevision());
        assertThat(updated.modRevision()).isGreaterThan(created.modRevision());
        Entry got = store.get("/k").orElseThrow();
        assertThat(text(got)).isEqualTo("{\"v\":\"2\"}");
        assertThat(got.modRevision()).isEqualTo(updated.modRevision());
        assertThat(got.createRevision()).isEqualTo(created.createRevision());
    }

    @Test
    void updateAtAStaleRevisionFailsWithConflictAndChangesNothing() {
        Entry created = store.create("/k", json("1"));
        Entry updated = store.update("/k", json("2"), created.modRevision());

        assertThat(reasonOf(() -> store.update("/k", json("3"), created.modRevision()))).isEqualTo(Reason.CONFLICT);
        assertThat(text(store.get("/k").orElseThrow())).isEqualTo("{\"v\":\"2\"}");
        assertThat(store.get("/k").orElseThrow().modRevision()).isEqualTo(updated.modRevision());
    }

    @Test
    void updateOfAMissingKeyFailsWithNotFound() {
        assertThat(reasonOf(() -> store.update("/none", json("x"), 1))).isEqualTo(Reason.NOT_FOUND);
        assertThat(store.get("/none")).isEmpty();
    }

    @Test
    void updateAtRevisionZeroNeverCreatesAMissingKey() {
        // etcd compares a missing key's mod revision as 0: a store must not take that for a match
        long revision = store.currentRevision();

        assertThat(reasonOf(() -> store.update("/none", json("x"), 0))).isEqualTo(Reason.NOT_FOUND);
        assertThat(store.get("/none")).isEmpty();
        assertThat(store.currentRevision()).isEqualTo(revision);
        store.create("/k", json("1"));
        assertThat(reasonOf(() -> store.update("/k", json("2"), 0))).isEqualTo(Reason.CONFLICT);
    }

    @Test
    void deleteReturnsTheLastValueStampedWithTheRevisionOfTheDelete() {
        Entry created = store.create("/k", json("1"));
        Entry updated = store.update("/k", json("2"), created.modRevision());

        Entry deleted = store.delete("/k", updated.modRevision());

        assertThat(text(deleted)).isEqualTo("{\"v\":\"2\"}");
        assertThat(deleted.createRevision()).isEqualTo(created.createRevision());
        assertThat(deleted.modRevision()).isGreaterThan(updated.modRevision()).isEqualTo(store.currentRevision());
        assertThat(store.get("/k")).isEmpty();
    }

    @Test
    void deleteAtRevisionZeroIsUnconditional() {
        Entry created = store.create("/k", json("1"));
        store.update("/k", json("2"), created.modRevision());

        assertThat(text(store.delete("/k", 0))).isEqualTo("{\"v\":\"2\"}");
        assertThat(store.get("/k")).isEmpty();
    }

    @Test
    void deleteAtAStaleRevisionFailsWithConflictAndKeepsTheEntry() {
        Entry created = store.create("/k", json("1"));
        store.update("/k", json("2"), created.modRevision());

        assertThat(reasonOf(() -> store.delete("/k", created.modRevision()))).isEqualTo(Reason.CONFLICT);
        assertThat(text(store.get("/k").orElseThrow())).isEqualTo("{\"v\":\"2\"}");
    }

    @Test
    void deleteOfAMissingKeyFailsWithNotFound() {
        assertThat(reasonOf(() -> store.delete("/none", 0))).isEqualTo(Reason.NOT_FOUND);
        store.create("/gone", json("x"));
        store.delete("/gone", 0);
        assertThat(reasonOf(() -> store.delete("/gone", 0))).isEqualTo(Reason.NOT_FOUND);
    }

    @Test
    void aDeletedKeyCanBeCreatedAgainWithAFreshCreateRevision() {
        Entry first = store.create("/k", json("1"));
        store.delete("/k", 0);
        Entry again = store.create("/k", json("again"));

        assertThat(again.createRevision()).isGreaterThan(first.createRevision());
        assertThat(text(store.get("/k").orElseThrow())).isEqualTo("{\"v\":\"again\"}");
    }

    @Test
    void theStoredValueDoesNotChangeWhenTheCallerReusesItsArray() {
        byte[] value = json("a");
        store.create("/k", value);
        value[0] = 'X';

        assertThat(text(store.get("/k").orElseThrow())).isEqualTo("{\"v\":\"a\"}");
    }

    // ---- revisions ----

    @Test
    void everyWriteTakesANewRevisionStrictlyGreaterThanAllBeforeItAcrossKeys() {
        List<Long> revisions = new ArrayList<>();
        revisions.add(store.currentRevision());
        Entry a = store.create("/a", json("a"));
        revisions.add(a.modRevision());
        revisions.add(store.create("/b", json("b")).modRevision());
        revisions.add(store.update("/a", json("a2"), a.modRevision()).modRevision());
        revisions.add(store.delete("/b", 0).modRevision());
        revisions.add(store.create("/c", json("c")).modRevision());

        for (int i = 1; i < revisions.size(); i++) {
            assertThat(revisions.get(i)).as("revision %d", i).isGreaterThan(revisions.get(i - 1));
        }
        assertThat(store.currentRevision()).isEqualTo(revisions.get(revisions.size() - 1));
    }

    @Test
    void refusedWritesDoNotAdvanceTheRevision() {
        Entry a = store.create("/a", json("a"));
        long revision = store.currentRevision();

        reasonOf(() -> store.create("/a", json("again")));
        reasonOf(() -> store.update("/a", json("stale"), a.modRevision() - 1));
        reasonOf(() -> store.update("/none", json("x"), 1));
        reasonOf(() -> store.delete("/none", 0));

        assertThat(store.currentRevision()).isEqualTo(revision);
    }

    /**
     * The freshness protocol caches rely on: a revision learnt after a write was acknowledged,
     * on any thread, is at least that write's, so waiting for it shows the write.
     */
    @Test
    void currentRevisionIsNeverBehindAWriteAcknowledgedBeforeTheCall() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int writer = t;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        long written = store.create("/fresh/" + writer + "/" + i, json("x")).modRevision();
                        assertThat(store.currentRevision()).isGreaterThanOrEqualTo(written);
                    }
                    return null;
                }));
            }
            for (Future<?> f : writers) f.get(100, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        long learnt = store.currentRevision();
        assertThat(store.list("/fresh/", learnt, 0, null).entries()).hasSize(100);
    }

    // ---- list ----

    @Test
    void listReturnsOnlyKeysUnderThePrefixInKeyOrderAtTheCurrentRevision() {
        for (String k : List.of("/r/pods/b", "/r/pods/a", "/r/podsx/c", "/r/pod/d", "/r/pods/c/x", "/s/pods/a")) {
            store.create(k, json(k));
        }

        Page page = store.list("/r/pods/", 0, 0, null);

        assertThat(keys(page)).containsExactly("/r/pods/a", "/r/pods/b", "/r/pods/c/x");
        assertThat(page.revision()).isEqualTo(store.currentRevision());
        assertThat(page.continueAfter()).isNull();
        assertThat(text(page.entries().get(0))).isEqualTo("{\"v\":\"/r/pods/a\"}");
    }

    @Test
    void listMatchesThePrefixExactlyEvenWithWildcardCharacters() {
        for (String k : List.of("/a_b/1", "/aXb/2", "/a%b/3", "/a%bc/4", "/a\\b/5", "/a/é/6", "/a/e/7")) {
            store.create(k, json(k));
        }

        assertThat(keys(store.list("/a_b/", 0, 0, null))).containsExactly("/a_b/1");
        assertThat(keys(store.list("/a%b", 0, 0, null))).containsExactly("/a%b/3", "/a%bc/4");
        assertThat(keys(store.list("/a\\", 0, 0, null))).containsExactly("/a\\b/5");
        assertThat(keys(store.list("/a/é", 0, 0, null))).containsExactly("/a/é/6");
        assertThat(keys(store.list("", 0, 0, null))).hasSize(7);
    }

    @Test
    void listWithALimitPagesThroughAllKeysAtTheFirstPagesRevisionWhileWritesHappen() {
        for (int i = 0; i < 10; i++) store.create("/p/%02d".formatted(i), json("v" + i));
        store.create("/q/outside", json("x"));

        Page first = store.list("/p/", 0, 4, null);
        assertThat(keys(first)).containsExactly("/p/00", "/p/01", "/p/02", "/p/03");
        assertThat(first.continueAfter()).isEqualTo("/p/03");
        long at = first.revision();

        // writes after the first page must not show in the later pages
        store.delete("/p/05", 0);
        store.create("/p/055", json("new"));
        Entry seven = store.get("/p/07").orElseThrow();
        store.update("/p/07", json("changed"), seven.modRevision());
        store.create("/p/99", json("new"));

        Page second = store.list("/p/", at, 4, first.continueAfter());
        assertThat(keys(second)).containsExactly("/p/04", "/p/05", "/p/06", "/p/07");
        assertThat(second.revision()).isEqualTo(at);
        assertThat(text(second.entries().get(3))).isEqualTo("{\"v\":\"v7\"}");
        assertThat(second.entries().get(3).modRevision()).isEqualTo(seven.modRevision());

        Page third = store.list("/p/", at, 4, second.continueAfter());
        assertThat(keys(third)).containsExactly("/p/08", "/p/09");
        assertThat(third.continueAfter()).isNull();

        Page now = store.list("/p/", 0, 0, null);
        assertThat(keys(now)).contains("/p/055", "/p/99").doesNotContain("/p/05");
    }

    @Test
    void aPageExactlyAtTheLimitWithNothingAfterItHasNoContinuation() {
        store.create("/p/a", json("a"));
        store.create("/p/b", json("b"));

        Page page = store.list("/p/", 0, 2, null);

        assertThat(keys(page)).containsExactly("/p/a", "/p/b");
        assertThat(page.continueAfter()).isNull();
    }

    @Test
    void listAtAnOldRevisionShowsEachKeyAsItWasThen() {
        Entry a = store.create("/x/a", json("a1"));
        Entry b = store.create("/x/b", json("b1"));
        long then = store.currentRevision();
        store.update("/x/a", json("a2"), a.modRevision());
        store.delete("/x/b", b.modRevision());
        store.create("/x/c", json("c1"));

        Page old = store.list("/x/", then, 0, null);

        assertThat(keys(old)).containsExactly("/x/a", "/x/b");
        assertThat(text(old.entries().get(0))).isEqualTo("{\"v\":\"a1\"}");
        assertThat(old.entries().get(0).modRevision()).isEqualTo(a.modRevision());
        assertThat(old.entries().get(1).createRevision()).isEqualTo(b.createRevision());
        assertThat(old.revision()).isEqualTo(then);

        Page beforeB = store.list("/x/", a.modRevision(), 0, null);
        assertThat(keys(beforeB)).containsExactly("/x/a");

        Page now = store.list("/x/", 0, 0, null);
        assertThat(keys(now)).containsExactly("/x/a", "/x/c");
        assertThat(text(now.entries().get(0))).isEqualTo("{\"v\":\"a2\"}");
    }

    @Test
    void listAtAnOldRevisionSkipsKeysDeletedThenAndShowsKeysCreatedAgainLater() {
        store.create("/y/a", json("1"));
        store.delete("/y/a", 0);
        long deletedAt = store.currentRevision();
        store.create("/y/a", json("2"));

        assertThat(keys(store.list("/y/", deletedAt, 0, null))).isEmpty();
        assertThat(text(store.list("/y/", 0, 0, null).entries().get(0))).isEqualTo("{\"v\":\"2\"}");
    }

    @Test
    void listAndCompactionAtARevisionNotYetWrittenAreRefused() {
        store.create("/a", json("a"));
        long future = store.currentRevision() + 10;

        assertThatThrownBy(() -> store.list("/", future, 0, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.compact(future)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.compactedRevision()).isLessThan(future);
    }

    // ---- compaction ----

    @Test
    void afterCompactionListBeforeTheCompactedRevisionFailsWithCompactedButAtItStillWorks() {
        Entry a = store.create("/c/a", json("a1"));
        long early = store.currentRevision();
        Entry a2 = store.update("/c/a", json("a2"), a.modRevision());
        store.create("/c/b", json("b1"));
        Entry deleted = store.create("/c/d", json("d1"));
        store.delete("/c/d", deleted.modRevision());
        long compactAt = store.currentRevision();
        Entry b2 = store.update("/c/b", json("b2"), store.get("/c/b").orElseThrow().modRevision());

        store.compact(compactAt);

        assertThat(store.compactedRevision()).isEqualTo(compactAt);
        assertThat(reasonOf(() -> store.list("/c/", early, 0, null))).isEqualTo(Reason.COMPACTED);
        Page atCompaction = store.list("/c/", compactAt, 0, null);
        assertThat(keys(atCompaction)).containsExactly("/c/a", "/c/b");
        assertThat(text(atCompaction.entries().get(0))).isEqualTo("{\"v\":\"a2\"}");
        assertThat(atCompaction.entries().get(0).modRevision()).isEqualTo(a2.modRevision());
        assertThat(text(atCompaction.entries().get(1))).isEqualTo("{\"v\":\"b1\"}");
        Page now = store.list("/c/", 0, 0, null);
        assertThat(keys(now)).containsExactly("/c/a", "/c/b");
        assertThat(now.entries().get(1).modRevision()).isEqualTo(b2.modRevision());
        assertThat(store.get("/c/a").orElseThrow().createRevision()).isEqualTo(a.createRevision());
    }

    @Test
    void compactingAnOlderRevisionThanAlreadyCompactedKeepsTheCompactedRevision() {
        store.create("/a", json("1"));
        store.create("/b", json("2"));
        long revision = store.currentRevision();
        store.compact(revision);
        store.compact(revision - 1);

        assertThat(store.compactedRevision()).isEqualTo(revision);
    }

    @Test
    void aPagedListAtACompactedRevisionFailsWithCompacted() {
        for (int i = 0; i < 4; i++) store.create("/p/" + i, json("v"));
        Page first = store.list("/p/", 0, 2, null);
        Entry zero = store.get("/p/0").orElseThrow();
        store.update("/p/0", json("w"), zero.modRevision());
        store.compact(store.currentRevision());

        assertThat(reasonOf(() -> store.list("/p/", first.revision(), 2, first.continueAfter()))).isEqualTo(Reason.COMPACTED);
    }

    @Test
    void watchFromBeforeTheCompactedRevisionFailsWithCompacted() throws Exception {
        Entry a = store.create("/w/a", json("1"));
        store.update("/w/a", json("2"), a.modRevision());
        store.compact(store.currentRevision());

        StoreException e = catchThrowableOfType(StoreException.class, () -> {
            try (Watch w = store.watch("/w/", a.modRevision() - 1)) {
                w.poll(WAIT);
            }
        });
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(Reason.COMPACTED);
    }

    @Test
    void watchFromTheCompactedRevisionReplaysEverythingAfterIt() throws Exception {
        Entry a = store.create("/w/a", json("1"));
        store.compact(a.modRevision());
        Entry b = store.create("/w/b", json("2"));

        try (Watch w = store.watch("/w/", a.modRevision())) {
            assertThat(next(w).entry().key()).isEqualTo("/w/b");
            assertThat(w.poll(Duration.ofMillis(100))).isNull();
        }
        assertThat(b.modRevision()).isGreaterThan(a.modRevision());
    }

    // ---- watch ----

    @Test
    void watchReplaysHistoryThenDeliversLiveEventsWithoutGapOrDuplicate() throws Exception {
        Entry a = store.create("/w/a", json("a1"));
        long start = a.modRevision();
        Entry a2 = store.update("/w/a", json("a2"), a.modRevision());
        store.create("/w/b", json("b1"));
        store.delete("/w/a", a2.modRevision());

        try (Watch w = store.watch("/w/", start)) {
            Entry c = store.create("/w/c", json("c1"));
            store.update("/w/c", json("c2"), c.modRevision());

            List<Event> events = new ArrayList<>();
            for (int i = 0; i < 5; i++) events.add(next(w));

            assertThat(events).extracting(e -> e.type() + " " + e.entry().key() + " " + text(e.entry()))
                    .containsExactly(
                            "PUT /w/a {\"v\":\"a2\"}",
                            "PUT /w/b {\"v\":\"b1\"}",
                            "DELETE /w/a {\"v\":\"a2\"}",
                            "PUT /w/c {\"v\":\"c1\"}",
                            "PUT /w/c {\"v\":\"c2\"}");
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).revision()).isEqualTo(start + 1 + i);
            }
            assertThat(events.get(2).entry().createRevision()).isEqualTo(a.createRevision());
            assertThat(w.poll(Duration.ofMillis(200))).isNull();
        }
    }

    @Test
    void watchFromTheCurrentRevisionSeesOnlyLaterEvents() throws Exception {
        store.create("/w/old", json("old"));

        try (Watch w = store.watch("/w/", store.currentRevision())) {
            assertThat(w.poll(Duration.ofMillis(100))).isNull();
            Entry created = store.create("/w/new", json("new"));
            Event e = next(w);
            assertThat(e.type()).isEqualTo(Event.Type.PUT);
            assertThat(e.entry().key()).isEqualTo("/w/new");
            assertThat(e.revision()).isEqualTo(created.modRevision());
        }
    }

    @Test
    void watchFromARevisionNotYetWrittenDeliversOnlyEventsAfterIt() throws Exception {
        long after = store.currentRevision() + 2;

        try (Watch w = store.watch("/w/", after)) {
            for (int i = 1; i <= 4; i++) store.create("/w/" + i, json("v"));

            assertThat(next(w).revision()).isEqualTo(after + 1);
            assertThat(next(w).revision()).isEqualTo(after + 2);
            assertThat(w.poll(Duration.ofMillis(200))).isNull();
        }
    }

    @Test
    void watchDeliversOnlyEventsUnderItsPrefix() throws Exception {
        try (Watch w = store.watch("/r/pods/", store.currentRevision())) {
            store.create("/r/podsx/a", json("no"));
            store.create("/r/pod/a", json("no"));
            store.create("/r/pods/a", json("yes"));
            store.create("/s/r/pods/a", json("no"));
            store.create("/r/pods/b/c", json("yes"));

            assertThat(next(w).entry().key()).isEqualTo("/r/pods/a");
            assertThat(next(w).entry().key()).isEqualTo("/r/pods/b/c");
            assertThat(w.poll(Duration.ofMillis(200))).isNull();
        }
    }

    @Test
    void watchReplayFiltersHistoryByPrefixToo() throws Exception {
        long start = store.currentRevision();
        store.create("/r/podsx/a", json("no"));
        store.create("/r/pods/a", json("yes"));

        try (Watch w = store.watch("/r/pods/", start)) {
            assertThat(next(w).entry().key()).isEqualTo("/r/pods/a");
            assertThat(w.poll(Duration.ofMillis(200))).isNull();
        }
    }

    @Test
    void aClosedWatchDeliversNothingMore() throws Exception {
        Watch w = store.watch("/w/", store.currentRevision());
        w.close();
        store.create("/w/a", json("a"));

        assertThat(w.poll(Duration.ofMillis(100))).isNull();
    }

    @Test
    void aWatchReplayingALongHistoryDeliversEveryEventOnceInRevisionOrder() throws Exception {
        long start = store.currentRevision();
        int threads = 16;
        int perThread = 160;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                writes.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) store.create("/h/" + id + "/" + i, json("v"));
                }));
            }
            for (Future<?> f : writes) f.get(100, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        try (Watch w = store.watch("/h/", start)) {
            List<String> keys = new ArrayList<>();
            for (long revision = start + 1; revision <= start + threads * perThread; revision++) {
                Event e = next(w);
                assertThat(e.revision()).isEqualTo(revision);
                keys.add(e.entry().key());
            }
            assertThat(keys).doesNotHaveDuplicates();
            assertThat(w.poll(Duration.ofMillis(100))).isNull();
        }
    }

    // ---- concurrency ----

    @Test
    void concurrentReadModifyUpdatesWithRetryOnConflictLoseNoUpdate() throws Exception {
        int threads = 16;
        int incrementsPerThread = 25;
        List<String> counters = List.of("/counters/a", "/counters/b", "/counters/c");
        for (String c : counters) store.create(c, json("0"));

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> conflicts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                conflicts.add(pool.submit(() -> {
                    int retries = 0;
                    for (int i = 0; i < incrementsPerThread; i++) {
                        String key = counters.get((seed + i) % counters.size());
                        while (true) {
                            Entry e = store.get(key).orElseThrow();
                            int value = Integer.parseInt(text(e).replaceAll("\\D", ""));
                            try {
                                store.update(key, json(Integer.toString(value + 1)), e.modRevision());
                                break;
                            } catch (StoreException conflict) {
                                assertThat(conflict.reason()).isEqualTo(Reason.CONFLICT);
                                retries++;
                            }
                        }
                    }
                    return retries;
                }));
            }
            for (Future<Integer> f : conflicts) f.get(100, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        int total = 0;
        for (String c : counters) total += Integer.parseInt(text(store.get(c).orElseThrow()).replaceAll("\\D", ""));
        assertThat(total).isEqualTo(threads * incrementsPerThread);
    }

    @Test
    void aWatchSeesEveryEventOfConcurrentWritersInRevisionOrder() throws Exception {
        int threads = 8;
        int perThread = 40;
        long start = store.currentRevision();
        try (Watch w = store.watch("/cw/", start)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<List<Long>>> written = new ArrayList<>();
            try {
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    written.add(pool.submit(() -> {
                        List<Long> revisions = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            String key = "/cw/" + id + "/" + i;
                            Entry e = store.create(key, json("1"));
                            revisions.add(e.modRevision());
                            if (i % 3 == 0) revisions.add(store.delete(key, e.modRevision()).modRevision());
                            store.create("/other/" + id + "/" + i, json("noise"));
                        }
                        return revisions;
                    }));
                }
                List<Long> all = new ArrayList<>();
                for (Future<List<Long>> f : written) all.addAll(f.get(100, TimeUnit.SECONDS));
                all.sort(null);

                List<Long> seen = new ArrayList<>();
                Map<String, Event.Type> last = new TreeMap<>();
                for (int i = 0; i < all.size(); i++) {
                    Event e = next(w);
                    seen.add(e.revision());
                    last.put(e.entry().key(), e.type());
                }
                assertThat(seen).containsExactlyElementsOf(all);
                assertThat(w.poll(Duration.ofMillis(200))).isNull();
                assertThat(last.values().stream().filter(t -> t == Event.Type.DELETE).count())
                        .isEqualTo((long) threads * ((perThread + 2) / 3));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aWatchStartedWhileWritesAreInFlightHasNoGapOrDuplicateAtTheSeam() throws Exception {
        int n = 600;
        long base = store.currentRevision();   // a fresh etcd starts at revision 1, SQLite at 0
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> writes = pool.submit(() -> {
                for (int i = 0; i < n; i++) store.create("/seam/" + i, json("v"));
            });
            while (store.currentRevision() < base + 100) Thread.onSpinWait();
            try (Watch w = store.watch("/seam/", base + 50)) {
                writes.get(100, TimeUnit.SECONDS);
                long expected = base + 51;
                while (expected <= base + n) {
                    assertThat(next(w).revision()).isEqualTo(expected);
                    expected++;
                }
                assertThat(w.poll(Duration.ofMillis(100))).isNull();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- lifecycle ----

    @Test
    void reopeningKeepsDataRevisionAndCompactedRevision() {
        Entry a = store.create("/a", json("a"));
        store.create("/b", json("b"));
        store.compact(a.modRevision());
        Entry deleted = store.delete("/b", 0);
        long revision = store.currentRevision();
        assertThat(revision).isEqualTo(deleted.modRevision());
        store.close();

        store = newStore(dir);

        assertThat(store.currentRevision()).isEqualTo(revision);
        assertThat(store.compactedRevision()).isEqualTo(a.modRevision());
        assertThat(text(store.get("/a").orElseThrow())).isEqualTo("{\"v\":\"a\"}");
        assertThat(store.get("/b")).isEmpty();
        // the last write was a delete: its revision is still never reused
        assertThat(store.create("/c", json("c")).modRevision()).isGreaterThan(revision);
    }

    @Test
    void aClosedStoreRefusesEveryCall() {
        store.create("/a", json("a"));
        store.close();

        assertThatThrownBy(() -> store.get("/a")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.create("/b", json("b"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.list("/", 0, 0, null)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.watch("/", 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.currentRevision()).isInstanceOf(IllegalStateException.class);
        store.close();   // twice is harmless
    }
}
