package io.portcullis.pki;

import java.security.KeyPair;
import java.util.concurrent.CompletableFuture;

/**
 * The next ServiceAccount signing key (RSA 2048), made in the background before a server asks for
 * it, for a program that starts one server after another in one JVM (a test suite): a new RSA key
 * is a random prime search of 50-400 ms, the largest part of a later server's start. Off until
 * {@link #keepOneAhead()}; the command line never turns it on. One pair at most is kept; each is
 * handed to one server and then forgotten, so no two servers share a key. Costs one key made and
 * never used when the program starts no further server.
 */
public final class KeysAhead {
    private static boolean on;
    /** The pair being made or made, not yet handed out; null when none. */
    private static CompletableFuture<KeyPair> next;

    private KeysAhead() {}

    /** From now on, {@link #prepare()} makes the next key in the background. */
    public static synchronized void keepOneAhead() {
        on = true;
    }

    /**
     * When turned on and no key is waiting: starts making the next one on a daemon thread. Called
     * once a server is ready, so that it never competes with that server's own start.
     */
    public static synchronized void prepare() {
        if (!on || next != null) return;
        CompletableFuture<KeyPair> making = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                making.complete(Keys.generateRsa(2048));
            } catch (RuntimeException | Error e) {
                making.completeExceptionally(e);
            }
        }, "sa-key-ahead");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        next = making;
    }

    /**
     * A new RSA 2048 pair for a ServiceAccount key: the one made ahead when there is one (waiting for
     * it when it is still being made, which is never longer than making one now), else made now.
     */
    static KeyPair rsa2048() {
        CompletableFuture<KeyPair> ahead;
        synchronized (KeysAhead.class) {
            ahead = next;
            next = null;
        }
        if (ahead != null) {
            try {
                return ahead.join();
            } catch (RuntimeException e) {
                // the background attempt failed: make one here, where a failure reaches the caller
            }
        }
        return Keys.generateRsa(2048);
    }
}
