package io.portcullis.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

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
        return new CertificateAuthority(X509Builder.selfSignedCa(commonName, keys, notBefore, notAfter), keys.getPrivate(), clock);
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
        return X509Builder.signed(certificate, privateKey, spec, subjectKey);
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

    static String unbracket(String s) {
        return s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    }
}
