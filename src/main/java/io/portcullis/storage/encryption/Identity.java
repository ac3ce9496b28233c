package io.portcullis.storage.encryption;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/** {@code identity}: values as they are. It refuses to read a value that is encrypted, so that a later provider may. */
final class Identity implements Transformer {
    static final Identity INSTANCE = new Identity();
    static final byte[] ENCRYPTED = "k8s:enc:".getBytes(StandardCharsets.US_ASCII);

    private Identity() {}

    @Override
    public String prefix() {
        return "";
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] context) {
        return plaintext;
    }

    @Override
    public byte[] decrypt(byte[] stored, byte[] context) throws GeneralSecurityException {
        if (encrypted(stored)) throw new GeneralSecurityException("identity transformer tried to read encrypted data");
        return stored;
    }

    static boolean encrypted(byte[] stored) {
        return java.util.Arrays.equals(stored, 0, Math.min(stored.length, ENCRYPTED.length), ENCRYPTED, 0, ENCRYPTED.length);
    }

    @Override
    public String toString() {
        return "identity";
    }
}
