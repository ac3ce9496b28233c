package io.portcullis.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server does when the JVM fails under it. An Error inside a request fails that request
 * (500) and the worker thread goes on. But when the heap is still nearly full after an
 * OutOfMemoryError (collected, the failed request's garbage is gone), or the JVM itself breaks
 * (an InternalError, say), or an Error escapes outside any request, the process cannot be trusted
 * to serve: it turns unready and runs the fatal action, with which the command-line server exits
 * so that its supervisor restarts it.
 */
final class Failures {
    private static final Logger LOG = LoggerFactory.getLogger(Failures.class);
    private static final double FULL = 0.9;

    private volatile Runnable fatal = () -> {};
    private volatile boolean failed;

    void onFatal(Runnable action) {
        this.fatal = action;
    }

    /** True once the process has been found unable to serve. */
    boolean failed() {
        return failed;
    }

    /** An Error thrown while serving a request (after the request has been failed). */
    void inRequest(Error e) {
        if (e instanceof StackOverflowError) return;
        if (e instanceof OutOfMemoryError && !heapStillFull()) {
            LOG.error("a request ran out of memory; the heap recovered once it was dropped");
            return;
        }
        fatal(e);
    }

    /** An Error no request caught: an event loop's, a controller's. */
    void outsideRequest(Throwable t) {
        if (t instanceof Error e && !(e instanceof StackOverflowError)) fatal(e);
        else LOG.error("uncaught failure", t);
    }

    /** For any thread: what it throws and nothing catches is judged as {@link #outsideRequest}. */
    Thread.UncaughtExceptionHandler uncaughtHandler() {
        return (thread, t) -> {
            LOG.error("thread {} died", thread.getName(), t);
            outsideRequest(t);
        };
    }

    private static boolean heapStillFull() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory() > FULL * rt.maxMemory();
    }

    private void fatal(Error e) {
        failed = true;
        LOG.error("the JVM cannot serve any more: {}", e.toString());
        fatal.run();
    }
}
