package io.portcullis.pki;

import java.io.IOException;
import java.io.Reader;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The PEM forms {@link Pem} leaves to Bouncy Castle (PKCS#1, SEC1, headers, encrypted keys), apart
 * from it so that reading what the server wrote itself never loads Bouncy Castle's classes. The
 * objects are Bouncy Castle's own until one of the conversions below is asked for.
 */
final class BouncyCastlePem {
    private BouncyCastlePem() {}

    /** Every block of the text, EC parameter blocks left out. */
    static List<Object> objects(Reader reader, String source) throws IOException {
        List<Object> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(reader)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X9ECParameters || o instanceof ASN1ObjectIdentifier) continue;
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("malformed PEM in " + source + ": " + e.getMessage());
        }
        return out;
    }

    /** The certificate the object holds, or null when it holds none. */
    static X509Certificate certificate(Object o, String source) throws IOException {
        if (!(o instanceof X509CertificateHolder holder)) return null;
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new IOException("invalid certificate in " + source + ": " + e.getMessage());
        }
    }

    /** The private key the object holds, or null when it holds none; encrypted keys are refused. */
    static PrivateKey privateKey(Object o, String source) throws IOException {
        try {
            if (o instanceof PEMKeyPair pair) return new JcaPEMKeyConverter().getPrivateKey(pair.getPrivateKeyInfo());
            if (o instanceof PrivateKeyInfo info) return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (PEMException e) {
            throw new IOException("unsupported private key in " + source + ": " + e.getMessage());
        }
        if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new IOException("encrypted private keys are not supported: " + source);
        }
        return null;
    }

    /** The public key of a public key block or of a certificate, or null for any other object. */
    static PublicKey publicKey(Object o, String source) throws IOException {
        if (o instanceof SubjectPublicKeyInfo info) {
            try {
                return new JcaPEMKeyConverter().getPublicKey(info);
            } catch (PEMException e) {
                throw new IOException("unreadable key in " + source + ": " + e.getMessage());
            }
        }
        X509Certificate cert = certificate(o, source);
        return cert == null ? null : cert.getPublicKey();
    }

    /** SEC1 {@code EC PRIVATE KEY} DER, with the curve and the public point recomputed from the scalar. */
    static byte[] sec1(ECPrivateKey key) throws IOException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        ASN1ObjectIdentifier curve = ASN1ObjectIdentifier.getInstance(info.getPrivateKeyAlgorithm().getParameters());
        X9ECParameters params = ECNamedCurveTable.getByOID(curve);
        byte[] point = params.getG().multiply(key.getS()).normalize().getEncoded(false);
        return new org.bouncycastle.asn1.sec.ECPrivateKey(params.getN().bitLength(), key.getS(), new DERBitString(point),
                new X962Parameters(curve)).getEncoded();
    }

    /** PKCS#1 {@code RSA PRIVATE KEY} DER. */
    static byte[] pkcs1(PrivateKey key) throws IOException {
        return PrivateKeyInfo.getInstance(key.getEncoded()).parsePrivateKey().toASN1Primitive().getEncoded();
    }
}
