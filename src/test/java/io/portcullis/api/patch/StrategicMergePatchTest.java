package io.portcullis.api.patch;

import static io.portcullis.api.patch.JsonPatchTest.node;
import static io.portcullis.api.patch.JsonPatchTest.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.node.ObjectNode;

class StrategicMergePatchTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        containers merge by name | v1 | Pod | {'spec':{'containers':[{'name':'a','image':'x'},{'name':'b','image':'y'}]}} | {'spec':{'containers':[{'name':'b','image':'z'}]}} | {'spec':{'containers':[{'name':'a','image':'x'},{'name':'b','image':'z'}]}}
        a new container is appended | v1 | Pod | {'spec':{'containers':[{'name':'a','image':'x'}]}} | {'spec':{'containers':[{'name':'c','image':'w'}]}} | {'spec':{'containers':[{'name':'a','image':'x'},{'name':'c','image':'w'}]}}
        env merges by name inside a container | v1 | Pod | {'spec':{'containers':[{'name':'a','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}]}]}} | {'spec':{'containers':[{'name':'a','env':[{'name':'B','value':'3'}]}]}} | {'spec':{'containers':[{'name':'a','env':[{'name':'A','value':'1'},{'name':'B','value':'3'}]}]}}
        ports merge by containerPort | v1 | Pod | {'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http'}]}]}} | {'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'protocol':'TCP'},{'containerPort':443}]}]}} | {'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http','protocol':'TCP'},{'containerPort':443}]}]}}
        ports merge by containerPort whatever their protocol, as upstream's patchMergeKey | v1 | Pod | {'spec':{'containers':[{'name':'a','ports':[{'containerPort':53,'protocol':'TCP'}]}]}} | {'spec':{'containers':[{'name':'a','ports':[{'containerPort':53,'protocol':'UDP'}]}]}} | {'spec':{'containers':[{'name':'a','ports':[{'containerPort':53,'protocol':'UDP'}]}]}}
        $patch delete removes a container | v1 | Pod | {'spec':{'containers':[{'name':'a'},{'name':'b'}]}} | {'spec':{'containers':[{'name':'a','$patch':'delete'}]}} | {'spec':{'containers':[{'name':'b'}]}}
        $patch replace on a list | v1 | Pod | {'spec':{'containers':[{'name':'a'},{'name':'b'}]}} | {'spec':{'containers':[{'name':'c'},{'$patch':'replace'}]}} | {'spec':{'containers':[{'name':'c'}]}}
        $patch replace on a map | v1 | Pod | {'metadata':{'labels':{'a':'1','b':'2'}}} | {'metadata':{'labels':{'c':'3','$patch':'replace'}}} | {'metadata':{'labels':{'c':'3'}}}
        $patch delete on a map | v1 | Pod | {'metadata':{'name':'p','labels':{'a':'1'}}} | {'metadata':{'labels':{'$patch':'delete'}}} | {'metadata':{'name':'p'}}
        $retainKeys drops other volume sources | v1 | Pod | {'spec':{'volumes':[{'name':'v','emptyDir':{},'hostPath':{'path':'/x'}}]}} | {'spec':{'volumes':[{'name':'v','$retainKeys':['name','secret'],'secret':{'secretName':'s'}}]}} | {'spec':{'volumes':[{'name':'v','secret':{'secretName':'s'}}]}}
        $setElementOrder orders containers | v1 | Pod | {'spec':{'containers':[{'name':'a'},{'name':'b'}]}} | {'spec':{'$setElementOrder/containers':[{'name':'b'},{'name':'c'},{'name':'a'}],'containers':[{'name':'c'}]}} | {'spec':{'containers':[{'name':'b'},{'name':'c'},{'name':'a'}]}}
        $setElementOrder keeps a server-only item ahead of the named items it preceded | v1 | Pod | {'spec':{'containers':[{'name':'a'},{'name':'s'},{'name':'b'}]}} | {'spec':{'$setElementOrder/containers':[{'name':'b'},{'name':'a'}]}} | {'spec':{'containers':[{'name':'s'},{'name':'b'},{'name':'a'}]}}
        $setElementOrder orders finalizers | v1 | Pod | {'metadata':{'finalizers':['a','b']}} | {'metadata':{'$setElementOrder/finalizers':['b','a']}} | {'metadata':{'finalizers':['b','a']}}
        finalizers take the union | v1 | ConfigMap | {'metadata':{'finalizers':['a','b']}} | {'metadata':{'finalizers':['b','c']}} | {'metadata':{'finalizers':['a','b','c']}}
        $deleteFromPrimitiveList removes a finalizer | v1 | Secret | {'metadata':{'finalizers':['a','b','c']}} | {'metadata':{'$deleteFromPrimitiveList/finalizers':['b']}} | {'metadata':{'finalizers':['a','c']}}
        ownerReferences merge by uid | v1 | ServiceAccount | {'metadata':{'ownerReferences':[{'uid':'1','name':'x'}]}} | {'metadata':{'ownerReferences':[{'uid':'2','name':'y'}]}} | {'metadata':{'ownerReferences':[{'uid':'1','name':'x'},{'uid':'2','name':'y'}]}}
        ServiceAccount secrets merge by name | v1 | ServiceAccount | {'secrets':[{'name':'a'}],'imagePullSecrets':[{'name':'p'}]} | {'secrets':[{'name':'b'}],'imagePullSecrets':[{'name':'q'}]} | {'secrets':[{'name':'a'},{'name':'b'}],'imagePullSecrets':[{'name':'p'},{'name':'q'}]}
        tolerations replace | v1 | Pod | {'spec':{'tolerations':[{'key':'a'}]}} | {'spec':{'tolerations':[{'key':'b'}]}} | {'spec':{'tolerations':[{'key':'b'}]}}
        pod conditions merge by type | v1 | Pod | {'status':{'conditions':[{'type':'Ready','status':'False'},{'type':'Initialized','status':'True'}]}} | {'status':{'conditions':[{'type':'Ready','status':'True'}]}} | {'status':{'conditions':[{'type':'Ready','status':'True'},{'type':'Initialized','status':'True'}]}}
        RBAC rules replace | rbac.authorization.k8s.io/v1 | ClusterRole | {'rules':[{'verbs':['get'],'resources':['pods']}]} | {'rules':[{'verbs':['list'],'resources':['secrets']}]} | {'rules':[{'verbs':['list'],'resources':['secrets']}]}
        RBAC subjects replace | rbac.authorization.k8s.io/v1 | RoleBinding | {'subjects':[{'kind':'User','name':'a'}]} | {'subjects':[{'kind':'User','name':'b'}]} | {'subjects':[{'kind':'User','name':'b'}]}
        an unknown kind replaces lists | example.com/v1 | Widget | {'spec':{'items':[{'name':'a'}]}} | {'spec':{'items':[{'name':'b'}]}} | {'spec':{'items':[{'name':'b'}]}}
        null deletes a label | v1 | Namespace | {'metadata':{'labels':{'a':'1','b':'2'}}} | {'metadata':{'labels':{'a':null}}} | {'metadata':{'labels':{'b':'2'}}}
        directives in a new object do not leak | v1 | Pod | {} | {'spec':{'containers':[{'name':'a','env':[{'name':'X','$patch':'merge'}]}],'$setElementOrder/containers':[{'name':'a'}]}} | {'spec':{'containers':[{'name':'a','env':[{'name':'X'}]}]}}
        a replaced list loses its directives | v1 | Pod | {'spec':{'tolerations':[]}} | {'spec':{'tolerations':[{'key':'a','$patch':'merge'}]}} | {'spec':{'tolerations':[{'key':'a'}]}}
        """)
    void mergesPerListStrategy(String name, String apiVersion, String kind, String target, String patch, String want) {
        ObjectNodeCheck.check(StrategicMergePatch.apply(obj(target), node(patch), schemaOf(kind)), obj(want));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        an unknown $patch value | {'metadata':{'$patch':'explode'}} | 400 | unknown patch type: explode in map: {"$patch":"explode"}
        a container without its merge key | {'spec':{'containers':[{'image':'x'}]}} | 400 | map: {"image":"x"} does not contain declared merge key: name
        $retainKeys that is not a list | {'spec':{'volumes':[{'name':'v','$retainKeys':'name'}]}} | 400 | invalid patch format of retainKeys
        content outside $retainKeys | {'spec':{'volumes':[{'name':'v','$retainKeys':['name'],'secret':{}}]}} | 422 | the server rejected our request due to an error in our request
        $setElementOrder that is not a list | {'spec':{'$setElementOrder/containers':{}}} | 400 | invalid patch format of setElementOrder list
        $deleteFromPrimitiveList that is not a list | {'metadata':{'$deleteFromPrimitiveList/finalizers':'a'}} | 400 | invalid patch format of primitive list
        a patch that is not an object | ['a'] | 400 | json: cannot unmarshal array into Go value of type map[string]interface {}
        """)
    void badPatchesAreRejected(String name, String patch, int code, String message) {
        assertThatThrownBy(() -> StrategicMergePatch.apply(obj("{'spec':{'volumes':[{'name':'v'}]}}"), node(patch), PatchSchemas.POD))
                .isInstanceOfSatisfying(PatchException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    /** Compares trees and says, on failure, both as JSON. */
    static final class ObjectNodeCheck {
        static void check(tools.jackson.databind.JsonNode have, tools.jackson.databind.JsonNode want) {
            assertThat(have.toString()).isEqualTo(want.toString());
        }
    }

    /** A pod whose containers are named prefix0, prefix1, ... */
    static ObjectNode pod(int containers, String prefix) {
        ObjectNode pod = obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','finalizers':[]},'spec':{'containers':[]}}");
        var list = pod.withArray("/spec/containers");
        for (int i = 0; i < containers; i++) list.addObject().put("name", prefix + i).put("image", "i");
        return pod;
    }

    /** Each directive on a list of 40,000 items: quadratic work (a list search per item) would take minutes. */
    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.Timeout(45)
    void longListsMergeWithoutASearchPerItem() {
        int n = 40_000;
        var schema = PatchSchemas.POD;
        ObjectNode live = pod(n, "a");
        for (int i = 0; i < n; i++) live.withArray("/metadata/finalizers").add("f" + i);
        ObjectNode patch = pod(n, "b");
        var order = patch.withObject("/spec").putArray("$setElementOrder/containers");
        for (int i = n - 1; i >= 0; i--) order.addObject().put("name", "a" + i);
        var drop = patch.withObject("/metadata").putArray("$deleteFromPrimitiveList/finalizers");
        for (int i = 0; i < n; i += 2) drop.add("f" + i);
        ObjectNode merged = StrategicMergePatch.apply(live, patch, schema);
        assertThat(merged.at("/spec/containers").size()).isEqualTo(2 * n);
        assertThat(merged.at("/spec/containers/0/name").asString()).isEqualTo("a" + (n - 1));
        assertThat(merged.at("/metadata/finalizers").size()).isEqualTo(n / 2);

        ObjectNode deletes = obj("{'spec':{'containers':[]}}");
        for (int i = 0; i < n; i++) deletes.withArray("/spec/containers").addObject().put("name", "b" + i).put("$patch", "delete");
        assertThat(StrategicMergePatch.apply(merged, deletes, schema).at("/spec/containers").size()).isEqualTo(n);
    }

    /** The schema each kind's definition names. */
    static PatchSchema schemaOf(String kind) {
        return switch (kind) {
            case "Pod" -> PatchSchemas.POD;
            case "ServiceAccount" -> PatchSchemas.SERVICE_ACCOUNT;
            case "Secret", "ConfigMap" -> PatchSchemas.DATA;
            case "Role", "ClusterRole" -> PatchSchemas.ROLE;
            case "RoleBinding", "ClusterRoleBinding" -> PatchSchemas.BINDING;
            default -> PatchSchemas.ONLY_METADATA;
        };
    }
}
