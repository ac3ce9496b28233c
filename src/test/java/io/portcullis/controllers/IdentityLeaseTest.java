package io.portcullis.controllers;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IdentityLeaseTest {
    static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    /** As upstream's apiserver lease garbage collector decides, at {@link #NOW}. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            renewed within its duration      | {"renewTime":"2026-01-01T11:59:50.000000Z","leaseDurationSeconds":3600} | false
            renewed a duration ago, no more  | {"renewTime":"2026-01-01T11:00:00.000000Z","leaseDurationSeconds":3600} | false
            not renewed for its duration     | {"renewTime":"2026-01-01T10:59:59.000000Z","leaseDurationSeconds":3600} | true
            a short one past its duration    | {"renewTime":"2026-01-01T11:59:30.000000Z","leaseDurationSeconds":20}   | true
            no renewTime                     | {"leaseDurationSeconds":3600}                                           | true
            no leaseDurationSeconds          | {"renewTime":"2026-01-01T11:59:50.000000Z"}                             | true
            a renewTime that is not a time   | {"renewTime":"yesterday","leaseDurationSeconds":3600}                   | true
            """)
    void anIdentityLeaseIsExpiredOnceItsDurationHasPassedSinceItsRenewalOrWhenItLacksEither(String name, String spec, boolean expired) {
        assertThat(IdentityLease.expired(Json.objectTree(("{\"spec\":" + spec + "}").getBytes(UTF_8)), NOW)).isEqualTo(expired);
    }
}
