package io.portcullis.tokens;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;



/**
 * Verifies ServiceAccount JWTs, legacy (issuer {@code kubernetes/serviceaccount}) and bound (one
 * of the configured issuers), against a fixed list of public keys (several, for rotation).
 * <p>
 * Empty: not a JWT, or a JWT whose unverified {@code iss} is none of ours, so another bearer
 * authenticator may try it. InvalidTokenException: a token of ours that is bad (unsigned, an
 * algorithm outside the allow-list or not matching the key's type, no key verifies it, wrong
 * audience, expired, not yet valid, missing claims). Messages never contain the token.
 * <p>
 * Checks of what the token is bound to (ServiceAccount, Secret, Pod still existing with the same
 * uid) are the caller's: they need the store.
 */
public final class TokenVerifier {
    public static final Duration DEFAULT_LEEWAY = Duration.ofSeconds(60);

    private record VerifyingKey(String kid, JWSAlgorithm alg, JWSVerifier verifier) {}

    private final Map<String, List<VerifyingKey>> byKid = new HashMap<>();
    private final List<VerifyingKey> all = new ArrayList<>();
    private final Set<String> issuers;
    private final List<String> apiAudiences;
    private final Clock clock;
    private final long leewayMillis;

    /**
     * @param keys         every public key that may have signed a token; a token signed by a key no longer listed fails
     * @param issuers      accepted issuers of bound tokens ({@code --service-account-issuer}); the legacy issuer is always accepted
     * @param apiAudiences {@code --api-audiences}: the audiences assumed for a token without aud and for a request without audiences
     */
    public TokenVerifier(List<PublicKey> keys, List<String> issuers, List<String> apiAudiences, Clock clock, Duration leeway) {
        for (PublicKey key : keys) {
            VerifyingKey vk = new VerifyingKey(ServiceAccountKeys.keyId(key), ServiceAccountKeys.algorithm(key), verifier(key));
            all.add(vk);
            byKid.computeIfAbsent(vk.kid(), k -> new ArrayList<>()).add(vk);
        }
        Set<String> iss = new HashSet<>(issuers);
        iss.add(TokenSigner.LEGACY_ISSUER);
        this.issuers = Set.copyOf(iss);
        this.apiAudiences = List.copyOf(apiAudiences);
        this.clock = clock;
        this.leewayMillis = leeway.toMillis();
    }

    public TokenVerifier(List<PublicKey> keys, List<String> issuers, List<String> apiAudiences, Clock clock) {
        this(keys, issuers, apiAudiences, clock, DEFAULT_LEEWAY);
    }

    /** As {@link #verify(String, List)} for a request that names no audiences: the API audiences. */
    public Optional<ServiceAccountClaims> verify(String token) throws InvalidTokenException {
        return verify(token, List.of());
    }

    /**
     * @param audiences the audiences the caller accepts (a TokenReview's spec.audiences); empty means the API audiences
     */
    public Optional<ServiceAccountClaims> verify(String token, List<String> audiences) throws InvalidTokenException {
        if (token == null) return Optional.empty();
        String t = token.strip();
        if (t.startsWith("{")) return Optional.empty();
        JWT jwt;
        Map<String, Object> payload;
        try {
            jwt = JWTParser.parse(t);
            if (jwt instanceof SignedJWT signed) payload = signed.getPayload().toJSONObject();
            else if (jwt instanceof PlainJWT plain) payload = plain.getPayload().toJSONObject();
            else return Optional.empty();
        } catch (ParseException | RuntimeException e) {
            // not a JWT Nimbus accepts; still ours, and so an error, when its payload names our issuer
            if (issuers.contains(unverifiedIssuer(t))) throw new InvalidTokenException("invalid token: malformed JWT");
            return Optional.empty();
        }
        if (payload == null || !(payload.get("iss") instanceof String iss) || !issuers.contains(iss)) return Optional.empty();

        // from here on the token claims to be ours: every problem is an error
        if (!(jwt instanceof SignedJWT signed)) throw new InvalidTokenException("invalid token: unsigned tokens are not accepted");
        verifySignature(signed);
        JWTClaimsSet claims;
        try {
            claims = JWTClaimsSet.parse(payload);
        } catch (ParseException e) {
            throw new InvalidTokenException("service account token claims are malformed");
        }
        boolean legacy = TokenSigner.LEGACY_ISSUER.equals(iss);

        List<String> requested = audiences == null || audiences.isEmpty() ? apiAudiences : audiences;
        List<String> tokenAudiences = claims.getAudience().isEmpty() ? apiAudiences : claims.getAudience();
        List<String> matched = new ArrayList<>();
        for (String a : tokenAudiences) if (requested.contains(a) && !matched.contains(a)) matched.add(a);
        if (matched.isEmpty() && !apiAudiences.isEmpty()) {
            throw new InvalidTokenException("token audiences " + quoted(tokenAudiences)
                    + " is invalid for the target audiences " + quoted(requested));
        }
        return Optional.of(legacy ? legacyClaims(claims, matched) : boundClaims(claims, matched));
    }

    /** The iss of a compact JWS read without any check, or "" (as upstream's hasCorrectIssuer). */
    private static String unverifiedIssuer(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) return "";
        try {
            Map<String, Object> claims = JSONObjectUtils.parse(new Base64URL(parts[1]).decodeToString());
            return claims.get("iss") instanceof String iss ? iss : "";
        } catch (ParseException | RuntimeException e) {
            return "";
        }
    }

    private void verifySignature(SignedJWT jwt) throws InvalidTokenException {
        JWSHeader header = jwt.getHeader();
        JWSAlgorithm alg = header.getAlgorithm();
        // an explicit allow-list: the header never chooses the kind of key
        if (!JWSAlgorithm.RS256.equals(alg) && !JWSAlgorithm.ES256.equals(alg)
                && !JWSAlgorithm.ES384.equals(alg) && !JWSAlgorithm.ES512.equals(alg)) {
            throw new InvalidTokenException("invalid token: signing algorithm " + safe(alg.getName()) + " is not accepted");
        }
        String kid = header.getKeyID();
        List<VerifyingKey> candidates = kid == null || kid.isEmpty() ? all : byKid.getOrDefault(kid, List.of());
        if (candidates.isEmpty()) throw new InvalidTokenException("invalid signature, no keys found");
        for (VerifyingKey k : candidates) {
            if (!k.alg().equals(alg)) continue;
            try {
                if (jwt.verify(k.verifier())) return;
            } catch (JOSEException | IllegalStateException e) {
                // a malformed signature for this key: try the next one
            }
        }
        throw new InvalidTokenException("invalid signature");
    }

    private ServiceAccountClaims legacyClaims(JWTClaimsSet c, List<String> matched) throws InvalidTokenException {
        String sub = c.getSubject();
        if (sub == null || sub.isEmpty()) throw new InvalidTokenException("sub claim is missing");
        String namespace = string(c, "kubernetes.io/serviceaccount/namespace");
        if (namespace.isEmpty()) throw new InvalidTokenException("namespace claim is missing");
        String secretName = string(c, "kubernetes.io/serviceaccount/secret.name");
        if (secretName.isEmpty()) throw new InvalidTokenException("secretName claim is missing");
        String name = string(c, "kubernetes.io/serviceaccount/service-account.name");
        if (name.isEmpty()) throw new InvalidTokenException("serviceAccountName claim is missing");
        String uid = string(c, "kubernetes.io/serviceaccount/service-account.uid");
        if (uid.isEmpty()) throw new InvalidTokenException("serviceAccountUID claim is missing");
        if (!sub.equals(ServiceAccountClaims.USERNAME_PREFIX + namespace + ":" + name)) {
            throw new InvalidTokenException("sub claim is invalid");
        }
        return new ServiceAccountClaims(namespace, name, uid, "", "", secretName, "", "", matched,
                Optional.empty(), true, "", "", Optional.empty());
    }

    private ServiceAccountClaims boundClaims(JWTClaimsSet c, List<String> matched) throws InvalidTokenException {
        long now = clock.millis();
        Date exp = c.getExpirationTime();
        Date nbf = c.getNotBeforeTime();
        Date iat = c.getIssueTime();
        if (exp == null) throw new InvalidTokenException("service account token claims could not be validated: exp claim is missing");
        if (now - leewayMillis > exp.getTime()) throw new InvalidTokenException("service account token has expired");
        if (nbf != null && now + leewayMillis < nbf.getTime()) throw new InvalidTokenException("service account token is not valid yet");
        if (iat != null && now + leewayMillis < iat.getTime()) throw new InvalidTokenException("service account token is not valid yet");

        Map<String, Object> k = object(c.getClaim("kubernetes.io"), "kubernetes.io");
        if (k == null) throw new InvalidTokenException("service account token claims could not be validated: kubernetes.io claim is missing");
        String namespace = text(k, "namespace");
        Map<String, Object> sa = object(k.get("serviceaccount"), "serviceaccount");
        String name = sa == null ? "" : text(sa, "name");
        String uid = sa == null ? "" : text(sa, "uid");
        if (namespace.isEmpty()) throw new InvalidTokenException("namespace claim is missing");
        if (name.isEmpty()) throw new InvalidTokenException("serviceAccountName claim is missing");
        if (uid.isEmpty()) throw new InvalidTokenException("serviceAccountUID claim is missing");
        String sub = c.getSubject();
        if (sub == null || !sub.equals(ServiceAccountClaims.USERNAME_PREFIX + namespace + ":" + name)) {
            throw new InvalidTokenException("sub claim is invalid");
        }
        String[] pod = ref(k, "pod");
        String[] secret = ref(k, "secret");
        String[] node = ref(k, "node");
        Optional<Instant> warnAfter = Optional.empty();
        Object w = k.get("warnafter");
        if (w instanceof Number n && n.longValue() != 0) warnAfter = Optional.of(Instant.ofEpochSecond(n.longValue()));
        String jti = c.getJWTID();
        return new ServiceAccountClaims(namespace, name, uid, pod[0], pod[1], secret[0], secret[1],
                jti == null ? "" : jti, matched, Optional.of(exp.toInstant()), false, node[0], node[1], warnAfter);
    }

    private static String[] ref(Map<String, Object> k, String field) throws InvalidTokenException {
        Map<String, Object> r = object(k.get(field), field);
        if (r == null) return new String[] {"", ""};
        String name = text(r, "name");
        String uid = text(r, "uid");
        if (name.isEmpty() || uid.isEmpty()) throw new InvalidTokenException(field + " reference claim is incomplete");
        return new String[] {name, uid};
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value, String field) throws InvalidTokenException {
        if (value == null) return null;
        if (!(value instanceof Map<?, ?> m)) throw new InvalidTokenException(field + " claim is malformed");
        return (Map<String, Object>) m;
    }

    private static String text(Map<String, Object> m, String field) throws InvalidTokenException {
        Object v = m.get(field);
        if (v == null) return "";
        if (!(v instanceof String s)) throw new InvalidTokenException(field + " claim is malformed");
        return s;
    }

    private static String string(JWTClaimsSet c, String claim) throws InvalidTokenException {
        Object v = c.getClaim(claim);
        if (v == null) return "";
        if (!(v instanceof String s)) throw new InvalidTokenException(claim + " claim is malformed");
        return s;
    }

    private static JWSVerifier verifier(PublicKey key) {
        try {
            if (key instanceof RSAPublicKey rsa) return new RSASSAVerifier(rsa);
            if (key instanceof ECPublicKey ec) return new ECDSAVerifier(ec);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable ServiceAccount public key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("unsupported ServiceAccount public key type " + key.getAlgorithm());
    }

    private static String quoted(List<String> values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) b.append(' ');
            b.append('"').append(safe(values.get(i))).append('"');
        }
        return b.append(']').toString();
    }

    /** Attacker-chosen text, shortened and stripped of control characters before it reaches a message. */
    private static String safe(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
