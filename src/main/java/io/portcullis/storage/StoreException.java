package io.portcullis.storage;

/** A store operation refused for a reason the caller can act on. */
public final class StoreException extends RuntimeException {
    public enum Reason { NOT_FOUND, ALREADY_EXISTS, CONFLICT, COMPACTED }

    private final Reason reason;
    private final String key;

    public StoreException(Reason reason, String key, String message) {
        super(message);
        this.reason = reason;
        this.key = key;
    }

    public Reason reason() { return reason; }

    public String key() { return key; }
}
