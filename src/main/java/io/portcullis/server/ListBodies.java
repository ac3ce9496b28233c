package io.portcullis.server;

import io.portcullis.storage.cache.Item;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON bodies of lists: the head, then each item's cached bytes, copied into one array, so
 * that a list goes through TLS as one buffer (a composite of a part per item cost more in the TLS
 * handler's copies than the one copy here). The last body per list key (kind and namespace) is
 * kept and sent again while the head and the items are the same: the same Item objects in the same
 * order (the same list object, when the cache answers the list it kept), whose bytes never change. At most {@link #MAX_KEPT_LISTS} bodies of at most
 * {@link #MAX_KEPT_BYTES} each are kept.
 */
final class ListBodies {
    static final int MAX_KEPT_BYTES = 4 << 20;
    static final int MAX_KEPT_LISTS = 256;
    private static final byte COMMA = ',';
    private static final byte[] CLOSE = {']', '}'};

    /** {@code source} is the list the body was built from: the cache answers the same list object while nothing changed. */
    private record Body(byte[] head, List<Item> source, Item[] items, byte[] bytes) {}

    private final Map<String, Body> last = new ConcurrentHashMap<>();

    /** {@code head} ends with {@code "items":[}; the body closes the array and the object. */
    byte[] body(String key, byte[] head, List<Item> items) {
        Body kept = last.get(key);
        if (kept != null && Arrays.equals(kept.head, head) && (kept.source == items || same(kept.items, items))) return kept.bytes;
        byte[] bytes = concatenate(head, items);
        if (bytes.length <= MAX_KEPT_BYTES) {
            if (last.size() >= MAX_KEPT_LISTS && !last.containsKey(key)) last.clear();
            last.put(key, new Body(head, items, items.toArray(new Item[0]), bytes));
        }
        return bytes;
    }

    private static boolean same(Item[] kept, List<Item> items) {
        if (kept.length != items.size()) return false;
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] != items.get(i)) return false;
        }
        return true;
    }

    static byte[] concatenate(byte[] head, List<Item> items) {
        int length = head.length + CLOSE.length + Math.max(0, items.size() - 1);
        for (Item it : items) length += it.json().length;
        byte[] out = new byte[length];
        System.arraycopy(head, 0, out, 0, head.length);
        int at = head.length;
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) out[at++] = COMMA;
            byte[] json = items.get(i).json();
            System.arraycopy(json, 0, out, at, json.length);
            at += json.length;
        }
        System.arraycopy(CLOSE, 0, out, at, CLOSE.length);
        return out;
    }
}
