package io.portcullis.pki;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A certificate and the key pair it was issued for. */
public record IssuedCertificate(X509Certificate certificate, KeyPair keyPair) {
    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    public String certificatePem() {
        return Pem.encode(certificate);
    }

    public String privateKeyPem() {
        return Pem.encode(keyPair.getPrivate());
    }
}
