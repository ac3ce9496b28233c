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
 * Certificates built and signed with Bouncy Castle, apart from {@link CertificateAuthority} so that
 * a start that only loads its PKI never loads Bouncy Castle's classes.
 */
final class X509Builder {
    private static final SecureRandom RANDOM = new SecureRandom();

    private X509Builder() {}

    /** A self-signed CA certificate (CA:true, keyCertSign and cRLSign) for the key pair. */
    static X509Certificate selfSignedCa(String commonName, KeyPair keys, Instant notBefore, Instant notAfter) {
        X500Name subject = name(commonName, List.of());
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return convert(b.build(signer(keys.getPrivate())));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate CA certificate: " + e.getMessage(), e);
        }
    }

    /** A certificate for the subject key, exactly as the spec says, signed by the issuer. */
    static X509Certificate signed(X509Certificate issuer, PrivateKey issuerKey, CertificateSpec spec, PublicKey subjectKey) {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial(),
                    Date.from(spec.notBefore()), Date.from(spec.notAfter()),
                    name(spec.commonName(), spec.organizations()), subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage(subjectKey)))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer));
            if (!spec.usages().isEmpty()) {
                List<KeyPurposeId> purposes = new ArrayList<>();
                if (spec.usages().contains(CertificateSpec.Usage.SERVER_AUTH)) purposes.add(KeyPurposeId.id_kp_serverAuth);
                if (spec.usages().contains(CertificateSpec.Usage.CLIENT_AUTH)) purposes.add(KeyPurposeId.id_kp_clientAuth);
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
            }
            if (!spec.subjectAltNames().isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, generalNames(spec.subjectAltNames()));
            }
            return convert(b.build(signer(issuerKey)));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign certificate for " + spec.commonName() + ": " + e.getMessage(), e);
        }
    }

    private static GeneralNames generalNames(List<String> sans) {
        List<GeneralName> names = new ArrayList<>();
        for (String san : sans) {
            if (san.isBlank()) continue;
            String s = san.strip();
            names.add(CertificateAuthority.isIpAddress(s) ? new GeneralName(GeneralName.iPAddress, CertificateAuthority.unbracket(s))
                    : new GeneralName(GeneralName.dNSName, s));
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
