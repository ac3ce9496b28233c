package io.portcullis.storage.encryption;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-GCM with a random 12-byte nonce, the storage key authenticated: stored as the nonce, then the
 * ciphertext and its 16-byte tag. As {@code aesgcm} it carries its key's name in its prefix; the KMS
 * provider uses it with a key derived per value.
 */
final class AesGcm implements Transformer {
    static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final SecretKeySpec key;

    AesGcm(String name, byte[] key) {
        this.name = name;
        this.key = new SecretKeySpec(key, "AES");
    }

    @Override
    public String prefix() {
        return "k8s:enc:aesgcm:v1:" + name + ":";
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] context) throws GeneralSecurityException {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(context);
        byte[] out = new byte[NONCE + cipher.getOutputSize(plaintext.length)];
        System.arraycopy(nonce, 0, out, 0, NONCE);
        cipher.doFinal(plaintext, 0, plaintext.length, out, NONCE);
        return out;
    }

    @Override
    public byte[] decrypt(byte[] stored, byte[] context) throws GeneralSecurityException {
        return decrypt(stored, 0, context);
    }

    /** Decrypts what follows {@code offset} bytes of the stored form. */
    byte[] decrypt(byte[] stored, int offset, byte[] context) throws GeneralSecurityException {
        if (stored.length - offset < NONCE + TAG_BITS / 8) throw new GeneralSecurityException("the stored data is shorter than the required size");
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, offset, NONCE));
        cipher.updateAAD(context);
        try {
            return cipher.doFinal(stored, offset + NONCE, stored.length - offset - NONCE);
        } catch (AEADBadTagException e) {
            throw new GeneralSecurityException("message authentication failed (not this key's data, or not stored under this key)");
        }
    }

    @Override
    public String toString() {
        return "aesgcm key \"" + name + "\"";
    }
}
