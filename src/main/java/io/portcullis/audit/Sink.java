package io.portcullis.audit;

/** Where audit events go. */
public interface Sink extends AutoCloseable {
    /**
     * Takes an event, on the request's thread: it must not wait for the event to be written.
     * False when the event cannot be stored and the request must fail (a blocking-strict sink
     * whose backend is failing).
     */
    boolean process(Event event);

    /** Writes what it still holds, then stops; later events are dropped. */
    @Override
    void close();
}
