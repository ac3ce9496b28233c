package io.portcullis.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {
    static final CertificateAuthority CA = CertificateAuthority.generate("test-ca");
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    @Test
    void caIsSelfSignedWithCaConstraintAndCertSignUsageForTenYears() throws Exception {
        X509Certificate c = CA.certificate();
        c.verify(c.getPublicKey());
        assertThat(c.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(c.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=test-ca");
        Duration life = Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
        assertThat(life).isGreaterThanOrEqualTo(Duration.ofDays(3650));
    }

    @Test
    void clientCertificateCarriesUserAsCnAndGroupsAsOrganizations() throws Exception {
        X509Certificate c = CA.issueClient("alice", List.of("devs", "ops"), Duration.ofHours(1)).certificate();
        c.verify(CA.certificate().getPublicKey());
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=alice,O=ops,O=devs");
        assertThat(c.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(CA.signed(c)).isTrue();
        assertThat(CertificateAuthority.generate("other").signed(c)).isFalse();
    }

    @Test
    void serverCertificateListsDnsAndIpSansAndServerAuth() throws Exception {
        X509Certificate c = CA.issueServer("srv", List.of("localhost", "10.0.0.1", "[::1]", "api.example"), Duration.ofHours(1)).certificate();
        assertThat(c.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(ClusterPki.sanSet(c)).containsExactlyInAnyOrder("localhost", "10.0.0.1", "0:0:0:0:0:0:0:1", "api.example");
        assertThat(c.getSubjectAlternativeNames()).contains(List.of(7, "10.0.0.1"), List.of(2, "api.example"), List.of(2, "localhost"));
    }

    @Test
    void explicitValidityMakesExpiredAndNotYetValidCertificates() {
        Instant now = Instant.now();
        CertificateSpec base = CertificateSpec.client("bob", List.of(), now.minusSeconds(7200), now.minusSeconds(3600));
        X509Certificate expired = CA.issue(base).certificate();
        assertThatThrownBy(() -> expired.checkValidity(new Date())).isInstanceOf(CertificateExpiredException.class);
        X509Certificate future = CA.issue(base.withValidity(now.plusSeconds(3600), now.plusSeconds(7200))).certificate();
        assertThatThrownBy(() -> future.checkValidity(new Date())).isInstanceOf(CertificateNotYetValidException.class);
    }

    @Test
    void usagesCanBeChosenToMakeServerOnlyOrDualCertificates() throws Exception {
        Instant now = Instant.now();
        CertificateSpec spec = CertificateSpec.client("carol", List.of("g"), now, now.plusSeconds(60));
        assertThat(CA.issue(spec.withUsages(Set.of(CertificateSpec.Usage.SERVER_AUTH))).certificate().getExtendedKeyUsage())
                .containsExactly(SERVER_AUTH);
        assertThat(CA.issue(spec.withUsages(Set.of(CertificateSpec.Usage.SERVER_AUTH, CertificateSpec.Usage.CLIENT_AUTH)))
                .certificate().getExtendedKeyUsage()).containsExactlyInAnyOrder(SERVER_AUTH, CLIENT_AUTH);
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateIsRefused() {
        CertificateAuthority other = CertificateAuthority.generate("other");
        assertThatThrownBy(() -> new CertificateAuthority(CA.certificate(), other.privateKey()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not match");
    }

    @Test
    void tellsIpLiteralsFromDnsNames() {
        assertThat(CertificateAuthority.isIpAddress("127.0.0.1")).isTrue();
        assertThat(CertificateAuthority.isIpAddress("::1")).isTrue();
        assertThat(CertificateAuthority.isIpAddress("[fe80::1]")).isTrue();
        assertThat(CertificateAuthority.isIpAddress("localhost")).isFalse();
        assertThat(CertificateAuthority.isIpAddress("1.2.3.4.nip.io")).isFalse();
        assertThat(CertificateAuthority.isIpAddress("300.1.1.1")).isFalse();
        assertThat(CertificateAuthority.isIpAddress("::ffff:10.0.0.1")).isTrue();
        assertThat(CertificateAuthority.isIpAddress("2001:db8::8a2e:370:7334")).isTrue();
        assertThat(CertificateAuthority.isIpAddress("01.2.3.4")).isFalse();
        assertThat(CertificateAuthority.isIpAddress("1.2.3")).isFalse();
        assertThat(CertificateAuthority.isIpAddress("fe80::1%eth0")).isFalse();
        assertThat(CertificateAuthority.isIpAddress("a:b")).isFalse();
        assertThat(CertificateAuthority.isIpAddress("host:80")).isFalse();
        assertThat(CertificateAuthority.isIpAddress("")).isFalse();
    }
}
