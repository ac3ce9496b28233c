package io.portcullis.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files read at start that an operator may replace while the server runs (the serving
 * certificate and key, the client CA bundle, the token and password files), as kube-apiserver
 * follows its certificate files: every {@code interval} each group of files is read, and when the
 * bytes of any of them have changed (an edit, a rename over it, a Kubernetes Secret volume's
 * symlink swap alike) the group is loaded anew and put in force. Requests in flight keep what they
 * started with. A file that cannot be read or loaded is logged, and the previous content stays in
 * force until the file changes again.
 */
final class Reloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);

    /** Reads a group's files into what it puts in force; throws, naming the flag and file, when they are broken. */
    @FunctionalInterface
    interface Loader<T> {
        T load() throws Exception;
    }

    private final List<Watched<?>> watched = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;

    Reloader(Duration interval) {
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "file-reloader");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, interval.toMillis());
        timer.scheduleWithFixedDelay(this::checkAll, ms, ms, TimeUnit.MILLISECONDS);
    }

    /**
     * Loads {@code files} now and returns what they hold (a broken file fails here, as at start);
     * from then on, whenever they change, {@code load} reads them again and {@code apply} puts the
     * result in force. {@code what} names the flag and file in the log.
     */
    <T> T follow(String what, List<Path> files, Loader<T> load, Consumer<T> apply) {
        byte[] seen = digest(files);   // before loading: a change made while loading is seen next time
        T first;
        try {
            first = load.load();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        watched.add(new Watched<>(what, List.copyOf(files), load, apply, seen));
        return first;
    }

    private void checkAll() {
        for (Watched<?> w : watched) {
            try {
                w.check();
            } catch (RuntimeException e) {
                LOG.warn("reloading {} failed: {}; the previous content stays in force", w.what, e.getMessage());
            }
        }
    }

    /** SHA-256 of the files' bytes, one after the other; a missing or unreadable file counts as a content of its own. */
    private static byte[] digest(List<Path> files) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Path p : files) {
                try {
                    d.update(Files.readAllBytes(p));
                    d.update((byte) 1);
                } catch (NoSuchFileException e) {
                    d.update((byte) 2);
                } catch (IOException e) {
                    d.update((byte) 3);
                }
            }
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Watched<T> {
        final String what;
        final List<Path> files;
        final Loader<T> load;
        final Consumer<T> apply;
        byte[] seen;

        Watched(String what, List<Path> files, Loader<T> load, Consumer<T> apply, byte[] seen) {
            this.what = what;
            this.files = files;
            this.load = load;
            this.apply = apply;
            this.seen = seen;
        }

        void check() {
            byte[] now = digest(files);
            if (Arrays.equals(now, seen)) return;
            // a broken file is reported once, then waited out until it changes again
            seen = now;
            T loaded;
            try {
                loaded = load.load();
            } catch (Exception e) {
                LOG.warn("{} changed but cannot be loaded: {}; the previous content stays in force", what, e.getMessage());
                return;
            }
            apply.accept(loaded);
            LOG.info("{} changed: reloaded", what);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
