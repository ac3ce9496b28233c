package io.portcullis.storage.sqlite;

import io.portcullis.pki.SecureFiles;
import io.portcullis.storage.Store;
import io.portcullis.storage.StoreException;
import io.portcullis.storage.StoreException.Reason;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.sqlite.SQLiteConfig;

/**
 * A {@link Store} in one SQLite file, in the manner of k3s' kine: an append-only log of
 * revisions for history, reads at a past revision and watch replay, beside a table of the current
 * state for fast current reads.
 *
 * <p>Every write goes through one writer thread that takes all queued operations, applies them in
 * one transaction and commits once, with the write-ahead log synced ({@code synchronous=FULL}),
 * before any caller returns; an operation refused for its own reason fails alone. Reads run on a
 * small pool of separate connections and never wait for the writer. Committed events are handed
 * to watchers by the writer after each commit.
 */
public final class SqliteStore implements Store {

    /** A watcher this many events behind is closed with an error; it watches again from its last revision. */
    public static final int WATCH_QUEUE_BOUND = 100_000;
    private static final int READERS = 4;
    private static final int MAX_BATCH = 1_000;
    private static final int REPLAY_PAGE = 1_000;
    private static final byte[] NO_UPPER_BOUND = {(byte) 0xFF};   // UTF-8 never holds 0xFF
    private static final byte[] NO_LOWER_BOUND = {};

    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS log (
                revision INTEGER PRIMARY KEY,
                key BLOB NOT NULL,
                value BLOB NOT NULL,
                create_revision INTEGER NOT NULL,
                prev_revision INTEGER NOT NULL,
                deleted INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
            CREATE TABLE IF NOT EXISTS current (
                key BLOB PRIMARY KEY,
                value BLOB NOT NULL,
                create_revision INTEGER NOT NULL,
                mod_revision INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS meta (
                name TEXT PRIMARY KEY,
                value INTEGER NOT NULL) WITHOUT ROWID;
            INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
            """;

    private static final Set<Path> OPEN_IN_THIS_PROCESS = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock fileLock;
    private final Writer writer;
    private final BlockingQueue<Reader> readers = new ArrayBlockingQueue<>(READERS);
    private final BlockingQueue<Op> pending = new LinkedBlockingQueue<>();
    private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();
    private final Thread writerThread;
    private final int watchQueueBound;
    private final Object publishLock = new Object();
    private final Set<SqliteWatch> watches = new LinkedHashSet<>();
    private volatile boolean closed;
    private volatile long committedRevision;
    private volatile long compactedRevision;

    private SqliteStore(Path file, FileChannel lockChannel, FileLock fileLock, Writer writer,
                        long revision, long compacted, int watchQueueBound) {
        this.file = file;
        this.watchQueueBound = watchQueueBound;
        this.lockChannel = lockChannel;
        this.fileLock = fileLock;
        this.writer = writer;
        this.committedRevision = revision;
        this.compactedRevision = compacted;
        this.writerThread = new Thread(this::runWriter, "sqlite-store-writer " + file.getFileName());
        this.writerThread.setDaemon(true);
    }

    /**
     * Opens the store in the file, creating it (mode 0600) and its parent directories (0700) when
     * absent. One process at a time may hold a store open: a second open of the same file fails.
     */
    public static SqliteStore open(Path file) {
        return open(file, WATCH_QUEUE_BOUND);
    }

    static SqliteStore open(Path file, int watchQueueBound) {
        if (watchQueueBound < 1) throw new IllegalArgumentException("watch queue bound must be positive: " + watchQueueBound);
        Path absolute = file.toAbsolutePath().normalize();
        // checked before touching the lock file: closing a second channel on it would drop this process's lock
        if (!OPEN_IN_THIS_PROCESS.add(absolute)) throw new IllegalStateException("sqlite store " + absolute + " is already open");
        FileChannel lockChannel = null;
        Writer writer = null;
        List<Reader> opened = new ArrayList<>();
        try {
            if (absolute.getParent() != null) SecureFiles.createPrivateDirectory(absolute.getParent());
            // the store holds every Secret: its files are the owner's alone, whatever the umask;
            // SQLite gives the -wal, -shm and -journal files it makes the database file's mode
            SecureFiles.createPrivateFile(absolute);
            Path lockFile = Path.of(absolute + ".lock");
            SecureFiles.createPrivateFile(lockFile);
            lockChannel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
            FileLock lock = lockChannel.tryLock();
            if (lock == null) throw new IllegalStateException("sqlite store " + absolute + " is open in another process");
            writer = new Writer(connect(absolute, true));
            long revision = writer.meta("revision");
            long compacted = writer.meta("compacted");
            writer.connection.commit();
            for (int i = 0; i < READERS; i++) opened.add(new Reader(connect(absolute, false)));
            SqliteStore store = new SqliteStore(absolute, lockChannel, lock, writer, revision, compacted, watchQueueBound);
            store.readers.addAll(opened);
            store.writerThread.start();
            return store;
        } catch (IOException | SQLException | RuntimeException e) {
            for (Reader r : opened) r.closeQuietly();
            if (writer != null) writer.closeQuietly();
            if (lockChannel != null) {
                try { lockChannel.close(); } catch (IOException ignored) { /* already failing */ }
            }
            OPEN_IN_THIS_PROCESS.remove(absolute);
            if (e instanceof IllegalStateException ise) throw ise;
            throw new IllegalStateException("cannot open sqlite store " + absolute + ": " + e.getMessage(), e);
        }
    }

    private static Connection connect(Path file, boolean writer) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // FULL: every commit syncs the write-ahead log, so an acknowledged write survives power loss
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(10_000);
        config.setTransactionMode(writer ? SQLiteConfig.TransactionMode.IMMEDIATE : SQLiteConfig.TransactionMode.DEFERRED);
        Connection c = config.createConnection("jdbc:sqlite:" + file);
        try {
            if (writer) {
                try (Statement s = c.createStatement()) {
                    for (String sql : SCHEMA.split(";")) {
                        if (!sql.isBlank()) s.executeUpdate(sql);
                    }
                }
            } else {
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA query_only = true");
                }
            }
            c.setAutoCommit(false);
            return c;
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    // ---- reads ----

    @Override
    public Optional<Entry> get(String key) {
        byte[] k = keyBytes(key);
        return read(r -> {
            PreparedStatement s = r.getCurrent;
            s.setBytes(1, k);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new Entry(key, rs.getBytes(1), rs.getLong(2), rs.getLong(3)));
            }
        });
    }

    @Override
    public Page list(String prefix, long atRevision, int limit, String continueAfter) {
        Objects.requireNonNull(prefix, "prefix");
        if (atRevision < 0) throw new IllegalArgumentException("revision must not be negative: " + atRevision);
        if (limit < 0) throw new IllegalArgumentException("limit must not be negative: " + limit);
        byte[] lower = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] upper = upperBound(lower);
        byte[] after = continueAfter == null ? NO_LOWER_BOUND : continueAfter.getBytes(StandardCharsets.UTF_8);
        return read(r -> {
            long revision = r.meta("revision");
            long compacted = r.meta("compacted");
            long at = atRevision == 0 ? revision : atRevision;
            if (at < compacted) {
                throw new StoreException(Reason.COMPACTED, prefix,
                        "revision " + at + " has been compacted; the oldest readable revision is " + compacted);
            }
            if (at > revision) {
                throw new IllegalArgumentException("revision " + at + " is newer than the current revision " + revision);
            }
            PreparedStatement s = at == revision ? r.listCurrent : r.listAt;
            s.setBytes(1, lower);
            s.setBytes(2, after);
            s.setBytes(3, upper);
            int param = 4;
            if (at != revision) s.setLong(param++, at);
            s.setLong(param, limit == 0 ? -1 : (long) limit + 1);
            List<Entry> entries = new ArrayList<>();
            boolean more = false;
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    if (limit != 0 && entries.size() == limit) {
                        more = true;
                        break;
                    }
                    entries.add(new Entry(new String(rs.getBytes(1), StandardCharsets.UTF_8),
                            rs.getBytes(2), rs.getLong(3), rs.getLong(4)));
                }
            }
            String next = more ? entries.get(entries.size() - 1).key() : null;
            return new Page(List.copyOf(entries), at, next);
        });
    }

    @Override
    public long currentRevision() {
        ensureOpen();
        return committedRevision;
    }

    /** Every write goes through this process, so the newest revision is a field. */
    @Override
    public boolean currentRevisionIsLocal() {
        return true;
    }

    @Override
    public long compactedRevision() {
        ensureOpen();
        return compactedRevision;
    }

    private interface ReadWork<T> {
        T run(Reader reader) throws SQLException;
    }

    private <T> T read(ReadWork<T> work) {
        ensureOpen();
        Reader r;
        try {
            r = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a read connection", e);
        }
        try {
            ensureOpen();
            try {
                return work.run(r);
            } finally {
                r.connection.rollback();   // ends the read transaction and its snapshot
            }
        } catch (SQLException e) {
            throw failure(e);
        } finally {
            readers.add(r);
        }
    }

    // ---- writes ----

    @Override
    public Entry create(String key, byte[] json) {
        byte[] k = keyBytes(key);
        byte[] value = json(json);
        return submit(new Op(w -> {
            if (w.current(k) != null) throw new StoreException(Reason.ALREADY_EXISTS, key, "key already exists");
            long revision = w.nextRevision();
            w.appendLog(revision, k, value, revision, 0, false);
            w.putCurrent(k, value, revision, revision);
            return new Event(Event.Type.PUT, new Entry(key, value, revision, revision));
        }));
    }

    @Override
    public Entry update(String key, byte[] json, long expectedRevision) {
        byte[] k = keyBytes(key);
        byte[] value = json(json);
        return submit(new Op(w -> {
            Entry old = w.current(k);
            if (old == null) throw new StoreException(Reason.NOT_FOUND, key, "key not found");
            if (old.modRevision() != expectedRevision) throw conflict(key, old, expectedRevision);
            long revision = w.nextRevision();
            w.appendLog(revision, k, value, old.createRevision(), old.modRevision(), false);
            w.putCurrent(k, value, old.createRevision(), revision);
            return new Event(Event.Type.PUT, new Entry(key, value, old.createRevision(), revision));
        }));
    }

    @Override
    public Entry delete(String key, long expectedRevision) {
        byte[] k = keyBytes(key);
        return submit(new Op(w -> {
            Entry old = w.current(k);
            if (old == null) throw new StoreException(Reason.NOT_FOUND, key, "key not found");
            if (expectedRevision != 0 && old.modRevision() != expectedRevision) throw conflict(key, old, expectedRevision);
            long revision = w.nextRevision();
            w.appendLog(revision, k, old.json(), old.createRevision(), old.modRevision(), true);
            w.deleteCurrent(k);
            return new Event(Event.Type.DELETE, new Entry(key, old.json(), old.createRevision(), revision));
        }));
    }

    @Override
    public void compact(long revision) {
        if (revision < 0) throw new IllegalArgumentException("revision must not be negative: " + revision);
        submit(new Op(w -> {
            if (revision > w.revision) {
                throw new IllegalArgumentException("revision " + revision + " is newer than the current revision " + w.revision);
            }
            if (revision > w.compacted) w.compact(revision);
            return null;
        }));
    }

    private static StoreException conflict(String key, Entry current, long expected) {
        return new StoreException(Reason.CONFLICT, key,
                "the entry was modified at revision " + current.modRevision() + ", expected revision " + expected);
    }

    private Entry submit(Op op) {
        closing.readLock().lock();
        try {
            ensureOpen();
            pending.add(op);
        } finally {
            closing.readLock().unlock();
        }
        try {
            Event event = op.result.join();
            return event == null ? null : event.entry();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                re.addSuppressed(new Exception("called from here"));
                throw re;
            }
            throw e;
        }
    }

    private void runWriter() {
        List<Op> batch = new ArrayList<>();
        while (true) {
            Op first;
            try {
                first = pending.take();
            } catch (InterruptedException e) {
                continue;   // only close() stops the writer, by the poison op
            }
            batch.add(first);
            pending.drainTo(batch, MAX_BATCH - 1);
            boolean stop = batch.remove(Op.POISON);
            if (!batch.isEmpty()) apply(batch);
            batch.clear();
            if (stop) return;
        }
    }

    private void apply(List<Op> batch) {
        List<Event> events = new ArrayList<>(batch.size());
        RuntimeException[] refusals = new RuntimeException[batch.size()];
        Event[] results = new Event[batch.size()];
        long revisionBefore = writer.revision;
        long compactedBefore = writer.compacted;
        try {
            for (int i = 0; i < batch.size(); i++) {
                try {
                    results[i] = batch.get(i).work.apply(writer);
                    if (results[i] != null) events.add(results[i]);
                } catch (StoreException | IllegalArgumentException e) {
                    refusals[i] = e;   // checked before anything is written: the op changed nothing
                }
            }
            writer.finishBatch(revisionBefore, compactedBefore);
            writer.connection.commit();
        } catch (SQLException | RuntimeException e) {
            writer.revision = revisionBefore;
            writer.compacted = compactedBefore;
            try {
                writer.connection.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            RuntimeException failure = e instanceof SQLException sql ? failure(sql) : (RuntimeException) e;
            for (Op op : batch) op.result.completeExceptionally(failure);
            return;
        }
        synchronized (publishLock) {
            compactedRevision = writer.compacted;
            committedRevision = writer.revision;
            if (!watches.isEmpty()) {
                for (Event event : events) {
                    for (var it = watches.iterator(); it.hasNext(); ) {
                        SqliteWatch w = it.next();
                        if (!w.offer(event)) it.remove();
                    }
                }
            }
        }
        for (int i = 0; i < batch.size(); i++) {
            if (refusals[i] != null) batch.get(i).result.completeExceptionally(refusals[i]);
            else batch.get(i).result.complete(results[i]);
        }
    }

    // ---- watch ----

    @Override
    public Watch watch(String prefix, long afterRevision) {
        Objects.requireNonNull(prefix, "prefix");
        if (afterRevision < 0) throw new IllegalArgumentException("revision must not be negative: " + afterRevision);
        ensureOpen();
        SqliteWatch watch;
        synchronized (publishLock) {
            if (afterRevision < compactedRevision) throw compacted(prefix, afterRevision, compactedRevision);
            // events up to liveFrom come from the log, later ones from the writer: no gap, no duplicate
            watch = new SqliteWatch(this, prefix, afterRevision, committedRevision, watchQueueBound);
            watches.add(watch);
        }
        return watch;
    }

    static StoreException compacted(String prefix, long after, long compacted) {
        return new StoreException(Reason.COMPACTED, prefix,
                "revision " + after + " has been compacted; the oldest watchable revision is " + compacted);
    }

    void unregister(SqliteWatch watch) {
        synchronized (publishLock) {
            watches.remove(watch);
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Log events under the prefix with revision in (after, upTo], oldest first; COMPACTED if some are gone. */
    List<Event> history(String prefix, long after, long upTo) {
        byte[] lower = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] upper = upperBound(lower);
        return read(r -> {
            long compacted = r.meta("compacted");
            if (after < compacted) throw compacted(prefix, after, compacted);
            PreparedStatement s = r.history;
            s.setLong(1, after);
            s.setLong(2, upTo);
            s.setBytes(3, lower);
            s.setBytes(4, upper);
            s.setInt(5, REPLAY_PAGE);
            List<Event> events = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Entry entry = new Entry(new String(rs.getBytes(2), StandardCharsets.UTF_8),
                            rs.getBytes(3), rs.getLong(4), rs.getLong(1));
                    events.add(new Event(rs.getInt(5) == 0 ? Event.Type.PUT : Event.Type.DELETE, entry));
                }
            }
            return events;
        });
    }

    // ---- lifecycle ----

    @Override
    public void close() {
        closing.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            pending.add(Op.POISON);
        } finally {
            closing.writeLock().unlock();
        }
        boolean interrupted = false;
        while (true) {
            try {
                writerThread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        List<SqliteWatch> open;
        synchronized (publishLock) {
            open = new ArrayList<>(watches);
            watches.clear();
        }
        for (SqliteWatch w : open) w.storeClosed();
        writer.closeQuietly();
        for (int i = 0; i < READERS; i++) {
            try {
                Reader r = readers.poll(30, TimeUnit.SECONDS);
                if (r != null) r.closeQuietly();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        try {
            fileLock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
        OPEN_IN_THIS_PROCESS.remove(file);
        if (interrupted) Thread.currentThread().interrupt();
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("sqlite store " + file + " is closed");
    }

    @Override
    public String toString() {
        return "SqliteStore[" + file + "]";
    }

    // ---- helpers ----

    private static byte[] keyBytes(String key) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("key must not be empty");
        return key.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] json(byte[] json) {
        if (json == null) throw new IllegalArgumentException("value must not be null");
        return json.clone();
    }

    /** The smallest byte string greater than every string starting with the prefix. */
    static byte[] upperBound(byte[] prefix) {
        int n = prefix.length;
        while (n > 0 && prefix[n - 1] == (byte) 0xFF) n--;
        if (n == 0) return NO_UPPER_BOUND;
        byte[] upper = Arrays.copyOf(prefix, n);
        upper[n - 1]++;
        return upper;
    }

    private static IllegalStateException failure(SQLException e) {
        return new IllegalStateException("sqlite store failed: " + e.getMessage(), e);
    }

    private interface Work {
        Event apply(Writer writer) throws SQLException;
    }

    private static final class Op {
        static final Op POISON = new Op(w -> null);
        final Work work;
        final CompletableFuture<Event> result = new CompletableFuture<>();

        Op(Work work) {
            this.work = work;
        }
    }

    /** The one write connection; used only by the writer thread. */
    private static final class Writer {
        final Connection connection;
        final PreparedStatement getCurrent;
        final PreparedStatement appendLog;
        final PreparedStatement putCurrent;
        final PreparedStatement deleteCurrent;
        final PreparedStatement setMeta;
        final PreparedStatement getMeta;
        final PreparedStatement compact;
        long revision;
        long compacted;

        Writer(Connection c) throws SQLException {
            this.connection = c;
            getCurrent = c.prepareStatement("SELECT value, create_revision, mod_revision FROM current WHERE key = ?");
            appendLog = c.prepareStatement("INSERT INTO log (revision, key, value, create_revision, prev_revision, deleted) VALUES (?, ?, ?, ?, ?, ?)");
            putCurrent = c.prepareStatement("INSERT OR REPLACE INTO current (key, value, create_revision, mod_revision) VALUES (?, ?, ?, ?)");
            deleteCurrent = c.prepareStatement("DELETE FROM current WHERE key = ?");
            setMeta = c.prepareStatement("UPDATE meta SET value = ? WHERE name = ?");
            getMeta = c.prepareStatement("SELECT value FROM meta WHERE name = ?");
            // keep, per key, the newest row at or before the revision unless it is a deletion
            compact = c.prepareStatement("""
                    DELETE FROM log WHERE revision <= ?1 AND (deleted = 1 OR revision <
                        (SELECT MAX(newer.revision) FROM log AS newer WHERE newer.key = log.key AND newer.revision <= ?1))""");
            revision = meta("revision");
            compacted = meta("compacted");
        }

        long meta(String name) throws SQLException {
            getMeta.setString(1, name);
            try (ResultSet rs = getMeta.executeQuery()) {
                if (!rs.next()) throw new SQLException("meta row " + name + " is missing");
                return rs.getLong(1);
            }
        }

        long nextRevision() {
            return ++revision;
        }

        Entry current(byte[] key) throws SQLException {
            getCurrent.setBytes(1, key);
            try (ResultSet rs = getCurrent.executeQuery()) {
                if (!rs.next()) return null;
                return new Entry(new String(key, StandardCharsets.UTF_8), rs.getBytes(1), rs.getLong(2), rs.getLong(3));
            }
        }

        void appendLog(long rev, byte[] key, byte[] value, long createRevision, long prevRevision, boolean deleted) throws SQLException {
            appendLog.setLong(1, rev);
            appendLog.setBytes(2, key);
            appendLog.setBytes(3, value);
            appendLog.setLong(4, createRevision);
            appendLog.setLong(5, prevRevision);
            appendLog.setInt(6, deleted ? 1 : 0);
            appendLog.executeUpdate();
        }

        void putCurrent(byte[] key, byte[] value, long createRevision, long modRevision) throws SQLException {
            putCurrent.setBytes(1, key);
            putCurrent.setBytes(2, value);
            putCurrent.setLong(3, createRevision);
            putCurrent.setLong(4, modRevision);
            putCurrent.executeUpdate();
        }

        void deleteCurrent(byte[] key) throws SQLException {
            deleteCurrent.setBytes(1, key);
            deleteCurrent.executeUpdate();
        }

        void compact(long rev) throws SQLException {
            compact.setLong(1, rev);
            compact.executeUpdate();
            compacted = rev;
        }

        void finishBatch(long revisionBefore, long compactedBefore) throws SQLException {
            if (revision != revisionBefore) setMeta("revision", revision);
            if (compacted != compactedBefore) setMeta("compacted", compacted);
        }

        private void setMeta(String name, long value) throws SQLException {
            setMeta.setLong(1, value);
            setMeta.setString(2, name);
            if (setMeta.executeUpdate() != 1) throw new SQLException("meta row " + name + " is missing");
        }

        void closeQuietly() {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing: nothing left to protect
            }
        }
    }

    /** One read connection with its statements; used by one thread at a time. */
    private static final class Reader {
        final Connection connection;
        final PreparedStatement getCurrent;
        final PreparedStatement getMeta;
        final PreparedStatement listCurrent;
        final PreparedStatement listAt;
        final PreparedStatement history;

        Reader(Connection c) throws SQLException {
            this.connection = c;
            getCurrent = c.prepareStatement("SELECT value, create_revision, mod_revision FROM current WHERE key = ?");
            getMeta = c.prepareStatement("SELECT value FROM meta WHERE name = ?");
            listCurrent = c.prepareStatement("""
                    SELECT key, value, create_revision, mod_revision FROM current
                    WHERE key >= ? AND key > ? AND key < ? ORDER BY key LIMIT ?""");
            // SQLite takes the bare columns from the row holding MAX(revision): each key as of the revision
            listAt = c.prepareStatement("""
                    SELECT key, value, create_revision, revision FROM (
                        SELECT key, value, create_revision, MAX(revision) AS revision, deleted FROM log
                        WHERE key >= ? AND key > ? AND key < ? AND revision <= ? GROUP BY key)
                    WHERE deleted = 0 ORDER BY key LIMIT ?""");
            history = c.prepareStatement("""
                    SELECT revision, key, value, create_revision, deleted FROM log
                    WHERE revision > ? AND revision <= ? AND key >= ? AND key < ? ORDER BY revision LIMIT ?""");
        }

        long meta(String name) throws SQLException {
            getMeta.setString(1, name);
            try (ResultSet rs = getMeta.executeQuery()) {
                if (!rs.next()) throw new SQLException("meta row " + name + " is missing");
                return rs.getLong(1);
            }
        }

        void closeQuietly() {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing: nothing left to protect
            }
        }
    }
}
