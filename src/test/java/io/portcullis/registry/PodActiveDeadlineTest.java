package io.portcullis.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Statuses.FieldError;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A pod's activeDeadlineSeconds, as upstream's ValidatePodSpec and ValidatePodUpdate rule it. */
class PodActiveDeadlineTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                          | before | after      | errors (; between)
            create without it               | -      | -          | ''
            create with 1                   | -      | 1          | ''
            create with 0                   | -      | 0          | spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive
            create above int32              | -      | 2147483648 | spec.activeDeadlineSeconds: Invalid value: 2147483648: must be between 1 and 2147483647, inclusive
            update lowering it              | 100    | 50         | ''
            update keeping it               | 100    | 100        | ''
            update raising it               | 100    | 200        | spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value
            update removing it              | 100    | -          | spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive integer to nil value
            update adding it                | none   | 30         | ''
            update to a negative value      | 100    | -1         | spec.activeDeadlineSeconds: Invalid value: -1: must be between 1 and 2147483647, inclusive; spec.activeDeadlineSeconds: Invalid value: -1: must be between 0 and 2147483647, inclusive
            """)
    void rules(String name, String before, String after, String errors) {
        String spec = after == null ? "{}" : "{\"activeDeadlineSeconds\":" + after + "}";
        String old = before == null ? null : before.equals("none") ? "{}" : "{\"activeDeadlineSeconds\":" + before + "}";
        List<FieldError> got = PodKind.activeDeadlineErrors(DefaultsTest.json(spec), old == null ? null : DefaultsTest.json(old));
        List<String> want = errors == null || errors.isEmpty() ? List.of() : List.of(errors.split("; "));
        assertThat(got.stream().map(FieldError::message).toList()).isEqualTo(want);
    }
}
