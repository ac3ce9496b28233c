package io.portcullis.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BasicAuthenticatorTest {
    @TempDir static Path dir;
    static BasicAuthenticator authn;

    @BeforeAll
    static void load() throws Exception {
        String hash = OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), new byte[16], 4);
        Path p = dir.resolve("basic.csv");
        Files.writeString(p, hash + ",alice,1001,\"devs,ops\"\n" + hash.replace("$2y$", "$2a$") + ",bob,1002\n");
        authn = BasicAuthenticator.load(p);
    }

    static Credentials basic(String userPassword) {
        return new Credentials(List.of(), List.of("Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void theRightPasswordAuthenticates() throws Exception {
        assertThat(authn.authenticate(basic("alice:s3cret")).orElseThrow())
                .isEqualTo(new UserInfo("alice", "1001", List.of("devs", "ops"), java.util.Map.of()));
        assertThat(authn.authenticate(basic("alice:s3cret")).orElseThrow().name()).as("from the cache").isEqualTo("alice");
        assertThat(authn.authenticate(basic("bob:s3cret")).orElseThrow().name()).isEqualTo("bob");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            wrong password         | Basic YWxpY2U6d3Jvbmc=     | invalid username or password
            unknown user           | Basic bWFsbG9yeTpzM2NyZXQ= | invalid username or password
            not base64             | Basic !!!!                 | not base64
            no colon               | Basic YWxpY2U=             | no user:password
            empty payload          | 'Basic '                   | invalid basic Authorization header
            """)
    void badCredentialsAreErrorsNotAnonymous(String name, String header, String message) {
        assertThatThrownBy(() -> authn.authenticate(new Credentials(List.of(), List.of(header))))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining(message);
    }

    @Test
    void otherSchemesAreNotOurs() throws Exception {
        assertThat(authn.authenticate(Credentials.bearer("abc"))).isEmpty();
        assertThat(authn.authenticate(Credentials.none())).isEmpty();
    }

    @Test
    void aPlaintextPasswordStopsTheServerNamingFileAndLine() throws Exception {
        Path p = dir.resolve("plain.csv");
        Files.writeString(p, "$2b$04$" + "a".repeat(53) + ",ok,1\nhunter2,mallory,1003\n");
        assertThatThrownBy(() -> BasicAuthenticator.load(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--basic-auth-file " + p + ": line 2: the password must be a bcrypt hash");
    }
}
