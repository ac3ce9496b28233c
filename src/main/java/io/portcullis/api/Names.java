package io.portcullis.api;

import java.security.SecureRandom;

/**
 * Generated object names as upstream makes them: five characters from an alphabet without vowels
 * or look-alike digits, so no word or ambiguous string appears, after a base cut to 58 characters
 * so that the name stays within 63.
 */
public final class Names {
    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_BASE = 58;

    private Names() {}

    /** metadata.generateName's rule: the base, cut to 58 characters, and a random suffix. */
    public static String generate(String base) {
        return (base.length() > MAX_BASE ? base.substring(0, MAX_BASE) : base) + randomSuffix();
    }

    /** Five random characters of upstream's alphabet. */
    public static String randomSuffix() {
        StringBuilder sb = new StringBuilder(5);
        for (int i = 0; i < 5; i++) sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        return sb.toString();
    }
}
