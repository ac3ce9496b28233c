package io.portcullis.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.PlainObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.portcullis.api.Json;

import io.portcullis.pki.Keys;
import io.portcullis.pki.Pem;

class TokenVerifierTest {
    static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    static final List<String> API_AUDIENCES = List.of(ISSUER);
    static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final KeyPair RSA = Keys.generateRsa(2048);
    static final KeyPair OTHER_RSA = Keys.generateRsa(2048);
    static final KeyPair EC = Keys.generateEcP256();

    static final TokenSigner RSA_SIGNER = new TokenSigner(RSA.getPrivate(), ISSUER, CLOCK);
    static final TokenSigner EC_SIGNER = new TokenSigner(EC.getPrivate(), ISSUER, CLOCK);
    static final TokenVerifier VERIFIER = new TokenVerifier(List.of(RSA.getPublic(), EC.getPublic()), List.of(ISSUER), API_AUDIENCES, CLOCK);
    static final BoundToken BOUND = BoundToken.of("ns1", "builder", "sa-uid", API_AUDIENCES, Duration.ofHours(1));

    // --- crafting tokens by hand ----------------------------------------------------------

    /** Claims a correct bound token would carry, as a mutable map. */
    static Map<String, Object> boundClaims() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("aud", List.of(ISSUER));
        c.put("exp", NOW.getEpochSecond() + 3600);
        c.put("iat", NOW.getEpochSecond());
        c.put("iss", ISSUER);
        c.put("jti", "0d6f6b34-0000-4000-8000-000000000001");
        c.put("kubernetes.io", Map.of("namespace", "ns1", "serviceaccount", Map.of("name", "builder", "uid", "sa-uid")));
        c.put("nbf", NOW.getEpochSecond());
        c.put("sub", "system:serviceaccount:ns1:builder");
        return c;
    }

    static Map<String, Object> with(String claim, Object value) {
        Map<String, Object> c = boundClaims();
        if (value == null) c.remove(claim); else c.put(claim, value);
        return c;
    }

    static String signed(JWSSigner signer, JWSAlgorithm alg, String kid, Map<String, Object> claims) {
        try {
            JWSObject jws = new JWSObject(new JWSHeader.Builder(alg).keyID(kid).build(), new Payload(Json.string(claims)));
            jws.sign(signer);
            return jws.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String rs256(KeyPair keys, Map<String, Object> claims) {
        try {
            return signed(new RSASSASigner((RSAPrivateKey) keys.getPrivate()), JWSAlgorithm.RS256, Keys.keyId(keys.getPublic()), claims);
        } catch (Exception e) { throw new IllegalStateException(e); }
    }

    static String ourRs256(Map<String, Object> claims) {
        return rs256(RSA, claims);
    }

    static String hs256(byte[] secret, String kid, Map<String, Object> claims) {
        try {
            return signed(new MACSigner(secret), JWSAlgorithm.HS256, kid, claims);
        } catch (Exception e) { throw new IllegalStateException(e); }
    }

    static String replacePart(String token, int index, Function<String, String> change) {
        String[] parts = token.split("\\.", -1);
        parts[index] = change.apply(parts[index]);
        return String.join(".", parts);
    }

    static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    // --- the tables ----------------------------------------------------------------------

    static Stream<Arguments> rejected() {
        String good = RSA_SIGNER.issueBound(BOUND);
        String kid = RSA_SIGNER.keyId();
        return Stream.of(
            arguments("alg none", new PlainObject(new PlainHeader(), new Payload(Json.string(boundClaims()))).serialize(), "unsigned"),
            arguments("alg none with our kid, hand-made header",
                    b64("{\"alg\":\"none\",\"kid\":\"" + kid + "\"}") + "." + b64(Json.string(boundClaims())) + ".", "unsigned"),
            arguments("HS256 signed with the public key DER", hs256(RSA.getPublic().getEncoded(), kid, boundClaims()), "HS256"),
            arguments("HS256 signed with the public key PEM",
                    hs256(Pem.encode(RSA.getPublic()).getBytes(StandardCharsets.UTF_8), kid, boundClaims()), "HS256"),
            arguments("RS512 is not on the allow-list", rs512(boundClaims()), "RS512"),
            arguments("ES256 header on an RSA key id", replacePart(good, 0, h -> b64("{\"alg\":\"ES256\",\"kid\":\"" + kid + "\"}")), "invalid signature"),
            arguments("unknown kid", rs256(OTHER_RSA, boundClaims()), "no keys found"),
            arguments("our kid, another key's signature",
                    replacePart(rs256(OTHER_RSA, boundClaims()), 0, h -> b64("{\"alg\":\"RS256\",\"kid\":\"" + kid + "\"}")), "invalid signature"),
            arguments("no kid, no listed key verifies", replacePart(rs256(OTHER_RSA, boundClaims()), 0, h -> b64("{\"alg\":\"RS256\"}")), "invalid signature"),
            arguments("tampered payload", replacePart(good, 1, p -> b64(Json.string(with("sub", "system:serviceaccount:kube-system:admin")))), "invalid signature"),
            arguments("tampered signature", replacePart(good, 2, s -> (s.charAt(0) == 'A' ? "B" : "A") + s.substring(1)), "invalid signature"),
            arguments("signature removed", replacePart(good, 2, s -> ""), "invalid token"),
            arguments("wrong audience", ourRs256(with("aud", List.of("https://vault.example"))), "audiences"),
            arguments("expired past the leeway", ourRs256(with("exp", NOW.getEpochSecond() - 61)), "expired"),
            arguments("not valid yet past the leeway", ourRs256(with("nbf", NOW.getEpochSecond() + 120)), "not valid yet"),
            arguments("issued in the future", ourRs256(with("iat", NOW.getEpochSecond() + 120)), "not valid yet"),
            arguments("no exp", ourRs256(with("exp", null)), "exp"),
            arguments("no kubernetes.io claim", ourRs256(with("kubernetes.io", null)), "kubernetes.io"),
            arguments("no namespace", ourRs256(with("kubernetes.io", Map.of("serviceaccount", Map.of("name", "builder", "uid", "sa-uid")))), "namespace"),
            arguments("no serviceaccount uid", ourRs256(with("kubernetes.io", Map.of("namespace", "ns1", "serviceaccount", Map.of("name", "builder")))), "serviceAccountUID"),
            arguments("sub naming another account", ourRs256(with("sub", "system:serviceaccount:kube-system:admin")), "sub claim is invalid"),
            arguments("pod reference without uid",
                    ourRs256(with("kubernetes.io", Map.of("namespace", "ns1", "serviceaccount", Map.of("name", "builder", "uid", "sa-uid"), "pod", Map.of("name", "p")))), "pod"),
            arguments("malformed kubernetes.io claim", ourRs256(with("kubernetes.io", "ns1")), "malformed"),
            arguments("legacy token without secret name", ourRs256(legacyWithout("kubernetes.io/serviceaccount/secret.name")), "secretName"),
            arguments("legacy token without service account uid", ourRs256(legacyWithout("kubernetes.io/serviceaccount/service-account.uid")), "serviceAccountUID"),
            arguments("legacy token whose sub disagrees", ourRs256(legacyWith("sub", "system:serviceaccount:ns1:other")), "sub claim is invalid"));
    }

    static String rs512(Map<String, Object> claims) {
        try {
            return signed(new RSASSASigner((RSAPrivateKey) RSA.getPrivate()), JWSAlgorithm.RS512, Keys.keyId(RSA.getPublic()), claims);
        } catch (Exception e) { throw new IllegalStateException(e); }
    }

    static Map<String, Object> legacyClaims() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", "kubernetes/serviceaccount");
        c.put("kubernetes.io/serviceaccount/namespace", "ns1");
        c.put("kubernetes.io/serviceaccount/secret.name", "builder-token");
        c.put("kubernetes.io/serviceaccount/service-account.name", "builder");
        c.put("kubernetes.io/serviceaccount/service-account.uid", "sa-uid");
        c.put("sub", "system:serviceaccount:ns1:builder");
        return c;
    }

    static Map<String, Object> legacyWithout(String claim) {
        Map<String, Object> c = legacyClaims();
        c.remove(claim);
        return c;
    }

    static Map<String, Object> legacyWith(String claim, Object value) {
        Map<String, Object> c = legacyClaims();
        c.put(claim, value);
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void rejected(String name, String token, String wantMessage) {
        assertThatThrownBy(() -> VERIFIER.verify(token, List.of()))
                .isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining(wantMessage)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token).doesNotContain(token.split("\\.")[0].isEmpty() ? "\u0000" : token.split("\\.")[0]));
    }

    static Stream<Arguments> notOurs() {
        return Stream.of(
            arguments("empty", ""),
            arguments("an opaque static token", "31ada4fd-adec-460c-809a-9e56ceb75269"),
            arguments("three dots of nothing", ".."),
            arguments("not base64", "a.b.c"),
            arguments("JSON serialization", "{\"payload\":\"x\",\"signatures\":[]}"),
            arguments("a foreign issuer's JWT", rs256(OTHER_RSA, with("iss", "https://accounts.example.com"))),
            arguments("a foreign issuer's JWT signed by our key", ourRs256(with("iss", "https://accounts.example.com"))),
            arguments("a JWT without iss", ourRs256(with("iss", null))),
            arguments("iss that is not a string", ourRs256(with("iss", 42))),
            arguments("a foreign issuer's unsigned JWT", new PlainObject(new PlainHeader(), new Payload(Json.string(with("iss", "x")))).serialize()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void notOurs(String name, String token) throws InvalidTokenException {
        assertThat(VERIFIER.verify(token, List.of())).isEmpty();
    }

    // --- behaviour -----------------------------------------------------------------------

    @Test
    void boundTokenRoundTripsWithEveryClaim() throws Exception {
        String token = RSA_SIGNER.issueBound(BOUND.withPod("web-0", "pod-uid").withNode("node-a", "node-uid").withWarnAfter(Duration.ofSeconds(3607)));
        ServiceAccountClaims c = VERIFIER.verify(token, List.of()).orElseThrow();
        assertThat(c.namespace()).isEqualTo("ns1");
        assertThat(c.name()).isEqualTo("builder");
        assertThat(c.uid()).isEqualTo("sa-uid");
        assertThat(c.podName()).isEqualTo("web-0");
        assertThat(c.podUid()).isEqualTo("pod-uid");
        assertThat(c.nodeName()).isEqualTo("node-a");
        assertThat(c.secretName()).isEmpty();
        assertThat(c.jti()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(c.credentialId()).contains("JTI=" + c.jti());
        assertThat(c.audiencesMatched()).containsExactly(ISSUER);
        assertThat(c.expiry()).contains(NOW.plusSeconds(3600));
        assertThat(c.warnAfter()).contains(NOW.plusSeconds(3607));
        assertThat(c.legacy()).isFalse();
        assertThat(c.username()).isEqualTo("system:serviceaccount:ns1:builder");
    }

    @Test
    void boundTokenHasUpstreamsHeaderAndClaims() {
        String token = RSA_SIGNER.issueBound(BOUND.withSecret("s", "secret-uid"));
        String[] parts = token.split("\\.");
        var header = Json.tree(Base64.getUrlDecoder().decode(parts[0]));
        var claims = Json.tree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(header.get("alg").asString()).isEqualTo("RS256");
        assertThat(header.get("kid").asString()).isEqualTo(Keys.keyId(RSA.getPublic()));
        assertThat(claims.get("aud").isArray()).as("aud is an array even with one audience").isTrue();
        assertThat(claims.get("iss").asString()).isEqualTo(ISSUER);
        assertThat(claims.get("sub").asString()).isEqualTo("system:serviceaccount:ns1:builder");
        assertThat(claims.get("iat").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(claims.get("nbf").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(claims.get("exp").asLong()).isEqualTo(NOW.getEpochSecond() + 3600);
        assertThat(claims.at("/kubernetes.io/secret/uid").asString()).isEqualTo("secret-uid");
        assertThat(claims.at("/kubernetes.io/serviceaccount/name").asString()).isEqualTo("builder");
        assertThat(claims.get("kubernetes.io").has("pod")).isFalse();
        assertThat(claims.get("kubernetes.io").has("warnafter")).isFalse();
    }

    @Test
    void legacyTokenRoundTripsWithoutExpiryOrAudience() throws Exception {
        String token = RSA_SIGNER.issueLegacy("ns1", "builder", "sa-uid", "builder-token");
        var claims = Json.tree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertThat(claims.get("iss").asString()).isEqualTo("kubernetes/serviceaccount");
        assertThat(claims.has("exp") || claims.has("iat") || claims.has("aud")).isFalse();
        ServiceAccountClaims c = VERIFIER.verify(token, List.of()).orElseThrow();
        assertThat(c.legacy()).isTrue();
        assertThat(c.namespace()).isEqualTo("ns1");
        assertThat(c.name()).isEqualTo("builder");
        assertThat(c.uid()).isEqualTo("sa-uid");
        assertThat(c.secretName()).isEqualTo("builder-token");
        assertThat(c.expiry()).isEmpty();
        assertThat(c.audiencesMatched()).containsExactly(ISSUER);
        // a legacy token is good for the API audiences only
        assertThatThrownBy(() -> VERIFIER.verify(token, List.of("https://vault.example"))).isInstanceOf(InvalidTokenException.class);
    }

    @Test
    void es256TokensVerifyAndCarryTheEcKeyId() throws Exception {
        String token = EC_SIGNER.issueBound(BOUND);
        var header = Json.tree(Base64.getUrlDecoder().decode(token.split("\\.")[0]));
        assertThat(header.get("alg").asString()).isEqualTo("ES256");
        assertThat(header.get("kid").asString()).isEqualTo(Keys.keyId(EC.getPublic()));
        assertThat(VERIFIER.verify(token, List.of())).isPresent();
        assertThat(VERIFIER.verify(EC_SIGNER.issueLegacy("ns1", "b", "u", "s"), List.of())).isPresent();
    }

    @Test
    void requestedAudiencesNarrowWhatMatches() throws Exception {
        String token = RSA_SIGNER.issueBound(BoundToken.of("ns1", "builder", "sa-uid", List.of("vault", ISSUER), Duration.ofHours(1)));
        assertThat(VERIFIER.verify(token, List.of("vault", "other")).orElseThrow().audiencesMatched()).containsExactly("vault");
        assertThat(VERIFIER.verify(token, List.of()).orElseThrow().audiencesMatched()).containsExactly(ISSUER);
        assertThatThrownBy(() -> VERIFIER.verify(token, List.of("other"))).isInstanceOf(InvalidTokenException.class);
    }

    @Test
    void leewayAcceptsSlightlyExpiredAndSlightlyEarlyTokens() throws Exception {
        assertThat(VERIFIER.verify(ourRs256(with("exp", NOW.getEpochSecond() - 59)), List.of())).isPresent();
        assertThat(VERIFIER.verify(ourRs256(with("nbf", NOW.getEpochSecond() + 59)), List.of())).isPresent();
    }

    @Test
    void rotatedOutKeysStopVerifying() throws Exception {
        TokenSigner oldSigner = new TokenSigner(OTHER_RSA.getPrivate(), ISSUER, CLOCK);
        String oldToken = oldSigner.issueBound(BOUND);
        String newToken = RSA_SIGNER.issueBound(BOUND);
        TokenVerifier both = new TokenVerifier(List.of(RSA.getPublic(), OTHER_RSA.getPublic()), List.of(ISSUER), API_AUDIENCES, CLOCK);
        assertThat(both.verify(oldToken, List.of())).isPresent();
        assertThat(both.verify(newToken, List.of())).isPresent();
        TokenVerifier newOnly = new TokenVerifier(List.of(RSA.getPublic()), List.of(ISSUER), API_AUDIENCES, CLOCK);
        assertThat(newOnly.verify(newToken, List.of())).isPresent();
        assertThatThrownBy(() -> newOnly.verify(oldToken, List.of())).isInstanceOf(InvalidTokenException.class);
    }

    @Test
    void everyConfiguredIssuerIsAccepted() throws Exception {
        TokenSigner second = new TokenSigner(RSA.getPrivate(), "https://old-issuer.example", CLOCK);
        TokenVerifier v = new TokenVerifier(List.of(RSA.getPublic()), List.of(ISSUER, "https://old-issuer.example"), API_AUDIENCES, CLOCK);
        assertThat(v.verify(second.issueBound(BOUND), List.of())).isPresent();
        assertThat(VERIFIER.verify(second.issueBound(BOUND), List.of())).as("unknown issuer: not ours").isEmpty();
    }

    @Test
    void keyIdIsStableAndMatchesUpstreamsDerivation() throws Exception {
        // kid = base64url(sha256(PKIX DER)), computed independently here
        byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(RSA.getPublic().getEncoded());
        String want = Base64.getUrlEncoder().withoutPadding().encodeToString(sha);
        assertThat(RSA_SIGNER.keyId()).isEqualTo(want).hasSize(43);
        assertThat(new TokenSigner(RSA.getPrivate(), ISSUER, CLOCK).keyId()).isEqualTo(want);
        assertThat(ServiceAccountKeys.keyId(Keys.publicKeyOf(RSA.getPrivate()))).isEqualTo(want);
    }

    @Test
    void signingRefusesUnsupportedKeys() {
        assertThat(ServiceAccountKeys.algorithm(EC.getPublic())).isEqualTo(JWSAlgorithm.ES256);
        assertThat(ServiceAccountKeys.algorithm(RSA.getPublic())).isEqualTo(JWSAlgorithm.RS256);
        assertThatThrownBy(() -> new TokenSigner(RSA.getPrivate(), "", CLOCK)).isInstanceOf(IllegalArgumentException.class);
    }
}
