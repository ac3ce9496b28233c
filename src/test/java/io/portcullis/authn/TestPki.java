package io.portcullis.authn;

import io.portcullis.testing.Tls;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates for tests: a CA and the leaves it signs, with chosen usages and validity. */
record TestPki(KeyPair keys, X509Certificate cert) {
    private static final AtomicLong SERIAL = new AtomicLong(1000);
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(256);
            return g.generateKeyPair();
        } catch (Exception e) { throw new IllegalStateException(e); }
    }

    static TestPki ca(String cn) {
        return ca(cn, NOW.minusSeconds(86400 * 365), NOW.plusSeconds(86400L * 3650));
    }

    static TestPki ca(String cn, Instant notBefore, Instant notAfter) {
        KeyPair k = ecKeys();
        return new TestPki(k, build("CN=" + cn, k, "CN=" + cn, k.getPrivate(), true, null, notBefore, notAfter));
    }

    /** This CA again, same name and key, with another validity: as a renewed CA certificate. */
    TestPki renewed(Instant notBefore, Instant notAfter) {
        String subject = cert.getSubjectX500Principal().getName("RFC2253");
        return new TestPki(keys, build(subject, keys, subject, keys.getPrivate(), true, null, notBefore, notAfter));
    }

    TestPki leaf(String subject, KeyPurposeId[] usages, Instant notBefore, Instant notAfter) {
        KeyPair k = ecKeys();
        return new TestPki(k, build(subject, k, cert.getSubjectX500Principal().getName("RFC2253"), keys.getPrivate(), false, usages, notBefore, notAfter));
    }

    TestPki client(String subject) {
        return leaf(subject, new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}, NOW.minusSeconds(3600), NOW.plusSeconds(86400L * 3650));
    }

    TestPki intermediate(String cn) {
        return intermediate(cn, NOW.minusSeconds(86400), NOW.plusSeconds(86400L * 3650));
    }

    TestPki intermediate(String cn, Instant notBefore, Instant notAfter) {
        KeyPair k = ecKeys();
        return new TestPki(k, build("CN=" + cn, k, cert.getSubjectX500Principal().getName("RFC2253"), keys.getPrivate(), true, null,
                notBefore, notAfter));
    }

    /** A localhost server certificate valid for now (wall clock). */
    TestPki server() {
        KeyPair k = ecKeys();
        return new TestPki(k, build("CN=localhost", k, cert.getSubjectX500Principal().getName("RFC2253"), keys.getPrivate(), false,
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth},
                Instant.now().minusSeconds(3600), Instant.now().plusSeconds(86400)));
    }

    SSLContext serverContext() {
        return Tls.server(List.of(cert), keys.getPrivate());
    }

    String certPem() { return pem(cert); }
    String keyPem() { return pem(keys.getPrivate()); }

    static String pem(Object o) {
        try {
            var out = new java.io.StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(out)) { w.writeObject(o); }
            return out.toString();
        } catch (Exception e) { throw new IllegalStateException(e); }
    }

    private static X509Certificate build(String subject, KeyPair k, String issuer, PrivateKey signer, boolean ca,
                                         KeyPurposeId[] usages, Instant notBefore, Instant notAfter) {
        try {
            var b = new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(SERIAL.incrementAndGet()),
                    Date.from(notBefore), Date.from(notAfter), new X500Name(subject), k.getPublic());
            if (ca) {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            }
            if (usages != null && usages.length > 0) b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usages));
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (Exception e) { throw new IllegalStateException(e); }
    }

    static List<X509Certificate> chain(TestPki... certs) {
        return java.util.Arrays.stream(certs).map(TestPki::cert).toList();
    }
}
