package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import io.portcullis.server.TlsPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What TLS the server offers: by default TLS 1.3 and TLS 1.2 with ECDHE and an AEAD cipher only (no
 * CBC suites, nothing older); --tls-min-version and --tls-cipher-suites take kube-apiserver's names.
 */
class TlsTest {
    @TempDir Path dir;

    @Test
    void byDefaultOnlyAeadSuitesOfTls12AndTls13AreOffered() throws Exception {
        try (Server server = Server.start(ServerConfig.embedded(dir))) {
            assertThat(handshake(server, "TLSv1.3", "TLS_AES_128_GCM_SHA256")).isEqualTo("TLSv1.3");
            assertThat(handshake(server, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).isEqualTo("TLSv1.2");
            assertThat(handshake(server, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")).isEqualTo("TLSv1.2");
            for (String cbc : List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256")) {
                assertThatThrownBy(() -> handshake(server, "TLSv1.2", cbc)).as(cbc).isInstanceOf(IOException.class);
            }
            assertThatThrownBy(() -> handshake(server, "TLSv1.1", null)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void theMinimumVersionAndTheSuitesFollowTheFlags() throws Exception {
        ServerConfig config = ServerConfig.embedded(dir).withServing(s -> s.withTls("VersionTLS13", List.of()));
        try (Server server = Server.start(config)) {
            assertThat(handshake(server, "TLSv1.3", null)).isEqualTo("TLSv1.3");
            assertThatThrownBy(() -> handshake(server, "TLSv1.2", null)).isInstanceOf(IOException.class);
        }
        config = ServerConfig.embedded(dir).withServing(s -> s.withTls("VersionTLS12", List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")));
        try (Server server = Server.start(config)) {
            assertThat(handshake(server, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")).isEqualTo("TLSv1.2");
            assertThatThrownBy(() -> handshake(server, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))
                    .isInstanceOf(IOException.class);
            assertThat(handshake(server, "TLSv1.3", null)).as("TLS 1.3 suites are always on").isEqualTo("TLSv1.3");
        }
    }

    @Test
    void withItsOwnServingCertificateTheAdminKubeconfigTrustsThatCertificatesIssuer() throws Exception {
        io.portcullis.pki.CertificateAuthority ca = io.portcullis.pki.CertificateAuthority.generate("my-serving-ca");
        io.portcullis.pki.IssuedCertificate serving = ca.issueServer("my-apiserver", List.of("127.0.0.1", "localhost"),
                java.time.Duration.ofDays(1));
        Path cert = java.nio.file.Files.writeString(dir.resolve("serving.crt"), io.portcullis.pki.Pem.encode(serving.certificate(), ca.certificate()));
        Path key = java.nio.file.Files.writeString(dir.resolve("serving.key"), serving.privateKeyPem());
        ServerConfig config = ServerConfig.embedded(dir.resolve("data")).withServing(s -> s.withCertificate(cert, key));
        try (Server server = Server.start(config)) {
            AdminHttps admin = AdminHttps.fromKubeconfig(server.kubeconfig());
            assertThat(admin.get("/api/v1/namespaces/default").statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            VersionTLS11 | TLS_RC4                                   | --tls-cipher-suites: Cipher suite TLS_RC4 not supported or doesn't exist
            TLS1.2       | ''                                        | --tls-min-version: unknown tls version "TLS1.2"
            VersionTLS12 | tls_ecdhe_ecdsa_with_aes_128_gcm_sha256   | --tls-cipher-suites: Cipher suite tls_ecdhe_ecdsa_with_aes_128_gcm_sha256 not supported or doesn't exist
            """)
    void badFlagValuesAreRefusedNamingTheFlag(String minVersion, String suite, String message) {
        assertThatThrownBy(() -> TlsPolicy.check(minVersion, suite.isEmpty() ? List.of() : List.of(suite)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }

    @Test
    void kubeApiserversLegacyChaChaNamesAreAccepted() {
        TlsPolicy.check("VersionTLS12", List.of("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"));
    }

    /** The protocol negotiated by a client offering only this protocol (and suite, when given); an IOException when refused. */
    private static String handshake(Server server, String protocol, String suite) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", server.port())) {
            s.setEnabledProtocols(new String[] {protocol});
            if (suite != null) s.setEnabledCipherSuites(new String[] {suite});
            s.startHandshake();
            return s.getSession().getProtocol();
        } catch (IllegalArgumentException | SSLHandshakeException e) {
            throw new IOException(e);
        }
    }
}
