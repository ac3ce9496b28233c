package io.portcullis.pki;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * PEM reading and writing. Private keys are read from PKCS#1 ({@code RSA PRIVATE KEY}), SEC1
 * ({@code EC PRIVATE KEY}, an {@code EC PARAMETERS} block before it is skipped) and PKCS#8
 * ({@code PRIVATE KEY}); they are always written as unencrypted PKCS#8. Public keys are written
 * as PKIX ({@code PUBLIC KEY}). Every error names the file it came from; none quotes key material.
 */
public final class Pem {
    private static final JcaPEMKeyConverter KEYS = new JcaPEMKeyConverter();
    private static final JcaX509CertificateConverter CERTS = new JcaX509CertificateConverter();

    private Pem() {}

    /** Every {@code CERTIFICATE} block of the file, in order; other blocks are ignored. At least one. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        for (Object o : objects(file)) {
            if (o instanceof X509CertificateHolder holder) certs.add(certificate(holder, file.toString()));
        }
        if (certs.isEmpty()) throw new IOException("no certificate found in " + file);
        return certs;
    }

    /** Certificates of a PEM text (a bundle held in memory, e.g. a ConfigMap's ca.crt). */
    public static List<X509Certificate> parseCertificates(String pem) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        for (Object o : objects(new StringReader(pem), "PEM data")) {
            if (o instanceof X509CertificateHolder holder) certs.add(certificate(holder, "PEM data"));
        }
        if (certs.isEmpty()) throw new IOException("no certificate found in PEM data");
        return certs;
    }

    /** The first private key of the file: PKCS#1 RSA, SEC1 EC or PKCS#8. Encrypted keys are refused. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        for (Object o : objects(file)) {
            PrivateKey key = privateKey(o, file.toString());
            if (key != null) return key;
        }
        throw new IOException("no private key found in " + file);
    }

    /** The first private key of PEM text, as {@link #readPrivateKey(Path)}. */
    public static PrivateKey parsePrivateKey(String pem, String source) throws IOException {
        for (Object o : objects(new StringReader(pem), source)) {
            PrivateKey key = privateKey(o, source);
            if (key != null) return key;
        }
        throw new IOException("no private key found in " + source);
    }

    /** A private key and its public half. */
    public static KeyPair readKeyPair(Path file) throws IOException {
        PrivateKey key = readPrivateKey(file);
        return new KeyPair(Keys.publicKeyOf(key), key);
    }

    /**
     * Every public key the file holds, in order: PKIX and PKCS#1 public keys, the keys of
     * certificates, and the public halves of private keys. At least one.
     */
    public static List<PublicKey> readPublicKeys(Path file) throws IOException {
        return publicKeys(objects(file), file.toString());
    }

    /** The public keys of a PEM text, as {@link #readPublicKeys(Path)}. */
    public static List<PublicKey> parsePublicKeys(String pem) throws IOException {
        return publicKeys(objects(new StringReader(pem), "PEM data"), "PEM data");
    }

    private static List<PublicKey> publicKeys(List<Object> objects, String source) throws IOException {
        List<PublicKey> keys = new ArrayList<>();
        for (Object o : objects) {
            try {
                if (o instanceof SubjectPublicKeyInfo info) keys.add(KEYS.getPublicKey(info));
                else if (o instanceof X509CertificateHolder holder) keys.add(certificate(holder, source).getPublicKey());
                else {
                    PrivateKey key = privateKey(o, source);
                    if (key != null) keys.add(Keys.publicKeyOf(key));
                }
            } catch (PEMException | IllegalArgumentException e) {
                throw new IOException("unreadable key in " + source + ": " + e.getMessage());
            }
        }
        if (keys.isEmpty()) throw new IOException("no public key, certificate or private key found in " + source);
        return keys;
    }

    public static String encode(X509Certificate... certificates) {
        return encodeObjects((Object[]) certificates);
    }

    public static String encode(List<X509Certificate> certificates) {
        return encodeObjects(certificates.toArray());
    }

    /** PKCS#8 {@code PRIVATE KEY}. */
    /**
     * The key in the traditional form clients read everywhere: SEC1 "EC PRIVATE KEY" (curve and
     * public point included) for EC keys, PKCS#1 "RSA PRIVATE KEY" for RSA keys. Some clients
     * (fabric8) take any PKCS#8 "PRIVATE KEY" for RSA.
     */
    public static String encodeTraditional(PrivateKey key) {
        try {
            org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getEncoded());
            if (key instanceof java.security.interfaces.ECPrivateKey ec) {
                org.bouncycastle.asn1.ASN1ObjectIdentifier curve =
                        org.bouncycastle.asn1.ASN1ObjectIdentifier.getInstance(info.getPrivateKeyAlgorithm().getParameters());
                org.bouncycastle.asn1.x9.X9ECParameters params = org.bouncycastle.asn1.x9.ECNamedCurveTable.getByOID(curve);
                byte[] point = params.getG().multiply(ec.getS()).normalize().getEncoded(false);
                org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                        params.getN().bitLength(), ec.getS(), new org.bouncycastle.asn1.DERBitString(point),
                        new org.bouncycastle.asn1.x9.X962Parameters(curve));
                return encodeObjects(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
            }
            if (key instanceof java.security.interfaces.RSAPrivateKey) {
                return encodeObjects(new PemObject("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded()));
            }
            return encode(key);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot encode the " + key.getAlgorithm() + " key", e);
        }
    }

    public static String encode(PrivateKey key) {
        return encodeObjects(new PemObject("PRIVATE KEY", key.getEncoded()));
    }

    /** PKIX {@code PUBLIC KEY}. */
    public static String encode(PublicKey key) {
        return encodeObjects(new PemObject("PUBLIC KEY", key.getEncoded()));
    }

    /** Like every file of the data directory, written with mode 0600, set before the content. */
    public static void writeCertificates(Path file, X509Certificate... certificates) throws IOException {
        SecureFiles.writePrivate(file, encode(certificates));
    }

    /** Written with mode 0600, set before the key is written. */
    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        SecureFiles.writePrivate(file, encode(key));
    }

    /** Like every file of the data directory, written with mode 0600, set before the content. */
    public static void writePublicKey(Path file, PublicKey key) throws IOException {
        SecureFiles.writePrivate(file, encode(key));
    }

    private static String encodeObjects(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) writer.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static List<Object> objects(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return objects(new StringReader(text), file.toString());
    }

    private static List<Object> objects(Reader reader, String source) throws IOException {
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

    private static PrivateKey privateKey(Object o, String file) throws IOException {
        try {
            if (o instanceof PEMKeyPair pair) return KEYS.getPrivateKey(pair.getPrivateKeyInfo());
            if (o instanceof PrivateKeyInfo info) return KEYS.getPrivateKey(info);
        } catch (PEMException e) {
            throw new IOException("unsupported private key in " + file + ": " + e.getMessage());
        }
        if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new IOException("encrypted private keys are not supported: " + file);
        }
        return null;
    }

    private static X509Certificate certificate(X509CertificateHolder holder, String file) throws IOException {
        try {
            return CERTS.getCertificate(holder);
        } catch (CertificateException e) {
            throw new IOException("invalid certificate in " + file + ": " + e.getMessage());
        }
    }
}
