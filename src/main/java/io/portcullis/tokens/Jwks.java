package io.portcullis.tokens;

import java.math.BigInteger;
import java.net.URI;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;

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

    /** {@code {"keys":[{"use":"sig","kty":"RSA","kid":..,"alg":"RS256","n":..,"e":..}, ...]}}, one entry per key. */
    public static String keySet(List<PublicKey> keys) {
        ObjectNode root = Json.object();
        ArrayNode out = root.putArray("keys");
        for (PublicKey key : keys) {
            ObjectNode k = out.addObject();
            k.put("use", "sig");
            JWSAlgorithm alg = ServiceAccountKeys.algorithm(key);
            if (key instanceof RSAPublicKey rsa) {
                k.put("kty", "RSA");
                k.put("kid", ServiceAccountKeys.keyId(key));
                k.put("alg", alg.getName());
                k.put("n", b64(unsigned(rsa.getModulus(), 0)));
                k.put("e", b64(unsigned(rsa.getPublicExponent(), 0)));
            } else if (key instanceof ECPublicKey ec) {
                Curve curve = Curve.forECParameterSpec(ec.getParams());
                int size = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
                k.put("kty", "EC");
                k.put("kid", ServiceAccountKeys.keyId(key));
                k.put("crv", curve.getName());
                k.put("alg", alg.getName());
                k.put("x", b64(unsigned(ec.getW().getAffineX(), size)));
                k.put("y", b64(unsigned(ec.getW().getAffineY(), size)));
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

    private static byte[] unsigned(BigInteger value, int length) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        if (bytes.length >= length) return bytes;
        byte[] padded = new byte[length];
        System.arraycopy(bytes, 0, padded, length - bytes.length, bytes.length);
        return padded;
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
