package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** --tls-min-version and --tls-cipher-suites take kube-apiserver's names, and a bad value names its flag. */
class TlsPolicyTest {
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            VersionTLS11 | TLS_RC4                                   | --tls-cipher-suites: Cipher suite TLS_RC4 not supported or doesn't exist
            TLS1.2       | ''                                        | --tls-min-version: unknown tls version "TLS1.2"
            VersionTLS12 | tls_ecdhe_ecdsa_with_aes_128_gcm_sha256   | --tls-cipher-suites: Cipher suite tls_ecdhe_ecdsa_with_aes_128_gcm_sha256 not supported or doesn't exist
            """)
    void badFlagValuesAreRefusedNamingTheFlag(String minVersion, String suite, String message) {
        assertThatThrownBy(() -> TlsPolicy.check(minVersion, suite.isEmpty() ? List.of() : List.of(suite)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }

    @Test
    void kubeApiserversLegacyChaChaNamesAreAccepted() {
        TlsPolicy.check("VersionTLS12", List.of("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"));
    }
}
