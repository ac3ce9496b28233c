package io.portcullis.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class X509AuthenticatorTest {
    static final TestPki CA = TestPki.ca("cluster-ca");
    static final TestPki OTHER_CA = TestPki.ca("other-ca");
    static final TestPki INTERMEDIATE = CA.intermediate("intermediate");
    static final TestPki EXPIRED_CA = TestPki.ca("expired-ca", TestPki.NOW.minusSeconds(7200), TestPki.NOW.minusSeconds(3600));
    static final TestPki FUTURE_CA = TestPki.ca("future-ca", TestPki.NOW.plusSeconds(3600), TestPki.NOW.plusSeconds(7200));
    static final TestPki RENEWED_CA = EXPIRED_CA.renewed(TestPki.NOW.minusSeconds(60), TestPki.NOW.plusSeconds(86400));
    static final Clock CLOCK = Clock.fixed(TestPki.NOW, ZoneOffset.UTC);
    static final X509Authenticator AUTHN = new X509Authenticator(List.of(CA.cert(), EXPIRED_CA.cert(), FUTURE_CA.cert()), CLOCK);

    static Credentials peer(List<X509Certificate> chain) { return new Credentials(chain, List.of()); }

    static Stream<Arguments> rejected() {
        var soon = TestPki.NOW.plusSeconds(3600);
        var expiredIntermediate = CA.intermediate("expired-intermediate", TestPki.NOW.minusSeconds(7200), TestPki.NOW.minusSeconds(1));
        return Stream.of(
                arguments("a certificate from another CA", TestPki.chain(OTHER_CA.client("CN=alice")), "signed by unknown authority"),
                arguments("an expired certificate", TestPki.chain(CA.leaf("CN=alice", new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth},
                        TestPki.NOW.minusSeconds(7200), TestPki.NOW.minusSeconds(1))), "has expired or is not yet valid"),
                arguments("a certificate not yet valid", TestPki.chain(CA.leaf("CN=alice", new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth},
                        soon, soon.plusSeconds(3600))), "has expired or is not yet valid"),
                arguments("a server-only certificate", TestPki.chain(CA.leaf("CN=alice", new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth},
                        TestPki.NOW.minusSeconds(60), soon)), "incompatible key usage"),
                arguments("a self-signed leaf", TestPki.chain(TestPki.ca("alice")), "signed by unknown authority"),
                arguments("an empty CN that fails verification", TestPki.chain(OTHER_CA.client("O=devs")), "signed by unknown authority"),
                arguments("a leaf whose intermediate is missing", TestPki.chain(INTERMEDIATE.client("CN=alice")), "signed by unknown authority"),
                arguments("a CA that has expired", TestPki.chain(EXPIRED_CA.client("CN=alice")), "failed: x509: certificate signed by unknown "
                        + "authority (possibly because of \"x509: certificate has expired or is not yet valid: current time 2030-01-01T00:00:00Z "
                        + "is after 2029-12-31T23:00:00Z\" while trying to verify candidate authority certificate \"expired-ca\")"),
                arguments("a CA not yet valid", TestPki.chain(FUTURE_CA.client("CN=alice")), "failed: x509: certificate signed by unknown "
                        + "authority (possibly because of \"x509: certificate has expired or is not yet valid: current time 2030-01-01T00:00:00Z "
                        + "is before 2030-01-01T01:00:00Z\" while trying to verify candidate authority certificate \"future-ca\")"),
                arguments("an expired CA the client sends along", TestPki.chain(EXPIRED_CA.client("CN=alice"), EXPIRED_CA),
                        "signed by unknown authority (possibly because of \"x509: certificate has expired"),
                arguments("an expired intermediate", TestPki.chain(expiredIntermediate.client("CN=alice"), expiredIntermediate),
                        "signed by unknown authority"),
                arguments("the leaf, in Go's words", TestPki.chain(CA.leaf("CN=alice", new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth},
                        TestPki.NOW.minusSeconds(7200), TestPki.NOW.minusSeconds(1))), "failed: x509: certificate has expired or is not yet "
                        + "valid: current time 2030-01-01T00:00:00Z is after 2029-12-31T23:59:59Z"));
    }

    @ParameterizedTest(name = "{0}") @MethodSource
    void rejected(String name, List<X509Certificate> chain, String message) {
        assertThatThrownBy(() -> AUTHN.authenticate(peer(chain))).isInstanceOf(AuthenticationException.class).hasMessageContaining(message);
    }

    static Stream<Arguments> accepted() {
        var now = TestPki.NOW;
        return Stream.of(
                arguments("clientAuth", CA.client("CN=alice,O=devs,O=ops")),
                arguments("anyExtendedKeyUsage", CA.leaf("CN=alice,O=devs,O=ops", new KeyPurposeId[] {KeyPurposeId.anyExtendedKeyUsage},
                        now.minusSeconds(60), now.plusSeconds(60))),
                arguments("no ExtKeyUsage at all", CA.leaf("CN=alice,O=devs,O=ops", null, now.minusSeconds(60), now.plusSeconds(60))),
                arguments("server and client", CA.leaf("CN=alice,O=devs,O=ops",
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}, now.minusSeconds(60), now.plusSeconds(60))));
    }

    @ParameterizedTest(name = "{0}") @MethodSource
    void accepted(String name, TestPki leaf) throws Exception {
        UserInfo u = AUTHN.authenticate(peer(List.of(leaf.cert()))).orElseThrow();
        assertThat(u.name()).isEqualTo("alice");
        assertThat(u.groups()).containsExactly("devs", "ops");
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.cert().getEncoded()));
        assertThat(u.extra()).containsEntry(X509Authenticator.CREDENTIAL_ID, List.of("X509SHA256=" + hex));
    }

    @Test
    void intermediatesComeFromThePeerChain() throws Exception {
        var leaf = INTERMEDIATE.client("CN=bob");
        assertThat(AUTHN.authenticate(peer(TestPki.chain(leaf, INTERMEDIATE))).orElseThrow().name()).isEqualTo("bob");
    }

    @Test
    void aRenewedCaAuthenticatesNextToItsExpiredSelf() throws Exception {
        var both = new X509Authenticator(List.of(EXPIRED_CA.cert(), RENEWED_CA.cert()), CLOCK);
        assertThat(both.authenticate(peer(TestPki.chain(EXPIRED_CA.client("CN=dave")))).orElseThrow().name()).isEqualTo("dave");
    }

    @Test
    void anEmptyCommonNameIsNotOurs() throws Exception {
        assertThat(AUTHN.authenticate(peer(TestPki.chain(CA.client("O=devs"))))).isEmpty();
    }

    @Test
    void noCertificateIsNotOurs() throws Exception {
        assertThat(AUTHN.authenticate(Credentials.bearer("x"))).isEmpty();
    }

    static Stream<Arguments> aCachedVerdictIsRecheckedAgainstTheClock() {
        var shortCa = TestPki.ca("short-ca", TestPki.NOW.minusSeconds(60), TestPki.NOW.plusSeconds(10));
        return Stream.of(
                arguments("the leaf expires", CA, CA.leaf("CN=carol", new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth},
                        TestPki.NOW.minusSeconds(60), TestPki.NOW.plusSeconds(10))),
                arguments("the CA expires", shortCa, shortCa.client("CN=carol")));
    }

    @ParameterizedTest(name = "{0}") @MethodSource
    void aCachedVerdictIsRecheckedAgainstTheClock(String name, TestPki ca, TestPki leaf) throws Exception {
        var now = new java.util.concurrent.atomic.AtomicReference<>(TestPki.NOW);
        Clock moving = new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId z) { return this; }
            public java.time.Instant instant() { return now.get(); }
        };
        var authn = new X509Authenticator(List.of(ca.cert()), moving);
        assertThat(authn.authenticate(peer(List.of(leaf.cert())))).isPresent();
        now.set(TestPki.NOW.plusSeconds(11));
        assertThatThrownBy(() -> authn.authenticate(peer(List.of(leaf.cert())))).hasMessageContaining("has expired");
    }

    @Test
    void theClientCaFileJoinsTheClusterCa(@TempDir Path dir) throws Exception {
        Path bundle = dir.resolve("client-ca.pem");
        Files.writeString(bundle, OTHER_CA.certPem());
        var authn = X509Authenticator.load(List.of(CA.cert()), bundle, CLOCK);
        assertThat(authn.authenticate(peer(List.of(OTHER_CA.client("CN=a").cert())))).isPresent();
        assertThat(authn.authenticate(peer(List.of(CA.client("CN=b").cert())))).isPresent();
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "not a certificate");
        assertThatThrownBy(() -> X509Authenticator.load(List.of(CA.cert()), garbage, CLOCK))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--client-ca-file " + garbage);
    }
}
