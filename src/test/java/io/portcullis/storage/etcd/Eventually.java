package io.portcullis.storage.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.portcullis.storage.Store;
import io.portcullis.storage.Store.Entry;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Store calls retried while etcd is unreachable or electing a leader, as a client of the store
 * would retry them: a create that failed for want of etcd may still have been applied, so it is
 * looked up before it is tried again.
 */
final class Eventually {
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private Eventually() {}

    /** Waits until the store answers. */
    static void reachable(Store store) {
        retry("reaching etcd", store::currentRevision);
    }

    /** Creates the key once, whatever failed on the way. */
    static Entry create(Store store, String key) {
        byte[] value = ("{\"k\":\"" + key + "\"}").getBytes(UTF_8);
        return retry("creating " + key, () -> store.get(key).orElseGet(() -> store.create(key, value)));
    }

    private static <T> T retry(String what, Supplier<T> attempt) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            try {
                return attempt.get();
            } catch (IllegalStateException e) {
                if (System.nanoTime() > deadline) throw new AssertionError(what + " failed for " + PATIENCE, e);
                sleep();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
