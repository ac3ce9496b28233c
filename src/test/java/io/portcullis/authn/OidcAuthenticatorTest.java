package io.portcullis.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OidcAuthenticatorTest {
    static final TestPki CA = TestPki.ca("oidc-ca");
    static final Instant NOW = Instant.now();
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static HttpsServer server;
    static String issuer;
    static RSAKey key1, key2, rogue;
    static final List<RSAKey> published = new CopyOnWriteArrayList<>();
    static final AtomicInteger jwksFetches = new AtomicInteger();
    @TempDir static Path dir;
    static Path caFile;

    @BeforeAll
    static void start() throws Exception {
        key1 = new RSAKeyGenerator(2048).keyID("k1").generate();
        key2 = new RSAKeyGenerator(2048).keyID("k2").generate();
        rogue = new RSAKeyGenerator(2048).keyID("k1").generate();
        published.add(key1);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(CA.server().serverContext()));
        issuer = "https://localhost:" + server.getAddress().getPort() + "/idp";
        server.createContext("/idp/.well-known/openid-configuration", ex -> {
            byte[] body = ("{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/keys\"}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.createContext("/idp/keys", ex -> {
            jwksFetches.incrementAndGet();
            byte[] body = new JWKSet(published.stream().map(k -> (com.nimbusds.jose.jwk.JWK) k.toPublicJWK()).toList())
                    .toString().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        caFile = dir.resolve("oidc-ca.pem");
        Files.writeString(caFile, CA.certPem());
    }

    @AfterAll
    static void stop() { server.stop(0); }

    static OidcAuthenticator oidc(String usernameClaim, String usernamePrefix, String groupsClaim, String groupsPrefix, Map<String, String> required) {
        return OidcAuthenticator.start(new OidcAuthenticator.Options(issuer, "portcullis", usernameClaim, usernamePrefix, groupsClaim,
                groupsPrefix, caFile, null, required), CLOCK);
    }

    static String token(RSAKey key, Consumer<JWTClaimsSet.Builder> edit) throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer).audience(List.of("portcullis", "other"))
                .subject("user-123").expirationTime(Date.from(NOW.plusSeconds(600))).issueTime(Date.from(NOW))
                .claim("email", "jane@example.com").claim("groups", List.of("devs", "ops"));
        edit.accept(claims);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    static Stream<Arguments> claims() {
        Consumer<JWTClaimsSet.Builder> same = c -> {};
        return Stream.of(
                arguments("sub with the default issuer# prefix", "sub", null, "groups", "", same, null, null, List.of("devs", "ops")),
                arguments("a chosen prefix", "sub", "oidc:", "groups", "oidc:", same, "oidc:user-123", null, List.of("oidc:devs", "oidc:ops")),
                arguments("a dash disables the prefix", "sub", "-", null, "", same, "user-123", null, List.of()),
                arguments("email has no default prefix", "email", null, null, "", same, "jane@example.com", null, List.of()),
                arguments("email_verified true is fine", "email", null, null, "", (Consumer<JWTClaimsSet.Builder>) c -> c.claim("email_verified", true),
                        "jane@example.com", null, List.of()),
                arguments("email_verified false is refused", "email", null, null, "", (Consumer<JWTClaimsSet.Builder>) c -> c.claim("email_verified", false),
                        null, "email not verified", null),
                arguments("a group claim may be a string", "sub", "-", "groups", "", (Consumer<JWTClaimsSet.Builder>) c -> c.claim("groups", "solo"),
                        "user-123", null, List.of("solo")),
                arguments("a group claim of numbers is refused", "sub", "-", "groups", "", (Consumer<JWTClaimsSet.Builder>) c -> c.claim("groups", List.of(1)),
                        null, "groups claim", null),
                arguments("a missing username claim is refused", "preferred_username", "-", null, "", same, null, "username claim", null),
                arguments("the wrong audience is refused", "sub", "-", null, "", (Consumer<JWTClaimsSet.Builder>) c -> c.audience("someone-else"),
                        null, "expected audience \"portcullis\"", null),
                arguments("an expired token is refused", "sub", "-", null, "", (Consumer<JWTClaimsSet.Builder>) c -> c.expirationTime(Date.from(NOW.minusSeconds(1))),
                        null, "token is expired", null),
                arguments("a token from the future is refused", "sub", "-", null, "", (Consumer<JWTClaimsSet.Builder>) c -> c.notBeforeTime(Date.from(NOW.plusSeconds(3600))),
                        null, "not before", null));
    }

    @ParameterizedTest(name = "{0}") @MethodSource
    void claims(String name, String usernameClaim, String usernamePrefix, String groupsClaim, String groupsPrefix,
                Consumer<JWTClaimsSet.Builder> edit, String wantUser, String wantError, List<String> wantGroups) throws Exception {
        var a = oidc(usernameClaim, usernamePrefix, groupsClaim, groupsPrefix, Map.of());
        String t = token(key1, edit);
        if (wantError != null) {
            assertThatThrownBy(() -> a.authenticateToken(t, List.of())).isInstanceOf(AuthenticationException.class).hasMessageContaining(wantError);
            return;
        }
        UserInfo u = a.authenticateToken(t, List.of()).orElseThrow().user();
        assertThat(u.name()).isEqualTo(wantUser == null ? issuer + "#user-123" : wantUser);
        assertThat(u.groups()).isEqualTo(wantGroups);
    }

    @Test
    void anotherIssuerIsNotOurs() throws Exception {
        var a = oidc("sub", null, null, "", Map.of());
        assertThat(a.authenticateToken(token(key1, c -> c.issuer("https://elsewhere.example")), List.of())).isEmpty();
        assertThat(a.authenticateToken("not-a-jwt", List.of())).isEmpty();
    }

    @Test
    void aForgedSignatureIsRefused() throws Exception {
        var a = oidc("sub", null, null, "", Map.of());
        assertThatThrownBy(() -> a.authenticateToken(token(rogue, c -> {}), List.of())).hasMessageContaining("failed to verify signature");
    }

    @Test
    void requiredClaimsMustMatchExactly() throws Exception {
        var a = oidc("sub", "-", null, "", Map.of("hd", "example.com"));
        assertThat(a.authenticateToken(token(key1, c -> c.claim("hd", "example.com")), List.of())).isPresent();
        assertThatThrownBy(() -> a.authenticateToken(token(key1, c -> c.claim("hd", "evil.com")), List.of())).hasMessageContaining("does not match");
        assertThatThrownBy(() -> a.authenticateToken(token(key1, c -> {}), List.of())).hasMessageContaining("not present");
    }

    @Test
    void anUnknownKidRefreshesTheKeysOnceInAWhile() throws Exception {
        var now = new java.util.concurrent.atomic.AtomicReference<>(NOW);
        Clock moving = new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId z) { return this; }
            public Instant instant() { return now.get(); }
        };
        var a = OidcAuthenticator.start(new OidcAuthenticator.Options(issuer, "portcullis", "sub", "-", null, null, caFile, null, null), moving);
        assertThat(a.authenticateToken(token(key1, c -> {}), List.of())).isPresent();
        published.add(key2);
        now.set(NOW.plus(OidcAuthenticator.REFRESH_INTERVAL).plusSeconds(1));
        try {
            assertThat(a.authenticateToken(token(key2, c -> {}), List.of()).orElseThrow().user().name()).isEqualTo("user-123");
        } finally {
            published.remove(key2);
        }
        RSAKey unknown = new RSAKeyGenerator(2048).keyID("k9").generate();
        int before = jwksFetches.get();
        assertThatThrownBy(() -> a.authenticateToken(token(unknown, c -> {}), List.of())).hasMessageContaining("no signing key found for kid \"k9\"");
        assertThatThrownBy(() -> a.authenticateToken(token(unknown, c -> {}), List.of())).hasMessageContaining("k9");
        assertThat(jwksFetches.get() - before).as("the clock has not moved: no refresh within the interval").isZero();
    }

    @Test
    void badFlagsNameThemselves() {
        assertThatThrownBy(() -> OidcAuthenticator.start(new OidcAuthenticator.Options("http://idp.example", "c", null, null, null, null, null, null, null), CLOCK))
                .hasMessageContaining("--oidc-issuer-url http://idp.example: must use https");
        assertThatThrownBy(() -> OidcAuthenticator.start(new OidcAuthenticator.Options("https://idp.example", "", null, null, null, null, null, null, null), CLOCK))
                .hasMessageContaining("--oidc-client-id is required");
        assertThatThrownBy(() -> OidcAuthenticator.Options.requiredClaims(List.of("novalue"))).hasMessageContaining("--oidc-required-claim novalue");
    }
}
