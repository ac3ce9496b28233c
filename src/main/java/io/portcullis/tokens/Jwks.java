package io.portcullis.tokens;

import java.net.URI;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.TreeSet;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;

import io.portcullis.api.Json;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The issuer discovery documents: {@code /openid/v1/jwks} and {@code /.well-known/openid-configuration}. */
public final class Jwks {
    public static final String JWKS_PATH = "/openid/v1/jwks";
    public static final String DISCOVERY_PATH = "/.well-known/openid-configuration";
    public static final String JWKS_CONTENT_TYPE = "application/jwk-set+json";
    public static final String CACHE_CONTROL = "public, max-age=3600";

    private Jwks() {}

    /**
     * {@code {"keys":[{"use":"sig","kty":"RSA","kid":..,"alg":"RS256","n":..,"e":..}, ...]}}, one entry
     * per key, members in upstream's order; Nimbus encodes the key material.
     */
    public static String keySet(List<PublicKey> keys) {
        ObjectNode root = Json.object();
        ArrayNode out = root.putArray("keys");
        for (PublicKey key : keys) {
            ObjectNode k = out.addObject();
            k.put("use", "sig");
            String kid = ServiceAccountKeys.keyId(key);
            String alg = ServiceAccountKeys.algorithm(key).getName();
            if (key instanceof RSAPublicKey rsa) {
                RSAKey jwk = new RSAKey.Builder(rsa).build();
                k.put("kty", "RSA").put("kid", kid).put("alg", alg);
                k.put("n", jwk.getModulus().toString()).put("e", jwk.getPublicExponent().toString());
            } else if (key instanceof ECPublicKey ec) {
                ECKey jwk = new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).build();
                k.put("kty", "EC").put("kid", kid).put("crv", jwk.getCurve().getName()).put("alg", alg);
                k.put("x", jwk.getX().toString()).put("y", jwk.getY().toString());
            }
        }
        return Json.string(root);
    }

    /**
     * The OpenID discovery document. The signing algorithms are those of the keys, sorted.
     *
     * @param jwksUri {@code --service-account-jwks-uri}, or null for {@link #defaultJwksUri(String)}
     */
    public static String discovery(String issuer, String jwksUri, List<PublicKey> keys) {
        ObjectNode root = Json.object();
        root.put("issuer", issuer);
        root.put("jwks_uri", jwksUri == null || jwksUri.isEmpty() ? defaultJwksUri(issuer) : jwksUri);
        root.putArray("response_types_supported").add("id_token");
        root.putArray("subject_types_supported").add("public");
        ArrayNode algs = root.putArray("id_token_signing_alg_values_supported");
        TreeSet<String> names = new TreeSet<>();
        for (PublicKey k : keys) names.add(ServiceAccountKeys.algorithm(k).getName());
        names.forEach(algs::add);
        return Json.string(root);
    }

    /** The issuer's scheme and authority with path {@code /openid/v1/jwks}. */
    public static String defaultJwksUri(String issuer) {
        URI uri = URI.create(issuer);
        if (uri.getScheme() == null || uri.getRawAuthority() == null) {
            throw new IllegalArgumentException("the service account issuer must be a URL to serve discovery documents");
        }
        return uri.getScheme() + "://" + uri.getRawAuthority() + JWKS_PATH;
    }
}
