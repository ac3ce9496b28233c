package io.portcullis.authn;

import io.portcullis.pki.ClientTls;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.portcullis.api.Json;
import io.portcullis.authn.TokenAuthenticator.TokenResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.JsonNode;

/**
 * --oidc-* flags: ID tokens from one issuer, verified against its JWKS (found through
 * &lt;issuer&gt;/.well-known/openid-configuration). A token from another issuer is not ours; ours
 * and bad is an error. Keys are fetched in the background at start; authentication waits on the
 * network only when a token names a key id the JWKS does not hold (at most one refresh every
 * {@link #REFRESH_INTERVAL}). Not audience-aware: wrap with {@link Authenticators#audienceAgnostic}.
 */
public final class OidcAuthenticator implements TokenAuthenticator {
    public static final Duration REFRESH_INTERVAL = Duration.ofSeconds(10);
    private static final Duration NOT_BEFORE_SKEW = Duration.ofMinutes(5);

    /** The --oidc-* flags. Null or empty means the flag was not given. */
    public record Options(String issuerUrl, String clientId, String usernameClaim, String usernamePrefix, String groupsClaim,
                          String groupsPrefix, Path caFile, List<String> signingAlgs, Map<String, String> requiredClaims) {
        public Options {
            usernameClaim = usernameClaim == null || usernameClaim.isEmpty() ? "sub" : usernameClaim;
            groupsPrefix = groupsPrefix == null ? "" : groupsPrefix;
            signingAlgs = signingAlgs == null || signingAlgs.isEmpty() ? List.of("RS256") : List.copyOf(signingAlgs);
            requiredClaims = requiredClaims == null ? Map.of() : Map.copyOf(requiredClaims);
        }

        /** Parses repeated --oidc-required-claim key=value values. */
        public static Map<String, String> requiredClaims(List<String> values) {
            Map<String, String> m = new java.util.LinkedHashMap<>();
            for (String v : values) {
                int eq = v.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("--oidc-required-claim " + v + ": must be key=value");
                m.put(v.substring(0, eq), v.substring(eq + 1));
            }
            return m;
        }
    }

    private final Options options;
    private final String usernamePrefix;
    private final HttpClient http;
    private final Clock clock;
    private final Object refreshLock = new Object();
    private volatile JWKSet keys = new JWKSet();
    private volatile Instant lastRefresh = Instant.EPOCH;
    private volatile URI jwksUri;

    private OidcAuthenticator(Options options, HttpClient http, Clock clock) {
        this.options = options;
        this.http = http;
        this.clock = clock;
        String prefix = options.usernamePrefix();
        if (prefix == null || prefix.isEmpty()) prefix = options.usernameClaim().equals("email") ? "" : options.issuerUrl() + "#";
        else if (prefix.equals("-")) prefix = "";
        this.usernamePrefix = prefix;
    }

    /** Checks the flags and starts fetching keys in the background; a bad flag names itself. */
    public static OidcAuthenticator start(Options options, Clock clock) {
        if (options.issuerUrl() == null || options.issuerUrl().isEmpty()) throw new IllegalArgumentException("--oidc-issuer-url is required");
        URI issuer;
        try {
            issuer = URI.create(options.issuerUrl());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--oidc-issuer-url " + options.issuerUrl() + ": " + e.getMessage());
        }
        if (!"https".equals(issuer.getScheme())) throw new IllegalArgumentException("--oidc-issuer-url " + options.issuerUrl() + ": must use https");
        if (options.clientId() == null || options.clientId().isEmpty()) throw new IllegalArgumentException("--oidc-client-id is required");
        for (String alg : options.signingAlgs()) {
            if (!JWSAlgorithm.Family.SIGNATURE.contains(JWSAlgorithm.parse(alg))) {
                throw new IllegalArgumentException("--oidc-signing-algs: unsupported algorithm " + alg);
            }
        }
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (options.caFile() != null) {
            try {
                SSLContext tls = ClientTls.context(Files.readAllBytes(options.caFile()), null, null, false);
                b.sslContext(tls);
            } catch (Exception e) {
                throw new IllegalArgumentException("--oidc-ca-file " + options.caFile() + ": " + e.getMessage(), e);
            }
        }
        OidcAuthenticator a = new OidcAuthenticator(options, b.build(), clock);
        CompletableFuture.runAsync(() -> {
            try {
                a.refresh(true);
            } catch (Exception ignored) {
                // retried on the first token that needs a key
            }
        });
        return a;
    }

    @Override
    public Optional<TokenResult> authenticateToken(String token, List<String> audiences) throws AuthenticationException {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return Optional.empty();
        }
        if (!options.issuerUrl().equals(claims.getIssuer())) return Optional.empty();

        String alg = jwt.getHeader().getAlgorithm().getName();
        if (!options.signingAlgs().contains(alg)) {
            throw new AuthenticationException("oidc: id token signed with unsupported algorithm, expected " + options.signingAlgs() + " got \"" + alg + "\"");
        }
        verifySignature(jwt);

        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) throw new AuthenticationException("oidc: token has no expiry");
        if (now.isAfter(exp.toInstant())) throw new AuthenticationException("oidc: token is expired (Token Expiry: " + exp.toInstant() + ")");
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(NOT_BEFORE_SKEW).isBefore(nbf.toInstant())) {
            throw new AuthenticationException("oidc: current time " + now + " before the nbf (not before) time: " + nbf.toInstant());
        }
        List<String> aud = claims.getAudience();
        if (aud == null || !aud.contains(options.clientId())) {
            throw new AuthenticationException("oidc: expected audience \"" + options.clientId() + "\" got " + aud);
        }

        Object rawName = claims.getClaim(options.usernameClaim());
        if (!(rawName instanceof String name) || name.isEmpty()) {
            throw new AuthenticationException("oidc: parse username claims \"" + options.usernameClaim() + "\": claim not present or not a string");
        }
        if (options.usernameClaim().equals("email")) {
            Object verified = claims.getClaim("email_verified");
            if (verified != null) {
                if (!(verified instanceof Boolean b)) throw new AuthenticationException("oidc: parse 'email_verified' claim: not a boolean");
                if (!b) throw new AuthenticationException("oidc: email not verified");
            }
        }

        List<String> groups = new ArrayList<>();
        if (options.groupsClaim() != null && !options.groupsClaim().isEmpty()) {
            Object raw = claims.getClaim(options.groupsClaim());
            if (raw instanceof String s) groups.add(options.groupsPrefix() + s);
            else if (raw instanceof List<?> list) {
                for (Object g : list) {
                    if (!(g instanceof String s)) throw new AuthenticationException("oidc: groups claim \"" + options.groupsClaim() + "\" is not a string or an array of strings");
                    groups.add(options.groupsPrefix() + s);
                }
            } else if (raw != null) {
                throw new AuthenticationException("oidc: groups claim \"" + options.groupsClaim() + "\" is not a string or an array of strings");
            }
        }

        for (Map.Entry<String, String> required : options.requiredClaims().entrySet()) {
            Object v = claims.getClaim(required.getKey());
            if (v == null) throw new AuthenticationException("oidc: required claim " + required.getKey() + " not present in ID token");
            if (!(v instanceof String s) || !s.equals(required.getValue())) {
                throw new AuthenticationException("oidc: required claim " + required.getKey() + " value does not match. Got = " + v + ", want = " + required.getValue());
            }
        }
        return Optional.of(new TokenResult(new UserInfo(usernamePrefix + name, "", groups, Map.of()), audiences));
    }

    private void verifySignature(SignedJWT jwt) throws AuthenticationException {
        String kid = jwt.getHeader().getKeyID();
        List<JWK> candidates = candidates(kid);
        if (candidates.isEmpty()) {
            refresh(false);
            candidates = candidates(kid);
        }
        if (candidates.isEmpty()) throw new AuthenticationException("oidc: no signing key found for kid \"" + (kid == null ? "" : kid) + "\"");
        DefaultJWSVerifierFactory factory = new DefaultJWSVerifierFactory();
        for (JWK jwk : candidates) {
            try {
                if (!(jwk instanceof AsymmetricJWK asym)) continue;
                JWSVerifier verifier = factory.createJWSVerifier(jwt.getHeader(), asym.toPublicKey());
                if (jwt.verify(verifier)) return;
            } catch (JOSEException e) {
                // a key of another type: try the next one
            }
        }
        throw new AuthenticationException("oidc: failed to verify signature");
    }

    private List<JWK> candidates(String kid) {
        JWKSet set = keys;
        if (kid == null) return set.getKeys();
        JWK k = set.getKeyByKeyId(kid);
        return k == null ? List.of() : List.of(k);
    }

    /** Fetches discovery (once) and the JWKS; at most once per {@link #REFRESH_INTERVAL} unless forced. */
    private void refresh(boolean force) throws AuthenticationException {
        synchronized (refreshLock) {
            Instant now = clock.instant();
            if (!force && now.isBefore(lastRefresh.plus(REFRESH_INTERVAL))) return;
            lastRefresh = now;
            try {
                if (jwksUri == null) {
                    String discovery = options.issuerUrl().replaceAll("/+$", "") + "/.well-known/openid-configuration";
                    JsonNode doc = Json.MAPPER.readTree(get(URI.create(discovery)));
                    String advertised = doc.path("issuer").asString("");
                    if (!advertised.equals(options.issuerUrl())) {
                        throw new AuthenticationException("oidc: issuer did not match the issuer returned by provider, expected \""
                                + options.issuerUrl() + "\" got \"" + advertised + "\"");
                    }
                    String uri = doc.path("jwks_uri").asString("");
                    if (uri.isEmpty()) throw new AuthenticationException("oidc: provider discovery has no jwks_uri");
                    jwksUri = URI.create(uri);
                }
                keys = JWKSet.parse(get(jwksUri));
            } catch (AuthenticationException e) {
                throw e;
            } catch (Exception e) {
                throw new AuthenticationException("oidc: fetching keys: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    private String get(URI uri) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IllegalStateException(uri + " answered " + r.statusCode());
        return r.body();
    }
}
