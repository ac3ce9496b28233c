package io.portcullis.storage.cache;

import tools.jackson.databind.node.ObjectNode;

/**
 * One object as the cache holds it: parsed once, resourceVersion set from the store's revision,
 * and serialized once, so reads send the bytes as they are. The tree is shared: never mutate it;
 * deep-copy first.
 */
public record Item(String key, String namespace, String name, ObjectNode object, byte[] json, long revision) {}
