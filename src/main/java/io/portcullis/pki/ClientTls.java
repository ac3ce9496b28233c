package io.portcullis.pki;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** TLS for the server's own outgoing calls (webhooks, the OIDC issuer). */
public final class ClientTls {
    private ClientTls() {}

    /**
     * A client context trusting {@code caPem} (null: the system trust store), presenting the
     * client certificate and key when both are given; {@code insecure} skips server verification,
     * as a kubeconfig's insecure-skip-tls-verify.
     */
    public static SSLContext context(byte[] caPem, byte[] certPem, byte[] keyPem, boolean insecure)
            throws IOException, GeneralSecurityException {
        if ((certPem == null) != (keyPem == null)) throw new IllegalArgumentException("client-certificate and client-key must be given together");
        TrustManager[] trust = null;
        if (insecure) {
            trust = new TrustManager[] {new X509TrustManager() {
                @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
                @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
                @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            }};
        } else if (caPem != null) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (X509Certificate c : Pem.parseCertificates(new String(caPem, StandardCharsets.US_ASCII))) store.setCertificateEntry("ca" + i++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            trust = tmf.getTrustManagers();
        }
        KeyManagerFactory kmf = null;
        if (certPem != null) {
            List<X509Certificate> chain = Pem.parseCertificates(new String(certPem, StandardCharsets.US_ASCII));
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", Pem.parsePrivateKey(new String(keyPem, StandardCharsets.US_ASCII), "client-key"), new char[0],
                    chain.toArray(new Certificate[0]));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), trust, null);
        return ctx;
    }
}
