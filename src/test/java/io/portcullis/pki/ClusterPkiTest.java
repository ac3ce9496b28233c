package io.portcullis.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterPkiTest {
    @TempDir Path data;
    final Clock clock = Clock.systemUTC();

    @Test
    void firstStartWritesEveryFileWithPrivateKeysOwnerOnly() throws IOException {
        ClusterPki pki = ClusterPki.loadOrCreate(data, List.of(), clock);
        for (String name : List.of("ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "sa.key", "sa.pub", "admin.crt", "admin.key")) {
            assertThat(data.resolve("pki").resolve(name)).exists();
        }
        for (Path key : pki.privateKeyFiles()) {
            assertThat(Files.getPosixFilePermissions(key)).as(key.toString()).isEqualTo(SecureFiles.OWNER_ONLY);
        }
        assertThat(Files.readString(pki.serviceAccountKeyFile())).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(pki.serviceAccountPublicKeyFile())).startsWith("-----BEGIN PUBLIC KEY-----");
        assertThat(((RSAPublicKey) pki.serviceAccountPublicKey()).getModulus().bitLength()).isEqualTo(2048);
        assertThat(pki.caCertificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(pki.caCertificate().getKeyUsage()[5]).as("keyCertSign").isTrue();
    }

    @Test
    void secondStartReusesEveryFile() throws IOException {
        ClusterPki first = ClusterPki.loadOrCreate(data, List.of("api.example"), clock);
        ClusterPki second = ClusterPki.loadOrCreate(data, List.of("api.example"), clock);
        assertThat(second.caCertificate().getSerialNumber()).isEqualTo(first.caCertificate().getSerialNumber());
        assertThat(second.servingCertificate().getSerialNumber()).isEqualTo(first.servingCertificate().getSerialNumber());
        assertThat(second.adminCertificate().getSerialNumber()).isEqualTo(first.adminCertificate().getSerialNumber());
        assertThat(second.serviceAccountPublicKey().getEncoded()).isEqualTo(first.serviceAccountPublicKey().getEncoded());
        assertThat(second.caKey().getEncoded()).isEqualTo(first.caKey().getEncoded());
    }

    @Test
    void keysMadeAheadGoToOneClusterEachAndNeverReplaceAKeyOnDisk() throws IOException {
        KeysAhead.keepOneAhead();
        KeysAhead.prepare();
        ClusterPki a = ClusterPki.loadOrCreate(data.resolve("a"), List.of(), clock);
        KeysAhead.prepare();
        ClusterPki b = ClusterPki.loadOrCreate(data.resolve("b"), List.of(), clock);
        KeysAhead.prepare();
        ClusterPki aAgain = ClusterPki.loadOrCreate(data.resolve("a"), List.of(), clock);

        assertThat(b.serviceAccountPublicKey().getEncoded()).isNotEqualTo(a.serviceAccountPublicKey().getEncoded());
        assertThat(b.caKey().getEncoded()).isNotEqualTo(a.caKey().getEncoded());
        assertThat(aAgain.serviceAccountPublicKey().getEncoded()).isEqualTo(a.serviceAccountPublicKey().getEncoded());
        for (ClusterPki pki : List.of(a, b)) {
            assertThat(((RSAPublicKey) pki.serviceAccountPublicKey()).getModulus().bitLength()).isEqualTo(2048);
            assertThat(Keys.matches(Pem.readPrivateKey(pki.serviceAccountKeyFile()), Pem.readPublicKeys(pki.serviceAccountPublicKeyFile()).get(0)))
                    .as("sa.key and sa.pub are one pair").isTrue();
        }
        // the key still waiting is handed out once, then a new one is made
        assertThat(KeysAhead.rsa2048().getPublic().getEncoded()).isNotEqualTo(KeysAhead.rsa2048().getPublic().getEncoded());
    }

    @Test
    void servingCertificateNamesLoopbackHostAndExtraSans() throws Exception {
        ClusterPki pki = ClusterPki.loadOrCreate(data, List.of("10.1.2.3", "api.example", "[fd00::5]"), clock);
        var cert = pki.servingCertificate();
        assertThat(ClusterPki.sanSet(cert)).contains("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1", "10.1.2.3", "api.example", "fd00:0:0:0:0:0:0:5");
        assertThat(cert.getSubjectAlternativeNames()).contains(List.of(7, "10.1.2.3"), List.of(2, "api.example"), List.of(7, "127.0.0.1"));
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        cert.verify(pki.caCertificate().getPublicKey());
    }

    @Test
    void changedExtraSansReissueTheServingCertificateAndKeepTheCa() throws Exception {
        ClusterPki first = ClusterPki.loadOrCreate(data, List.of("a.example"), clock);
        ClusterPki second = ClusterPki.loadOrCreate(data, List.of("b.example"), clock);
        assertThat(second.caCertificate().getSerialNumber()).isEqualTo(first.caCertificate().getSerialNumber());
        assertThat(second.servingCertificate().getSerialNumber()).isNotEqualTo(first.servingCertificate().getSerialNumber());
        assertThat(ClusterPki.sanSet(second.servingCertificate())).contains("b.example").doesNotContain("a.example");
        assertThat(Pem.readCertificates(second.servingCertificateFile()).get(0)).isEqualTo(second.servingCertificate());
        assertThat(Files.getPosixFilePermissions(second.servingKeyFile())).isEqualTo(SecureFiles.OWNER_ONLY);
        second.servingCertificate().verify(first.caCertificate().getPublicKey());
    }

    @Test
    void leafCertificatesNearExpiryAreReissued() throws IOException {
        ClusterPki first = ClusterPki.loadOrCreate(data, List.of(), clock);
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(350)), ZoneOffset.UTC);
        ClusterPki second = ClusterPki.loadOrCreate(data, List.of(), later);
        assertThat(second.caCertificate().getSerialNumber()).isEqualTo(first.caCertificate().getSerialNumber());
        assertThat(second.servingCertificate().getSerialNumber()).isNotEqualTo(first.servingCertificate().getSerialNumber());
        assertThat(second.adminCertificate().getSerialNumber()).isNotEqualTo(first.adminCertificate().getSerialNumber());
    }

    @Test
    void adminCertificateIsAClientCertificateInSystemMasters() throws Exception {
        ClusterPki pki = ClusterPki.loadOrCreate(data, List.of(), clock);
        var cert = pki.adminCertificate();
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=portcullis-admin,O=system:masters");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        cert.verify(pki.caCertificate().getPublicKey());
    }

    @Test
    void aCaKeyThatDoesNotMatchStopsTheStartNamingTheFile() throws IOException {
        ClusterPki.loadOrCreate(data, List.of(), clock);
        Pem.writePrivateKey(data.resolve("pki/ca.key"), Keys.generateEcP256().getPrivate());
        assertThatThrownBy(() -> ClusterPki.loadOrCreate(data, List.of(), clock))
                .isInstanceOf(IOException.class).hasMessageContaining("ca.key");
    }

    @Test
    void aLoneCaCertificateIsNotSilentlyReplaced() throws IOException {
        ClusterPki.loadOrCreate(data, List.of(), clock);
        Files.delete(data.resolve("pki/ca.key"));
        assertThatThrownBy(() -> ClusterPki.loadOrCreate(data, List.of(), clock))
                .isInstanceOf(IOException.class).hasMessageContaining("ca.key");
    }
}
