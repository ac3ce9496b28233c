package io.portcullis.storage;

import io.portcullis.api.Statuses;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * etcd's model and nothing more: keys to JSON values, one global revision that every write
 * advances and that becomes the object's resourceVersion.
 *
 * <p>Failures are {@link StoreException}s carrying a {@link StoreException.Reason}, or an
 * {@link io.portcullis.api.ApiException} when the store refused the request in words the client gets
 * as they are (etcd's "request is too large"); every other exception means the store could not be
 * reached or is broken.
 */
public interface Store extends AutoCloseable {

    /** The entry under the key at the current revision; empty when there is none. */
    Optional<Entry> get(String key);

    /**
     * Entries whose keys start with the prefix, in key order, as of {@code atRevision}
     * (0: the current revision). At most {@code limit} entries (0: no limit), starting after the
     * key {@code continueAfter} (null: from the start). The page's {@code continueAfter} is the
     * last key returned when more remain, else null. COMPACTED when {@code atRevision} is older
     * than the compacted revision.
     */
    Page list(String prefix, long atRevision, int limit, String continueAfter);

    /** Stores the value if the key is absent. ALREADY_EXISTS otherwise. */
    Entry create(String key, byte[] json);

    /** Replaces the value if the entry's modRevision is still {@code expectedRevision}. NOT_FOUND, CONFLICT. */
    Entry update(String key, byte[] json, long expectedRevision);

    /**
     * Removes the entry if its modRevision is still {@code expectedRevision} (0: unconditionally).
     * Returns the removed value, its modRevision set to the revision of the delete. NOT_FOUND, CONFLICT.
     */
    Entry delete(String key, long expectedRevision);

    /**
     * Every event on keys under the prefix with a revision greater than {@code afterRevision}, in
     * revision order, until closed. COMPACTED (thrown here or from {@link Watch#poll}) when
     * {@code afterRevision} is older than the compacted revision.
     */
    Watch watch(String prefix, long afterRevision);

    /** Drops history at or before the revision; later reads at or before it are COMPACTED. */
    void compact(long revision);

    /**
     * The newest revision written and acknowledged by anyone, read linearizably: a caller that
     * waits until its cache has seen this revision reads every write that finished before the
     * call. For a remote store this is a round trip, so callers learn it at most once per request
     * and never on an event loop; see {@link #currentRevisionIsLocal()}.
     */
    long currentRevision();

    /**
     * True when {@link #currentRevision()} is a memory read (a store inside this process), so a
     * caller may ask it on an event loop to serve a read inline; false for a remote store.
     */
    default boolean currentRevisionIsLocal() {
        return false;
    }

    /** The newest revision that has been compacted away (0 when none). */
    long compactedRevision();

    @Override
    void close();

    /**
     * A key's value. An entry whose stored bytes cannot be read back as JSON (a value encrypted with
     * a key the server no longer has) says why in {@code unreadable}, and its {@link #json()} throws
     * that as a 500: every use of this one value fails, and nothing else does. A {@code stale} entry
     * was read in a form writes no longer use (encrypted with an older key): an update stores it again
     * even when nothing in it changed, as upstream, so that rewriting an object moves it to the
     * current form.
     */
    record Entry(String key, byte[] json, long createRevision, long modRevision, String unreadable, boolean stale) {
        public Entry(String key, byte[] json, long createRevision, long modRevision) {
            this(key, json, createRevision, modRevision, null, false);
        }

        public static Entry unreadable(String key, long createRevision, long modRevision, String why) {
            return new Entry(key, null, createRevision, modRevision, why, false);
        }

        /** The JSON value; an InternalError ApiException saying why when the entry is unreadable. */
        @Override
        public byte[] json() {
            if (unreadable != null) throw Statuses.internal(unreadable);
            return json;
        }
    }

    record Page(List<Entry> entries, long revision, String continueAfter) {}

    /** A PUT carries the new value; a DELETE carries the last value, with the revision of the delete. */
    record Event(Type type, Entry entry) {
        public enum Type { PUT, DELETE }
        public long revision() { return entry.modRevision(); }
    }

    interface Watch extends AutoCloseable {
        /** The next event, waiting at most the timeout; null when none came. */
        Event poll(Duration timeout) throws InterruptedException;

        /**
         * The revision up to which {@link #poll} has returned every event under the prefix, as the
         * store last reported it: writes elsewhere (other prefixes, the store's own records) advance
         * the store's revision without an event here, and only such a report says that nothing
         * under the prefix happened up to it. 0 when the store sends no reports.
         */
        default long progress() {
            return 0;
        }

        /**
         * Asks the store for a progress report soon (etcd: a write of the store's own progress key, whose event follows every earlier one); it arrives while
         * {@link #poll} waits and shows in {@link #progress()} from then on. Does nothing
         * when the store sends no reports. Never blocks.
         */
        default void requestProgress() {}

        @Override
        void close();
    }
}
