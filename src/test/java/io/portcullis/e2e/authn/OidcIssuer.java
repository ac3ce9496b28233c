package io.portcullis.e2e.authn;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;

/** A minimal OIDC provider on loopback: discovery document, JWKS with one RS256 key, and ID tokens it signs. */
final class OidcIssuer implements AutoCloseable {
    static final String CLIENT_ID = "portcullis";
    private final LoopbackHttps https;
    private final RSAKey key;

    private OidcIssuer(LoopbackHttps https, RSAKey key) {
        this.https = https;
        this.key = key;
    }

    static OidcIssuer start() throws IOException {
        try {
            RSAKey key = new RSAKeyGenerator(2048).keyID("issuer-key-1").generate();
            LoopbackHttps https = LoopbackHttps.start("oidc-issuer");
            String issuer = https.url();
            https.json("/.well-known/openid-configuration", req -> "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer
                    + "/keys\",\"id_token_signing_alg_values_supported\":[\"RS256\"],\"response_types_supported\":[\"id_token\"],"
                    + "\"subject_types_supported\":[\"public\"]}");
            https.json("/keys", req -> new JWKSet(key.toPublicJWK()).toString());
            return new OidcIssuer(https, key);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    String url() {
        return https.url();
    }

    Path writeCa(Path file) throws IOException {
        return https.writeCa(file);
    }

    RSAKey key() {
        return key;
    }

    /** Claims of a valid ID token for {@code email} in {@code groups}, valid for ten minutes. */
    JWTClaimsSet.Builder claims(String email, List<String> groups) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(url()).audience(CLIENT_ID).subject("sub-" + email)
                .claim("email", email).claim("email_verified", true).claim("groups", groups)
                .issueTime(Date.from(now.minusSeconds(5))).notBeforeTime(Date.from(now.minusSeconds(5)))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(10))));
    }

    String token(String email, List<String> groups) {
        return sign(key, claims(email, groups).build());
    }

    String token(String email, List<String> groups, UnaryOperator<JWTClaimsSet.Builder> change) {
        return sign(key, change.apply(claims(email, groups)).build());
    }

    static String sign(RSAKey with, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(with.getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(with));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        https.close();
    }
}
