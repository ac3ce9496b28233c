package io.portcullis.server;

import io.portcullis.api.Json;
import io.portcullis.authz.AccessRecorder;
import io.portcullis.storage.Store;
import io.portcullis.storage.StoreException;
import io.portcullis.storage.cache.WatchCache;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The access records of every replica on one etcd, so that a least-privilege answer covers the
 * requests each replica served. Each replica writes its own records, never another's: one key
 * per subject, {@code <tree>/subjects/<subject>/<recorder id>}, rewritten when the subject was
 * seen again, and one key of its own, {@code <tree>/recorders/<recorder id>}, that says when it
 * last wrote and which subject keys it holds. {@link #flush} runs on a timer, off the request
 * path; an answer reads the subject's keys of the other replicas and adds this replica's records
 * from memory, so nothing is counted twice.
 *
 * <p>Bounded: a replica holds at most its recorder's subjects (a subject it evicts loses its key),
 * and the keys of a replica that has not written for {@code retention} are removed by the others
 * (a replica that comes back, or finds its keys removed, writes its records again). The tree is left
 * out of the watch cache ({@link WatchCache#UNCACHED}): it is read from the store, by a review.
 */
final class SharedAccessRecords implements AccessRecorder.Source {
    private static final Logger LOG = LoggerFactory.getLogger(SharedAccessRecords.class);
    static final String TREE = WatchCache.UNCACHED + "accessrecords/";
    private static final String SUBJECTS = TREE + "subjects/";
    private static final String RECORDERS = TREE + "recorders/";

    private final Store store;
    private final AccessRecorder recorder;
    private final Duration retention;
    private final Clock clock;
    /** The subject keys this replica wrote; touched by the flushing thread only. */
    private final Set<String> written = new HashSet<>();
    private boolean started;

    SharedAccessRecords(Store store, AccessRecorder recorder, Duration retention, Clock clock) {
        this.store = store;
        this.recorder = recorder;
        this.retention = retention;
        this.clock = clock;
    }

    /** The subject's records: this replica's from memory, with every other replica's from the store. */
    @Override
    public AccessRecorder forSubject(String subject) {
        AccessRecorder merged = new AccessRecorder(1, Integer.MAX_VALUE, clock);
        ObjectNode mine = recorder.subjectJson(subject);
        if (mine != null) merged.merge(mine);
        String own = subjectKey(subject, recorder.id());
        for (Store.Entry e : all(SUBJECTS + encode(subject) + "/")) {
            if (e.key().equals(own)) continue;
            try {
                merged.merge(Json.tree(e.json()));
            } catch (RuntimeException ex) {
                LOG.warn("access records at {} cannot be read: {}", e.key(), ex.getMessage());
            }
        }
        return merged;
    }

    /**
     * Writes the subjects seen since the last flush, removes the keys of subjects this replica no
     * longer holds, says it is alive, and removes the keys of replicas that have not said so for
     * the retention. Failures are logged: the next flush tries again.
     */
    synchronized void flush() {
        try {
            Set<String> subjects = new java.util.LinkedHashSet<>(recorder.takeChanged());
            Optional<Store.Entry> alive = store.get(RECORDERS + recorder.id());
            if (!started) {
                // the keys written before a restart (or a crash) are still this replica's to replace or remove
                alive.ifPresent(e -> Json.tree(e.json()).path("keys").forEach(k -> written.add(k.asString(""))));
                started = true;
            }
            if (alive.isEmpty()) {
                // new, or silent long enough for the others to have removed its keys: write everything
                written.clear();
                subjects.addAll(recorder.subjects());
            }
            for (String subject : subjects) {
                ObjectNode json = recorder.subjectJson(subject);
                if (json == null) continue;
                String key = subjectKey(subject, recorder.id());
                put(key, Json.bytes(json));
                written.add(key);
            }
            Set<String> held = new HashSet<>();
            for (String subject : recorder.subjects()) held.add(subjectKey(subject, recorder.id()));
            for (String key : new ArrayList<>(written)) {
                if (held.contains(key)) continue;
                delete(key);
                written.remove(key);
            }
            ObjectNode heartbeat = Json.object();
            heartbeat.put("savedAt", clock.millis());
            ArrayNode keys = heartbeat.putArray("keys");
            written.stream().sorted().forEach(keys::add);
            put(RECORDERS + recorder.id(), Json.bytes(heartbeat));
            removeStale();
        } catch (RuntimeException e) {
            LOG.warn("sharing the access records: {}", e.getMessage());
        }
    }

    private void removeStale() {
        long before = clock.millis() - retention.toMillis();
        for (Store.Entry e : all(RECORDERS)) {
            JsonNode other = Json.tree(e.json());
            if (e.key().equals(RECORDERS + recorder.id()) || other.path("savedAt").asLong(0) >= before) continue;
            for (JsonNode key : other.path("keys")) {
                String k = key.asString("");
                if (k.startsWith(SUBJECTS)) delete(k);
            }
            LOG.info("removed the access records of {}, silent since {}", e.key().substring(RECORDERS.length()),
                    java.time.Instant.ofEpochMilli(other.path("savedAt").asLong(0)));
            delete(e.key());
        }
    }

    private List<Store.Entry> all(String prefix) {
        List<Store.Entry> out = new ArrayList<>();
        String after = null;
        long at = 0;
        do {
            Store.Page page = store.list(prefix, at, 500, after);
            at = page.revision();
            for (Store.Entry e : page.entries()) {
                if (e.unreadable() == null) out.add(e);
                else LOG.warn("access records at {} cannot be read: {}", e.key(), e.unreadable());
            }
            after = page.continueAfter();
        } while (after != null);
        return out;
    }

    /** Create or replace: only this replica writes its keys, so a conflict is another replica's sweep; try once more. */
    private void put(String key, byte[] json) {
        for (int attempt = 0; ; attempt++) {
            try {
                Optional<Store.Entry> current = store.get(key);
                if (current.isEmpty()) store.create(key, json);
                else store.update(key, json, current.get().modRevision());
                return;
            } catch (StoreException e) {
                boolean raced = e.reason() == StoreException.Reason.ALREADY_EXISTS || e.reason() == StoreException.Reason.CONFLICT
                        || e.reason() == StoreException.Reason.NOT_FOUND;
                if (!raced || attempt > 0) throw e;
            }
        }
    }

    private void delete(String key) {
        Optional<Store.Entry> current = store.get(key);
        if (current.isEmpty()) return;
        try {
            store.delete(key, current.get().modRevision());
        } catch (StoreException e) {
            if (e.reason() != StoreException.Reason.NOT_FOUND && e.reason() != StoreException.Reason.CONFLICT) throw e;
        }
    }

    static String subjectKey(String subject, String recorderId) {
        return SUBJECTS + encode(subject) + "/" + recorderId;
    }

    /** A subject name as one key segment: user names may hold '/' and anything else. */
    private static String encode(String subject) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(subject.getBytes(StandardCharsets.UTF_8));
    }
}
