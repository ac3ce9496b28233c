package io.portcullis.api.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.api.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class JsonPatchTest {

    static ObjectNode obj(String json) { return (ObjectNode) Json.MAPPER.readTree(json.replace('\'', '"')); }
    static JsonNode node(String json) { return Json.MAPPER.readTree(json.replace('\'', '"')); }

    // RFC 6902 appendix A, with single quotes for double quotes.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        A.1 adding an object member       | {'foo':'bar'}                         | [{'op':'add','path':'/baz','value':'qux'}]                    | {'baz':'qux','foo':'bar'}
        A.2 adding an array element       | {'foo':['bar','baz']}                 | [{'op':'add','path':'/foo/1','value':'qux'}]                  | {'foo':['bar','qux','baz']}
        A.3 removing an object member     | {'baz':'qux','foo':'bar'}             | [{'op':'remove','path':'/baz'}]                               | {'foo':'bar'}
        A.4 removing an array element     | {'foo':['bar','qux','baz']}           | [{'op':'remove','path':'/foo/1'}]                             | {'foo':['bar','baz']}
        A.5 replacing a value             | {'baz':'qux','foo':'bar'}             | [{'op':'replace','path':'/baz','value':'boo'}]                | {'baz':'boo','foo':'bar'}
        A.6 moving a value                | {'foo':{'bar':'baz','waldo':'fred'},'qux':{'corge':'grault'}} | [{'op':'move','from':'/foo/waldo','path':'/qux/thud'}] | {'foo':{'bar':'baz'},'qux':{'corge':'grault','thud':'fred'}}
        A.7 moving an array element       | {'foo':['all','grass','cows','eat']}  | [{'op':'move','from':'/foo/1','path':'/foo/3'}]               | {'foo':['all','cows','eat','grass']}
        A.8 testing a value succeeds      | {'baz':'qux','foo':['a',2,'c']}       | [{'op':'test','path':'/baz','value':'qux'},{'op':'test','path':'/foo/1','value':2}] | {'baz':'qux','foo':['a',2,'c']}
        A.10 adding a nested member       | {'foo':'bar'}                         | [{'op':'add','path':'/child','value':{'grandchild':{}}}]      | {'foo':'bar','child':{'grandchild':{}}}
        A.11 ignoring unrecognized members| {'foo':'bar'}                         | [{'op':'add','path':'/baz','value':'qux','xyz':123}]          | {'foo':'bar','baz':'qux'}
        A.14 ~ escape ordering            | {'/':9,'~1':10}                       | [{'op':'test','path':'/~01','value':10}]                      | {'/':9,'~1':10}
        A.15 comparing strings and numbers| {'/':9,'~1':10}                       | [{'op':'test','path':'/~01','value':10}]                      | {'/':9,'~1':10}
        A.16 adding an array value        | {'foo':['bar']}                       | [{'op':'add','path':'/foo/-','value':['abc','def']}]          | {'foo':['bar',['abc','def']]}
        slash escape in a label key       | {'metadata':{'labels':{'a/b':'x'}}}   | [{'op':'replace','path':'/metadata/labels/a~1b','value':'y'}] | {'metadata':{'labels':{'a/b':'y'}}}
        copy a value                      | {'a':{'b':1}}                         | [{'op':'copy','from':'/a','path':'/c'}]                       | {'a':{'b':1},'c':{'b':1}}
        numbers compare by value in test  | {'a':1}                               | [{'op':'test','path':'/a','value':1.0}]                       | {'a':1}
        add replaces an existing member   | {'a':1}                               | [{'op':'add','path':'/a','value':2}]                          | {'a':2}
        an unknown escape is literal      | {'foo':1}                             | [{'op':'add','path':'/a~2','value':1}]                        | {'foo':1,'a~2':1}
        """)
    void appliesRfc6902Examples(String name, String target, String patch, String want) {
        ObjectNode original = obj(target);
        ObjectNode before = original.deepCopy();
        assertThat(JsonPatch.apply(original, node(patch))).isEqualTo(obj(want));
        assertThat(original).as("target untouched").isEqualTo(before);
    }

    // RFC 6902 A.9, A.12, A.13 and upstream's failures: 422 Invalid with the generic message.
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        A.9 a failed test                  | {'baz':'qux','foo':['a',2,'c']} | [{'op':'test','path':'/baz','value':'bar'}]
        A.12 adding to a nonexistent target| {'foo':'bar'}                   | [{'op':'add','path':'/baz/bat','value':'qux'}]
        A.13 an unknown op                 | {'foo':'bar'}                   | [{'op':'frobnicate','path':'/foo'}]
        A.15 a string is not a number      | {'/':9,'~1':10}                 | [{'op':'test','path':'/~01','value':'10'}]
        removing a missing member          | {'foo':'bar'}                   | [{'op':'remove','path':'/nope'}]
        replacing a missing member         | {'foo':'bar'}                   | [{'op':'replace','path':'/nope','value':1}]
        an index past the end              | {'foo':[1]}                     | [{'op':'add','path':'/foo/5','value':1}]
        indexing into a scalar             | {'foo':1}                       | [{'op':'add','path':'/foo/0','value':1}]
        moving into its own child          | {'foo':{'a':1}}                 | [{'op':'move','from':'/foo','path':'/foo/a/b'}]
        a missing path                     | {'foo':1}                       | [{'op':'add','value':1}]
        a path without its leading slash   | {'foo':1}                       | [{'op':'add','path':'foo','value':1}]
        replacing the root with a scalar   | {'foo':1}                       | [{'op':'replace','path':'','value':1}]
        """)
    void failedOperationsAreInvalid(String name, String target, String patch) {
        assertThatThrownBy(() -> JsonPatch.apply(obj(target), node(patch)))
                .isInstanceOfSatisfying(PatchException.class, e -> {
                    assertThat(e.code()).isEqualTo(422);
                    assertThat(e.reason()).isEqualTo("Invalid");
                    assertThat(e.getMessage()).isEqualTo("the server rejected our request due to an error in our request");
                    // as upstream's generic server response: the patch's own error is the one cause
                    assertThat(e.toApiException().status().getDetails().getCauses()).singleElement()
                            .satisfies(c -> {
                                assertThat(c.getReason()).isEqualTo("UnexpectedServerResponse");
                                assertThat(c.getMessage()).isEqualTo(e.detail());
                            });
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        an object, not a list     | {'op':'add'}  | json: cannot unmarshal object into Go value of type jsonpatch.Patch
        a list of strings         | ['add']       | json: cannot unmarshal string into Go value of type jsonpatch.Operation
        """)
    void undecodablePatchesAreBadRequests(String name, String patch, String message) {
        assertThatThrownBy(() -> JsonPatch.apply(obj("{}"), node(patch)))
                .isInstanceOfSatisfying(PatchException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.reason()).isEqualTo("BadRequest");
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    @org.junit.jupiter.api.Test
    void moreThanTenThousandOperationsAreTooLarge() {
        var ops = Json.MAPPER.createArrayNode();
        for (int i = 0; i <= JsonPatch.MAX_OPERATIONS; i++) ops.addObject().put("op", "test").put("path", "/a").put("value", 1);
        assertThatThrownBy(() -> JsonPatch.apply(obj("{'a':1}"), ops))
                .isInstanceOfSatisfying(PatchException.class, e -> {
                    assertThat(e.code()).isEqualTo(413);
                    assertThat(e.getMessage()).isEqualTo("Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001");
                });
    }

    /** n copies of from into data: copying /data itself doubles the document each time. */
    static String copies(String from, int n) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : ",").append("{'op':'copy','from':'%s','path':'/data/k%02d'}".formatted(from, i));
        return b.append(']').toString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        the review's 26 copies, each doubling the document | /data   | 26 | 1       | Unable to complete the copy, the accumulated size increase of copy is
        three copies of a mebibyte                         | /data/v | 3  | 1048576 | exceeding the limit 3145728
        """)
    void copiesAddingUpToMoreThanThreeMebibytesAreInvalid(String name, String from, int n, int valueBytes, String detail) {
        ObjectNode target = obj("{'data':{'v':'" + "x".repeat(valueBytes) + "'}}");
        assertThatThrownBy(() -> JsonPatch.apply(target, node(copies(from, n))))
                .isInstanceOfSatisfying(PatchException.class, e -> {
                    assertThat(e.code()).isEqualTo(422);
                    assertThat(e.detail()).contains(detail);
                });
    }

    @org.junit.jupiter.api.Test
    void copiesUpToThreeMebibytesApply() {
        ObjectNode target = obj("{'data':{'v':'" + "x".repeat(1024 * 1024) + "'}}");
        ObjectNode patched = JsonPatch.apply(target, node(copies("/data/v", 2)));
        assertThat(patched.get("data").size()).isEqualTo(3);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        a value 100 deep added one level down   | {'a':1}  | [{'op':'add','path':'/b','value':DEEP100}]
        a value 100 deep replacing a member     | {'a':1}  | [{'op':'replace','path':'/a','value':DEEP100}]
        copying an object into itself 100 times | {'a':{}} | COPY_INTO_ITSELF
        moving a deep value one level deeper    | {'a':1}  | [{'op':'add','path':'/b','value':DEEP99},{'op':'add','path':'/c','value':{}},{'op':'move','from':'/b','path':'/c/b'}]
        """)
    void valuesNestedDeeperThanABodyMayAreInvalid(String name, String target, String patch) {
        String ops = patch.equals("COPY_INTO_ITSELF") ? copiesIntoItself(100) : patch;
        String json = ops.replace("DEEP100", "[".repeat(100) + "]".repeat(100)).replace("DEEP99", "[".repeat(99) + "]".repeat(99));
        assertThatThrownBy(() -> JsonPatch.apply(obj(target), node(json)))
                .isInstanceOfSatisfying(PatchException.class, e -> {
                    assertThat(e.code()).isEqualTo(422);
                    assertThat(e.detail()).contains("would nest deeper than 100 levels");
                });
    }

    @org.junit.jupiter.api.Test
    void valuesUpToTheDepthLimitApply() {
        ObjectNode patched = JsonPatch.apply(obj("{'a':1}"), node("[{'op':'add','path':'/b','value':" + "[".repeat(99) + "]".repeat(99) + "}]"));
        assertThat(Json.depth(patched)).isEqualTo(100);
    }

    static String copiesIntoItself(int n) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) b.append(i == 0 ? "" : ",").append("{'op':'copy','from':'/a','path':'/a/a'}");
        return b.append(']').toString();
    }
}
