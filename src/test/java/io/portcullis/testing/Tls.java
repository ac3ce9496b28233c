package io.portcullis.testing;

import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * SSL contexts from in-memory certificates: a client trusting some CAs and nothing else, with or
 * without a certificate of its own; a server; and, for raw-socket tests of the TLS layer itself, a
 * client that trusts any server.
 */
public final class Tls {
    private Tls() {}

    /** A client that trusts these CAs only and presents no certificate. */
    public static SSLContext trusting(List<X509Certificate> cas) {
        return context(cas, List.of(), null);
    }

    /** A client that trusts these CAs only and presents this certificate chain, its key first. */
    public static SSLContext client(List<X509Certificate> cas, List<X509Certificate> chain, PrivateKey key) {
        return context(cas, chain, key);
    }

    /** A server presenting this certificate chain; the JDK's default trust for client certificates. */
    public static SSLContext server(List<X509Certificate> chain, PrivateKey key) {
        return context(null, chain, key);
    }

    /** A client that accepts any server certificate: for tests of handshakes and connections, never of who is who. */
    public static SSLContext trustingAnyServer() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
                @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
                @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }}, null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build an SSL context: " + e, e);
        }
    }

    /** {@code cas} null: the JDK's default trust; an empty {@code chain}: no certificate of its own. */
    private static SSLContext context(List<X509Certificate> cas, List<X509Certificate> chain, PrivateKey key) {
        try {
            TrustManagerFactory tmf = null;
            if (cas != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                for (int i = 0; i < cas.size(); i++) trust.setCertificateEntry("ca" + i, cas.get(i));
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (!chain.isEmpty()) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("key", key, new char[0], chain.toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, new char[0]);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build an SSL context: " + e, e);
        }
    }
}
