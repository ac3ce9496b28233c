package io.portcullis.storage.encryption;

import java.security.GeneralSecurityException;

/**
 * One way values are stored: with one key of a provider, through a KMS plugin, or as they are
 * (identity). Its values start with its prefix ({@code k8s:enc:aescbc:v1:key1:}); identity's is
 * empty. The context is the value's storage key: authenticated where the cipher can, so a value
 * copied to another key does not read.
 */
interface Transformer {
    /** What this transformer's stored values start with; empty for identity. */
    String prefix();

    /** The stored form of the value, without the prefix. */
    byte[] encrypt(byte[] plaintext, byte[] context) throws GeneralSecurityException;

    /** The value of a stored form (its prefix already removed); an exception saying why it does not read. */
    byte[] decrypt(byte[] stored, byte[] context) throws GeneralSecurityException;

    /** Whether a stored form it reads was made with a key it no longer writes with (a KMS plugin's older key). */
    default boolean stale(byte[] stored) {
        return false;
    }
}
