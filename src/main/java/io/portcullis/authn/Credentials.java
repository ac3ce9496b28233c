package io.portcullis.authn;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * What a request presents: the verified-by-TLS-handshake peer chain (possibly empty; the
 * handshake does not check it against any CA) and every Authorization header value, in order.
 * The server builds this once; authenticators never see the transport.
 */
public record Credentials(List<X509Certificate> peerCertificates, List<String> authorizationHeaders) {
    public Credentials {
        peerCertificates = List.copyOf(peerCertificates);
        authorizationHeaders = List.copyOf(authorizationHeaders);
    }

    public static Credentials bearer(String token) {
        return new Credentials(List.of(), List.of("Bearer " + token));
    }

    public static Credentials none() {
        return new Credentials(List.of(), List.of());
    }

    /**
     * The bearer token, when the single Authorization header uses the Bearer scheme (any case).
     * Empty for other schemes. An empty token or several Authorization headers are errors.
     */
    public Optional<String> bearerToken() throws AuthenticationException {
        return scheme("bearer");
    }

    /** The base64 payload of a Basic Authorization header, as {@link #bearerToken()}. */
    public Optional<String> basic() throws AuthenticationException {
        return scheme("basic");
    }

    private Optional<String> scheme(String scheme) throws AuthenticationException {
        if (authorizationHeaders.isEmpty()) return Optional.empty();
        if (authorizationHeaders.size() > 1) throw new AuthenticationException("more than one Authorization header");
        String value = authorizationHeaders.get(0).strip();
        int space = value.indexOf(' ');
        String got = space < 0 ? value : value.substring(0, space);
        if (!got.equalsIgnoreCase(scheme)) return Optional.empty();
        String rest = space < 0 ? "" : value.substring(space + 1).strip();
        if (rest.isEmpty() || rest.indexOf(' ') >= 0) throw new AuthenticationException("invalid " + scheme + " Authorization header");
        return Optional.of(rest);
    }
}
