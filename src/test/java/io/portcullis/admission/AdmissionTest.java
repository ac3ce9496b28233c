package io.portcullis.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdmissionTest {
    static List<String> names(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }

    @ParameterizedTest(name = "enable {0}, disable {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # enable                          | disable                          | run, or the error
            ''                                | ''                               | NamespaceLifecycle,ServiceAccount
            ServiceAccount,NamespaceLifecycle | ''                               | NamespaceLifecycle,ServiceAccount
            ''                                | ServiceAccount                   | NamespaceLifecycle
            ''                                | NamespaceLifecycle,ServiceAccount | ''
            LimitRanger                       | ''                               | --enable-admission-plugins LimitRanger: unknown admission plugin (known: NamespaceLifecycle, ServiceAccount)
            ''                                | serviceaccount                   | --disable-admission-plugins serviceaccount: unknown admission plugin (known: NamespaceLifecycle, ServiceAccount)
            ServiceAccount                    | ServiceAccount                   | --enable-admission-plugins and --disable-admission-plugins both name ServiceAccount
            """)
    void pluginsRunInUpstreamsOrderWhateverTheFlagsOrder(String enable, String disable, String want) {
        if (want != null && want.startsWith("--")) {
            assertThatThrownBy(() -> Admission.enabled(names(enable), names(disable)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage(want);
        } else {
            assertThat(Admission.enabled(names(enable), names(disable))).isEqualTo(names(want));
        }
    }
}
