package io.portcullis.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Closes connections that hold the server without asking anything of it, as kube-apiserver's HTTP
 * server does: a new connection must complete its first request's headers within
 * {@code headerTimeout} (32 s upstream), and a connection with no request in flight is closed once
 * it has been idle for {@code idleTimeout} (90 s upstream; keep-alive and HTTP/2 alike). A request
 * in flight (a watch, say) keeps its connection open however quiet it is.
 */
final class Connections {
    static final Duration HEADER_TIMEOUT = Duration.ofSeconds(32);
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(90);

    private final Vertx vertx;
    private final Duration headerTimeout;
    private final Duration idleTimeout;
    private final Map<HttpConnection, Tracked> open = new ConcurrentHashMap<>();

    Connections(Vertx vertx, Duration headerTimeout, Duration idleTimeout) {
        this.vertx = vertx;
        this.headerTimeout = headerTimeout;
        this.idleTimeout = idleTimeout;
    }

    /** A connection has opened (on its event loop). */
    void opened(HttpConnection c) {
        Tracked t = new Tracked(c);
        open.put(c, t);
        c.closeHandler(v -> {
            Tracked gone = open.remove(c);
            if (gone != null) gone.closed();
        });
        t.arm(headerTimeout);
    }

    /** A request has begun on {@code c}; what it returns must run once the request is over. */
    Runnable began(HttpConnection c) {
        Tracked t = open.get(c);
        if (t == null) return () -> {};
        t.began();
        return t::ended;
    }

    int count() {
        return open.size();
    }

    /**
     * One connection's requests in flight and its one timer. The timer is not moved by every
     * request: when it fires it looks at the connection then, closes it if it has been idle long
     * enough (or never sent a request within the header timeout), and otherwise sets itself again
     * for the time that remains.
     */
    private final class Tracked {
        private final HttpConnection connection;
        private int inFlight;
        private boolean begun;
        /** When the last request in flight ended (System.nanoTime). */
        private long idleSince;
        private long timer = -1;
        private boolean closed;

        Tracked(HttpConnection connection) {
            this.connection = connection;
        }

        synchronized void began() {
            inFlight++;
            begun = true;
        }

        synchronized void ended() {
            if (--inFlight == 0 && !closed) {
                idleSince = System.nanoTime();
                if (timer < 0) arm(idleTimeout.toNanos());
            }
        }

        synchronized void closed() {
            closed = true;
            if (timer >= 0) vertx.cancelTimer(timer);
            timer = -1;
        }

        synchronized void arm(Duration after) {
            arm(after.toNanos());
        }

        private void arm(long nanos) {
            timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)), this::fired);
        }

        private void fired(long id) {
            synchronized (this) {
                if (timer != id) return;
                timer = -1;
                if (closed || inFlight > 0) return;   // the request's end sets the timer again
                if (begun) {
                    long left = idleSince + idleTimeout.toNanos() - System.nanoTime();
                    if (left > 0) {
                        arm(left);
                        return;
                    }
                }
            }
            connection.close();
        }
    }
}
