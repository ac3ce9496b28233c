package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.TestServer;
import io.portcullis.testing.Tls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What TLS the server offers: by default TLS 1.3 and TLS 1.2 with ECDHE and an AEAD cipher only (no
 * CBC suites, nothing older); --tls-min-version and --tls-cipher-suites take kube-apiserver's names.
 */
@EndToEnd
class TlsTest {
    @RegisterExtension
    final TestServer server = TestServer.notStarted();

    @Test
    void byDefaultOnlyAeadSuitesOfTls12AndTls13AreOffered() throws Exception {
        server.start();
        assertThat(handshake("TLSv1.3", "TLS_AES_128_GCM_SHA256")).isEqualTo("TLSv1.3");
        assertThat(handshake("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).isEqualTo("TLSv1.2");
        assertThat(handshake("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")).isEqualTo("TLSv1.2");
        for (String cbc : List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256")) {
            assertThatThrownBy(() -> handshake("TLSv1.2", cbc)).as(cbc).isInstanceOf(IOException.class);
        }
        assertThatThrownBy(() -> handshake("TLSv1.1", null)).isInstanceOf(IOException.class);
    }

    @Test
    void theMinimumVersionAndTheSuitesFollowTheFlags() throws Exception {
        server.start(c -> c.withServing(s -> s.withTls("VersionTLS13", List.of())));
        assertThat(handshake("TLSv1.3", null)).isEqualTo("TLSv1.3");
        assertThatThrownBy(() -> handshake("TLSv1.2", null)).isInstanceOf(IOException.class);

        server.start(c -> c.withServing(s -> s.withTls("VersionTLS12", List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"))));
        assertThat(handshake("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")).isEqualTo("TLSv1.2");
        assertThatThrownBy(() -> handshake("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))
                .isInstanceOf(IOException.class);
        assertThat(handshake("TLSv1.3", null)).as("TLS 1.3 suites are always on").isEqualTo("TLSv1.3");
    }

    @Test
    void withItsOwnServingCertificateTheAdminKubeconfigTrustsThatCertificatesIssuer() throws Exception {
        io.portcullis.pki.CertificateAuthority ca = io.portcullis.pki.CertificateAuthority.generate("my-serving-ca");
        io.portcullis.pki.IssuedCertificate serving = ca.issueServer("my-apiserver", List.of("127.0.0.1", "localhost"),
                java.time.Duration.ofDays(1));
        Path cert = java.nio.file.Files.writeString(server.dir().resolve("serving.crt"), io.portcullis.pki.Pem.encode(serving.certificate(), ca.certificate()));
        Path key = java.nio.file.Files.writeString(server.dir().resolve("serving.key"), serving.privateKeyPem());
        server.start(c -> c.withServing(s -> s.withCertificate(cert, key)));
        Https admin = Https.fromKubeconfig(server.kubeconfig());
        assertThat(admin.get("/api/v1/namespaces/default").status()).isEqualTo(200);
    }

    /** The protocol negotiated by a client offering only this protocol (and suite, when given); an IOException when refused. */
    private String handshake(String protocol, String suite) throws Exception {
        try (SSLSocket s = (SSLSocket) Tls.trustingAnyServer().getSocketFactory().createSocket("127.0.0.1", server.port())) {
            s.setEnabledProtocols(new String[] {protocol});
            if (suite != null) s.setEnabledCipherSuites(new String[] {suite});
            s.startHandshake();
            return s.getSession().getProtocol();
        } catch (IllegalArgumentException | SSLHandshakeException e) {
            throw new IOException(e);
        }
    }
}
