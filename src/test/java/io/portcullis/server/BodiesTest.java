package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Malformed bodies of every encoding are 400 BadRequest, whatever the fieldValidation directive. */
class BodiesTest {
    static final Bodies BODIES = new Bodies(new io.portcullis.api.protobuf.ProtobufBodies(java.util.List.of()));


    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            # case                                   | content type                  | body                             | message contains
            duplicate key, then a syntax error       | application/json              | {"a":1,"a":2,                    | could not be decoded as application/json
            duplicate key, then garbage              | application/json              | {"a":1,"a":2}}                   | could not be decoded as application/json
            YAML duplicate key, then a syntax error  | application/yaml              | 'a: 1\\na: 2\\nb: [x'            | could not be decoded as application/yaml
            JSON nested 101 deep                     | application/json              | DEEP_JSON_101                    | nesting depth
            JSON nested 100000 deep                  | application/json              | DEEP_JSON_100000                 | nesting depth
            YAML nested 101 deep                     | application/yaml              | DEEP_YAML_101                    | nesting depth
            a number of 1001 digits                  | application/json              | LONG_NUMBER                      | Number value length
            a number past a double's range           | application/json              | {"a":[1E+999999999]}             | a number is out of range
            a negative one, in YAML                  | application/yaml              | 'a: {b: -1e400}'                 | a number is out of range
            an integer of 400 digits                 | application/json              | '{"a":4NINES}'                   | a number is out of range
            """)
    void malformedBodyIsBadRequestUnderEveryDirective(String name, String contentType, String body, String message) {
        byte[] bytes = body(body);
        for (String directive : new String[] {"Strict", "Warn", "Ignore"}) {
            assertThatThrownBy(() -> BODIES.parse(contentType, bytes, directive, null, null, null)).as(directive)
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.code()).isEqualTo(400);
                        assertThat(e.status().getMessage()).contains(message);
                    });
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            JSON nested 100 deep     | application/json | DEEP_JSON_100
            YAML nested 100 deep     | application/yaml | DEEP_YAML_100
            a fraction of 999 digits | application/json | '{"a":0.NINES}'
            """)
    void bodyWithinTheLimitsIsRead(String name, String contentType, String body) {
        assertThat(BODIES.parse(contentType, body(body), "Strict", null, null, null)).isNotNull();
    }

    /** An apply body that opens with a brace is read as JSON when it is JSON (kubectl's are), as YAML when it is not. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            JSON                          | '{"metadata":{"name":"x"},"data":{"k":"v"}}'
            a YAML flow mapping           | '{metadata: {name: x}, data: {k: v}}'
            JSON, then a YAML comment     | '{"metadata":{"name":"x"},"data":{"k":"v"}} # applied'
            """)
    void applyBodyOpeningWithABraceIsReadWhetherJsonOrYaml(String name, String body) {
        assertThat(Bodies.tree(body(body), true, "application/apply-patch+yaml"))
                .isEqualTo(Json.tree("{\"metadata\":{\"name\":\"x\"},\"data\":{\"k\":\"v\"}}".getBytes(StandardCharsets.UTF_8)));
    }

    /** A YAML create body that is JSON is read as JSON, and still refuses a duplicate field under Strict. */
    @org.junit.jupiter.api.Test
    void yamlBodyThatIsJsonKeepsItsDuplicateFieldCheck() {
        byte[] body = "{\"metadata\":{\"name\":\"x\",\"name\":\"y\"}}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> BODIES.parse("application/yaml", body, "Strict", null, "ConfigMap", "v1"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status().getMessage()).isEqualTo(
                        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: duplicate field \"metadata.name\""));
        assertThat(BODIES.parse("application/yaml", body, "Ignore", null, "ConfigMap", "v1").path("metadata").path("name").asString())
                .isEqualTo("y");
    }

    @org.junit.jupiter.api.Test
    void yamlBodyAsLargeAsTheBodyLimitIsRead() {
        byte[] body = ("a: " + "x".repeat(Exchange.MAX_BODY - 4) + "\n").getBytes(StandardCharsets.UTF_8);
        assertThat(BODIES.parse("application/yaml", body, "Strict", null, null, null).get("a").asString()).hasSize(Exchange.MAX_BODY - 4);
    }

    static byte[] body(String spec) {
        String s = spec.replace("\\n", "\n");
        if (s.startsWith("DEEP_JSON_")) s = deepJson(Integer.parseInt(s.substring(10)));
        else if (s.startsWith("DEEP_YAML_")) s = deepYaml(Integer.parseInt(s.substring(10)));
        else if (s.equals("LONG_NUMBER")) s = "{\"a\":1" + "0".repeat(1000) + "}";
        return s.replace("4NINES", "9".repeat(400)).replace("NINES", "9".repeat(999)).getBytes(StandardCharsets.UTF_8);
    }

    /** An object, then arrays inside it: depth levels in all. */
    static String deepJson(int depth) {
        return "{\"a\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
    }

    static String deepYaml(int depth) {
        return "a: " + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "\n";
    }
}
