package io.portcullis.storage.encryption;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TransformersTest {
    static final byte[] VALUE = "{\"kind\":\"Secret\",\"data\":{\"password\":\"aHVudGVyMg==\"}}".getBytes(UTF_8);
    static final byte[] KEY = "/registry/secrets/default/s1".getBytes(UTF_8);

    static byte[] key(int size, int fill) {
        byte[] k = new byte[size];
        Arrays.fill(k, (byte) fill);
        return k;
    }

    static Stream<Arguments> providers() {
        return Stream.of(
                arguments("aescbc, 32-byte key", new AesCbc("key1", key(32, 1)), new AesCbc("key1", key(32, 2)), "k8s:enc:aescbc:v1:key1:"),
                arguments("aescbc, 16-byte key", new AesCbc("k", key(16, 1)), new AesCbc("k", key(16, 2)), "k8s:enc:aescbc:v1:k:"),
                arguments("aesgcm", new AesGcm("key1", key(32, 1)), new AesGcm("key1", key(32, 2)), "k8s:enc:aesgcm:v1:key1:"),
                arguments("aesgcm, 24-byte key", new AesGcm("b", key(24, 1)), new AesGcm("b", key(24, 2)), "k8s:enc:aesgcm:v1:b:"),
                arguments("secretbox", new Secretbox("key1", key(32, 1)), new Secretbox("key1", key(32, 2)), "k8s:enc:secretbox:v1:key1:"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void aValueRoundTripsHidesItsPlaintextAndDoesNotReadWithAnotherKey(String name, Transformer t, Transformer other, String prefix)
            throws Exception {
        assertThat(t.prefix()).isEqualTo(prefix);
        byte[] stored = t.encrypt(VALUE, KEY);
        assertThat(new String(stored, UTF_8)).doesNotContain("Secret", "aHVudGVyMg");
        assertThat(t.encrypt(VALUE, KEY)).as("a fresh IV or nonce each time").isNotEqualTo(stored);
        assertThat(t.decrypt(stored, KEY)).isEqualTo(VALUE);
        // CBC has no tag: a wrong key is caught by its padding, or (1 in 256) yields garbage, never the value
        try {
            assertThat(other.decrypt(stored, KEY)).isNotEqualTo(VALUE);
        } catch (GeneralSecurityException e) {
            assertThat(e.getMessage()).doesNotContain("Secret");
        }
        assertThatThrownBy(() -> t.decrypt(Arrays.copyOf(stored, 8), KEY)).isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void aesgcmAuthenticatesTheStorageKeySoAValueCopiedToAnotherKeyDoesNotRead() throws Exception {
        AesGcm gcm = new AesGcm("key1", key(32, 1));
        byte[] stored = gcm.encrypt(VALUE, KEY);
        assertThatThrownBy(() -> gcm.decrypt(stored, "/registry/secrets/default/s2".getBytes(UTF_8)))
                .hasMessageStartingWith("message authentication failed");
    }

    @Test
    void secretboxMatchesNaClsPublishedBox() throws Exception {
        // key 0x01 x32, nonce 0x02 x24, message 0x03 x64: the box computed by NaCl's C implementation
        Secretbox box = new Secretbox("k", key(32, 1));
        byte[] out = new byte[24 + 16 + 64];
        Arrays.fill(out, 0, 24, (byte) 2);
        box.seal(out, key(64, 3));
        assertThat(HexFormat.of().formatHex(out, 24, out.length)).isEqualTo(
                "8442bc313f4626f1359e3b50122b6ce6fe66ddfe7d39d14e637eb4fd5b45beadab55198df6ab5368439792a23c87db70acb6156dc5ef957ac04f6276cf6093b"
                        + "84be77ff0849cc33e34b7254d5a8f65ad");
        assertThat(box.decrypt(out, KEY)).isEqualTo(key(64, 3));
    }

    @Test
    void identityReadsPlainValuesAndRefusesEncryptedOnes() throws Exception {
        assertThat(Identity.INSTANCE.decrypt(VALUE, KEY)).isSameAs(VALUE);
        assertThatThrownBy(() -> Identity.INSTANCE.decrypt("k8s:enc:aescbc:v1:key1:xyz".getBytes(UTF_8), KEY))
                .hasMessage("identity transformer tried to read encrypted data");
    }

    // ---- a resource's providers in order ----

    @Test
    void theFirstProviderWritesAndAnyProviderWhosePrefixMatchesReads() throws Exception {
        AesCbc key1 = new AesCbc("key1", key(32, 1));
        AesCbc key2 = new AesCbc("key2", key(32, 2));
        byte[] byKey1 = new Providers(List.of(key1)).write(VALUE, KEY);
        Providers rotated = new Providers(List.of(key2, key1, Identity.INSTANCE));

        assertThat(new String(byKey1, UTF_8)).startsWith("k8s:enc:aescbc:v1:key1:");
        assertThat(new String(rotated.write(VALUE, KEY), UTF_8)).startsWith("k8s:enc:aescbc:v1:key2:");
        assertThat(rotated.read(byKey1, KEY).value()).isEqualTo(VALUE);
        assertThat(rotated.read(VALUE, KEY).value()).as("plaintext, through identity").isEqualTo(VALUE);
        assertThat(new Providers(List.of(Identity.INSTANCE, key1)).read(byKey1, KEY).value()).as("identity first passes it on")
                .isEqualTo(VALUE);
    }

    @Test
    void onlyAValueTheFirstProviderWroteIsCurrentAnyOtherIsStaleAndAnUpdateWritesItAgain() throws Exception {
        AesCbc key1 = new AesCbc("key1", key(32, 1));
        AesCbc key2 = new AesCbc("key2", key(32, 2));
        Providers rotated = new Providers(List.of(key2, key1, Identity.INSTANCE));
        assertThat(rotated.read(rotated.write(VALUE, KEY), KEY).stale()).isFalse();
        assertThat(rotated.read(new Providers(List.of(key1)).write(VALUE, KEY), KEY).stale()).isTrue();
        assertThat(new Providers(List.of(Identity.INSTANCE, key1)).read(VALUE, KEY).stale()).as("plaintext while identity writes").isFalse();
    }

    @Test
    void providersOfTheSameKindWithTheSameKeyNameAreAllTried() throws Exception {
        // as upstream: a rotation may list two aescbc providers whose keys share a name
        AesGcm old = new AesGcm("key", key(32, 1));
        AesGcm current = new AesGcm("key", key(32, 2));
        byte[] stored = new Providers(List.of(old)).write(VALUE, KEY);
        assertThat(new Providers(List.of(current, old)).read(stored, KEY).value()).isEqualTo(VALUE);
    }

    static Stream<Arguments> unreadable() {
        AesGcm key1 = new AesGcm("key1", key(32, 1));
        return Stream.of(
                arguments("its key is gone", List.of(new AesGcm("key2", key(32, 2))), key1,
                        "no matching prefix found (the value was encrypted with aesgcm key \"key1\", which is not among the providers)"),
                arguments("its key has another secret", List.of(new AesGcm("key1", key(32, 9))), key1,
                        "aesgcm key \"key1\": message authentication failed (not this key's data, or not stored under this key)"),
                arguments("plaintext without identity", List.of(key1), Identity.INSTANCE,
                        "no matching prefix found (the value is stored unencrypted, and identity is not among the providers)"),
                arguments("encrypted, only identity", List.of(Identity.INSTANCE), key1,
                        "no matching prefix found (the value was encrypted with aesgcm key \"key1\", which is not among the providers)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void unreadable(String name, List<Transformer> configured, Transformer writer, String why) throws Exception {
        byte[] stored = new Providers(List.of(writer)).write(VALUE, KEY);
        assertThatThrownBy(() -> new Providers(configured).read(stored, KEY)).isInstanceOf(GeneralSecurityException.class).hasMessage(why);
    }
}
