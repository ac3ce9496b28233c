package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.api.ApiException;
import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeadlinesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            300ms       | PT0.3S
            1.5h        | PT1H30M
            2h45m       | PT2H45M
            1m0s        | PT1M
            .5s         | PT0.5S
            1.s         | PT1S
            -1s         | PT-1S
            +2s         | PT2S
            0           | PT0S
            10us        | PT0.00001S
            10µs        | PT0.00001S
            7ns         | PT0.000000007S
            """)
    void goDurationsAreReadAsGoReadsThem(String text, Duration want) {
        assertThat(Deadlines.parseGo(text)).isEqualTo(want);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            abc                  | time: invalid duration "abc"
            ''                   | time: invalid duration ""
            -                    | time: invalid duration "-"
            .s                   | time: invalid duration ".s"
            1                    | time: missing unit in duration "1"
            1s2                  | time: missing unit in duration "1s2"
            1x                   | time: unknown unit "x" in duration "1x"
            3d                   | time: unknown unit "d" in duration "3d"
            9999999999999999h    | time: invalid duration "9999999999999999h"
            """)
    void malformedGoDurationsAreRefusedWithGosWords(String text, String message) {
        assertThatThrownBy(() -> Deadlines.parseGo(text)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @ParameterizedTest(name = "?timeout={0} with --request-timeout {1}")
    @CsvSource(delimiter = '|', nullValues = "none", textBlock = """
            none   | PT1M  | PT1M
            30s    | PT1M  | PT30S
            0s     | PT1M  | PT1M
            2m     | PT1M  | PT1M
            -5s    | PT1M  | PT1M
            none   | PT0S  | none
            5s     | PT0S  | PT5S
            """)
    void aRequestMayAskForLessTimeNeverMore(String param, Duration max, Duration want) {
        assertThat(Deadlines.forRequest(param, max)).isEqualTo(want);
    }

    @Test
    void aMalformedTimeoutParameterIsBadRequestWithUpstreamsWords() {
        assertThatThrownBy(() -> Deadlines.forRequest("soon", Duration.ofMinutes(1))).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(400);
            assertThat(e.status().getReason()).isEqualTo("BadRequest");
            assertThat(e.status().getMessage()).isEqualTo("invalid timeout specified in the request URL - time: invalid duration \"soon\"");
        });
    }

    @Test
    void aWatchWithoutTimeoutSecondsLastsBetweenMinRequestTimeoutAndTwiceThat() {
        Duration min = Duration.ofSeconds(1800);
        assertThat(Deadlines.watchSeconds(0, min, fixed(0.0))).isEqualTo(1800.0);
        assertThat(Deadlines.watchSeconds(0, min, fixed(0.5))).isEqualTo(2700.0);
        assertThat(Deadlines.watchSeconds(0, min, fixed(0.999))).isLessThan(3600.0);
        assertThat(Deadlines.watchSeconds(42, min, fixed(0.5))).as("its own timeoutSeconds").isEqualTo(42.0);
        assertThat(Deadlines.watchSeconds(0, Duration.ZERO, fixed(0.5))).as("no minimum: forever").isZero();
    }

    private static RandomGenerator fixed(double value) {
        return new RandomGenerator() {
            @Override public long nextLong() { return 0; }
            @Override public double nextDouble() { return value; }
        };
    }
}
