package io.portcullis.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;

import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;

/** Key generation and small facts about keys. */
public final class Keys {
    private Keys() {}

    public static KeyPair generateRsa(int bits) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An EC key pair on NIST P-256 (secp256r1). */
    public static KeyPair generateEcP256() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True for an EC key on P-256, the only curve ES256 allows. */
    public static boolean isP256(java.security.Key key) {
        ECParameterSpec params;
        if (key instanceof ECPublicKey k) params = k.getParams();
        else if (key instanceof ECPrivateKey k) params = k.getParams();
        else return false;
        return params.getCurve().getField().getFieldSize() == 256
                && params.getOrder().equals(P256_ORDER);
    }

    private static final BigInteger P256_ORDER =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    /**
     * The public half of a private key: RSA keys must carry their CRT parameters (PKCS#1 and
     * PKCS#8 keys written by common tools do); EC public points are recomputed from the scalar.
     */
    public static PublicKey publicKeyOf(PrivateKey key) {
        try {
            if (key instanceof RSAPrivateCrtKey rsa) {
                return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            }
            if (key instanceof ECPrivateKey ec) {
                org.bouncycastle.jce.spec.ECParameterSpec spec = EC5Util.convertSpec(ec.getParams());
                org.bouncycastle.math.ec.ECPoint q = spec.getG().multiply(ec.getS()).normalize();
                ECPoint w = new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
                return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, ec.getParams()));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot derive the public key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("unsupported private key type " + key.getAlgorithm()
                + " (want an RSA key with CRT parameters or an EC key)");
    }

    /** SHA-256 of the PKIX DER encoding, base64url without padding: upstream's ServiceAccount key id. */
    public static String keyId(PublicKey key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * True when the private key is the other half of the public key. For an EC key a signature
     * made with the one is checked with the other, which the JDK does alone, rather than
     * recomputing the public point; other keys compare {@link #publicKeyOf} with it.
     */
    public static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (key instanceof ECPrivateKey && publicKey instanceof ECPublicKey) {
            try {
                byte[] message = "portcullis key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                Signature sign = Signature.getInstance("SHA256withECDSA");
                sign.initSign(key);
                sign.update(message);
                byte[] signature = sign.sign();
                Signature verify = Signature.getInstance("SHA256withECDSA");
                verify.initVerify(publicKey);
                verify.update(message);
                return verify.verify(signature);
            } catch (GeneralSecurityException e) {
                return false;   // keys on different curves, say
            }
        }
        return samePublicKey(publicKeyOf(key), publicKey);
    }

    /** True when both keys are the same public key. */
    public static boolean samePublicKey(PublicKey a, PublicKey b) {
        return MessageDigest.isEqual(a.getEncoded(), b.getEncoded());
    }
}
