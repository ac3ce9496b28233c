package io.portcullis.storage.encryption;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * {@code secretbox}: NaCl's secretbox (XSalsa20 and Poly1305) with a 32-byte key; stored as a random
 * 24-byte nonce, then the 16-byte tag, then the ciphertext. The first 32 bytes of the XSalsa20
 * stream key Poly1305, the rest encrypts; the tag covers the ciphertext.
 */
final class Secretbox implements Transformer {
    static final int KEY = 32;
    private static final int NONCE = 24;
    private static final int TAG = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final byte[] key;

    Secretbox(String name, byte[] key) {
        if (key.length != KEY) throw new IllegalArgumentException("secretbox keys are 32 bytes");
        this.name = name;
        this.key = key.clone();
    }

    @Override
    public String prefix() {
        return "k8s:enc:secretbox:v1:" + name + ":";
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] context) {
        byte[] out = new byte[NONCE + TAG + plaintext.length];
        RANDOM.nextBytes(out);   // only the nonce's bytes stay
        seal(out, plaintext);
        return out;
    }

    /** Fills {@code out} past its leading nonce with the tag and the ciphertext of the plaintext. */
    void seal(byte[] out, byte[] plaintext) {
        XSalsa20Engine stream = stream(out);
        byte[] macKey = new byte[KEY];
        stream.processBytes(macKey, 0, KEY, macKey, 0);
        stream.processBytes(plaintext, 0, plaintext.length, out, NONCE + TAG);
        mac(macKey, out, NONCE + TAG, plaintext.length, out, NONCE);
    }

    @Override
    public byte[] decrypt(byte[] stored, byte[] context) throws GeneralSecurityException {
        if (stored.length < NONCE + TAG) throw new GeneralSecurityException("the stored data is shorter than the required size");
        XSalsa20Engine stream = stream(stored);
        byte[] macKey = new byte[KEY];
        stream.processBytes(macKey, 0, KEY, macKey, 0);
        int length = stored.length - NONCE - TAG;
        byte[] tag = new byte[TAG];
        mac(macKey, stored, NONCE + TAG, length, tag, 0);
        if (!MessageDigest.isEqual(tag, java.util.Arrays.copyOfRange(stored, NONCE, NONCE + TAG))) {
            throw new GeneralSecurityException("message authentication failed (not this key's data)");
        }
        byte[] plaintext = new byte[length];
        stream.processBytes(stored, NONCE + TAG, length, plaintext, 0);
        return plaintext;
    }

    private XSalsa20Engine stream(byte[] nonceFirst) {
        XSalsa20Engine stream = new XSalsa20Engine();
        stream.init(true, new ParametersWithIV(new KeyParameter(key), nonceFirst, 0, NONCE));
        return stream;
    }

    private static void mac(byte[] macKey, byte[] in, int offset, int length, byte[] out, int outOffset) {
        Poly1305 poly = new Poly1305();
        poly.init(new KeyParameter(macKey));
        poly.update(in, offset, length);
        poly.doFinal(out, outOffset);
    }

    @Override
    public String toString() {
        return "secretbox key \"" + name + "\"";
    }
}
