package io.portcullis.storage.cache;

/** A change as watchers see it. A DELETED item is the last state, stamped with the delete's revision. */
public record CacheEvent(Type type, Item item, Item previous) {
    public enum Type { ADDED, MODIFIED, DELETED }

    public long revision() {
        return item.revision();
    }
}
