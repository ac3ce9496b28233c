package io.portcullis.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SelectorsTest {
    private static Map<String, String> labels(String spec) {
        Map<String, String> m = new HashMap<>();
        if (spec.isEmpty()) return m;
        for (String kv : spec.split(";")) {
            String[] p = kv.split(":", 2);
            m.put(p[0], p.length > 1 ? p[1] : "");
        }
        return m;
    }

    @ParameterizedTest(name = "{0} on [{1}] -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            app=web              | app:web           | true
            app==web             | app:web           | true
            app=web              | app:db            | false
            app!=web             | app:db            | true
            app!=web             | ''                | true
            app                  | app:x             | true
            app                  | ''                | false
            !app                 | ''                | true
            !app                 | app:x             | false
            app in (web,db)      | app:db            | true
            app in (web, db)     | app:api           | false
            app notin (web,db)   | app:api           | true
            app notin (web,db)   | ''                | true
            app=web,tier=front   | app:web;tier:front| true
            app=web,tier=front   | app:web;tier:back | false
            ''                   | anything:x        | true
            example.com/role=a   | example.com/role:a| true
            app=                 | app:              | true
            """)
    void labelSelectorsMatchAsUpstream(String selector, String have, String want) {
        assertThat(LabelSelector.parse(selector).test(labels(have))).isEqualTo(Boolean.parseBoolean(want));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            app in web
            app in (web
            'app=a b'
            '=web'
            'app=web,'
            'Bad Key=1'
            app=-bad-
            app gt 5
            """)
    void malformedLabelSelectorsAreBadRequests(String selector) {
        assertThatThrownBy(() -> LabelSelector.parse(selector))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.reason()).isEqualTo("BadRequest");
                    assertThat(e.getMessage()).contains("unable to parse requirement");
                });
    }

    @ParameterizedTest(name = "{0} on {1}={2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            metadata.name=a            | metadata.name | a  | true
            metadata.name==a           | metadata.name | a  | true
            metadata.name!=a           | metadata.name | a  | false
            metadata.name=b            | metadata.name | a  | false
            'status.phase=Running'     | status.phase  | Running | true
            """)
    void fieldSelectorsMatchAsUpstream(String selector, String field, String value, String want) {
        FieldSelector s = FieldSelector.parse(selector);
        assertThat(s.matches(f -> f.equals(field) ? value : "")).isEqualTo(Boolean.parseBoolean(want));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            metadata.name
            spec.unknown=x
            """)
    void unsupportedOrMalformedFieldSelectorsAreBadRequests(String selector) {
        assertThatThrownBy(() -> FieldSelector.parse(selector).check(java.util.Set.of("metadata.name")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
    }
}
