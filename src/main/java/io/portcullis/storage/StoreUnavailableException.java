package io.portcullis.storage;

/**
 * The store could not be reached, or did not answer in time; the operation may or may not have
 * been applied. Clients get upstream's ServerTimeout and try again.
 */
public final class StoreUnavailableException extends IllegalStateException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
