package io.portcullis.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Authorization header read as upstream's bearer authenticator and Go's BasicAuth read it. */
class CredentialsTest {

    static Credentials headers(String... values) {
        return new Credentials(List.of(), List.of(values));
    }

    // "-": not a bearer credential (another scheme, or none); "401": a bearer header without a token, refused
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            the usual form                                | "Bearer tok"          | tok
            the scheme in lower case                      | "bearer tok"          | tok
            the scheme in upper case                      | "BEARER tok"          | tok
            the scheme in mixed case                      | "bEaReR tok"          | tok
            two spaces: the token is empty                | "Bearer  tok"         | 401
            three spaces: the token is empty              | "Bearer   tok"        | 401
            words after the token are ignored             | "Bearer tok extra"    | tok
            two spaces after the token                    | "Bearer tok  extra"   | tok
            spaces around the header are trimmed          | "  Bearer tok  "      | tok
            tabs around the header are trimmed            | "\tBearer tok\t"      | tok
            vertical tab and form feed are trimmed        | "\013Bearer tok\f"    | tok
            a tab is no separator                         | "Bearer\ttok"         | -
            a tab inside the token stays                  | "Bearer tok\tx"       | "tok\tx"
            a unit separator is no space to Go            | "Bearer tok\037"      | "tok\037"
            a no-break space is no space to Go            | "\240Bearer tok"      | -
            a trailing space leaves no token              | "Bearer "             | 401
            the bare scheme                               | "Bearer"              | 401
            an empty header                               | ""                    | -
            a colon after the scheme                      | "Bearer:tok"          | -
            no space after the scheme                     | "Bearertok"           | -
            another scheme                                | "Basic dG9rOng="      | -
            """)
    void bearerToken(String name, String header, String token) throws Exception {
        if (token.equals("401")) {
            assertThatThrownBy(() -> headers(header).bearerToken()).isInstanceOf(AuthenticationException.class)
                    .hasMessage("invalid bearer Authorization header: empty token");
        } else {
            assertThat(headers(header).bearerToken()).isEqualTo(token.equals("-") ? Optional.empty() : Optional.of(token));
        }
    }

    // upstream's warning goes with an empty token that has something after it: two spaces and a token
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            two spaces before the token    | "Bearer  tok"     | true
            three spaces before the token  | "Bearer   tok"    | true
            lower case, two spaces         | "bearer  tok"     | true
            two spaces and nothing after   | "Bearer  "        | false
            one space                      | "Bearer tok"      | false
            two spaces after the token     | "Bearer tok  x"   | false
            another scheme                 | "Basic  dG9rOng=" | false
            """)
    void extraSpaceBeforeTheTokenIsWhatUpstreamWarnsAbout(String name, String header, boolean warned) {
        assertThat(headers(header).extraSpaceBeforeBearerToken()).isEqualTo(warned);
    }

    @Test
    void moreThanOneAuthorizationHeaderIsRefused() throws Exception {
        for (Credentials c : List.of(headers("Bearer first", "Bearer second"), headers("Basic YTpi", "Bearer second"))) {
            assertThatThrownBy(c::bearerToken).hasMessage("more than one Authorization header");
            assertThatThrownBy(c::basic).hasMessage("more than one Authorization header");
        }
        assertThat(Credentials.none().bearerToken()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            the usual form                     | "Basic YTpi"   | YTpi
            the scheme in any case             | "bAsIc YTpi"   | YTpi
            two spaces reach the payload       | "Basic  YTpi"  | " YTpi"
            a trailing space reaches it too    | "Basic YTpi "  | "YTpi "
            a tab is no separator              | "Basic\tYTpi"  |
            another scheme                     | "Bearer YTpi"  |
            the bare scheme                    | "Basic"        |
            """)
    void basic(String name, String header, String payload) throws Exception {
        assertThat(headers(header).basic()).isEqualTo(Optional.ofNullable(payload));
    }

    @Test
    void anEmptyBasicPayloadIsAnError() {
        assertThatThrownBy(() -> headers("Basic ").basic()).isInstanceOf(AuthenticationException.class)
                .hasMessage("invalid basic Authorization header");
    }
}
