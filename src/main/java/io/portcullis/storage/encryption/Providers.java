package io.portcullis.storage.encryption;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The transformers of one resource in the configuration's order, every key of every provider: the
 * first writes, and a stored value is read by the first whose prefix it carries and that can
 * decrypt it. As upstream, identity passes on an encrypted value to the providers after it.
 */
final class Providers {
    static final Providers IDENTITY = new Providers(List.of(Identity.INSTANCE));
    private static final Pattern STORED_BY = Pattern.compile("k8s:enc:([a-z0-9]+):v[0-9]+:([A-Za-z0-9._-]{1,64}):");

    private final List<Transformer> transformers;
    private final List<byte[]> prefixes;

    Providers(List<Transformer> transformers) {
        if (transformers.isEmpty()) throw new IllegalArgumentException("no providers");
        this.transformers = List.copyOf(transformers);
        this.prefixes = transformers.stream().map(t -> t.prefix().getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** True when values are written as they are. */
    boolean writesPlaintext() {
        return transformers.get(0) == Identity.INSTANCE;
    }

    /** The stored form of a value: the first transformer's prefix and encryption. */
    byte[] write(byte[] plaintext, byte[] context) throws GeneralSecurityException {
        byte[] prefix = prefixes.get(0);
        if (prefix.length == 0) return transformers.get(0).encrypt(plaintext, context);
        byte[] body = transformers.get(0).encrypt(plaintext, context);
        byte[] out = Arrays.copyOf(prefix, prefix.length + body.length);
        System.arraycopy(body, 0, out, prefix.length, body.length);
        return out;
    }

    /**
     * A value read back, and whether it is stale: stored by a transformer other than the one that
     * writes now (or by it under a key it no longer writes with), so that an update must write it again.
     */
    record Read(byte[] value, boolean stale) {}

    /** The value of a stored form; an exception naming each provider that tried and why it failed. */
    Read read(byte[] stored, byte[] context) throws GeneralSecurityException {
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < transformers.size(); i++) {
            byte[] prefix = prefixes.get(i);
            if (!Arrays.equals(stored, 0, Math.min(prefix.length, stored.length), prefix, 0, prefix.length)) continue;
            try {
                byte[] body = prefix.length == 0 ? stored : Arrays.copyOfRange(stored, prefix.length, stored.length);
                byte[] value = transformers.get(i).decrypt(body, context);
                return new Read(value, i != 0 || transformers.get(i).stale(body));
            } catch (GeneralSecurityException e) {
                if (prefix.length > 0) failures.add(transformers.get(i) + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) throw new GeneralSecurityException(String.join("; ", failures));
        throw new GeneralSecurityException("no matching prefix found (" + storedBy(stored) + ")");
    }

    /** Who wrote a value no provider here reads, from its prefix alone (never its content). */
    private static String storedBy(byte[] stored) {
        if (!Identity.encrypted(stored)) return "the value is stored unencrypted, and identity is not among the providers";
        Matcher m = STORED_BY.matcher(new String(stored, 0, Math.min(stored.length, 100), StandardCharsets.ISO_8859_1));
        if (!m.lookingAt()) return "the value is encrypted in a form none of the providers knows";
        String who = m.group(1).equals("kms") ? "kms provider \"" + m.group(2) + "\"" : m.group(1) + " key \"" + m.group(2) + "\"";
        return "the value was encrypted with " + who + ", which is not among the providers";
    }

    @Override
    public String toString() {
        return transformers.toString();
    }
}
