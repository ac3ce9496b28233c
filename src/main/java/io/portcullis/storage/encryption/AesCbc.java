package io.portcullis.storage.encryption;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** {@code aescbc}: AES-CBC with PKCS#7 padding; stored as a random 16-byte IV, then the ciphertext. */
final class AesCbc implements Transformer {
    private static final int BLOCK = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final SecretKeySpec key;

    AesCbc(String name, byte[] key) {
        this.name = name;
        this.key = new SecretKeySpec(key, "AES");
    }

    @Override
    public String prefix() {
        return "k8s:enc:aescbc:v1:" + name + ":";
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] context) throws GeneralSecurityException {
        byte[] iv = new byte[BLOCK];
        RANDOM.nextBytes(iv);
        Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");   // PKCS#5 padding is PKCS#7's for 16-byte blocks
        cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));
        byte[] out = new byte[BLOCK + cipher.getOutputSize(plaintext.length)];
        System.arraycopy(iv, 0, out, 0, BLOCK);
        cipher.doFinal(plaintext, 0, plaintext.length, out, BLOCK);
        return out;
    }

    @Override
    public byte[] decrypt(byte[] stored, byte[] context) throws GeneralSecurityException {
        if (stored.length < BLOCK) throw new GeneralSecurityException("the stored data is shorter than the required size");
        if (stored.length % BLOCK != 0) throw new GeneralSecurityException("the stored data is not a multiple of the block size");
        Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
        cipher.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(stored, 0, BLOCK));
        try {
            return cipher.doFinal(stored, BLOCK, stored.length - BLOCK);
        } catch (BadPaddingException e) {
            throw new GeneralSecurityException("invalid padding on input (not this key's data)");
        }
    }

    @Override
    public String toString() {
        return "aescbc key \"" + name + "\"";
    }
}
