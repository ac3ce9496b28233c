package io.portcullis.audit;

/** When in a request an event is written. */
public enum Stage {
    /** as soon as the request is authenticated, before anything else is decided */
    REQUEST_RECEIVED,
    /** when a long-running request's (a watch's) response has started */
    RESPONSE_STARTED,
    /** when the response is over */
    RESPONSE_COMPLETE,
    /** when the request failed on an unexpected Error or exception, instead of ResponseComplete */
    PANIC;

    /** Upstream's name: RequestReceived. */
    @Override
    public String toString() {
        return Level.pascalCase(name());
    }
}
