package io.portcullis.authn;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.MessageDigest;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Client certificates (--client-ca-file): the peer chain, leaf first, must lead to a trust anchor
 * (PKIX, revocation off, time from the clock). As in Go's verifier, every certificate of the chain,
 * the anchor included, must be valid at the clock's time and fit for client auth (no ExtKeyUsage,
 * clientAuth or anyExtendedKeyUsage). user = CN (an empty CN is not ours), groups = every O in
 * order, extra credential-id = X509SHA256=&lt;hex of the leaf&gt;.
 * Verified chains are remembered for a minute (bounded), and always re-checked against the clock.
 */
public final class X509Authenticator implements Authenticator {
    public static final String CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_USAGE = "2.5.29.37.0";

    private final Set<TrustAnchor> anchors;
    private final Clock clock;
    private final Cache<String, Verified> verified;

    public X509Authenticator(Collection<X509Certificate> trusted, Clock clock) {
        if (trusted.isEmpty()) throw new IllegalArgumentException("no trusted client CA certificates");
        Set<TrustAnchor> set = new LinkedHashSet<>();
        for (X509Certificate c : trusted) set.add(new TrustAnchor(c, null));
        this.anchors = Set.copyOf(set);
        this.clock = clock;
        this.verified = Caffeine.newBuilder().maximumSize(4096).expireAfterWrite(Duration.ofMinutes(1)).executor(Runnable::run).build();
    }

    /** The cluster CA and, when given, the --client-ca-file bundle. */
    public static X509Authenticator load(Collection<X509Certificate> clusterCa, Path clientCaFile, Clock clock) {
        List<X509Certificate> all = new ArrayList<>(clusterCa);
        if (clientCaFile != null) all.addAll(readPem("--client-ca-file", clientCaFile));
        return new X509Authenticator(all, clock);
    }

    /** Every certificate of a PEM bundle; an unreadable file or one without certificates names the flag and file. */
    public static List<X509Certificate> readPem(String flag, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certs = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) certs.add((X509Certificate) c);
            if (certs.isEmpty()) throw new IllegalArgumentException(flag + " " + file + ": no certificates found");
            return certs;
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException(flag + " " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<UserInfo> authenticate(Credentials credentials) throws AuthenticationException {
        List<X509Certificate> chain = credentials.peerCertificates();
        if (chain.isEmpty()) return Optional.empty();
        String key = fingerprint(chain);
        Instant now = clock.instant();
        Verified v = verified.getIfPresent(key);
        if (v == null || now.isBefore(v.notBefore) || now.isAfter(v.notAfter)) {
            v = verify(chain, now);
            verified.put(key, v);
        }
        if (v.error != null) throw new AuthenticationException(v.error);
        return Optional.ofNullable(v.user);
    }

    /** A verdict and the time window it holds for: the intersection of the chain's validity. */
    private record Verified(UserInfo user, String error, Instant notBefore, Instant notAfter) {}

    private Verified verify(List<X509Certificate> chain, Instant now) {
        X509Certificate leaf = chain.get(0);
        String invalid = invalidAt(leaf, now);
        if (invalid != null) return failed(leaf, invalid, now);
        // as Go's verifier: an authority outside its own validity is no candidate (PKIX never checks an anchor's dates)
        Set<TrustAnchor> current = new LinkedHashSet<>();
        for (TrustAnchor a : anchors) {
            if (invalidAt(a.getTrustedCert(), now) == null) current.add(a);
        }
        List<X509Certificate> verified = new ArrayList<>();
        try {
            PKIXCertPathBuilderResult result = build(current, chain, now);
            for (Certificate c : result.getCertPath().getCertificates()) verified.add((X509Certificate) c);
            verified.add(result.getTrustAnchor().getTrustedCert());
        } catch (CertPathBuilderException | InvalidAlgorithmParameterException e) {   // the latter: no current anchor
            return failed(leaf, "x509: certificate signed by unknown authority" + outdatedAuthority(chain, now), now);
        } catch (GeneralSecurityException e) {
            return failed(leaf, e.getMessage(), now);
        }
        Instant notBefore = Instant.MIN, notAfter = Instant.MAX;
        for (X509Certificate c : verified) {
            if (!fitForClientAuth(c)) return failed(leaf, "x509: certificate specifies an incompatible key usage", now);
            if (c.getNotBefore().toInstant().isAfter(notBefore)) notBefore = c.getNotBefore().toInstant();
            if (c.getNotAfter().toInstant().isBefore(notAfter)) notAfter = c.getNotAfter().toInstant();
        }
        return new Verified(userOf(leaf).orElse(null), null, notBefore, notAfter);
    }

    // failures are remembered for a second at most: time moves on, and the verdict with it
    private static Verified failed(X509Certificate leaf, String why, Instant now) {
        return new Verified(null, "verifying certificate " + describe(leaf) + " failed: " + why, now, now.plusSeconds(1));
    }

    private static PKIXCertPathBuilderResult build(Set<TrustAnchor> anchors, List<X509Certificate> chain, Instant now)
            throws GeneralSecurityException {
        X509CertSelector target = new X509CertSelector();
        target.setCertificate(chain.get(0));
        PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
        params.setRevocationEnabled(false);
        params.setDate(Date.from(now));
        params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(chain)));
        return (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(params);
    }

    /** Go's hint when the chain leads only to an authority outside its validity, else empty. */
    private String outdatedAuthority(List<X509Certificate> chain, Instant now) {
        X509Certificate anchor;
        try {
            anchor = build(anchors, chain, now).getTrustAnchor().getTrustedCert();
        } catch (GeneralSecurityException e) {
            return "";
        }
        String why = invalidAt(anchor, now);
        if (why == null) return "";
        String name = userOf(anchor).map(UserInfo::name).orElse("serial:" + anchor.getSerialNumber());
        return " (possibly because of \"" + why + "\" while trying to verify candidate authority certificate \"" + name + "\")";
    }

    /** Go's words for a certificate used outside its validity at {@code now}; null when it is valid. */
    private static String invalidAt(X509Certificate c, Instant now) {
        Instant notBefore = c.getNotBefore().toInstant(), notAfter = c.getNotAfter().toInstant();
        String at = "x509: certificate has expired or is not yet valid: current time " + now.truncatedTo(ChronoUnit.SECONDS);
        if (now.isBefore(notBefore)) return at + " is before " + notBefore;
        if (now.isAfter(notAfter)) return at + " is after " + notAfter;
        return null;
    }

    private static boolean fitForClientAuth(X509Certificate c) {
        try {
            List<String> usages = c.getExtendedKeyUsage();
            return usages == null || usages.isEmpty() || usages.contains(CLIENT_AUTH) || usages.contains(ANY_USAGE);
        } catch (CertificateException e) {
            return false;
        }
    }

    private static Optional<UserInfo> userOf(X509Certificate leaf) {
        String cn = "";
        List<String> organizations = new ArrayList<>();
        try {
            // RDNs come last-first from LdapName; the subject's own order is first-first
            List<Rdn> rdns = new LdapName(leaf.getSubjectX500Principal().getName("RFC2253")).getRdns();
            for (Rdn rdn : rdns) {
                javax.naming.directory.Attributes attrs = rdn.toAttributes();
                var ids = attrs.getIDs();
                while (ids.hasMore()) {
                    String id = ids.next();
                    var values = attrs.get(id).getAll();
                    while (values.hasMore()) {
                        String value = String.valueOf(values.next());
                        if (id.equalsIgnoreCase("CN")) cn = value;
                        else if (id.equalsIgnoreCase("O")) organizations.add(value);
                    }
                }
            }
        } catch (javax.naming.NamingException e) {
            return Optional.empty();
        }
        if (cn.isEmpty()) return Optional.empty();
        Map<String, List<String>> extra = Map.of(CREDENTIAL_ID, List.of("X509SHA256=" + sha256Hex(leaf)));
        return Optional.of(new UserInfo(cn, "", organizations, extra));
    }

    private static String describe(X509Certificate leaf) {
        return "SN=" + leaf.getSerialNumber();
    }

    private static String fingerprint(List<X509Certificate> chain) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (X509Certificate c : chain) d.update(c.getEncoded());
            return HexFormat.of().formatHex(d.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256Hex(X509Certificate c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
