package io.portcullis.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusesTest {

    /** Go's strconv.Quote, which upstream's %q messages use; the input is given with Java escapes. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            plain text                 | spec.foo          | "spec.foo"
            quote and backslash        | a"b\\\\c          | "a\\"b\\\\c"
            NUL                        | \\u0000kind       | "\\x00kind"
            newline, return and tab    | a\\nb\\rc\\td     | "a\\nb\\rc\\td"
            another control character  | a\\u0001b         | "a\\x01b"
            DEL                        | \\u007f           | "\\x7f"
            right-to-left override     | \\u202eab         | "\\u202eab"
            no-break space             | a\\u00a0b         | "a\\u00a0b"
            a lone surrogate           | \\ud800           | "\\ud800"
            printable letters stay     | été ключ 😀       | "été ключ 😀"
            """)
    void quoteEscapesWhatGoEscapes(String name, String text, String quoted) {
        assertThat(Statuses.quote(unescape(text))).isEqualTo(quoted);
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') { b.append(c); continue; }
            char n = s.charAt(++i);
            switch (n) {
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> { b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16)); i += 4; }
                default -> b.append(n);
            }
        }
        return b.toString();
    }
}
