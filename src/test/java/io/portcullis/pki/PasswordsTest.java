package io.portcullis.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PasswordsTest {
    @Test
    void hashRoundTripsAndRejectsAWrongPassword() {
        String hash = Passwords.hash("s3cret".toCharArray());
        assertThat(hash).startsWith("$2y$10$").hasSize(60);
        assertThat(Passwords.isBcryptHash(hash)).isTrue();
        assertThat(Passwords.verify(hash, "s3cret".toCharArray())).isTrue();
        assertThat(Passwords.verify(hash, "s3cret ".toCharArray())).isFalse();
        assertThat(Passwords.verify(hash, "".toCharArray())).isFalse();
    }

    @Test
    void saltsDiffer() {
        assertThat(Passwords.hash("x".toCharArray())).isNotEqualTo(Passwords.hash("x".toCharArray()));
    }

    @Test
    void verifiesHashesWrittenByOtherBcryptImplementations() {
        // published OpenBSD bcrypt test vectors
        assertThat(Passwords.verify("$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.", "".toCharArray())).isTrue();
        assertThat(Passwords.verify("$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe", "a".toCharArray())).isTrue();
        assertThat(Passwords.verify("$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe", "b".toCharArray())).isFalse();
    }

    @Test
    void overlongPasswordsAreRefusedWhenHashingAndNeverMatch() {
        char[] long73 = "x".repeat(73).toCharArray();
        assertThatThrownBy(() -> Passwords.hash(long73)).isInstanceOf(IllegalArgumentException.class);
        String hash = Passwords.hash("x".repeat(72).toCharArray());
        assertThat(Passwords.verify(hash, long73)).isFalse();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
        $2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234  | true
        $2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.  | true
        $2b$12$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.  | true
        $2y$10$short                                                  | false
        $2x$10$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.  | false
        $2y$99$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.  | false
        $1$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.      | false
        plaintext-password                                            | false
        """)
    void recognisesBcryptHashes(String value, boolean want) {
        assertThat(Passwords.isBcryptHash(value)).isEqualTo(want);
        if (!want) assertThat(Passwords.verify(value, "plaintext-password".toCharArray())).isFalse();
    }
}
