package io.portcullis.api.patch;

import static io.portcullis.api.patch.JsonPatchTest.node;
import static io.portcullis.api.patch.JsonPatchTest.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MergePatchTest {

    // RFC 7386 appendix A (the cases whose target is an object), quotes as '.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        replace a member            | {'a':'b'}              | {'a':'c'}               | {'a':'c'}
        add a member                | {'a':'b'}              | {'b':'c'}               | {'a':'b','b':'c'}
        null deletes                | {'a':'b'}              | {'a':null}              | {}
        delete one of two           | {'a':'b','b':'c'}      | {'a':null}              | {'b':'c'}
        a list replaces a string    | {'a':['b']}            | {'a':'c'}               | {'a':'c'}
        a string replaces a list    | {'a':'c'}              | {'a':['b']}             | {'a':['b']}
        objects merge recursively   | {'a':{'b':'c'}}        | {'a':{'b':'d','c':null}}| {'a':{'b':'d'}}
        lists replace whole         | {'a':[{'b':'c'}]}      | {'a':[1]}               | {'a':[1]}
        an empty patch changes none | {'e':null}             | {}                      | {'e':null}
        null deep in a new object   | {}                     | {'a':{'bb':{'ccc':null}}} | {'a':{'bb':{}}}
        a label removed and added   | {'metadata':{'labels':{'a':'1','b':'2'}}} | {'metadata':{'labels':{'a':null,'c':'3'}}} | {'metadata':{'labels':{'b':'2','c':'3'}}}
        """)
    void appliesRfc7386Examples(String name, String target, String patch, String want) {
        assertThat(MergePatch.apply(obj(target), node(patch))).isEqualTo(obj(want));
    }

    @Test
    void aPatchThatIsNotAnObjectIsABadRequest() {
        assertThatThrownBy(() -> MergePatch.apply(obj("{}"), node("['a']")))
                .isInstanceOfSatisfying(PatchException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("Invalid JSON Patch");
                });
    }
}
