package io.portcullis.tokens;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;

import io.portcullis.api.Json;
import io.portcullis.pki.Keys;
import tools.jackson.databind.node.ObjectNode;

/**
 * Signs ServiceAccount tokens with one private key: RS256 for RSA, ES256 for EC P-256 (ES384 and
 * ES512 for the larger curves). The header carries {@code kid} = base64url(SHA-256(PKIX DER of the
 * public key)). Claims are written in upstream's (sorted) order; {@code aud} is always an array.
 */
public final class TokenSigner {
    /** The issuer of secret-based tokens, whatever {@code --service-account-issuer} says. */
    public static final String LEGACY_ISSUER = "kubernetes/serviceaccount";

    private final String issuer;
    private final Clock clock;
    private final JWSSigner signer;
    private final JWSHeader header;
    private final PublicKey publicKey;

    /** @param issuer the first {@code --service-account-issuer}, written as {@code iss} of bound tokens */
    public TokenSigner(PrivateKey key, String issuer, Clock clock) {
        if (issuer == null || issuer.isEmpty()) throw new IllegalArgumentException("issuer is required");
        this.issuer = issuer;
        this.clock = clock;
        this.publicKey = Keys.publicKeyOf(key);
        JWSAlgorithm alg = ServiceAccountKeys.algorithm(key);
        try {
            this.signer = key instanceof RSAPrivateKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECPrivateKey) key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable signing key: " + e.getMessage(), e);
        }
        this.header = new JWSHeader.Builder(alg).keyID(ServiceAccountKeys.keyId(publicKey)).build();
    }

    public String issuer() { return issuer; }
    public String keyId() { return header.getKeyID(); }
    public JWSAlgorithm algorithm() { return header.getAlgorithm(); }
    public PublicKey publicKey() { return publicKey; }

    /** A secret-based token as the legacy tokens controller writes into a Secret: no exp, iat or aud. */
    public String issueLegacy(String namespace, String serviceAccountName, String serviceAccountUid, String secretName) {
        require(namespace, "namespace");
        require(serviceAccountName, "serviceAccountName");
        require(serviceAccountUid, "serviceAccountUid");
        require(secretName, "secretName");
        ObjectNode c = Json.object();
        c.put("iss", LEGACY_ISSUER);
        c.put("kubernetes.io/serviceaccount/namespace", namespace);
        c.put("kubernetes.io/serviceaccount/secret.name", secretName);
        c.put("kubernetes.io/serviceaccount/service-account.name", serviceAccountName);
        c.put("kubernetes.io/serviceaccount/service-account.uid", serviceAccountUid);
        c.put("sub", ServiceAccountClaims.USERNAME_PREFIX + namespace + ":" + serviceAccountName);
        return sign(c);
    }

    /** A bound token (TokenRequest, projected volume) with a fresh jti; iat = nbf = now. */
    public String issueBound(BoundToken t) {
        Instant now = clock.instant();
        long iat = now.getEpochSecond();
        ObjectNode c = Json.object();
        var aud = c.putArray("aud");
        for (String a : t.audiences()) aud.add(a);
        c.put("exp", now.plus(t.expiration()).getEpochSecond());
        c.put("iat", iat);
        c.put("iss", issuer);
        c.put("jti", UUID.randomUUID().toString());
        ObjectNode k = c.putObject("kubernetes.io");
        k.put("namespace", t.namespace());
        t.node().ifPresent(n -> ref(k, "node", n));
        t.pod().ifPresent(p -> ref(k, "pod", p));
        t.secret().ifPresent(s -> ref(k, "secret", s));
        ObjectNode sa = k.putObject("serviceaccount");
        sa.put("name", t.serviceAccountName());
        sa.put("uid", t.serviceAccountUid());
        t.warnAfter().ifPresent(w -> k.put("warnafter", now.plus(w).getEpochSecond()));
        c.put("nbf", iat);
        c.put("sub", ServiceAccountClaims.USERNAME_PREFIX + t.namespace() + ":" + t.serviceAccountName());
        return sign(c);
    }

    private static void ref(ObjectNode parent, String field, BoundToken.ObjectRef ref) {
        ObjectNode o = parent.putObject(field);
        o.put("name", ref.name());
        o.put("uid", ref.uid());
    }

    private String sign(ObjectNode claims) {
        JWSObject jws = new JWSObject(header, new Payload(Json.string(claims)));
        try {
            jws.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign token: " + e.getMessage(), e);
        }
        return jws.serialize();
    }

    private static void require(String value, String what) {
        if (value == null || value.isEmpty()) throw new IllegalArgumentException(what + " is required");
    }

}
