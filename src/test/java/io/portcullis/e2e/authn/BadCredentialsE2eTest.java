package io.portcullis.e2e.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.portcullis.pki.Passwords;
import io.portcullis.server.ServerConfig;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Bad credentials at the HTTP level against a server with a token file, basic auth and OIDC:
 * each is 401 with a Status (or what kube-apiserver does), creates nothing, and never shows up
 * in the response or in a log line.
 */
@EndToEnd
class BadCredentialsE2eTest {
    static final String ALICE_TOKEN = "alice-token-577215664";
    static final String CAROL_PASSWORD = "carol-password-141421";
    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static OidcIssuer issuer;
    static Https http;
    static Https admin;
    static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    static Level previousLevel;

    @BeforeAll
    static void start() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger portcullis = (Logger) LoggerFactory.getLogger("io.portcullis");
        previousLevel = portcullis.getLevel();
        portcullis.setLevel(Level.DEBUG);
        logs.start();
        root.addAppender(logs);

        issuer = OidcIssuer.start();
        Path dir = server.dir();
        Path tokens = dir.resolve("tokens.csv");
        Files.writeString(tokens, ALICE_TOKEN + ",alice,1001,\"devs\"\n");
        Path basic = dir.resolve("basic.csv");
        Files.writeString(basic, Passwords.hash(CAROL_PASSWORD.toCharArray()) + ",carol,2002\n");
        ServerConfig.Oidc oidc = new ServerConfig.Oidc(issuer.url(), OidcIssuer.CLIENT_ID, "email", "oidc:", "groups", "oidc:",
                issuer.writeCa(dir.resolve("oidc-ca.pem")), List.of("RS256"), List.of());
        server.start(c -> c.withAuthentication(a -> a.withTokenAuthFile(tokens).withBasicAuthFile(basic).withOidc(oidc)));
        http = server.anonymous();
        admin = server.admin();
    }

    @AfterAll
    static void stop() {
        if (issuer != null) issuer.close();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(logs);
        ((Logger) LoggerFactory.getLogger("io.portcullis")).setLevel(previousLevel);
    }

    static String basic(String userAndPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8));
    }

    static String validIdToken() {
        return issuer.token("olga@example.com", List.of("admins"));
    }

    static String algNone() {
        return new PlainJWT(issuer.claims("olga@example.com", List.of("admins")).build()).serialize();
    }

    static String hs256WithThePublicKey() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(issuer.key().getKeyID()).build(),
                issuer.claims("olga@example.com", List.of("admins")).build());
        jwt.sign(new MACSigner(issuer.key().toRSAPublicKey().getEncoded()));
        return jwt.serialize();
    }

    static String tamperedPayload() {
        String[] parts = validIdToken().split("\\.");
        String other = Base64URL.encode(issuer.claims("mallory@example.com", List.of("system:masters")).build().toString()).toString();
        return parts[0] + "." + other + "." + parts[2];
    }

    static String tamperedSignature() {
        String token = validIdToken();
        char last = token.charAt(token.length() - 10);
        return token.substring(0, token.length() - 10) + (last == 'A' ? 'B' : 'A') + token.substring(token.length() - 9);
    }

    static Stream<Arguments> unauthorized() throws Exception {
        Instant now = Instant.now();
        String rogue = OidcIssuer.sign(new RSAKeyGenerator(2048).keyID("unknown-kid").generate(),
                issuer.claims("olga@example.com", List.of()).build());
        String sameKidOtherKey = OidcIssuer.sign(new RSAKeyGenerator(2048).keyID(issuer.key().getKeyID()).generate(),
                issuer.claims("olga@example.com", List.of()).build());
        return Stream.of(
                arguments("duplicated Authorization headers", List.of("Authorization", "Bearer " + ALICE_TOKEN, "Authorization", "Bearer " + ALICE_TOKEN), ALICE_TOKEN),
                arguments("an empty bearer token", List.of("Authorization", "Bearer "), "Bearer"),
                arguments("two spaces before the bearer token", List.of("Authorization", "Bearer  " + ALICE_TOKEN), ALICE_TOKEN),
                arguments("a bearer token with a second field", List.of("Authorization", "Bearer not-a-token-2 extra-field"), "not-a-token-2"),
                arguments("a garbage token", List.of("Authorization", "Bearer garbage-token-8675309"), "garbage-token-8675309"),
                arguments("a JWT with alg none", List.of("Authorization", "Bearer " + algNone()), algNone().split("\\.")[1]),
                arguments("an HS256 JWT keyed with the issuer's public key", List.of("Authorization", "Bearer " + hs256WithThePublicKey()), ""),
                arguments("a JWT with an unknown kid", List.of("Authorization", "Bearer " + rogue), rogue),
                arguments("a JWT signed by another key under a known kid", List.of("Authorization", "Bearer " + sameKidOtherKey), sameKidOtherKey),
                arguments("a JWT from another issuer", List.of("Authorization", "Bearer " + issuer.token("olga@example.com", List.of(),
                        c -> c.issuer("https://elsewhere.example"))), ""),
                arguments("a JWT for another audience", List.of("Authorization", "Bearer " + issuer.token("olga@example.com", List.of(),
                        c -> c.audience("other-client"))), ""),
                arguments("an expired JWT", List.of("Authorization", "Bearer " + issuer.token("olga@example.com", List.of(),
                        c -> c.issueTime(Date.from(now.minusSeconds(7200))).notBeforeTime(Date.from(now.minusSeconds(7200)))
                                .expirationTime(Date.from(now.minusSeconds(3600))))), ""),
                arguments("a JWT not valid yet", List.of("Authorization", "Bearer " + issuer.token("olga@example.com", List.of(),
                        c -> c.issueTime(Date.from(now.plusSeconds(3600))).notBeforeTime(Date.from(now.plusSeconds(3600)))
                                .expirationTime(Date.from(now.plusSeconds(7200))))), ""),
                arguments("a JWT with a tampered payload", List.of("Authorization", "Bearer " + tamperedPayload()), tamperedPayload()),
                arguments("a JWT with a tampered signature", List.of("Authorization", "Bearer " + tamperedSignature()), tamperedSignature()),
                arguments("a wrong basic password", List.of("Authorization", basic("carol:wrong-password-99")), "wrong-password-99"),
                arguments("an unknown basic user", List.of("Authorization", basic("zed:" + CAROL_PASSWORD)), CAROL_PASSWORD),
                arguments("basic credentials that are not base64", List.of("Authorization", "Basic !!not-base64!!"), "!!not-base64!!"),
                arguments("basic credentials without a colon", List.of("Authorization", basic("carol" + CAROL_PASSWORD)), CAROL_PASSWORD));
    }

    static List<String> configMapNames() {
        Response list = admin.get("/api/v1/namespaces/default/configmaps");
        assertThat(list.status()).as(list.text()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        list.json().path("items").forEach(i -> names.add(i.path("metadata").path("name").asString()));
        return names;
    }

    static String configMap(String name) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"k\":\"v\"}}";
    }

    @ParameterizedTest(name = "{0} is 401 with a Status and creates nothing")
    @MethodSource("unauthorized")
    void aBadCredentialIsUnauthorizedAndChangesNothing(String why, List<String> headers, String secret) {
        String name = "cm-" + why.replaceAll("[^a-z0-9]", "").substring(0, Math.min(40, why.replaceAll("[^a-z0-9]", "").length()));
        List<String> before = configMapNames();
        int logged = logs.list.size();

        Response create = http.post("/api/v1/namespaces/default/configmaps", configMap(name), headers.toArray(String[]::new));
        Response whoami = http.whoami(headers.toArray(String[]::new));

        for (Response r : List.of(create, whoami)) {
            assertThat(r.status()).as(r.text()).isEqualTo(401);
            JsonNode status = r.json();
            assertThat(status.path("kind").asString()).isEqualTo("Status");
            assertThat(status.path("apiVersion").asString()).isEqualTo("v1");
            assertThat(status.path("status").asString()).isEqualTo("Failure");
            assertThat(status.path("reason").asString()).isEqualTo("Unauthorized");
            assertThat(status.path("message").asString()).isEqualTo("Unauthorized");
            assertThat(status.path("code").asInt()).isEqualTo(401);
            if (!secret.isEmpty()) assertThat(r.text()).doesNotContain(secret);
            for (String credential : credentials(headers)) assertThat(r.text()).doesNotContain(credential);
        }
        assertThat(configMapNames()).isEqualTo(before).doesNotContain(name);
        assertThat(admin.get("/api/v1/namespaces/default/configmaps/" + name).status()).isEqualTo(404);
        assertNoLogLineHolds(headers, logged);
    }

    /** The credential part of each header value (after the scheme), when long enough to be told apart from other text. */
    static List<String> credentials(List<String> headers) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i < headers.size(); i += 2) {
            String credential = headers.get(i).substring(headers.get(i).indexOf(' ') + 1).strip();
            if (credential.length() >= 6) out.add(credential);
        }
        return out;
    }

    static void assertNoLogLineHolds(List<String> headers, int from) {
        List<ILoggingEvent> events = new ArrayList<>(logs.list.subList(from, logs.list.size()));
        for (String credential : credentials(headers)) {
            for (ILoggingEvent e : events) {
                String line = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage());
                assertThat(line).as("log line from " + e.getLoggerName()).doesNotContain(credential);
            }
        }
    }

    @Test
    void anUnknownSchemeIsAnonymousAsInKubeApiserver() {
        String name = "cm-unknown-scheme";
        List<String> headers = List.of("Authorization", "Negotiate c2VjcmV0LW5lZ290aWF0ZS10b2tlbg==");
        int logged = logs.list.size();
        Response create = http.post("/api/v1/namespaces/default/configmaps", configMap(name), headers.toArray(String[]::new));
        assertThat(create.status()).as(create.text()).isEqualTo(403);
        assertThat(create.json().path("reason").asString()).isEqualTo("Forbidden");
        assertThat(create.json().path("message").asString()).isEqualTo("configmaps is forbidden: User \"system:anonymous\" "
                + "cannot create resource \"configmaps\" in API group \"\" in the namespace \"default\"");
        assertThat(create.text()).doesNotContain("c2VjcmV0LW5lZ290aWF0ZS10b2tlbg==");
        assertThat(http.get("/version", headers.toArray(String[]::new)).status()).isEqualTo(200);
        assertThat(admin.get("/api/v1/namespaces/default/configmaps/" + name).status()).isEqualTo(404);
        assertNoLogLineHolds(headers, logged);
    }

    @Test
    void theGoodCredentialsOfThisServerWorkSoTheRefusalsAboveMeanSomething() {
        for (String authorization : List.of("Bearer " + ALICE_TOKEN, "Bearer " + validIdToken(), basic("carol:" + CAROL_PASSWORD))) {
            Response r = http.whoami("Authorization", authorization);
            assertThat(r.status()).as(authorization.substring(0, 6) + ": " + r.text()).isEqualTo(201);
            assertThat(r.text()).doesNotContain(authorization.substring(authorization.indexOf(' ') + 1));
        }
        Response r = http.whoami("Authorization", "Bearer " + validIdToken());
        assertThat(r.json().path("status").path("userInfo").path("username").asString()).isEqualTo("oidc:olga@example.com");
    }

    @Test
    void theServerLoggedSomethingWhileTheseTestsRan() {
        http.whoami("Authorization", "Bearer garbage-for-the-log-check");
        assertThat(logs.list).as("the log capture is attached").isNotEmpty();
    }
}
