package io.portcullis.e2e.authn;

import io.portcullis.pki.IssuedCertificate;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** SSL contexts from in-memory certificates: clients trusting one CA, optionally presenting a certificate, and servers. */
final class Tls {
    private Tls() {}

    static SSLContext trusting(X509Certificate ca) {
        return context(ca, null, null);
    }

    static SSLContext client(X509Certificate ca, X509Certificate cert, PrivateKey key) {
        return context(ca, cert, key);
    }

    static SSLContext server(IssuedCertificate serving) {
        return context(null, serving.certificate(), serving.privateKey());
    }

    private static SSLContext context(X509Certificate ca, X509Certificate cert, PrivateKey key) {
        try {
            TrustManagerFactory tmf = null;
            if (ca != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                trust.setCertificateEntry("ca", ca);
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (cert != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("key", key, new char[0], new Certificate[] {cert});
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
