package io.portcullis.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority: a self-signed CA certificate and its key, able to issue client and
 * server certificates. New keys are EC P-256 (ECDSA with SHA-256), which makes TLS handshakes
 * and signing much cheaper than RSA 2048; an existing RSA CA loaded from disk signs with
 * SHA256withRSA.
 */
public final class CertificateAuthority {
    /** Certificates are backdated a little so that clocks slightly behind ours still accept them. */
    static final Duration BACKDATE = Duration.ofMinutes(5);
    public static final Duration CA_VALIDITY = Duration.ofDays(3650);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final Clock clock;

    public CertificateAuthority(X509Certificate certificate, PrivateKey privateKey, Clock clock) {
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.clock = clock;
        if (!Keys.matches(privateKey, certificate.getPublicKey())) {
            throw new IllegalArgumentException("the CA private key does not match the CA certificate "
                    + certificate.getSubjectX500Principal().getName());
        }
    }

    public CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
        this(certificate, privateKey, Clock.systemUTC());
    }

    /** A new self-signed CA (CA:true, keyCertSign and cRLSign, 10 years) on a fresh P-256 key. */
    public static CertificateAuthority generate(String commonName) {
        return generate(commonName, Clock.systemUTC());
    }

    public static CertificateAuthority generate(String commonName, Clock clock) {
        Instant now = clock.instant();
        return generate(commonName, now.minus(BACKDATE), now.plus(CA_VALIDITY), clock);
    }

    /** A CA with an explicit validity window (an expired CA, in tests). */
    public static CertificateAuthority generate(String commonName, Instant notBefore, Instant notAfter, Clock clock) {
        KeyPair keys = Keys.generateEcP256();
        X500Name subject = name(commonName, List.of());
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = convert(b.build(signer(keys.getPrivate())));
            return new CertificateAuthority(cert, keys.getPrivate(), clock);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate CA certificate: " + e.getMessage(), e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** A client certificate: CN = user name, O = groups, clientAuth, valid from now for {@code validity}. */
    public IssuedCertificate issueClient(String commonName, List<String> organizations, Duration validity) {
        Instant now = clock.instant();
        return issue(CertificateSpec.client(commonName, organizations, now.minus(BACKDATE), now.plus(validity)));
    }

    /** A serving certificate for the given DNS names and IP literals, serverAuth. */
    public IssuedCertificate issueServer(String commonName, List<String> subjectAltNames, Duration validity) {
        Instant now = clock.instant();
        return issue(CertificateSpec.server(commonName, subjectAltNames, now.minus(BACKDATE), now.plus(validity)));
    }

    /** A certificate for a fresh P-256 key, exactly as the spec says. */
    public IssuedCertificate issue(CertificateSpec spec) {
        KeyPair keys = Keys.generateEcP256();
        return new IssuedCertificate(sign(spec, keys.getPublic()), keys);
    }

    /** Signs a certificate for a public key held elsewhere (a CSR's, say). */
    public X509Certificate sign(CertificateSpec spec, PublicKey subjectKey) {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(spec.notBefore()), Date.from(spec.notAfter()),
                    name(spec.commonName(), spec.organizations()), subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage(subjectKey)))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            if (!spec.usages().isEmpty()) {
                List<KeyPurposeId> purposes = new ArrayList<>();
                if (spec.usages().contains(CertificateSpec.Usage.SERVER_AUTH)) purposes.add(KeyPurposeId.id_kp_serverAuth);
                if (spec.usages().contains(CertificateSpec.Usage.CLIENT_AUTH)) purposes.add(KeyPurposeId.id_kp_clientAuth);
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
            }
            if (!spec.subjectAltNames().isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, generalNames(spec.subjectAltNames()));
            }
            return convert(b.build(signer(privateKey)));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign certificate for " + spec.commonName() + ": " + e.getMessage(), e);
        }
    }

    /** True when this CA's key signed the certificate. */
    public boolean signed(X509Certificate cert) {
        try {
            cert.verify(certificate.getPublicKey());
            return cert.getIssuerX500Principal().equals(certificate.getSubjectX500Principal());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static final java.util.regex.Pattern IPV4 =
            java.util.regex.Pattern.compile("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

    /**
     * True for an IPv4 or IPv6 literal (brackets allowed around IPv6); anything else is a DNS name.
     * A text with a colon is never a DNS name: the JDK reads it as an IPv6 literal without any lookup
     * when it starts with a hexadecimal digit or a colon (zones are refused).
     */
    public static boolean isIpAddress(String san) {
        String s = unbracket(san);
        if (IPV4.matcher(s).matches()) return true;
        if (s.indexOf(':') < 0 || s.indexOf('%') >= 0 || s.isEmpty() || (Character.digit(s.charAt(0), 16) < 0 && s.charAt(0) != ':')) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(s) != null;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String unbracket(String s) {
        return s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    }

    private static GeneralNames generalNames(List<String> sans) {
        List<GeneralName> names = new ArrayList<>();
        for (String san : sans) {
            if (san.isBlank()) continue;
            String s = san.strip();
            names.add(isIpAddress(s) ? new GeneralName(GeneralName.iPAddress, unbracket(s)) : new GeneralName(GeneralName.dNSName, s));
        }
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static int keyUsage(PublicKey key) {
        // RSA keys may be used for key encipherment (TLS RSA key exchange); EC keys only sign
        return "RSA".equals(key.getAlgorithm()) ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature;
    }

    private static X500Name name(String cn, List<String> organizations) {
        X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
        for (String o : organizations) b.addRDN(BCStyle.O, o);
        b.addRDN(BCStyle.CN, cn);
        return b.build();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static ContentSigner signer(PrivateKey key) throws GeneralSecurityException {
        String alg = "RSA".equals(key.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            return new JcaContentSignerBuilder(alg).build(key);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static X509Certificate convert(X509CertificateHolder holder) throws CertificateException {
        return new JcaX509CertificateConverter().getCertificate(holder);
    }
}
