package io.portcullis.tokens;

import java.io.IOException;
import java.nio.file.Path;
import java.security.Key;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.util.List;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;

import io.portcullis.pki.Keys;
import io.portcullis.pki.Pem;

/**
 * ServiceAccount key files and the facts about keys that tokens need: the signing algorithm a
 * key implies (RSA: RS256; EC: ES256, ES384, ES512 by curve) and its key id.
 */
public final class ServiceAccountKeys {
    private ServiceAccountKeys() {}

    /**
     * Keys for {@code --service-account-key-file}: PEM public keys, certificates or private keys
     * (their public half), several per file. Errors name the file.
     */
    public static List<PublicKey> loadPublicKeys(Path file) throws IOException {
        List<PublicKey> keys = Pem.readPublicKeys(file);
        for (PublicKey k : keys) {
            try {
                algorithm(k);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage());
            }
        }
        return keys;
    }

    /** The key for {@code --service-account-signing-key-file}: an RSA or EC private key PEM. */
    public static PrivateKey loadPrivateKey(Path file) throws IOException {
        PrivateKey key = Pem.readPrivateKey(file);
        try {
            algorithm(key);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
        return key;
    }

    /** The only JWS algorithm a key may be used with. */
    public static JWSAlgorithm algorithm(Key key) {
        if (key instanceof RSAKey) return JWSAlgorithm.RS256;
        if (key instanceof ECKey ec) {
            Curve curve = Curve.forECParameterSpec(ec.getParams());
            if (Curve.P_256.equals(curve)) return JWSAlgorithm.ES256;
            if (Curve.P_384.equals(curve)) return JWSAlgorithm.ES384;
            if (Curve.P_521.equals(curve)) return JWSAlgorithm.ES512;
            throw new IllegalArgumentException("unsupported EC curve for ServiceAccount tokens (want P-256, P-384 or P-521)");
        }
        throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm() + " for ServiceAccount tokens (want RSA or EC)");
    }

    /** base64url (no padding) of SHA-256 of the PKIX DER encoding, as upstream. */
    public static String keyId(PublicKey key) {
        return Keys.keyId(key);
    }
}
