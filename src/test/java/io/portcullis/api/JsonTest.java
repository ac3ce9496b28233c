package io.portcullis.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonTest {
    /** As Go's %+v prints a patch decoded by upstream's JSON decoder (whole numbers as int64, others as float64). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            # json                                   | Go's %+v
            {"metadata":{"labels":"invalid"}}          | map[metadata:map[labels:invalid]]
            {"b":1,"a":[true,null,"x y"]}              | map[a:[true <nil> x y] b:1]
            {}                                         | map[]
            []                                         | []
            [0.5,1.5e-7,1234567.5,123456.5,-2.25,2.0]  | [0.5 1.5e-07 1.2345675e+06 123456.5 -2.25 2]
            [1e21,12345678901234567890]                | [1e+21 1.2345678901234567e+19]
            [0.0001,0.00001]                           | [0.0001 1e-05]
            """)
    void goStringPrintsAsGoDoes(String json, String go) {
        assertThat(Json.goString(Json.MAPPER.readTree(json))).isEqualTo(go);
    }

    /** As Go's json.Unmarshal into a map says why a docker config is not a JSON object. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', emptyValue = "", nullValues = "NULL", textBlock = """
            # value            | Go's error
            {"auths":{}}       | NULL
            null               | NULL
            ``                 | unexpected end of JSON input
            `   `              | unexpected end of JSON input
            {"auths":          | unexpected end of JSON input
            x                  | invalid character 'x' looking for beginning of value
            [1]                | json: cannot unmarshal array into Go value of type map[string]interface {}
            "s"                | json: cannot unmarshal string into Go value of type map[string]interface {}
            12                 | json: cannot unmarshal number into Go value of type map[string]interface {}
            true               | json: cannot unmarshal bool into Go value of type map[string]interface {}
            """)
    void objectProblemWordsItAsGoDoes(String json, String problem) {
        assertThat(Json.objectProblem(json.getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(problem);
    }
}
