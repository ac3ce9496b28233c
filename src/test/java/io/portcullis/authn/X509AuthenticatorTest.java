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
    static final Clock CLOCK = Clock.fixed(TestPki.NOW, ZoneOffset.UTC);
    static final X509Authenticator AUTHN = new X509Authenticator(List.of(CA.cert()), CLOCK);

    static Credentials peer(List<X509Certificate> chain) { return new Credentials(chain, List.of()); }

    static Stream<Arguments> rejected() {
        var soon = TestPki.NOW.plusSeconds(3600);
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
                arguments("a leaf whose intermediate is missing", TestPki.chain(INTERMEDIATE.client("CN=alice")), "signed by unknown authority"));
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
    void anEmptyCommonNameIsNotOurs() throws Exception {
        assertThat(AUTHN.authenticate(peer(TestPki.chain(CA.client("O=devs"))))).isEmpty();
    }

    @Test
    void noCertificateIsNotOurs() throws Exception {
        assertThat(AUTHN.authenticate(Credentials.bearer("x"))).isEmpty();
    }

    @Test
    void aCachedVerdictIsRecheckedAgainstTheClock() throws Exception {
        var leaf = CA.leaf("CN=carol", new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}, TestPki.NOW.minusSeconds(60), TestPki.NOW.plusSeconds(10));
        var now = new java.util.concurrent.atomic.AtomicReference<>(TestPki.NOW);
        Clock moving = new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId z) { return this; }
            public java.time.Instant instant() { return now.get(); }
        };
        var authn = new X509Authenticator(List.of(CA.cert()), moving);
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
