package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.pki.CertificateAuthority;
import io.portcullis.pki.CertificateSpec;
import io.portcullis.pki.ClusterPki;
import io.portcullis.pki.Keys;
import io.portcullis.pki.Pem;
import io.portcullis.server.Server;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.TestServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The listener's TLS: any serving key form an operator may hand over (PKCS#1 RSA and SEC1 EC keys
 * among them) serves HTTP/2 and HTTP/1.1 and takes client certificates; and a start on a data
 * directory that already holds its PKI loads none of Bouncy Castle's classes (a signed jar, slow
 * to load and never class-data shared), nor picocli's command model.
 */
@EndToEnd
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServingTlsE2eTest {
    static final CertificateAuthority SERVING_CA = CertificateAuthority.generate("serving-ca");

    @RegisterExtension final TestServer fixture = TestServer.notStarted();

    @Test
    void anRsaServingKeyInPkcs1FormServesHttp2AndTakesClientCertificates() throws Exception {
        servesWith(Keys.generateRsa(2048), "-----BEGIN RSA PRIVATE KEY-----");
    }

    @Test
    void anEcServingKeyInSec1FormServesHttp2AndTakesClientCertificates() throws Exception {
        servesWith(Keys.generateEcP256(), "-----BEGIN EC PRIVATE KEY-----");
    }

    private void servesWith(KeyPair keys, String pemHeader) throws Exception {
        Instant now = Instant.now();
        var cert = SERVING_CA.sign(CertificateSpec.server("apiserver", List.of("127.0.0.1", "localhost"), now.minusSeconds(60),
                now.plus(Duration.ofDays(1))), keys.getPublic());
        Path certFile = Files.writeString(fixture.dir().resolve("serving.crt"), Pem.encode(cert));
        String key = Pem.encodeTraditional(keys.getPrivate());
        assertThat(key).startsWith(pemHeader);
        Path keyFile = Files.writeString(fixture.dir().resolve("serving.key"), key);
        Server server = fixture.start(c -> c.withServing(s -> s.withCertificate(certFile, keyFile))).server();

        Https anonymous = Https.to(server.url(), SERVING_CA.certificate());
        Https admin = anonymous.withClientCertificate(server.pki().adminCertificate(), server.pki().adminKey());
        for (Https client : List.of(admin, admin.overHttp2())) {
            HttpResponse<String> r = client.client().send(client.request("/api/v1/namespaces/default").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.sslSession().orElseThrow().getPeerCertificates()[0]).isEqualTo(cert);
            if (client != admin) assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        }
        // no client certificate: anonymous, forbidden by RBAC rather than refused by the handshake
        assertThat(anonymous.get("/api/v1/namespaces/default").status()).isEqualTo(403);
    }

    @Test
    void aStartOnAnExistingDataDirectoryLoadsNoBouncyCastleClassNorPicocliCommandModel() throws Exception {
        Path data = fixture.dir().resolve("data");
        ClusterPki pki = ClusterPki.loadOrCreate(data, List.of(), Clock.systemUTC());
        Path classes = fixture.dir().resolve("classes.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xlog:class+load=info:file=" + classes, "-cp", System.getProperty("java.class.path"),
                "io.portcullis.cli.Main", "server", "--data-dir", data.toString(), "--secure-port", "0")
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String url = null;
            for (String line; url == null && (line = out.readLine()) != null; ) {
                if (line.startsWith("Portcullis is serving the Kubernetes API at ")) url = line.substring(line.lastIndexOf(' ') + 1);
            }
            assertThat(url).as("the server's announcement").isNotNull();
            Https admin = Https.to(url, pki.caCertificate()).withClientCertificate(pki.adminCertificate(), pki.adminKey()).overHttp2();
            admin.get("/api/v1/namespaces/default").expect(200);
        } finally {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        List<String> loaded = Files.readAllLines(classes);
        assertThat(loaded).as("classes loaded").hasSizeGreaterThan(1000);
        assertThat(loaded).filteredOn(l -> l.contains("org.bouncycastle.")).isEmpty();
        // the flags were read without picocli's command model
        assertThat(loaded).filteredOn(l -> l.contains(" picocli.CommandLine source:")).isEmpty();
    }
}
