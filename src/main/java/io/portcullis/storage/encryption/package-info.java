/**
 * Encryption at rest: an EncryptionConfiguration's providers (aescbc, aesgcm, secretbox, identity,
 * KMS v2) and the store that wraps any other with them. May import storage and api.
 */
package io.portcullis.storage.encryption;
