package io.portcullis.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
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
            LimitRanger,AlwaysAdmit,ResourceQuota | ''                           | NamespaceLifecycle,ServiceAccount
            ''                                | PodSecurity,Priority,AlwaysDeny  | NamespaceLifecycle,ServiceAccount
            PodSecurity                       | ''                               | enable-admission-plugins plugin "PodSecurity" is not implemented by this server (implemented: NamespaceLifecycle, ServiceAccount)
            Frob                              | ''                               | enable-admission-plugins plugin "Frob" is unknown
            ''                                | serviceaccount                   | disable-admission-plugins plugin "serviceaccount" is unknown
            ServiceAccount,AlwaysAdmit        | AlwaysAdmit,ServiceAccount       | [AlwaysAdmit ServiceAccount] in enable-admission-plugins and disable-admission-plugins overlapped
            Frob                              | Frib                             | [enable-admission-plugins plugin "Frob" is unknown, disable-admission-plugins plugin "Frib" is unknown]
            """)
    void pluginsRunInUpstreamsOrderWhateverTheFlagsOrder(String enable, String disable, String want) {
        if (want != null && want.contains(" ")) {
            assertThatThrownBy(() -> Admission.enabled(names(enable), names(disable)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage(want);
        } else {
            assertThat(Admission.enabled(names(enable), names(disable))).isEqualTo(names(want));
        }
    }

    @Test
    void theImplementedPluginsAndThoseWithNothingToDoAreUpstreamNamesInUpstreamsOrder() {
        assertThat(Admission.UPSTREAM_ORDER).hasSize(35).doesNotHaveDuplicates();
        assertThat(Admission.UPSTREAM_ORDER.stream().filter(Admission.ORDER::contains).toList()).isEqualTo(Admission.ORDER);
        assertThat(Admission.UPSTREAM_ORDER).containsAll(Admission.NOTHING_TO_DO);
        assertThat(Admission.NOTHING_TO_DO).doesNotContainAnyElementsOf(Admission.ORDER);
    }
}
