package io.portcullis.pki;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


/**
 * PEM reading and writing. Private keys are read from PKCS#1 ({@code RSA PRIVATE KEY}), SEC1
 * ({@code EC PRIVATE KEY}, an {@code EC PARAMETERS} block before it is skipped) and PKCS#8
 * ({@code PRIVATE KEY}); they are always written as unencrypted PKCS#8. Public keys are written
 * as PKIX ({@code PUBLIC KEY}). Every error names the file it came from; none quotes key material.
 *
 * <p>What the server writes itself (certificates, PKCS#8 and PKIX keys) is read and written with
 * the JDK alone; Bouncy Castle, whose signed jar is slow to load and cannot be class-data shared,
 * reads every other form, and any text the JDK's reading does not account for in full.
 */
public final class Pem {
    /** One block without headers; what lies between blocks is ignored, as by Bouncy Castle's parser. */
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    private Pem() {}

    /** Every {@code CERTIFICATE} block of the file, in order; other blocks are ignored. At least one. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        for (Object o : objects(file)) {
            X509Certificate cert = o instanceof X509Certificate c ? c : BouncyCastlePem.certificate(o, file.toString());
            if (cert != null) certs.add(cert);
        }
        if (certs.isEmpty()) throw new IOException("no certificate found in " + file);
        return certs;
    }

    /** Certificates of a PEM text (a bundle held in memory, e.g. a ConfigMap's ca.crt). */
    public static List<X509Certificate> parseCertificates(String pem) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        for (Object o : objects(pem, "PEM data")) {
            X509Certificate cert = o instanceof X509Certificate c ? c : BouncyCastlePem.certificate(o, "PEM data");
            if (cert != null) certs.add(cert);
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
        for (Object o : objects(pem, source)) {
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
        return publicKeys(objects(pem, "PEM data"), "PEM data");
    }

    private static List<PublicKey> publicKeys(List<Object> objects, String source) throws IOException {
        List<PublicKey> keys = new ArrayList<>();
        for (Object o : objects) {
            try {
                if (o instanceof PublicKey key) keys.add(key);
                else if (o instanceof X509Certificate cert) keys.add(cert.getPublicKey());
                else {
                    PublicKey key = BouncyCastlePem.publicKey(o, source);
                    if (key != null) {
                        keys.add(key);
                    } else {
                        PrivateKey privateKey = privateKey(o, source);
                        if (privateKey != null) keys.add(Keys.publicKeyOf(privateKey));
                    }
                }
            } catch (IllegalArgumentException e) {
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
        return encodeTraditional(key, null);
    }

    /**
     * As {@link #encodeTraditional(PrivateKey)}, given the key's public half (a certificate's, say):
     * a P-256 key is then encoded by the JDK alone, once a signature shows the two belong together.
     */
    public static String encodeTraditional(PrivateKey key, PublicKey publicKey) {
        if (key instanceof ECPrivateKey ec && publicKey instanceof ECPublicKey pub && Keys.isP256(ec) && Keys.isP256(pub)
                && Keys.matches(key, publicKey)) {
            return encodeObjects(new Block("EC PRIVATE KEY", sec1P256(ec, pub)));
        }
        try {
            if (key instanceof ECPrivateKey ec) return encodeObjects(new Block("EC PRIVATE KEY", BouncyCastlePem.sec1(ec)));
            if (key instanceof java.security.interfaces.RSAPrivateKey) return encodeObjects(new Block("RSA PRIVATE KEY", BouncyCastlePem.pkcs1(key)));
            return encode(key);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode the " + key.getAlgorithm() + " key", e);
        }
    }

    public static String encode(PrivateKey key) {
        return encodeObjects(new Block("PRIVATE KEY", key.getEncoded()));
    }

    /** PKIX {@code PUBLIC KEY}. */
    public static String encode(PublicKey key) {
        return encodeObjects(new Block("PUBLIC KEY", key.getEncoded()));
    }

    /** The named curve P-256 (1.2.840.10045.3.1.7), DER. */
    private static final byte[] P256_OID = {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};

    /** SEC1 ECPrivateKey: version 1, the 32-byte scalar, [0] the curve, [1] the uncompressed public point. */
    private static byte[] sec1P256(ECPrivateKey key, ECPublicKey pub) {
        ByteArrayOutputStream der = new ByteArrayOutputStream(121);
        der.write(0x30);
        der.write(119);
        der.writeBytes(new byte[] {0x02, 0x01, 0x01, 0x04, 0x20});
        der.writeBytes(unsigned(key.getS(), 32));
        der.writeBytes(new byte[] {(byte) 0xa0, 0x0a});
        der.writeBytes(P256_OID);
        der.writeBytes(new byte[] {(byte) 0xa1, 0x44, 0x03, 0x42, 0x00, 0x04});
        der.writeBytes(unsigned(pub.getW().getAffineX(), 32));
        der.writeBytes(unsigned(pub.getW().getAffineY(), 32));
        return der.toByteArray();
    }

    private static byte[] unsigned(java.math.BigInteger n, int length) {
        byte[] b = n.toByteArray();
        byte[] out = new byte[length];
        int from = Math.max(0, b.length - length);
        System.arraycopy(b, from, out, length - (b.length - from), b.length - from);
        return out;
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

    /** A PEM block to write: its type and its DER bytes. */
    private record Block(String type, byte[] der) {}

    /** Blocks as Bouncy Castle's writer lays them out: 64 characters a line, the platform's line ends. */
    private static String encodeObjects(Object... objects) {
        String nl = System.lineSeparator();
        Base64.Encoder lines = Base64.getMimeEncoder(64, nl.getBytes(StandardCharsets.US_ASCII));
        StringBuilder out = new StringBuilder();
        for (Object o : objects) {
            Block b;
            try {
                b = o instanceof X509Certificate cert ? new Block("CERTIFICATE", cert.getEncoded()) : (Block) o;
            } catch (CertificateException e) {
                throw new IllegalArgumentException("cannot encode the certificate: " + e.getMessage(), e);
            }
            out.append("-----BEGIN ").append(b.type()).append("-----").append(nl)
                    .append(lines.encodeToString(b.der())).append(nl)
                    .append("-----END ").append(b.type()).append("-----").append(nl);
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
        return objects(text, file.toString());
    }

    /** The JDK's reading of the blocks when it accounts for every one, else Bouncy Castle's. */
    private static List<Object> objects(String text, String source) throws IOException {
        List<Object> jdk = jdkObjects(text);
        return jdk != null ? jdk : BouncyCastlePem.objects(new StringReader(text), source);
    }

    /**
     * Certificates, PKCS#8 RSA and EC private keys and PKIX RSA and EC public keys, as the JDK reads
     * them; null when the text holds a block of another kind, a header, or a block the JDK refuses.
     */
    private static List<Object> jdkObjects(String text) {
        List<Object> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                return null;
            }
            Object o = switch (m.group(1)) {
                case "CERTIFICATE" -> jdkCertificate(der);
                case "PRIVATE KEY" -> jdkKey(der, true);
                case "PUBLIC KEY" -> jdkKey(der, false);
                default -> null;
            };
            if (o == null) return null;
            out.add(o);
        }
        return out.size() == text.split("-----BEGIN", -1).length - 1 ? out : null;
    }

    private static X509Certificate jdkCertificate(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            return null;
        }
    }

    private static java.security.Key jdkKey(byte[] der, boolean isPrivate) {
        for (String algorithm : List.of("EC", "RSA")) {
            try {
                KeyFactory f = KeyFactory.getInstance(algorithm);
                return isPrivate ? f.generatePrivate(new PKCS8EncodedKeySpec(der)) : f.generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this algorithm's
            }
        }
        return null;
    }

    private static PrivateKey privateKey(Object o, String file) throws IOException {
        return o instanceof PrivateKey key ? key : BouncyCastlePem.privateKey(o, file);
    }
}
