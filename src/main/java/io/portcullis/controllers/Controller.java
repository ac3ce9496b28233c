package io.portcullis.controllers;

import io.portcullis.registry.ObjectStore;

/**
 * A loop that keeps objects in step: {@link #start} follows the watch cache and writes through the
 * registry until what it returns is closed. The server runs its controllers as one list
 * ({@link Controllers}), so whatever decides when they run wraps that one call.
 */
@FunctionalInterface
public interface Controller {
    AutoCloseable start(ObjectStore objects);
}
