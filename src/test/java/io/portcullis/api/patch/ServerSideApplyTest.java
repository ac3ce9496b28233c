package io.portcullis.api.patch;

import static io.portcullis.api.patch.JsonPatchTest.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class ServerSideApplyTest {
    static final Instant T1 = Instant.parse("2025-01-02T03:04:05.678Z");
    static final Instant T2 = Instant.parse("2025-01-02T04:00:00Z");
    static final PatchSchema CONFIG_MAP = PatchSchemas.DATA;
    static final PatchSchema POD = PatchSchemas.POD;

    static ObjectNode cm(String labelsAndData) {
        return obj("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'ns'" + labelsAndData + "}");
    }

    static JsonNode managed(ObjectNode o) { return o.path("metadata").path("managedFields"); }

    @Test
    void applyCreatesTheObjectAndRecordsTheAppliedFields() {
        ObjectNode out = ServerSideApply.apply(null, cm(",'labels':{'app':'x'}},'data':{'a':'1'}"), "kubectl", "", false, CONFIG_MAP, T1);
        assertThat(out.path("data").path("a").asString()).isEqualTo("1");
        assertThat(out.path("metadata").path("labels").path("app").asString()).isEqualTo("x");
        assertThat(managed(out)).isEqualTo(obj("""
                {'x':[{'manager':'kubectl','operation':'Apply','apiVersion':'v1','time':'2025-01-02T03:04:05Z','fieldsType':'FieldsV1',
                  'fieldsV1':{'f:data':{'f:a':{}},'f:metadata':{'f:labels':{'f:app':{}}}}}]}""").get("x"));
    }

    @Test
    void aMapTheApplierOwnedWholeStaysWhileItsFieldsAreStillApplied() {
        // kubectl's client-side to server-side upgrade hands the applier "f:data": {".": {}, ...}
        ObjectNode live = cm("},'data':{'mode':'two'}");
        live.withObject("metadata").set("managedFields", obj("""
                {'x':[{'manager':'kubectl','operation':'Apply','apiVersion':'v1','time':'2025-01-02T03:04:05Z','fieldsType':'FieldsV1',
                  'fieldsV1':{'f:data':{'.':{},'f:mode':{}}}}]}""").get("x"));
        ObjectNode out = ServerSideApply.apply(live, cm("},'data':{'mode':'three'}"), "kubectl", "", false, CONFIG_MAP, T2);
        assertThat(out.path("data").path("mode").asString()).isEqualTo("three");
    }

    @Test
    void keyedListItemsAreOwnedByKeyWithTheirFields() {
        ObjectNode applied = obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'name':'x','image':'nginx'}],'finalizers':null}}");
        ObjectNode out = ServerSideApply.apply(null, applied, "me", "", false, POD, T1);
        assertThat(managed(out).get(0).get("fieldsV1").toString())
                .isEqualTo("{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"x\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{}}}}}");
        assertThat(out.path("spec").has("finalizers")).as("nulls in the configuration are not stored").isFalse();
    }

    static ObjectNode podWithPorts(String ports) {
        return obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'name':'c','ports':" + ports + "}]}}");
    }

    /** As upstream's listMapKey containerPort and protocol, an omitted protocol being TCP. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        two protocols on one number are two ports | | [{'containerPort':53,'protocol':'UDP'},{'containerPort':53,'protocol':'TCP'}] | [{'containerPort':53,'protocol':'UDP'},{'containerPort':53,'protocol':'TCP'}] | {"containerPort":53,"protocol":"TCP"} {"containerPort":53,"protocol":"UDP"}
        a port without protocol is the TCP port another manager set | [{'containerPort':80,'protocol':'TCP','name':'http'}] | [{'containerPort':80}] | [{'containerPort':80,'protocol':'TCP','name':'http'}] | {"containerPort":80,"protocol":"TCP"}
        a UDP port beside a TCP port of the same number is added | [{'containerPort':53,'protocol':'TCP'}] | [{'containerPort':53,'protocol':'UDP'}] | [{'containerPort':53,'protocol':'TCP'},{'containerPort':53,'protocol':'UDP'}] | {"containerPort":53,"protocol":"UDP"}
        """)
    void containerPortsAreKeyedByNumberAndProtocol(String name, String otherManagersPorts, String appliedPorts, String wantPorts, String wantKeys) {
        ObjectNode live = otherManagersPorts == null ? null : ServerSideApply.apply(null, podWithPorts(otherManagersPorts), "other", "", false, POD, T1);
        ObjectNode out = ServerSideApply.apply(live, podWithPorts(appliedPorts), "me", "", false, POD, T2);
        assertThat(out.at("/spec/containers/0/ports")).isEqualTo(JsonPatchTest.node(wantPorts));
        JsonNode mine = null;
        for (JsonNode e : managed(out)) if (e.get("manager").asString().equals("me")) mine = e;
        JsonNode ports = mine.get("fieldsV1").path("f:spec").path("f:containers").path("k:{\"name\":\"c\"}").path("f:ports");
        assertThat(ports.propertyNames()).containsExactlyInAnyOrder(
                java.util.Arrays.stream(wantKeys.split(" ")).map(k -> "k:" + k).toArray(String[]::new));
    }

    @Test
    void setValuesAreOwnedOneByOne() {
        ObjectNode out = ServerSideApply.apply(null, cm(",'finalizers':['a/b']}"), "me", "", false, CONFIG_MAP, T1);
        assertThat(managed(out).get(0).get("fieldsV1").toString())
                .isEqualTo("{\"f:metadata\":{\"f:finalizers\":{\"v:\\\"a/b\\\"\":{}}}}");
    }

    @Test
    void reapplyingWithoutAFieldRemovesIt() {
        ObjectNode first = ServerSideApply.apply(null, cm(",'labels':{'app':'x','tier':'web'}},'data':{'a':'1','b':'2'}"), "kubectl", "", false, CONFIG_MAP, T1);
        ObjectNode second = ServerSideApply.apply(first, cm(",'labels':{'app':'x'}},'data':{'a':'1'}"), "kubectl", "", false, CONFIG_MAP, T2);
        assertThat(second.path("data").toString()).isEqualTo("{\"a\":\"1\"}");
        assertThat(second.path("metadata").path("labels").toString()).isEqualTo("{\"app\":\"x\"}");
        assertThat(managed(second)).hasSize(1);
        assertThat(managed(second).get(0).get("time").asString()).isEqualTo("2025-01-02T04:00:00Z");
        assertThat(managed(second).get(0).get("fieldsV1").toString())
                .isEqualTo("{\"f:data\":{\"f:a\":{}},\"f:metadata\":{\"f:labels\":{\"f:app\":{}}}}");
    }

    @Test
    void reapplyingTheSameConfigurationLaterLeavesTheObjectAndItsManagedFieldsAsTheyWere() {
        ObjectNode first = ServerSideApply.apply(null, cm(",'labels':{'app':'x'}},'data':{'a':'1'}"), "kubectl", "", false, CONFIG_MAP, T1);
        ObjectNode again = ServerSideApply.apply(first, cm(",'labels':{'app':'x'}},'data':{'a':'1'}"), "kubectl", "", false, CONFIG_MAP, T2);
        assertThat(again).isEqualTo(first);
    }

    @Test
    void aSecondApplierOfTheSameValuesChangesNothingAndGetsNoTime() {
        ObjectNode live = ServerSideApply.apply(null, cm("},'data':{'a':'1'}"), "alice", "", false, CONFIG_MAP, T1);
        ObjectNode out = ServerSideApply.apply(live, cm("},'data':{'a':'1'}"), "bob", "", false, CONFIG_MAP, T2);
        assertThat(managers(out)).as("no time sorts first, as upstream").containsExactly("bob", "alice");
        assertThat(managed(out).get(0).has("time")).isFalse();
        assertThat(managed(out).get(1).get("time").asString()).isEqualTo("2025-01-02T03:04:05Z");
    }

    @Test
    void anUpdateThatOnlyRemovesKeepsTheUpdatersTime() {
        ObjectNode live = ServerSideApply.recordUpdate(null, cm("},'data':{'a':'1','b':'2'}"), "edit", "", T1, CONFIG_MAP);
        ObjectNode edited = live.deepCopy();
        ((ObjectNode) edited.get("data")).remove("b");
        ObjectNode out = ServerSideApply.recordUpdate(live, edited, "edit", "", T2, CONFIG_MAP);
        assertThat(managed(out).get(0).get("time").asString()).isEqualTo("2025-01-02T03:04:05Z");
        assertThat(managed(out).get(0).get("fieldsV1").toString()).isEqualTo("{\"f:data\":{\".\":{},\"f:a\":{}}}");
    }

    @Test
    void aDroppedFieldAnotherManagerAlsoOwnsStays() {
        ObjectNode a = ServerSideApply.apply(null, cm("},'data':{'a':'1','b':'2'}"), "a", "", false, CONFIG_MAP, T1);
        ObjectNode b = ServerSideApply.apply(a, cm("},'data':{'b':'2'}"), "b", "", false, CONFIG_MAP, T1);
        ObjectNode out = ServerSideApply.apply(b, cm("},'data':{'a':'1'}"), "a", "", false, CONFIG_MAP, T2);
        assertThat(out.path("data").toString()).isEqualTo("{\"a\":\"1\",\"b\":\"2\"}");
        assertThat(managers(out)).containsExactly("b", "a");
        assertThat(managed(out).get(0).get("fieldsV1").toString()).isEqualTo("{\"f:data\":{\"f:b\":{}}}");
        assertThat(managed(out).get(1).get("fieldsV1").toString()).isEqualTo("{\"f:data\":{\"f:a\":{}}}");
    }

    @Test
    void droppingAContainerRemovesIt() {
        ObjectNode first = ServerSideApply.apply(null, obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'name':'x','image':'a'},{'name':'y','image':'b'}]}}"), "me", "", false, POD, T1);
        ObjectNode out = ServerSideApply.apply(first, obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'name':'y','image':'c'}]}}"), "me", "", false, POD, T2);
        assertThat(out.path("spec").path("containers").toString()).isEqualTo("[{\"name\":\"y\",\"image\":\"c\"}]");
    }

    @Test
    void aSecondManagerSettingAnotherValueConflicts() {
        ObjectNode live = ServerSideApply.apply(null, cm(",'labels':{'app':'x'}}"), "alice", "", false, CONFIG_MAP, T1);
        assertThatThrownBy(() -> ServerSideApply.apply(live, cm(",'labels':{'app':'y'}}"), "bob", "", false, CONFIG_MAP, T2))
                .isInstanceOfSatisfying(ApplyConflictException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("Apply failed with 1 conflict: conflict with \"alice\": .metadata.labels.app");
                    Status status = e.toApiException().status();
                    assertThat(status.getCode()).isEqualTo(409);
                    assertThat(status.getReason()).isEqualTo("Conflict");
                    assertThat(status.getMessage()).isEqualTo(e.getMessage());
                    assertThat(status.getDetails().getCauses()).containsExactly(
                            new StatusCause(".metadata.labels.app", "conflict with \"alice\"", "FieldManagerConflict"));
                });
    }

    @Test
    void theSameValueFromTwoManagersIsSharedOwnership() {
        ObjectNode live = ServerSideApply.apply(null, cm(",'labels':{'app':'x'}}"), "alice", "", false, CONFIG_MAP, T1);
        ObjectNode out = ServerSideApply.apply(live, cm(",'labels':{'app':'x'}}"), "bob", "", false, CONFIG_MAP, T2);
        assertThat(managers(out)).containsExactlyInAnyOrder("alice", "bob");
        assertThat(managed(out).get(0).get("fieldsV1")).isEqualTo(managed(out).get(1).get("fieldsV1"));
    }

    @Test
    void severalConflictsAreGroupedByManager() {
        ObjectNode pod = obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':{'app':'x'}},'spec':{'containers':[{'name':'x','image':'a'}]}}");
        ObjectNode live = ServerSideApply.apply(null, pod, "alice", "", false, POD, T1);
        live = ServerSideApply.recordUpdate(live, withPath(live, "data", "extra"), "kubectl-edit", "", T1, POD);
        ObjectNode other = obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':{'app':'y'}},'data':'changed','spec':{'containers':[{'name':'x','image':'b'}]}}");
        ObjectNode finalLive = live;
        assertThatThrownBy(() -> ServerSideApply.apply(finalLive, other, "bob", "", false, POD, T2))
                .isInstanceOfSatisfying(ApplyConflictException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("""
                            Apply failed with 3 conflicts: conflicts with "alice":
                            - .metadata.labels.app
                            - .spec.containers[name="x"].image
                            conflicts with "kubectl-edit" using v1:
                            - .data""");
                    assertThat(e.toApiException().status().getDetails().getCauses()).extracting(StatusCause::getField, StatusCause::getMessage)
                            .containsExactly(
                                    org.assertj.core.groups.Tuple.tuple(".metadata.labels.app", "conflict with \"alice\""),
                                    org.assertj.core.groups.Tuple.tuple(".spec.containers[name=\"x\"].image", "conflict with \"alice\""),
                                    org.assertj.core.groups.Tuple.tuple(".data", "conflict with \"kubectl-edit\" using v1"));
                });
    }

    /**
     * Upstream's upgrade from client-side apply: for the manager kubectl alone, a conflict on a field the
     * last-applied annotation sets at the value the object still holds is no conflict.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        kubectl takes over a field the annotation sets at its live value       | kubectl | {'apiVersion':'v1','kind':'ConfigMap','data':{'mode':'one'}} |        | ''
        any other manager conflicts                                            | other   | {'apiVersion':'v1','kind':'ConfigMap','data':{'mode':'one'}} |        | Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.mode
        a field edited since the client-side apply conflicts                   | kubectl | {'apiVersion':'v1','kind':'ConfigMap','data':{'mode':'one'}} | edited | Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.mode
        a field the annotation does not set conflicts                          | kubectl | {'apiVersion':'v1','kind':'ConfigMap','data':{'other':'x'}}  |        | Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.mode
        an annotation of another apiVersion excuses nothing                    | kubectl | {'apiVersion':'v2','kind':'ConfigMap','data':{'mode':'one'}} |        | Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.mode
        an annotation that does not read excuses nothing                       | kubectl | {'apiVersion':                                               |        | Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.mode
        """)
    void kubectlTakesOverWhatItsClientSideApplySetWithoutAConflict(String name, String manager, String lastApplied, String edited, String conflict) {
        ObjectNode created = cm("},'data':{'mode':'one'}");
        created.withObject("metadata").withObject("annotations").put(LastApplied.ANNOTATION, lastApplied.replace('\'', '"'));
        ObjectNode live = ServerSideApply.recordUpdate(null, created, "kubectl-client-side-apply", "", T1, CONFIG_MAP);
        if (edited != null) live = ServerSideApply.recordUpdate(live, withData(live, edited), "kubectl-edit", "", T1, CONFIG_MAP);
        ObjectNode finalLive = live;
        if (conflict.isEmpty()) {
            ObjectNode out = ServerSideApply.apply(live, cm("},'data':{'mode':'two'}"), manager, "", false, CONFIG_MAP, T2);
            assertThat(out.at("/data/mode").asString()).isEqualTo("two");
        } else {
            assertThatThrownBy(() -> ServerSideApply.apply(finalLive, cm("},'data':{'mode':'two'}"), manager, "", false, CONFIG_MAP, T2))
                    .isInstanceOf(ApplyConflictException.class).hasMessage(conflict);
        }
    }

    @Test
    void onlyTheUnexcusedConflictsAreReported() {
        ObjectNode created = cm(",'labels':{'app':'x'}},'data':{'mode':'one'}");
        created.withObject("metadata").withObject("annotations").put(LastApplied.ANNOTATION, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{\"mode\":\"one\"}}");
        ObjectNode live = ServerSideApply.recordUpdate(null, created, "kubectl-client-side-apply", "", T1, CONFIG_MAP);
        assertThatThrownBy(() -> ServerSideApply.apply(live, cm(",'labels':{'app':'y'}},'data':{'mode':'two'}"), "kubectl", "", false, CONFIG_MAP, T2))
                .hasMessage("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .metadata.labels.app");
    }

    /** As upstream's last-applied updater: kubectl's apply keeps an existing annotation equal to what it applied. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        kubectl rewrites the annotation to its configuration | kubectl | old   | {"apiVersion":"v1","data":{"mode":"two"},"kind":"ConfigMap","metadata":{"name":"c","namespace":"ns"}}\\n
        another manager leaves it                            | other   | old   | old
        kubectl adds none where there was none               | kubectl |       |
        an annotation past 256 KiB in all is dropped         | kubectl | huge  |
        """)
    void kubectlsApplyKeepsTheLastAppliedAnnotationInStep(String name, String manager, String before, String after) {
        ObjectNode created = cm("},'data':{'mode':'one'}");
        if ("old".equals(before)) created.withObject("metadata").withObject("annotations").put(LastApplied.ANNOTATION, "old");
        if ("huge".equals(before)) {
            created.withObject("metadata").withObject("annotations").put(LastApplied.ANNOTATION, "old").put("big", "x".repeat(256 * 1024 - 100));
        }
        ObjectNode live = ServerSideApply.recordUpdate(null, created, "creator", "", T1, CONFIG_MAP);
        ObjectNode out = ServerSideApply.apply(live, cm("},'data':{'mode':'two'}"), manager, "", true, CONFIG_MAP, T2);
        JsonNode annotation = out.at("/metadata/annotations").get(LastApplied.ANNOTATION);
        if (after == null) assertThat(annotation).isNull();
        else assertThat(annotation.asString()).isEqualTo(after.replace("\\n", "\n"));
    }

    private static ObjectNode withData(ObjectNode o, String mode) {
        ObjectNode c = o.deepCopy();
        c.withObject("data").put("mode", mode);
        return c;
    }

    @Test
    void managedFieldsAreSortedAsUpstreamSortsThem() {
        ObjectNode given = cm("},'data':{'a':'1'}");
        given.withObject("metadata").set("managedFields", JsonPatchTest.node("""
                [{'manager':'z','operation':'Update','apiVersion':'v1','time':'2025-01-02T04:00:00Z','fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:a':{}}}},
                 {'manager':'y','operation':'Update','apiVersion':'v1','time':'2025-01-02T03:04:05Z','fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:a':{}}},'subresource':'status'},
                 {'manager':'b','operation':'Apply','apiVersion':'v1','time':'2025-01-02T03:04:05Z','fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:a':{}}}},
                 {'manager':'y','operation':'Update','apiVersion':'v1','time':'2025-01-02T03:04:05Z','fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:a':{}}}},
                 {'manager':'a','operation':'Apply','apiVersion':'v1','time':'2025-01-02T04:00:00Z','fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:a':{}}}},
                 {'manager':'c','operation':'Apply','apiVersion':'v1','fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:a':{}}}}]"""));
        ObjectNode out = ServerSideApply.recordUpdate(given, given, "nobody", "", T2, CONFIG_MAP);
        assertThat(managed(out).valueStream().map(e -> e.get("operation").asString() + " " + e.get("manager").asString() + " "
                + e.path("subresource").asString("-")).toList())
                .containsExactly("Apply c -", "Apply b -", "Apply a -", "Update y -", "Update y status", "Update z -");
    }

    static ObjectNode podWithStatus(String status) {
        return obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'name':'c','image':'i'}]},'status':" + status + "}");
    }

    @Test
    void aManagerHasAnEntryPerSubresource() {
        ObjectNode live = ServerSideApply.apply(null, ServerSideApply.scoped(podWithStatus("{'phase':'Pending'}"), "", true), "m", "", false, POD, T1);
        ObjectNode status = live.deepCopy();
        status.withObject("status").put("phase", "Running");
        ObjectNode updated = ServerSideApply.recordUpdate(live, status, "m", "status", T2, POD);
        ObjectNode applied = ServerSideApply.apply(updated, ServerSideApply.scoped(podWithStatus("{'message':'hi'}"), "status", true),
                "m", "status", false, POD, T2);
        assertThat(managed(applied).valueStream().map(e -> e.get("operation").asString() + " " + e.path("subresource").asString("-")
                + " " + e.get("fieldsV1")).toList()).containsExactly(
                "Apply - {\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"c\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{}}}}}",
                "Apply status {\"f:status\":{\"f:message\":{}}}",
                "Update status {\"f:status\":{\"f:phase\":{}}}");
    }

    @Test
    void aStatusWriteKeepsTheStoredManagedFieldsWhateverItCarries() {
        ObjectNode live = ServerSideApply.apply(null, cm("},'data':{'a':'1'}"), "m", "", false, CONFIG_MAP, T1);
        ObjectNode written = live.deepCopy();
        written.withObject("metadata").set("managedFields", JsonPatchTest.node("[]"));
        written.withObject("status").put("x", "y");
        ObjectNode out = ServerSideApply.recordUpdate(live, written, "w", "status", T2, CONFIG_MAP);
        assertThat(managers(out)).containsExactly("m", "w");
    }

    /** As upstream's reset fields, the main resource of a kind with a status subresource ignores status, /status all else. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        the main resource drops the status            | ''     | true  | {'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':{'a':'b'}},'spec':{'x':1},'status':{'phase':'Running'}} | {'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':{'a':'b'}},'spec':{'x':1}}
        a kind without a status subresource keeps all | ''     | false | {'apiVersion':'v1','kind':'Widget','metadata':{'name':'p'},'status':{'phase':'Running'}} | {'apiVersion':'v1','kind':'Widget','metadata':{'name':'p'},'status':{'phase':'Running'}}
        status keeps the status and the name          | status | true  | {'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'n','labels':{'a':'b'}},'spec':{'x':1},'status':{'phase':'Running'}} | {'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'n'},'status':{'phase':'Running'}}
        """)
    void anApplyConfigurationIsScopedToItsSubresource(String name, String subresource, boolean hasStatus, String config, String want) {
        assertThat(ServerSideApply.scoped(obj(config), subresource, hasStatus)).isEqualTo(obj(want));
    }

    /**
     * Upstream's capmanagers. An entry is {@code manager@seconds} (apiVersion v1), {@code manager@seconds@version},
     * or {@code manager@seconds@version@Apply}; each owns data.&lt;manager&gt;. The result lists each entry with
     * the fields it owns.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        ten updaters stay                                   | u01@1 u02@2 u03@3 u04@4 u05@5 u06@6 u07@7 u08@8 u09@9 u10@10 | u01@1[u01] u02@2[u02] u03@3[u03] u04@4[u04] u05@5[u05] u06@6[u06] u07@7[u07] u08@8[u08] u09@9[u09] u10@10[u10]
        the two oldest of eleven merge, with the newer time | u01@1 u02@2 u03@3 u04@4 u05@5 u06@6 u07@7 u08@8 u09@9 u10@10 u11@11 | ancient-changes@2[u01,u02] u03@3[u03] u04@4[u04] u05@5[u05] u06@6[u06] u07@7[u07] u08@8[u08] u09@9[u09] u10@10[u10] u11@11[u11]
        appliers do not count                               | a1@1@v1@Apply a2@2@v1@Apply u01@1 u02@2 u03@3 u04@4 u05@5 u06@6 u07@7 u08@8 u09@9 u10@10 | a1@1[a1] a2@2[a2] u01@1[u01] u02@2[u02] u03@3[u03] u04@4[u04] u05@5[u05] u06@6[u06] u07@7[u07] u08@8[u08] u09@9[u09] u10@10[u10]
        each apiVersion has its own bucket                  | u01@1@v1 u02@2@v2 u03@3@v1 u04@4@v2 u05@5 u06@6 u07@7 u08@8 u09@9 u10@10 u11@11 u12@12 u13@13 | ancient-changes@5[u01,u03,u05] ancient-changes@4[u02,u04] u06@6[u06] u07@7[u07] u08@8[u08] u09@9[u09] u10@10[u10] u11@11[u11] u12@12[u12] u13@13[u13]
        an ancient-changes entry takes the next oldest      | ancient-changes@1 u02@2 u03@3 u04@4 u05@5 u06@6 u07@7 u08@8 u09@9 u10@10 u11@11 u12@12 | ancient-changes@3[ancient-changes,u02,u03] u04@4[u04] u05@5[u05] u06@6[u06] u07@7[u07] u08@8[u08] u09@9[u09] u10@10[u10] u11@11[u11] u12@12[u12]
        the same time sorts by identifier                   | u11@1 u10@1 u09@1 u08@1 u07@1 u06@1 u05@1 u04@1 u03@1 u02@1 u01@1 | ancient-changes@1[u01,u02] u03@1[u03] u04@1[u04] u05@1[u05] u06@1[u06] u07@1[u07] u08@1[u08] u09@1[u09] u10@1[u10] u11@1[u11]
        """)
    void updateEntriesAreCappedAtTen(String name, String entries, String want) {
        List<ServerSideApply.Entry> list = new java.util.ArrayList<>();
        for (String e : entries.split(" ")) {
            String[] p = e.split("@");
            java.util.TreeSet<FieldPath> fields = new java.util.TreeSet<>(List.of(FieldPath.of("data", p[0])));
            list.add(new ServerSideApply.Entry(p[0], p.length > 3 ? p[3] : "Update", p.length > 2 ? p[2] : "v1",
                    Instant.ofEpochSecond(Long.parseLong(p[1])).toString(), "", fields));
        }
        ServerSideApply.capUpdates(list);
        assertThat(list.stream().map(e -> e.manager() + "@" + Instant.parse(e.time()).getEpochSecond()
                + e.fields().stream().map(f -> f.toString().substring(".data.".length())).toList().toString().replace(" ", "")))
                .containsExactlyInAnyOrder(want.split(" "));
    }

    @Test
    void forceTakesOwnership() {
        ObjectNode live = ServerSideApply.apply(null, cm(",'labels':{'app':'x','keep':'1'}}"), "alice", "", false, CONFIG_MAP, T1);
        ObjectNode out = ServerSideApply.apply(live, cm(",'labels':{'app':'y'}}"), "bob", "", true, CONFIG_MAP, T2);
        assertThat(out.path("metadata").path("labels").toString()).isEqualTo("{\"app\":\"y\",\"keep\":\"1\"}");
        assertThat(managed(out).get(0).get("manager").asString()).isEqualTo("alice");
        assertThat(managed(out).get(0).get("fieldsV1").toString()).isEqualTo("{\"f:metadata\":{\"f:labels\":{\"f:keep\":{}}}}");
        assertThat(managed(out).get(1).get("manager").asString()).isEqualTo("bob");
        assertThat(managed(out).get(1).get("fieldsV1").toString()).isEqualTo("{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}}}");
    }

    @Test
    void forcingEveryFieldAwayDropsTheFormerManager() {
        ObjectNode live = ServerSideApply.apply(null, cm(",'labels':{'app':'x'}}"), "alice", "", false, CONFIG_MAP, T1);
        ObjectNode out = ServerSideApply.apply(live, cm(",'labels':{'app':'y'}}"), "bob", "", true, CONFIG_MAP, T2);
        assertThat(managed(out)).extracting(n -> n.get("manager").asString()).containsExactly("bob");
    }

    @Test
    void anUpdateRecordsWhatItChangedAndTakesItFromOthers() {
        ObjectNode live = ServerSideApply.apply(null, cm(",'labels':{'app':'x'}},'data':{'a':'1'}"), "alice", "", false, CONFIG_MAP, T1);
        ObjectNode edited = live.deepCopy();
        ((ObjectNode) edited.get("data")).put("a", "2");
        ((ObjectNode) edited.get("data")).put("b", "3");
        ObjectNode out = ServerSideApply.recordUpdate(live, edited, "kubectl-edit", "", T2, CONFIG_MAP);
        assertThat(out.path("data").toString()).isEqualTo("{\"a\":\"2\",\"b\":\"3\"}");
        assertThat(managed(out)).hasSize(2);
        assertThat(managed(out).get(0).get("fieldsV1").toString()).isEqualTo("{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}}}");
        JsonNode update = managed(out).get(1);
        assertThat(update.get("manager").asString()).isEqualTo("kubectl-edit");
        assertThat(update.get("operation").asString()).isEqualTo("Update");
        assertThat(update.get("apiVersion").asString()).isEqualTo("v1");
        assertThat(update.get("time").asString()).isEqualTo("2025-01-02T04:00:00Z");
        assertThat(update.get("fieldsV1").toString()).isEqualTo("{\"f:data\":{\"f:a\":{},\"f:b\":{}}}");
    }

    @Test
    void aCreateRecordsEveryFieldAndNewMapsThemselves() {
        ObjectNode created = cm(",'uid':'u','resourceVersion':'1','creationTimestamp':'2025-01-01T00:00:00Z','labels':{'app':'x'}},'data':{'a':'1'}");
        ObjectNode out = ServerSideApply.recordUpdate(null, created, "kubectl-create", "", T1, CONFIG_MAP);
        assertThat(managed(out).get(0).get("fieldsV1").toString())
                .isEqualTo("{\"f:data\":{\".\":{},\"f:a\":{}},\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}}}");
    }

    @Test
    void anUpdateThatRemovesAFieldTakesItFromEveryone() {
        ObjectNode live = ServerSideApply.apply(null, cm("},'data':{'a':'1','b':'2'}"), "alice", "", false, CONFIG_MAP, T1);
        ObjectNode edited = live.deepCopy();
        ((ObjectNode) edited.get("data")).remove("b");
        ObjectNode out = ServerSideApply.recordUpdate(live, edited, "kubectl-edit", "", T2, CONFIG_MAP);
        assertThat(managed(out)).hasSize(1);
        assertThat(managed(out).get(0).get("fieldsV1").toString()).isEqualTo("{\"f:data\":{\"f:a\":{}}}");
    }

    @Test
    void anUpdateThenAnApplyOfAnotherValueConflictsWithTheUpdater() {
        ObjectNode live = ServerSideApply.recordUpdate(null, cm(",'labels':{'app':'x'}}"), "kubectl-create", "", T1, CONFIG_MAP);
        assertThatThrownBy(() -> ServerSideApply.apply(live, cm(",'labels':{'app':'y'}}"), "kubectl", "", false, CONFIG_MAP, T2))
                .hasMessage("Apply failed with 1 conflict: conflict with \"kubectl-create\" using v1: .metadata.labels.app");
    }

    @Test
    void anApplyOfAKeyedListWithoutItsKeyIsABadRequest() {
        ObjectNode applied = obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'image':'nginx'}]}}");
        assertThatThrownBy(() -> ServerSideApply.apply(null, applied, "me", "", false, POD, T1))
                .isInstanceOfSatisfying(PatchException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo(".spec.containers: associative list with keys has an element that omits key field \"name\" (and doesn't have default value)");
                });
    }

    @Test
    void malformedStoredManagedFieldsAreABadRequest() {
        ObjectNode live = cm(",'managedFields':[{'manager':'x','operation':'Sideways','fieldsType':'FieldsV1','fieldsV1':{}}]}");
        assertThatThrownBy(() -> ServerSideApply.apply(live, cm("}"), "me", "", false, CONFIG_MAP, T1))
                .isInstanceOfSatisfying(PatchException.class, e -> assertThat(e.code()).isEqualTo(400));
    }

    @Test
    void identityFieldsAreNeverOwned() {
        ObjectNode out = ServerSideApply.apply(null, cm(",'uid':'u','resourceVersion':'5','generation':2}"), "me", "", false, CONFIG_MAP, T1);
        assertThat(managed(out).isMissingNode()).as("nothing owned, no entry").isTrue();
    }

    private static ObjectNode withPath(ObjectNode o, String field, String value) {
        ObjectNode c = o.deepCopy();
        c.put(field, value);
        return c;
    }

    private static List<String> managers(ObjectNode o) {
        return managed(o).valueStream().map(n -> n.get("manager").asString()).toList();
    }

    /** An apply of 8,000 containers, then of 8,000 others: quadratic work took minutes here. */
    @Test
    @org.junit.jupiter.api.Timeout(45)
    void applyingLongKeyedListsIsNotQuadratic() {
        int n = 8_000;
        var schema = PatchSchemas.POD;
        ObjectNode first = ServerSideApply.apply(null, StrategicMergePatchTest.pod(n, "a"), "m", "", false, schema, Instant.now());
        ObjectNode second = ServerSideApply.apply(first, StrategicMergePatchTest.pod(n, "b"), "m", "", false, schema, Instant.now());
        assertThat(second.at("/spec/containers").size()).isEqualTo(n);
        assertThat(second.at("/spec/containers/0/name").asString()).isEqualTo("b0");
        ObjectNode updated = ServerSideApply.recordUpdate(second, StrategicMergePatchTest.pod(n, "c"), "u", "", Instant.now(), schema);
        assertThat(updated.at("/metadata/managedFields").size()).isEqualTo(1);
    }
}
