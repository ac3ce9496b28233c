package io.portcullis.authn;

import io.portcullis.authn.TokenAuthenticator.TokenResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * --token-auth-file: CSV lines {@code token,user,uid[,"group1,group2"]}. Not audience-aware: wrap
 * with {@link Authenticators#audienceAgnostic}. Tokens are held and looked up only as their SHA-256
 * digests, so the lookup's timing depends on the digest, not on how much of a token matched.
 */
public final class TokenFileAuthenticator implements TokenAuthenticator {
    private static final Logger LOG = LoggerFactory.getLogger(TokenFileAuthenticator.class);
    private final Map<Digest, UserInfo> users;

    private TokenFileAuthenticator(Map<Digest, UserInfo> users) {
        this.users = Map.copyOf(users);
    }

    /** Reads the file; a bad line stops the server with "--token-auth-file &lt;path&gt;: line N: ...". */
    public static TokenFileAuthenticator load(Path file) {
        String where = "--token-auth-file " + file;
        Map<Digest, UserInfo> users = new HashMap<>();
        for (Csv.Row row : Csv.readCredentials("--token-auth-file", file, "token")) {
            List<String> f = row.fields();
            if (f.get(0).isEmpty()) {
                LOG.warn("{}: line {}: empty token skipped", where, row.line());
                continue;
            }
            List<String> groups = f.size() >= 4 ? Arrays.asList(f.get(3).split(",", -1)) : List.of();
            UserInfo previous = users.put(Digest.of(f.get(0)), new UserInfo(f.get(1), f.get(2), groups, Map.of()));
            if (previous != null) LOG.warn("{}: line {}: duplicate token, the later line wins", where, row.line());
        }
        return new TokenFileAuthenticator(users);
    }

    @Override
    public Optional<TokenResult> authenticateToken(String token, List<String> audiences) {
        UserInfo user = users.get(Digest.of(token));
        return user == null ? Optional.empty() : Optional.of(new TokenResult(user, audiences));
    }

    private record Digest(byte[] sha256) {
        static Digest of(String token) {
            try {
                return new Digest(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        @Override public boolean equals(Object o) { return o instanceof Digest d && MessageDigest.isEqual(sha256, d.sha256); }
        @Override public int hashCode() { return Arrays.hashCode(sha256); }
        @Override public String toString() { return "Digest"; }
    }
}
