package io.portcullis.server;

import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;

/**
 * kube-apiserver's --tls-min-version and --tls-cipher-suites, turned into the JDK's protocol and
 * cipher suite names. The names accepted are kube-apiserver's (Go's secure and insecure suites
 * and two legacy ChaCha20 aliases). By default TLS 1.2 offers only Go's default ECDHE suites with
 * an AEAD cipher (no CBC); TLS 1.3 suites, as in Go, are always on and not configurable.
 */
public final class TlsPolicy {
    public static final String DEFAULT_MIN_VERSION = "VersionTLS12";
    private static final List<String> TLS13 = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
    private static final List<String> DEFAULT_TLS12 = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    private static final Map<String, List<String>> VERSIONS = Map.of(
            "VersionTLS10", List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"),
            "VersionTLS11", List.of("TLSv1.1", "TLSv1.2", "TLSv1.3"),
            "VersionTLS12", List.of("TLSv1.2", "TLSv1.3"),
            "VersionTLS13", List.of("TLSv1.3"));
    /** Every suite name the flag takes, to the name the JDK knows the suite by. */
    private static final Map<String, String> SUITES = suites();

    private TlsPolicy() {}

    private static Map<String, String> suites() {
        Map<String, String> m = new TreeMap<>();
        for (String s : TLS13) m.put(s, s);
        for (String s : DEFAULT_TLS12) m.put(s, s);
        for (String s : List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
                "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
                "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
                "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")) {
            m.put(s, s);
        }
        m.put("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        m.put("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
        return Map.copyOf(m);
    }

    /** Refuses values kube-apiserver refuses, and suites this JVM cannot offer, naming the flag and the value. */
    public static void check(String minVersion, List<String> cipherSuites) {
        if (!VERSIONS.containsKey(minVersion)) {
            throw new IllegalArgumentException("--tls-min-version: unknown tls version \"" + minVersion + "\" (want one of "
                    + new TreeMap<>(VERSIONS).keySet() + ")");
        }
        if (cipherSuites.isEmpty()) return;   // the JDK's default TLS context is costly to build: only asked when a suite is named
        Set<String> available = Set.of(jdk().getSupportedSSLParameters().getCipherSuites());
        for (String name : cipherSuites) {
            String suite = SUITES.get(name);
            if (suite == null) throw new IllegalArgumentException("--tls-cipher-suites: Cipher suite " + name + " not supported or doesn't exist");
            if (!available.contains(suite)) throw new IllegalArgumentException("--tls-cipher-suites: " + name + " is not available in this JVM");
        }
    }

    /** The JDK protocol names from the minimum version up. */
    static Set<String> protocols(String minVersion) {
        check(minVersion, List.of());
        return new LinkedHashSet<>(VERSIONS.get(minVersion));
    }

    /** The JDK suite names to enable: the TLS 1.3 suites, then the named ones (or the defaults) for TLS 1.2 and below. */
    static List<String> cipherSuites(List<String> names) {
        check(DEFAULT_MIN_VERSION, names);
        Set<String> out = new LinkedHashSet<>(TLS13);
        for (String n : names.isEmpty() ? DEFAULT_TLS12 : names) out.add(SUITES.get(n));
        return new ArrayList<>(out);
    }

    private static SSLContext jdk() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no TLS", e);
        }
    }
}
