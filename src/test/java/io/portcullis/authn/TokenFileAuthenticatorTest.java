package io.portcullis.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenFileAuthenticatorTest {
    @TempDir Path dir;

    Path write(String text) throws Exception {
        Path p = dir.resolve("tokens.csv");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void readsUsersGroupsAndQuotedFieldsAsUpstream() throws Exception {
        var a = TokenFileAuthenticator.load(write("""
                31ada4fd-adec-460c-809a-9e56ceb75269,alice,1001,"devs,ops"
                token2,bob,1002
                
                token3,"carol ""c""\",1003," spaced , groups",ignored
                ,nobody,1004
                token2,bobby,1005,
                "multi
                line",dave,1006
                """));
        assertThat(a.authenticateToken("31ada4fd-adec-460c-809a-9e56ceb75269", List.of("api")).orElseThrow())
                .satisfies(r -> {
                    assertThat(r.user()).isEqualTo(new UserInfo("alice", "1001", List.of("devs", "ops"), java.util.Map.of()));
                    assertThat(r.audiences()).containsExactly("api");
                });
        assertThat(a.authenticateToken("token3", List.of()).orElseThrow().user())
                .isEqualTo(new UserInfo("carol \"c\"", "1003", List.of(" spaced ", " groups"), java.util.Map.of()));
        assertThat(a.authenticateToken("token2", List.of()).orElseThrow().user())
                .as("a duplicate token: the last line wins; an empty 4th column is one empty group, as Go's split")
                .isEqualTo(new UserInfo("bobby", "1005", List.of(""), java.util.Map.of()));
        assertThat(a.authenticateToken("multi\nline", List.of()).orElseThrow().user().name()).isEqualTo("dave");
        assertThat(a.authenticateToken("", List.of())).as("an empty token is skipped").isEmpty();
        assertThat(a.authenticateToken("unknown", List.of())).isEmpty();
        assertThat(a.authenticateToken("token2 ", List.of())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            too few columns            | ok,u,1\\ntoken,user\\n           | line 2: must have at least 3 columns (token, user name, user uid), found 2
            a comment is a record      | # a comment\\nok,u,1\\n          | line 1: must have at least 3 columns
            a bare quote               | to"ken,u,1\\n                     | line 1: bare \" in non-quoted-field
            an unterminated quote      | ok,u,1\\n"token,u,1\\n            | line 2: extraneous or missing \" in quoted-field
            text after a closing quote | "token"x,u,1\\n                   | line 1: extraneous or missing \" in quoted-field
            """)
    void badLinesStopTheServerNamingFlagFileAndLine(String name, String text, String message) throws Exception {
        Path p = write(text.replace("\\n", "\n"));
        assertThatThrownBy(() -> TokenFileAuthenticator.load(p))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--token-auth-file " + p + ": ")
                .hasMessageContaining(message);
    }

    @Test
    void aMissingFileNamesFlagAndFile() {
        Path p = dir.resolve("absent.csv");
        assertThatThrownBy(() -> TokenFileAuthenticator.load(p)).hasMessageStartingWith("--token-auth-file " + p + ": cannot read");
    }
}
