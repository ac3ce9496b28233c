package io.portcullis.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
    @TempDir Path dir;

    static String traditional(Object keyOrPair) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) { w.writeObject(keyOrPair); }
        return out.toString();
    }

    @Test
    void readsPkcs1RsaPrivateKeys() throws IOException {
        KeyPair rsa = Keys.generateRsa(2048);
        Path f = dir.resolve("rsa.key");
        String pem = traditional(rsa.getPrivate());
        assertThat(pem).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        Files.writeString(f, pem);
        assertThat(Pem.readPrivateKey(f).getEncoded()).isEqualTo(rsa.getPrivate().getEncoded());
        assertThat(Pem.readKeyPair(f).getPublic().getEncoded()).isEqualTo(rsa.getPublic().getEncoded());
    }

    /** As `openssl ecparam -genkey -name prime256v1` writes it: parameters, then a SEC1 key. */
    static final String OPENSSL_EC_KEY = """
        -----BEGIN EC PARAMETERS-----
        BggqhkjOPQMBBw==
        -----END EC PARAMETERS-----
        -----BEGIN EC PRIVATE KEY-----
        MHcCAQEEICmRooxOzp9bnNx67TUGZDKzAo7M8rjr1TdjtiKD+yvPoAoGCCqGSM49
        AwEHoUQDQgAEzwaNLG0S75whyGRmq3mOj2CHYiA1EtXCzu0ih3alL2caoM4bdGzK
        pgPDTc9Cdn2OoIy/ZdpgGYZkqquTaLlvAg==
        -----END EC PRIVATE KEY-----
        """;
    static final String OPENSSL_EC_PUBLIC = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEzwaNLG0S75whyGRmq3mOj2CHYiA1
        EtXCzu0ih3alL2caoM4bdGzKpgPDTc9Cdn2OoIy/ZdpgGYZkqquTaLlvAg==
        -----END PUBLIC KEY-----
        """;

    @Test
    void readsSec1EcPrivateKeysAfterAnEcParametersBlock() throws IOException {
        Path f = dir.resolve("ec.key");
        Files.writeString(f, OPENSSL_EC_KEY);
        Path pub = dir.resolve("ec.pub");
        Files.writeString(pub, OPENSSL_EC_PUBLIC);
        assertThat(Pem.readPrivateKey(f).getAlgorithm()).isEqualTo("EC");
        assertThat(Keys.isP256(Pem.readPrivateKey(f))).isTrue();
        assertThat(Keys.samePublicKey(Pem.readKeyPair(f).getPublic(), Pem.readPublicKeys(pub).get(0))).isTrue();
    }

    @Test
    void writesAndReadsPkcs8PrivateKeysWithOwnerOnlyPermissions() throws IOException {
        KeyPair ec = Keys.generateEcP256();
        Path f = dir.resolve("p8.key");
        Pem.writePrivateKey(f, ec.getPrivate());
        assertThat(Files.readString(f)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.getPosixFilePermissions(f)).isEqualTo(SecureFiles.OWNER_ONLY);
        assertThat(Pem.readPrivateKey(f).getEncoded()).isEqualTo(ec.getPrivate().getEncoded());
    }

    @Test
    void derivedEcPublicKeyMatchesTheGeneratedOne() {
        KeyPair ec = Keys.generateEcP256();
        assertThat(Keys.samePublicKey(Keys.publicKeyOf(ec.getPrivate()), ec.getPublic())).isTrue();
        assertThat(Keys.isP256(ec.getPublic())).isTrue();
        assertThat(Keys.isP256(Keys.generateRsa(2048).getPublic())).isFalse();
    }

    @Test
    void readsEveryCertificateOfABundleInOrder() throws IOException {
        CertificateAuthority a = CertificateAuthority.generate("a");
        CertificateAuthority b = CertificateAuthority.generate("b");
        Path f = dir.resolve("bundle.crt");
        Pem.writeCertificates(f, a.certificate(), b.certificate());
        assertThat(Pem.readCertificates(f)).containsExactly(a.certificate(), b.certificate());
        assertThat(Pem.parseCertificates(Files.readString(f))).hasSize(2);
    }

    @Test
    void readsPublicKeysFromKeysCertificatesAndPrivateKeysInOneFile() throws IOException {
        KeyPair rsa = Keys.generateRsa(2048);
        KeyPair ec = Keys.generateEcP256();
        CertificateAuthority ca = CertificateAuthority.generate("ca");
        IssuedCertificate leaf = ca.issueServer("s", List.of("localhost"), Duration.ofDays(1));
        Path f = dir.resolve("mixed.pem");
        Files.writeString(f, Pem.encode(rsa.getPublic()) + Pem.encode(leaf.certificate()) + Pem.encode(ec.getPrivate()) + OPENSSL_EC_KEY);
        List<PublicKey> keys = Pem.readPublicKeys(f);
        assertThat(keys).hasSize(4);
        assertThat(Keys.samePublicKey(keys.get(0), rsa.getPublic())).isTrue();
        assertThat(Keys.samePublicKey(keys.get(1), leaf.keyPair().getPublic())).isTrue();
        assertThat(Keys.samePublicKey(keys.get(2), ec.getPublic())).isTrue();
        assertThat(Keys.samePublicKey(keys.get(3), Pem.parsePublicKeys(OPENSSL_EC_PUBLIC).get(0))).isTrue();
    }

    /** What the server writes itself is written and read without Bouncy Castle, exactly as Bouncy Castle would. */
    @Test
    void theJdkWritesAndReadsWhatBouncyCastleDoes() throws IOException {
        CertificateAuthority ca = CertificateAuthority.generate("ca");
        IssuedCertificate leaf = ca.issueClient("alice", List.of("devs"), Duration.ofDays(1));
        KeyPair rsa = Keys.generateRsa(2048);
        assertThat(Pem.encode(ca.certificate(), leaf.certificate())).isEqualTo(traditional(ca.certificate()) + traditional(leaf.certificate()));
        assertThat(Pem.encode(rsa.getPublic())).isEqualTo(traditional(rsa.getPublic()));
        assertThat(Pem.encodeTraditional(leaf.privateKey(), leaf.certificate().getPublicKey())).isEqualTo(Pem.encodeTraditional(leaf.privateKey()));
        assertThat(Pem.encodeTraditional(leaf.privateKey(), ca.certificate().getPublicKey()))
                .as("another key's public half is not trusted").isEqualTo(Pem.encodeTraditional(leaf.privateKey()));
        assertThat(Pem.parsePrivateKey(Pem.encode(rsa.getPrivate()), "rsa").getEncoded()).isEqualTo(rsa.getPrivate().getEncoded());
        assertThat(Pem.parsePublicKeys(Pem.encode(rsa.getPublic()) + "\ntrailing words\n")).singleElement()
                .satisfies(k -> assertThat(k.getEncoded()).isEqualTo(rsa.getPublic().getEncoded()));
    }

    @Test
    void aBlockWithoutItsEndIsMalformedEvenAfterGoodOnes() {
        CertificateAuthority ca = CertificateAuthority.generate("ca");
        String pem = Pem.encode(ca.certificate()) + "-----BEGIN CERTIFICATE-----\nMIIB\n";
        assertThatThrownBy(() -> Pem.parseCertificates(pem)).isInstanceOf(IOException.class).hasMessageContaining("malformed PEM");
    }

    @Test
    void keyPairsMatchOnlyTheirOwnHalves() {
        KeyPair ec = Keys.generateEcP256();
        KeyPair rsa = Keys.generateRsa(2048);
        assertThat(Keys.matches(ec.getPrivate(), ec.getPublic())).isTrue();
        assertThat(Keys.matches(ec.getPrivate(), Keys.generateEcP256().getPublic())).isFalse();
        assertThat(Keys.matches(ec.getPrivate(), rsa.getPublic())).isFalse();
        assertThat(Keys.matches(rsa.getPrivate(), rsa.getPublic())).isTrue();
        assertThat(Keys.matches(rsa.getPrivate(), ec.getPublic())).isFalse();
    }

    @Test
    void errorsNameTheFile() throws IOException {
        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "not pem at all\n");
        assertThatThrownBy(() -> Pem.readPrivateKey(empty)).isInstanceOf(IOException.class).hasMessageContaining("empty.pem");
        assertThatThrownBy(() -> Pem.readCertificates(empty)).isInstanceOf(IOException.class).hasMessageContaining("empty.pem");
        assertThatThrownBy(() -> Pem.readPublicKeys(empty)).isInstanceOf(IOException.class).hasMessageContaining("empty.pem");
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> Pem.readPrivateKey(missing)).isInstanceOf(IOException.class).hasMessageContaining("missing.pem");
        Path broken = dir.resolve("broken.pem");
        Files.writeString(broken, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> Pem.readCertificates(broken)).isInstanceOf(IOException.class).hasMessageContaining("broken.pem");
    }
}
