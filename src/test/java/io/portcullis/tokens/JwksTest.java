package io.portcullis.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.List;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.portcullis.api.Json;
import io.portcullis.pki.CertificateAuthority;
import io.portcullis.pki.Keys;
import io.portcullis.pki.Pem;

class JwksTest {
    static final KeyPair RSA = Keys.generateRsa(2048);
    static final KeyPair EC = Keys.generateEcP256();
    @TempDir Path dir;

    @Test
    void keySetListsEveryKeyWithUpstreamsFields() throws Exception {
        String json = Jwks.keySet(List.of(RSA.getPublic(), EC.getPublic()));
        var keys = Json.tree(json.getBytes()).get("keys");
        var rsa = keys.get(0);
        assertThat(rsa.propertyNames()).containsExactly("use", "kty", "kid", "alg", "n", "e");
        assertThat(rsa.get("use").asString()).isEqualTo("sig");
        assertThat(rsa.get("kty").asString()).isEqualTo("RSA");
        assertThat(rsa.get("alg").asString()).isEqualTo("RS256");
        assertThat(rsa.get("kid").asString()).isEqualTo(Keys.keyId(RSA.getPublic()));
        assertThat(rsa.get("e").asString()).isEqualTo("AQAB");
        assertThat(new BigInteger(1, Base64.getUrlDecoder().decode(rsa.get("n").asString())))
                .isEqualTo(((RSAPublicKey) RSA.getPublic()).getModulus());
        var ec = keys.get(1);
        assertThat(ec.get("kty").asString()).isEqualTo("EC");
        assertThat(ec.get("crv").asString()).isEqualTo("P-256");
        assertThat(ec.get("alg").asString()).isEqualTo("ES256");
        assertThat(Base64.getUrlDecoder().decode(ec.get("x").asString())).hasSize(32);

        // an independent JWK parser reads back the same keys
        JWKSet set = JWKSet.parse(json);
        assertThat(((RSAKey) set.getKeys().get(0)).toRSAPublicKey()).isEqualTo(RSA.getPublic());
        assertThat(((ECKey) set.getKeys().get(1)).toECPublicKey().getW()).isEqualTo(((ECPublicKey) EC.getPublic()).getW());
        assertThat(set.getKeys().get(0).getKeyID()).isEqualTo(Keys.keyId(RSA.getPublic()));
    }

    @Test
    void discoveryNamesIssuerJwksUriAndTheKeysAlgorithms() {
        String issuer = "https://kubernetes.default.svc.cluster.local";
        var doc = Json.tree(Jwks.discovery(issuer, null, List.of(RSA.getPublic(), EC.getPublic(), RSA.getPublic())).getBytes());
        assertThat(doc.get("issuer").asString()).isEqualTo(issuer);
        assertThat(doc.get("jwks_uri").asString()).isEqualTo("https://kubernetes.default.svc.cluster.local/openid/v1/jwks");
        assertThat(doc.get("response_types_supported").get(0).asString()).isEqualTo("id_token");
        assertThat(doc.get("subject_types_supported").get(0).asString()).isEqualTo("public");
        assertThat(doc.get("id_token_signing_alg_values_supported").toString()).isEqualTo("[\"ES256\",\"RS256\"]");
        var custom = Json.tree(Jwks.discovery(issuer, "https://keys.example/jwks", List.of(RSA.getPublic())).getBytes());
        assertThat(custom.get("jwks_uri").asString()).isEqualTo("https://keys.example/jwks");
        assertThat(custom.get("id_token_signing_alg_values_supported").toString()).isEqualTo("[\"RS256\"]");
    }

    @Test
    void keyFilesMayHoldPublicKeysCertificatesAndPrivateKeys() throws IOException {
        CertificateAuthority ca = CertificateAuthority.generate("ca");
        Path f = dir.resolve("sa-keys.pem");
        Files.writeString(f, Pem.encode(RSA.getPublic()) + Pem.encode(ca.certificate()) + Pem.encode(EC.getPrivate()));
        var keys = ServiceAccountKeys.loadPublicKeys(f);
        assertThat(keys).hasSize(3);
        assertThat(Keys.keyId(keys.get(2))).isEqualTo(Keys.keyId(EC.getPublic()));

        Path signing = dir.resolve("sa.key");
        Pem.writePrivateKey(signing, RSA.getPrivate());
        assertThat(ServiceAccountKeys.loadPrivateKey(signing).getEncoded()).isEqualTo(RSA.getPrivate().getEncoded());
    }

    @Test
    void keyFileErrorsNameTheFile() throws IOException {
        Path f = dir.resolve("garbage.pem");
        Files.writeString(f, "hello");
        assertThatThrownBy(() -> ServiceAccountKeys.loadPublicKeys(f)).isInstanceOf(IOException.class).hasMessageContaining("garbage.pem");
        assertThatThrownBy(() -> ServiceAccountKeys.loadPrivateKey(f)).isInstanceOf(IOException.class).hasMessageContaining("garbage.pem");
        Path pubOnly = dir.resolve("pub-only.pem");
        Files.writeString(pubOnly, Pem.encode(RSA.getPublic()));
        assertThatThrownBy(() -> ServiceAccountKeys.loadPrivateKey(pubOnly)).isInstanceOf(IOException.class).hasMessageContaining("pub-only.pem");
    }
}
