package io.portcullis.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

class KubeconfigTest {
    @TempDir Path dir;

    @Test
    void adminKubeconfigEmbedsCaCertificateAndKeyAndSelectsItsContext() throws Exception {
        CertificateAuthority ca = CertificateAuthority.generate("ca");
        IssuedCertificate admin = ca.issueClient("portcullis-admin", List.of("system:masters"), Duration.ofDays(1));
        Path file = dir.resolve("admin.kubeconfig");
        Kubeconfig.writeAdmin(file, "https://127.0.0.1:6443", ca.certificate(), admin.certificate(), admin.privateKey(), "portcullis");

        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(SecureFiles.OWNER_ONLY);
        JsonNode root = new YAMLMapper().readTree(Files.readString(file));
        assertThat(root.get("apiVersion").asString()).isEqualTo("v1");
        assertThat(root.get("kind").asString()).isEqualTo("Config");
        assertThat(root.get("current-context").asString()).isEqualTo("portcullis");

        JsonNode context = root.get("contexts").get(0);
        assertThat(context.get("name").asString()).isEqualTo("portcullis");
        assertThat(context.at("/context/namespace").asString()).isEqualTo("default");
        String clusterName = context.at("/context/cluster").asString();
        String userName = context.at("/context/user").asString();

        JsonNode cluster = root.get("clusters").get(0);
        assertThat(cluster.get("name").asString()).isEqualTo(clusterName);
        assertThat(cluster.at("/cluster/server").asString()).isEqualTo("https://127.0.0.1:6443");
        assertThat(Pem.parseCertificates(decode(cluster.at("/cluster/certificate-authority-data").asString())))
                .containsExactly(ca.certificate());

        JsonNode user = root.get("users").get(0);
        assertThat(user.get("name").asString()).isEqualTo(userName);
        assertThat(Pem.parseCertificates(decode(user.at("/user/client-certificate-data").asString())))
                .containsExactly(admin.certificate());
        Path key = dir.resolve("key.pem");
        String keyPem = decode(user.at("/user/client-key-data").asString());
        Files.writeString(key, keyPem);
        // SEC1, as kubeadm and client-go write EC keys (some clients take any PKCS#8 key for RSA)
        assertThat(keyPem).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertThat(((java.security.interfaces.ECPrivateKey) Pem.readPrivateKey(key)).getS())
                .isEqualTo(((java.security.interfaces.ECPrivateKey) admin.privateKey()).getS());
    }

    private static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }
}
