package io.portcullis.pki;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The cluster's key material under {@code <dataDir>/pki}, made on the first start and reused on
 * later ones:
 * <ul>
 *   <li>{@code ca.crt}, {@code ca.key}: the cluster CA (self-signed, 10 years, EC P-256);</li>
 *   <li>{@code apiserver.crt}, {@code apiserver.key}: the serving certificate (serverAuth) for
 *       localhost, this host's name, 127.0.0.1, ::1 and the extra SANs; re-issued when the SANs
 *       change, when it was not signed by the CA, or when it is within 30 days of expiry;</li>
 *   <li>{@code sa.key}, {@code sa.pub}: the ServiceAccount token signing key (RSA 2048, PKCS#8 /
 *       PKIX PEM);</li>
 *   <li>{@code admin.crt}, {@code admin.key}: a client certificate for {@code portcullis-admin}
 *       in {@code system:masters}.</li>
 * </ul>
 * Every file is mode 0600 and the directories 0700 from creation. A CA key that does not match
 * its certificate, or an unreadable file, stops the start with an IOException naming the file.
 */
public final class ClusterPki {
    public static final String ADMIN_USER = "portcullis-admin";
    public static final String ADMIN_GROUP = "system:masters";
    public static final String CA_COMMON_NAME = "portcullis-ca";
    public static final String SERVING_COMMON_NAME = "portcullis-apiserver";
    static final Duration LEAF_VALIDITY = Duration.ofDays(365);
    static final Duration RENEW_BEFORE = Duration.ofDays(30);

    private final Path dir;
    private final CertificateAuthority ca;
    private final IssuedCertificate serving;
    private final KeyPair serviceAccountKeys;
    private final IssuedCertificate admin;
    private final List<String> servingSans;

    private ClusterPki(Path dir, CertificateAuthority ca, IssuedCertificate serving, List<String> servingSans,
                       KeyPair serviceAccountKeys, IssuedCertificate admin) {
        this.dir = dir;
        this.ca = ca;
        this.serving = serving;
        this.servingSans = servingSans;
        this.serviceAccountKeys = serviceAccountKeys;
        this.admin = admin;
    }

    public static ClusterPki loadOrCreate(Path dataDir, List<String> extraSans, Clock clock) throws IOException {
        Path dir = dataDir.resolve("pki");
        SecureFiles.createPrivateDirectory(dir);

        // a new RSA key is a random prime search (50-400 ms): it runs beside the CA and its certificates,
        // unless one was made ahead (KeysAhead)
        FutureTask<KeyPair> sa = new FutureTask<>(() -> loadOrCreateServiceAccountKey(dir));
        Thread saThread = new Thread(sa, "sa-key");
        saThread.setDaemon(true);
        saThread.start();
        CertificateAuthority ca = loadOrCreateCa(dir, clock);
        List<String> sans = servingSans(extraSans);
        IssuedCertificate serving = loadOrIssue(dir.resolve("apiserver.crt"), dir.resolve("apiserver.key"), ca, clock,
                cert -> sanSet(cert).equals(normalized(sans)),
                () -> ca.issueServer(SERVING_COMMON_NAME, sans, LEAF_VALIDITY));
        IssuedCertificate admin = loadOrIssue(dir.resolve("admin.crt"), dir.resolve("admin.key"), ca, clock,
                cert -> true,
                () -> ca.issueClient(ADMIN_USER, List.of(ADMIN_GROUP), LEAF_VALIDITY));
        return new ClusterPki(dir, ca, serving, sans, joined(sa), admin);
    }

    private static KeyPair joined(FutureTask<KeyPair> task) throws IOException {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading the ServiceAccount key", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IOException(e.getCause());
        }
    }

    /** The names a serving certificate gets: localhost, the host name, loopback IPs, then the extras. */
    static List<String> servingSans(List<String> extraSans) {
        Set<String> sans = new LinkedHashSet<>();
        sans.add("localhost");
        try {
            String host = InetAddress.getLocalHost().getHostName();
            if (host != null && !host.isBlank()) sans.add(host);
        } catch (IOException | SecurityException e) {
            // a host without a resolvable name still serves on localhost
        }
        sans.add("127.0.0.1");
        sans.add("::1");
        for (String s : extraSans) {
            if (s != null && !s.isBlank()) sans.add(s.strip());
        }
        return List.copyOf(sans);
    }

    private static CertificateAuthority loadOrCreateCa(Path dir, Clock clock) throws IOException {
        Path crt = dir.resolve("ca.crt");
        Path key = dir.resolve("ca.key");
        if (Files.exists(crt) && Files.exists(key)) {
            X509Certificate cert = Pem.readCertificates(crt).get(0);
            PrivateKey pk = Pem.readPrivateKey(key);
            try {
                return new CertificateAuthority(cert, pk, clock);
            } catch (IllegalArgumentException e) {
                throw new IOException(key + " does not hold the private key of " + crt);
            }
        }
        if (Files.exists(crt) || Files.exists(key)) {
            throw new IOException("found only one of " + crt + " and " + key + "; restore the other or remove both");
        }
        CertificateAuthority ca = CertificateAuthority.generate(CA_COMMON_NAME, clock);
        Pem.writePrivateKey(key, ca.privateKey());
        Pem.writeCertificates(crt, ca.certificate());
        return ca;
    }

    private interface Check {
        boolean ok(X509Certificate cert) throws IOException;
    }

    private interface Issue {
        IssuedCertificate issue();
    }

    private static IssuedCertificate loadOrIssue(Path crt, Path key, CertificateAuthority ca, Clock clock,
                                                 Check stillRight, Issue issue) throws IOException {
        if (Files.exists(crt) && Files.exists(key)) {
            X509Certificate cert = Pem.readCertificates(crt).get(0);
            PrivateKey pk = Pem.readPrivateKey(key);
            Instant renewAt = cert.getNotAfter().toInstant().minus(RENEW_BEFORE);
            if (ca.signed(cert) && Keys.matches(pk, cert.getPublicKey())
                    && clock.instant().isBefore(renewAt) && stillRight.ok(cert)) {
                return new IssuedCertificate(cert, new KeyPair(cert.getPublicKey(), pk));
            }
        }
        IssuedCertificate issued = issue.issue();
        Pem.writePrivateKey(key, issued.privateKey());
        Pem.writeCertificates(crt, issued.certificate());
        return issued;
    }

    private static KeyPair loadOrCreateServiceAccountKey(Path dir) throws IOException {
        Path key = dir.resolve("sa.key");
        Path pub = dir.resolve("sa.pub");
        KeyPair pair;
        if (Files.exists(key)) {
            try {
                pair = Pem.readKeyPair(key);
            } catch (IllegalArgumentException e) {
                throw new IOException("unsupported key in " + key + ": " + e.getMessage());
            }
        } else {
            pair = KeysAhead.rsa2048();
            Pem.writePrivateKey(key, pair.getPrivate());
        }
        boolean pubRight = Files.exists(pub) && Pem.readPublicKeys(pub).stream().anyMatch(k -> Keys.samePublicKey(k, pair.getPublic()));
        if (!pubRight) Pem.writePublicKey(pub, pair.getPublic());
        return pair;
    }

    /** Subject alternative names of a certificate, as lower-case DNS names and canonical IP text. */
    static Set<String> sanSet(X509Certificate cert) throws IOException {
        Set<String> out = new TreeSet<>();
        Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new IOException("unreadable subject alternative names: " + e.getMessage());
        }
        if (names == null) return out;
        for (List<?> n : names) {
            Object value = n.get(1);
            if (value instanceof String s) out.add(canonical(s));
        }
        return out;
    }

    private static Set<String> normalized(List<String> sans) {
        Set<String> out = new TreeSet<>();
        for (String s : sans) out.add(canonical(s));
        return out;
    }

    private static String canonical(String san) {
        if (!CertificateAuthority.isIpAddress(san)) return san.toLowerCase(Locale.ROOT);
        String s = san.startsWith("[") ? san.substring(1, san.length() - 1) : san;
        try {
            return InetAddress.getByName(s).getHostAddress();   // a literal: no lookup happens
        } catch (IOException e) {
            return s;
        }
    }

    public Path directory() { return dir; }
    public CertificateAuthority certificateAuthority() { return ca; }
    public X509Certificate caCertificate() { return ca.certificate(); }
    public PrivateKey caKey() { return ca.privateKey(); }
    public Path caCertificateFile() { return dir.resolve("ca.crt"); }
    public Path caKeyFile() { return dir.resolve("ca.key"); }

    public X509Certificate servingCertificate() { return serving.certificate(); }
    public PrivateKey servingKey() { return serving.privateKey(); }
    public List<String> servingSubjectAltNames() { return servingSans; }
    public Path servingCertificateFile() { return dir.resolve("apiserver.crt"); }
    public Path servingKeyFile() { return dir.resolve("apiserver.key"); }

    public KeyPair serviceAccountKeyPair() { return serviceAccountKeys; }
    public PrivateKey serviceAccountPrivateKey() { return serviceAccountKeys.getPrivate(); }
    public PublicKey serviceAccountPublicKey() { return serviceAccountKeys.getPublic(); }
    public Path serviceAccountKeyFile() { return dir.resolve("sa.key"); }
    public Path serviceAccountPublicKeyFile() { return dir.resolve("sa.pub"); }

    public X509Certificate adminCertificate() { return admin.certificate(); }
    public PrivateKey adminKey() { return admin.privateKey(); }
    public Path adminCertificateFile() { return dir.resolve("admin.crt"); }
    public Path adminKeyFile() { return dir.resolve("admin.key"); }

    /** Every private key file this PKI keeps. */
    public List<Path> privateKeyFiles() {
        return new ArrayList<>(List.of(caKeyFile(), servingKeyFile(), serviceAccountKeyFile(), adminKeyFile()));
    }
}
