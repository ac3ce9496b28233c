package io.portcullis.pki;

import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** bcrypt password hashes ({@code $2y$}, cost 10), as htpasswd -B writes them. */
public final class Passwords {
    public static final int COST = 10;
    private static final int MAX_BYTES = 72;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

    private Passwords() {}

    /** A new bcrypt hash with a random salt. Passwords longer than bcrypt's 72 bytes are refused. */
    public static String hash(char[] password) {
        if (utf8Length(password) > MAX_BYTES) {
            throw new IllegalArgumentException("password is longer than 72 bytes, which bcrypt cannot hash");
        }
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2y", password, salt, COST);
    }

    /**
     * True when the password matches the hash. The comparison is constant-time; a malformed
     * hash or an over-long password is a mismatch, never an exception.
     */
    public static boolean verify(String hash, char[] password) {
        if (hash == null || password == null || !isBcryptHash(hash) || utf8Length(password) > MAX_BYTES) return false;
        try {
            return OpenBSDBCrypt.checkPassword(hash, password);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** True for a well-formed {@code $2a$}, {@code $2b$} or {@code $2y$} hash. */
    public static boolean isBcryptHash(String value) {
        return value != null && BCRYPT.matcher(value).matches();
    }

    private static int utf8Length(char[] password) {
        return StandardCharsets.UTF_8.encode(CharBuffer.wrap(password)).remaining();
    }
}
