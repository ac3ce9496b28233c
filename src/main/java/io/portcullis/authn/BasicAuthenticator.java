package io.portcullis.authn;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * --basic-auth-file: CSV lines {@code bcrypt-hash,user,uid[,"group1,group2"]}; plaintext passwords
 * are refused at start. Reads {@code Authorization: Basic base64(user:password)}. An unknown user
 * costs the same bcrypt check as a wrong password. A verified user:password is remembered for a
 * few seconds under an HMAC with a per-process key, since bcrypt is slow by design.
 */
public final class BasicAuthenticator implements Authenticator {
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}");
    private static final String DUMMY = OpenBSDBCrypt.generate("2b", "portcullis-dummy".toCharArray(), new byte[16], 10);

    private record Entry(String hash, UserInfo user) {}

    private final Map<String, Entry> users;
    private final Cache<String, UserInfo> verified;
    private final SecretKeySpec key;

    private BasicAuthenticator(Map<String, Entry> users, Duration cacheTtl) {
        this.users = Map.copyOf(users);
        this.verified = Caffeine.newBuilder().maximumSize(1024).expireAfterWrite(cacheTtl).executor(Runnable::run).build();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    /** Reads the file; a bad line stops the server with "--basic-auth-file &lt;path&gt;: line N: ...". */
    public static BasicAuthenticator load(Path file) {
        String where = "--basic-auth-file " + file;
        Map<String, Entry> users = new HashMap<>();
        for (Csv.Row row : Csv.readCredentials("--basic-auth-file", file, "password")) {
            List<String> f = row.fields();
            if (!BCRYPT.matcher(f.get(0)).matches()) {
                throw new IllegalArgumentException(where + ": line " + row.line()
                        + ": the password must be a bcrypt hash ($2a$, $2b$ or $2y$); plaintext passwords are not accepted");
            }
            List<String> groups = f.size() >= 4 ? Arrays.asList(f.get(3).split(",", -1)) : List.of();
            users.put(f.get(1), new Entry(f.get(0), new UserInfo(f.get(1), f.get(2), groups, Map.of())));
        }
        return new BasicAuthenticator(users, Duration.ofSeconds(10));
    }

    @Override
    public Optional<UserInfo> authenticate(Credentials credentials) throws AuthenticationException {
        Optional<String> payload = credentials.basic();
        if (payload.isEmpty()) return Optional.empty();
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(payload.get()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException("invalid basic Authorization header: not base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) throw new AuthenticationException("invalid basic Authorization header: no user:password");
        String name = decoded.substring(0, colon);
        char[] password = decoded.substring(colon + 1).toCharArray();

        String cacheKey = hmac(decoded);
        UserInfo cached = verified.getIfPresent(cacheKey);
        if (cached != null) return Optional.of(cached);

        Entry entry = users.get(name);
        boolean ok = OpenBSDBCrypt.checkPassword(entry == null ? DUMMY : entry.hash(), password);
        Arrays.fill(password, '\0');
        if (entry == null || !ok) throw new AuthenticationException("invalid username or password");
        verified.put(cacheKey, entry.user());
        return Optional.of(entry.user());
    }

    private String hmac(String userPassword) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(userPassword.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
