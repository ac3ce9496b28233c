package io.portcullis.authn;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a request presents: the verified-by-TLS-handshake peer chain (possibly empty; the
 * handshake does not check it against any CA) and every Authorization header value, in order
 * (more than one is refused).
 * The server builds this once; authenticators never see the transport.
 */
public record Credentials(List<X509Certificate> peerCertificates, List<String> authorizationHeaders) {
    /** What Go's strings.TrimSpace removes among ASCII: space, tab, newline, vertical tab, form feed, carriage return. */
    static final String GO_ASCII_SPACE = " \t\n\013\f\r";

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
     * The bearer token, split from the Authorization header as upstream's bearer authenticator
     * splits it: trimmed as Go's TrimSpace (of {@link #GO_ASCII_SPACE}; a Unicode space Go would
     * also trim reaches us as Latin-1 bytes and stays, which only spoils the credential), split on
     * single spaces, the first part "bearer" in any case, the token the second part, whatever
     * follows a further space. Empty for another scheme. Where upstream would carry on without a
     * credential, this server refuses (401): an empty token ({@code Bearer}, {@code Bearer },
     * and {@code Bearer  <token>} with two spaces) and more than one Authorization header.
     */
    public Optional<String> bearerToken() throws AuthenticationException {
        if (authorizationHeaders.isEmpty()) return Optional.empty();
        String[] parts = trimAsciiSpace(single()).split(" ", 3);
        if (!parts[0].toLowerCase(Locale.ROOT).equals("bearer")) return Optional.empty();
        if (parts.length < 2 || parts[1].isEmpty()) throw new AuthenticationException("invalid bearer Authorization header: empty token");
        return Optional.of(parts[1]);
    }

    /**
     * The base64 payload of the Authorization header, as Go's BasicAuth reads it: exactly
     * what follows "Basic " (that prefix in any case), nothing trimmed. Empty for another scheme;
     * an empty payload is an error.
     */
    public Optional<String> basic() throws AuthenticationException {
        if (authorizationHeaders.isEmpty()) return Optional.empty();
        String value = single();
        if (value.length() < 6 || !value.substring(0, 6).toLowerCase(Locale.ROOT).equals("basic ")) return Optional.empty();
        if (value.length() == 6) throw new AuthenticationException("invalid basic Authorization header");
        return Optional.of(value.substring(6));
    }

    /** Upstream's warning for {@code Bearer  <token>}: the token after the second space is not read. */
    public static final String EXTRA_SPACE_WARNING =
            "the provided Authorization header contains extra space before the bearer token, and is ignored";

    /**
     * True when the single Authorization header is {@code Bearer} followed by two spaces and more:
     * where upstream's bearer authenticator adds {@link #EXTRA_SPACE_WARNING} to the response.
     */
    public boolean extraSpaceBeforeBearerToken() {
        if (authorizationHeaders.size() != 1) return false;
        // what splitting the trimmed value at its first two spaces would find: "bearer", nothing, and more
        String s = authorizationHeaders.get(0);
        int start = 0, end = s.length();
        while (start < end && GO_ASCII_SPACE.indexOf(s.charAt(start)) >= 0) start++;
        while (end > start && GO_ASCII_SPACE.indexOf(s.charAt(end - 1)) >= 0) end--;
        return end - start >= 8 && s.regionMatches(true, start, "bearer", 0, 6) && s.charAt(start + 6) == ' ' && s.charAt(start + 7) == ' ';
    }

    private String single() throws AuthenticationException {
        if (authorizationHeaders.size() > 1) throw new AuthenticationException("more than one Authorization header");
        return authorizationHeaders.get(0);
    }

    private static String trimAsciiSpace(String s) {
        int start = 0, end = s.length();
        while (start < end && GO_ASCII_SPACE.indexOf(s.charAt(start)) >= 0) start++;
        while (end > start && GO_ASCII_SPACE.indexOf(s.charAt(end - 1)) >= 0) end--;
        return s.substring(start, end);
    }
}
