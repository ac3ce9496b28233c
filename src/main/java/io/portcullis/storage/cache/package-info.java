/**
 * The watch cache: derived state fed by a store's watch, serving gets, lists and watches. May
 * import storage and api.
 */
package io.portcullis.storage.cache;
