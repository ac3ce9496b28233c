/**
 * The embedded store: SQLite in WAL mode with a log of revisions, durable before a write is
 * acknowledged. May import storage and api.
 */
package io.portcullis.storage.sqlite;
