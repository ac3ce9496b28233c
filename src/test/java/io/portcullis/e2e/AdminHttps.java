package io.portcullis.e2e;

import io.portcullis.pki.Pem;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** A plain JDK HTTPS client holding the admin kubeconfig's client certificate and trusting its CA. */
record AdminHttps(HttpClient client, String server) {

    static AdminHttps fromKubeconfig(Path kubeconfig) throws Exception {
        return of(kubeconfig, true);
    }

    /** The same server with no credentials at all: every request is system:anonymous. */
    static AdminHttps anonymous(Path kubeconfig) throws Exception {
        return of(kubeconfig, false);
    }

    private static AdminHttps of(Path kubeconfig, boolean withCertificate) throws Exception {
        JsonNode root = YAMLMapper.builder().build().readTree(Files.readString(kubeconfig));
        JsonNode cluster = root.get("clusters").get(0).get("cluster");
        JsonNode user = root.get("users").get(0).get("user");
        List<X509Certificate> ca = Pem.parseCertificates(decode(cluster.get("certificate-authority-data").asString()));
        KeyManagerFactory kmf = null;
        if (withCertificate) {
            List<X509Certificate> chain = Pem.parseCertificates(decode(user.get("client-certificate-data").asString()));
            PrivateKey key = privateKey(decode(user.get("client-key-data").asString()));
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("admin", key, new char[0], chain.toArray(new Certificate[0]));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < ca.size(); i++) trust.setCertificateEntry("ca" + i, ca.get(i));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);

        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        return new AdminHttps(client, cluster.get("server").asString());
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    private static PrivateKey privateKey(String pem) throws Exception {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) return converter.getKeyPair(pair).getPrivate();
            if (o instanceof PrivateKeyInfo info) return converter.getPrivateKey(info);
            throw new IllegalArgumentException("no private key in the kubeconfig: " + o);
        }
    }

    HttpResponse<String> send(String method, String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + path)).timeout(Duration.ofSeconds(20));
        if (contentType != null) b.header("Content-Type", contentType);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
        return send(method, path, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null, (byte[]) null);
    }

    /** A GET with the given headers (name, value, name, value...), its body as bytes. */
    HttpResponse<byte[]> getBytes(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + path)).timeout(Duration.ofSeconds(20)).GET();
        if (headers.length > 0) b.headers(headers);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(server + path)).timeout(Duration.ofSeconds(20)).header("Accept", accept).GET().build();
        return client.send(r, HttpResponse.BodyHandlers.ofString());
    }
}
