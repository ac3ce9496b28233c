package io.portcullis.api.patch;

import static io.portcullis.api.patch.JsonPatchTest.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
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
        ObjectNode out = ServerSideApply.apply(null, cm(",'labels':{'app':'x'}},'data':{'a':'1'}"), "kubectl", false, CONFIG_MAP, T1);
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
        ObjectNode out = ServerSideApply.apply(live, cm("},'data':{'mode':'three'}"), "kubectl", false, CONFIG_MAP, T2);
        assertThat(out.path("data").path("mode").asString()).isEqualTo("three");
    }

    @Test
    void keyedListItemsAreOwnedByKeyWithTheirFields() {
        ObjectNode applied = obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'name':'x','image':'nginx'}],'finalizers':null}}");
        ObjectNode out = ServerSideApply.apply(null, applied, "me", false, POD, T1);
        assertThat(managed(out).get(0).get("fieldsV1").toString())
                .isEqualTo("{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"x\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{}}}}}");
        assertThat(out.path("spec").has("finalizers")).as("nulls in the configuration are not stored").isFalse();
    }

    @Test
    void setValuesAreOwnedOneByOne() {
        ObjectNode out = ServerSideApply.apply(null, cm(",'finalizers':['a/b']}"), "me", false, CONFIG_MAP, T1);
        assertThat(managed(out).get(0).get("fieldsV1").toString())
                .isEqualTo("{\"f:metadata\":{\"f:finalizers\":{\"v:\\\"a/b\\\"\":{}}}}");
    }

    @Test
    void reapplyingWithoutAFieldRemovesIt() {
        ObjectNode first = ServerSideApply.apply(null, cm(",'labels':{'app':'x','tier':'web'}},'data':{'a':'1','b':'2'}"), "kubectl", false, CONFIG_MAP, T1);
        ObjectNode second = ServerSideApply.apply(first, cm(",'labels':{'app':'x'}},'data':{'a':'1'}"), "kubectl", false, CONFIG_MAP, T2);
        assertThat(second.path("data").toString()).isEqualTo("{\"a\":\"1\"}");
        assertThat(second.path("metadata").path("labels").toString()).isEqualTo("{\"app\":\"x\"}");
        assertThat(managed(second)).hasSize(1);
        assertThat(managed(second).get(0).get("time").asString()).isEqualTo("2025-01-02T04:00:00Z");
        assertThat(managed(second).get(0).get("fieldsV1").toString())
                .isEqualTo("{\"f:data\":{\"f:a\":{}},\"f:metadata\":{\"f:labels\":{\"f:app\":{}}}}");
    }

    @Test
    void aDroppedFieldAnotherManagerAlsoOwnsStays() {
        ObjectNode a = ServerSideApply.apply(null, cm("},'data':{'a':'1','b':'2'}"), "a", false, CONFIG_MAP, T1);
        ObjectNode b = ServerSideApply.apply(a, cm("},'data':{'b':'2'}"), "b", false, CONFIG_MAP, T1);
        ObjectNode out = ServerSideApply.apply(b, cm("},'data':{'a':'1'}"), "a", false, CONFIG_MAP, T2);
        assertThat(out.path("data").toString()).isEqualTo("{\"a\":\"1\",\"b\":\"2\"}");
        assertThat(managed(out).get(0).get("fieldsV1").toString()).isEqualTo("{\"f:data\":{\"f:a\":{}}}");
        assertThat(managed(out).get(1).get("fieldsV1").toString()).isEqualTo("{\"f:data\":{\"f:b\":{}}}");
    }

    @Test
    void droppingAContainerRemovesIt() {
        ObjectNode first = ServerSideApply.apply(null, obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'name':'x','image':'a'},{'name':'y','image':'b'}]}}"), "me", false, POD, T1);
        ObjectNode out = ServerSideApply.apply(first, obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'name':'y','image':'c'}]}}"), "me", false, POD, T2);
        assertThat(out.path("spec").path("containers").toString()).isEqualTo("[{\"name\":\"y\",\"image\":\"c\"}]");
    }

    @Test
    void aSecondManagerSettingAnotherValueConflicts() {
        ObjectNode live = ServerSideApply.apply(null, cm(",'labels':{'app':'x'}}"), "alice", false, CONFIG_MAP, T1);
        assertThatThrownBy(() -> ServerSideApply.apply(live, cm(",'labels':{'app':'y'}}"), "bob", false, CONFIG_MAP, T2))
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
        ObjectNode live = ServerSideApply.apply(null, cm(",'labels':{'app':'x'}}"), "alice", false, CONFIG_MAP, T1);
        ObjectNode out = ServerSideApply.apply(live, cm(",'labels':{'app':'x'}}"), "bob", false, CONFIG_MAP, T2);
        assertThat(managed(out)).hasSize(2);
        assertThat(managed(out).get(1).get("manager").asString()).isEqualTo("bob");
        assertThat(managed(out).get(0).get("fieldsV1")).isEqualTo(managed(out).get(1).get("fieldsV1"));
    }

    @Test
    void severalConflictsAreGroupedByManager() {
        ObjectNode pod = obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':{'app':'x'}},'spec':{'containers':[{'name':'x','image':'a'}]}}");
        ObjectNode live = ServerSideApply.apply(null, pod, "alice", false, POD, T1);
        live = ServerSideApply.recordUpdate(live, withPath(live, "data", "extra"), "kubectl-edit", T1, POD);
        ObjectNode other = obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':{'app':'y'}},'data':'changed','spec':{'containers':[{'name':'x','image':'b'}]}}");
        ObjectNode finalLive = live;
        assertThatThrownBy(() -> ServerSideApply.apply(finalLive, other, "bob", false, POD, T2))
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

    @Test
    void forceTakesOwnership() {
        ObjectNode live = ServerSideApply.apply(null, cm(",'labels':{'app':'x','keep':'1'}}"), "alice", false, CONFIG_MAP, T1);
        ObjectNode out = ServerSideApply.apply(live, cm(",'labels':{'app':'y'}}"), "bob", true, CONFIG_MAP, T2);
        assertThat(out.path("metadata").path("labels").toString()).isEqualTo("{\"app\":\"y\",\"keep\":\"1\"}");
        assertThat(managed(out).get(0).get("manager").asString()).isEqualTo("alice");
        assertThat(managed(out).get(0).get("fieldsV1").toString()).isEqualTo("{\"f:metadata\":{\"f:labels\":{\"f:keep\":{}}}}");
        assertThat(managed(out).get(1).get("manager").asString()).isEqualTo("bob");
        assertThat(managed(out).get(1).get("fieldsV1").toString()).isEqualTo("{\"f:metadata\":{\"f:labels\":{\"f:app\":{}}}}");
    }

    @Test
    void forcingEveryFieldAwayDropsTheFormerManager() {
        ObjectNode live = ServerSideApply.apply(null, cm(",'labels':{'app':'x'}}"), "alice", false, CONFIG_MAP, T1);
        ObjectNode out = ServerSideApply.apply(live, cm(",'labels':{'app':'y'}}"), "bob", true, CONFIG_MAP, T2);
        assertThat(managed(out)).extracting(n -> n.get("manager").asString()).containsExactly("bob");
    }

    @Test
    void anUpdateRecordsWhatItChangedAndTakesItFromOthers() {
        ObjectNode live = ServerSideApply.apply(null, cm(",'labels':{'app':'x'}},'data':{'a':'1'}"), "alice", false, CONFIG_MAP, T1);
        ObjectNode edited = live.deepCopy();
        ((ObjectNode) edited.get("data")).put("a", "2");
        ((ObjectNode) edited.get("data")).put("b", "3");
        ObjectNode out = ServerSideApply.recordUpdate(live, edited, "kubectl-edit", T2, CONFIG_MAP);
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
        ObjectNode out = ServerSideApply.recordUpdate(null, created, "kubectl-create", T1, CONFIG_MAP);
        assertThat(managed(out).get(0).get("fieldsV1").toString())
                .isEqualTo("{\"f:data\":{\".\":{},\"f:a\":{}},\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}}}");
    }

    @Test
    void anUpdateThatRemovesAFieldTakesItFromEveryone() {
        ObjectNode live = ServerSideApply.apply(null, cm("},'data':{'a':'1','b':'2'}"), "alice", false, CONFIG_MAP, T1);
        ObjectNode edited = live.deepCopy();
        ((ObjectNode) edited.get("data")).remove("b");
        ObjectNode out = ServerSideApply.recordUpdate(live, edited, "kubectl-edit", T2, CONFIG_MAP);
        assertThat(managed(out)).hasSize(1);
        assertThat(managed(out).get(0).get("fieldsV1").toString()).isEqualTo("{\"f:data\":{\"f:a\":{}}}");
    }

    @Test
    void anUpdateThenAnApplyOfAnotherValueConflictsWithTheUpdater() {
        ObjectNode live = ServerSideApply.recordUpdate(null, cm(",'labels':{'app':'x'}}"), "kubectl-create", T1, CONFIG_MAP);
        assertThatThrownBy(() -> ServerSideApply.apply(live, cm(",'labels':{'app':'y'}}"), "kubectl", false, CONFIG_MAP, T2))
                .hasMessage("Apply failed with 1 conflict: conflict with \"kubectl-create\" using v1: .metadata.labels.app");
    }

    @Test
    void anApplyOfAKeyedListWithoutItsKeyIsABadRequest() {
        ObjectNode applied = obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p'},'spec':{'containers':[{'image':'nginx'}]}}");
        assertThatThrownBy(() -> ServerSideApply.apply(null, applied, "me", false, POD, T1))
                .isInstanceOfSatisfying(PatchException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo(".spec.containers: associative list with keys has an element that omits key field \"name\"");
                });
    }

    @Test
    void malformedStoredManagedFieldsAreABadRequest() {
        ObjectNode live = cm(",'managedFields':[{'manager':'x','operation':'Sideways','fieldsType':'FieldsV1','fieldsV1':{}}]}");
        assertThatThrownBy(() -> ServerSideApply.apply(live, cm("}"), "me", false, CONFIG_MAP, T1))
                .isInstanceOfSatisfying(PatchException.class, e -> assertThat(e.code()).isEqualTo(400));
    }

    @Test
    void identityFieldsAreNeverOwned() {
        ObjectNode out = ServerSideApply.apply(null, cm(",'uid':'u','resourceVersion':'5','generation':2}"), "me", false, CONFIG_MAP, T1);
        assertThat(managed(out).isMissingNode()).as("nothing owned, no entry").isTrue();
    }

    private static ObjectNode withPath(ObjectNode o, String field, String value) {
        ObjectNode c = o.deepCopy();
        c.put(field, value);
        return c;
    }

    @SuppressWarnings("unused")
    private static List<String> managers(ObjectNode o) {
        return managed(o).valueStream().map(n -> n.get("manager").asString()).toList();
    }

    /** An apply of 8,000 containers, then of 8,000 others: quadratic work took minutes here. */
    @Test
    @org.junit.jupiter.api.Timeout(45)
    void applyingLongKeyedListsIsNotQuadratic() {
        int n = 8_000;
        var schema = PatchSchemas.POD;
        ObjectNode first = ServerSideApply.apply(null, StrategicMergePatchTest.pod(n, "a"), "m", false, schema, Instant.now());
        ObjectNode second = ServerSideApply.apply(first, StrategicMergePatchTest.pod(n, "b"), "m", false, schema, Instant.now());
        assertThat(second.at("/spec/containers").size()).isEqualTo(n);
        assertThat(second.at("/spec/containers/0/name").asString()).isEqualTo("b0");
        ObjectNode updated = ServerSideApply.recordUpdate(second, StrategicMergePatchTest.pod(n, "c"), "u", Instant.now(), schema);
        assertThat(updated.at("/metadata/managedFields").size()).isEqualTo(1);
    }
}
