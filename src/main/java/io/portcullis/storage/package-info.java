/**
 * The {@code Store} contract, etcd's model: keys to JSON values, one global revision, watches and
 * compaction. Implementations live in sub-packages. May import api.
 */
package io.portcullis.storage;
