package io.portcullis.storage.encryption;

import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import io.portcullis.storage.Store;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encryption at rest around any {@link Store}, as kube-apiserver's --encryption-provider-config: a
 * value is written by the first provider of its resource's rule, its stored form prefixed as
 * upstream's ({@code k8s:enc:aescbc:v1:key1:...}), and read by whichever provider it names. The
 * resource comes from the key ({@link StoredKey}); the key itself is the authenticated context, as
 * upstream's, so values are interchangeable with a kube-apiserver's under the same key layout.
 * Everything above sees plaintext, the watch cache included.
 *
 * <p>A value no provider can read is not an error of the store: it comes back as an
 * {@link Store.Entry#unreadable() unreadable} entry saying which object and which providers failed,
 * so that only uses of that object fail. A value that cannot be encrypted fails its write with a 500.
 *
 * <p>With automatic reload the file is read again every interval; a changed file that loads (and
 * whose KMS plugins are healthy within 10 s) replaces the configuration at once, the old one being
 * closed a minute later; one that does not is logged, and the current configuration stays.
 */
public final class EncryptingStore implements Store {
    private static final Logger LOG = LoggerFactory.getLogger(EncryptingStore.class);
    private static final String FLAG = "--encryption-provider-config";
    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(10);
    private static final Duration CLOSE_AFTER = Duration.ofMinutes(1);

    private final Store store;
    private final Function<String, Optional<StoredKey>> objects;
    private final Path file;
    private final boolean automaticReload;
    private final ScheduledExecutorService reloader;
    private volatile EncryptionConfig config;
    private volatile String reloadFailure;
    private final LongAdder reloadsDone = new LongAdder();
    private final LongAdder reloadsFailed = new LongAdder();

    private EncryptingStore(Store store, Function<String, Optional<StoredKey>> objects, Path file, EncryptionConfig config,
                            boolean automaticReload) {
        this.store = store;
        this.objects = objects;
        this.file = file;
        this.config = config;
        this.automaticReload = automaticReload;
        this.reloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "encryption-config");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The store itself when there is no configuration file; else the store behind the encryption the
     * file configures for the objects of these kinds, re-read every {@code reloadInterval} with
     * {@code automaticReload}. A file that does not load is an IllegalArgumentException naming the
     * flag, the file and each problem; the store is closed then.
     */
    public static Store around(Store store, List<ResourceType> kinds, Path file, boolean automaticReload, Duration reloadInterval) {
        return around(store, StoredKey.of(kinds), file, automaticReload, reloadInterval);
    }

    /** As above, the objects keys name read by {@code objects} (tests encrypt keys outside /registry/ so). */
    static Store around(Store store, Function<String, Optional<StoredKey>> objects, Path file, boolean automaticReload,
                        Duration reloadInterval) {
        if (file == null) return store;
        EncryptionConfig config;
        try {
            config = EncryptionConfig.load(file);
        } catch (RuntimeException e) {
            store.close();
            if (e instanceof IllegalArgumentException || e instanceof UncheckedIOException) {
                throw new IllegalArgumentException(FLAG + " " + e.getMessage(), e);
            }
            throw e;
        }
        EncryptingStore encrypting = new EncryptingStore(store, objects, file, config, automaticReload);
        if (automaticReload) {
            encrypting.reloader.scheduleWithFixedDelay(encrypting::reload, reloadInterval.toMillis(), reloadInterval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        return encrypting;
    }

    /** Whether upstream's kms-providers health check applies: KMS plugins are in use, or the file reloads. */
    public boolean checksHealth() {
        return automaticReload || config.usesKms();
    }

    /** The kms-providers check: every KMS plugin of the current configuration is healthy. */
    public boolean healthy() {
        return config.healthy();
    }

    /** Whether the file is read again when it changes. */
    public boolean reloadsAutomatically() {
        return automaticReload;
    }

    /** How many changed files were taken into use ({@code success}) or refused, so far. */
    public long reloads(boolean success) {
        return (success ? reloadsDone : reloadsFailed).sum();
    }

    private void reload() {
        try {
            if (EncryptionConfig.hash(EncryptionConfig.read(file)).equals(config.hash())) return;
            EncryptionConfig next = EncryptionConfig.load(file);
            if (!next.awaitHealthy(HEALTHY_WITHIN)) {
                next.close();
                throw new IllegalArgumentException(file + ": its KMS plugins are not healthy");
            }
            EncryptionConfig previous = config;
            config = next;
            reloadFailure = null;
            reloadsDone.increment();
            LOG.info("{} {}: the changed configuration is in use", FLAG, file);
            reloader.schedule(previous::close, CLOSE_AFTER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            if (!Objects.equals(e.getMessage(), reloadFailure)) {
                LOG.error("{} {}; the configuration loaded before stays in use", FLAG, e.getMessage());
            }
            reloadFailure = e.getMessage();
            reloadsFailed.increment();
        }
    }

    // ---- values ----

    private byte[] stored(String key, byte[] json) {
        Optional<StoredKey> object = objects.apply(key);
        if (object.isEmpty()) return json;
        Providers providers = config.providers(object.get().resource());
        if (providers.writesPlaintext()) return json;
        try {
            return providers.write(json, key.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw Statuses.internal("unable to encrypt " + object.get() + ": " + e.getMessage());
        }
    }

    private Entry readable(Entry e) {
        Optional<StoredKey> object = objects.apply(e.key());
        if (object.isEmpty() || e.unreadable() != null) return e;
        byte[] stored = e.json();
        try {
            Providers.Read read = config.providers(object.get().resource()).read(stored, e.key().getBytes(StandardCharsets.UTF_8));
            return read.value() == stored && !read.stale() ? e
                    : new Entry(e.key(), read.value(), e.createRevision(), e.modRevision(), null, read.stale());
        } catch (GeneralSecurityException ex) {
            // upstream's words for an object the transformers cannot read, naming the object rather than its key
            String why = "StorageError: corrupt object, " + object.get() + ": data from the storage is not transformable revision="
                    + e.modRevision() + ": " + ex.getMessage();
            LOG.warn(why);
            return Entry.unreadable(e.key(), e.createRevision(), e.modRevision(), why);
        }
    }

    // ---- the store ----

    @Override
    public Optional<Entry> get(String key) {
        return store.get(key).map(this::readable);
    }

    @Override
    public Page list(String prefix, long atRevision, int limit, String continueAfter) {
        Page page = store.list(prefix, atRevision, limit, continueAfter);
        return new Page(page.entries().stream().map(this::readable).toList(), page.revision(), page.continueAfter());
    }

    @Override
    public Entry create(String key, byte[] json) {
        Entry e = store.create(key, stored(key, json));
        return new Entry(key, json, e.createRevision(), e.modRevision());
    }

    @Override
    public Entry update(String key, byte[] json, long expectedRevision) {
        Entry e = store.update(key, stored(key, json), expectedRevision);
        return new Entry(key, json, e.createRevision(), e.modRevision());
    }

    @Override
    public Entry delete(String key, long expectedRevision) {
        return readable(store.delete(key, expectedRevision));
    }

    @Override
    public Watch watch(String prefix, long afterRevision) {
        Watch watch = store.watch(prefix, afterRevision);
        return new Watch() {
            @Override
            public Event poll(Duration timeout) throws InterruptedException {
                Event e = watch.poll(timeout);
                return e == null ? null : new Event(e.type(), readable(e.entry()));
            }

            @Override
            public void close() {
                watch.close();
            }
        };
    }

    @Override
    public void compact(long revision) {
        store.compact(revision);
    }

    @Override
    public long currentRevision() {
        return store.currentRevision();
    }

    @Override
    public boolean currentRevisionIsLocal() {
        return store.currentRevisionIsLocal();
    }

    @Override
    public long compactedRevision() {
        return store.compactedRevision();
    }

    @Override
    public void close() {
        reloader.shutdownNow();
        config.close();
        store.close();
    }

    @Override
    public String toString() {
        return "EncryptingStore[" + store + "]";
    }
}
