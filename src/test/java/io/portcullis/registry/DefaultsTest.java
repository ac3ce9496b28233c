package io.portcullis.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Each kind's defaults, case by case as upstream's SetDefaults_* of core/v1 and rbac/v1 (1.32) set them. */
class DefaultsTest {
    static final Map<String, Strategy> KINDS = Map.of("pods", PodKind.definition(), "secrets", SecretKind.definition(),
            "namespaces", NamespaceKind.definition(), "rolebindings", RbacKinds.bindings(null, false),
            "clusterrolebindings", RbacKinds.bindings(null, true), "roles", RbacKinds.roles(null, false),
            "configmaps", ConfigMapKind.definition(), "serviceaccounts", ServiceAccountKind.definition((o, c, ns, n, b, w) -> null),
            "events", EventKind.definition(), "leases", LeaseKind.definition());

    static JsonNode json(String s) {
        return Json.tree(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A pod whose one container is the given JSON's fields plus a name and image. */
    static String pod(String container) {
        return "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.27\"" + container + "}]}}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            # case                                              | kind                | object                                                                                              | at                                                   | want
            pod spec: dnsPolicy ClusterFirst                    | pods                | {"spec":{"containers":[]}}                                                                          | /spec/dnsPolicy                                      | "ClusterFirst"
            pod spec: restartPolicy Always                      | pods                | {"spec":{"containers":[]}}                                                                          | /spec/restartPolicy                                  | "Always"
            pod spec: an empty securityContext                  | pods                | {"spec":{"containers":[]}}                                                                          | /spec/securityContext                                | {}
            pod spec: terminationGracePeriodSeconds 30          | pods                | {"spec":{"containers":[]}}                                                                          | /spec/terminationGracePeriodSeconds                  | 30
            pod spec: a grace period of 0 is kept               | pods                | {"spec":{"terminationGracePeriodSeconds":0}}                                                        | /spec/terminationGracePeriodSeconds                  | 0
            pod spec: schedulerName default-scheduler           | pods                | {"spec":{"containers":[]}}                                                                          | /spec/schedulerName                                  | "default-scheduler"
            pod: enableServiceLinks true                        | pods                | {"spec":{"containers":[]}}                                                                          | /spec/enableServiceLinks                             | true
            pod: enableServiceLinks false is kept               | pods                | {"spec":{"enableServiceLinks":false}}                                                               | /spec/enableServiceLinks                             | false
            pod: the deprecated serviceAccount mirrors the name | pods                | {"spec":{"serviceAccountName":"sa"}}                                                                | /spec/serviceAccount                                 | "sa"
            pod: serviceAccount alone names the account         | pods                | {"spec":{"serviceAccount":"old"}}                                                                   | /spec/serviceAccountName                             | "old"
            pod: serviceAccountName wins over its alias         | pods                | {"spec":{"serviceAccountName":"new","serviceAccount":"old"}}                                        | /spec/serviceAccount                                 | "new"
            container: image without tag is pulled Always       | pods                | {"spec":{"containers":[{"name":"c","image":"nginx"}]}}                                              | /spec/containers/0/imagePullPolicy                   | "Always"
            container: tag latest is pulled Always              | pods                | {"spec":{"containers":[{"name":"c","image":"nginx:latest"}]}}                                       | /spec/containers/0/imagePullPolicy                   | "Always"
            container: another tag is pulled IfNotPresent       | pods                | {"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}                                         | /spec/containers/0/imagePullPolicy                   | "IfNotPresent"
            container: a registry port is not a tag             | pods                | {"spec":{"containers":[{"name":"c","image":"localhost:5000/nginx"}]}}                               | /spec/containers/0/imagePullPolicy                   | "Always"
            container: a digest alone is pulled IfNotPresent    | pods                | {"spec":{"containers":[{"name":"c","image":"nginx@sha256:0123"}]}}                                  | /spec/containers/0/imagePullPolicy                   | "IfNotPresent"
            container: latest with a digest is pulled Always    | pods                | {"spec":{"containers":[{"name":"c","image":"nginx:latest@sha256:0123"}]}}                           | /spec/containers/0/imagePullPolicy                   | "Always"
            container: a pull policy given is kept              | pods                | {"spec":{"containers":[{"name":"c","image":"nginx","imagePullPolicy":"Never"}]}}                    | /spec/containers/0/imagePullPolicy                   | "Never"
            container: terminationMessagePath                   | pods                | POD                                                                                                 | /spec/containers/0/terminationMessagePath            | "/dev/termination-log"
            container: terminationMessagePolicy File            | pods                | POD                                                                                                 | /spec/containers/0/terminationMessagePolicy          | "File"
            container: resources always written                 | pods                | POD                                                                                                 | /spec/containers/0/resources                         | {}
            container: requests default to limits              | pods                | POD,"resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"500m"}}                     | /spec/containers/0/resources/requests                | {"cpu":"500m","memory":"1Gi"}
            init container: requests default to limits         | pods                | {"spec":{"initContainers":[{"name":"i","image":"i","resources":{"limits":{"cpu":"1"}}}]}}           | /spec/initContainers/0/resources/requests            | {"cpu":"1"}
            ephemeral container: requests stay unset            | pods                | {"spec":{"ephemeralContainers":[{"name":"e","image":"e","resources":{"limits":{"cpu":"1"}}}]}}      | /spec/ephemeralContainers/0/resources                | {"limits":{"cpu":"1"}}
            ephemeral container: pull policy and message path   | pods                | {"spec":{"ephemeralContainers":[{"name":"e","image":"busybox"}]}}                                   | /spec/ephemeralContainers/0                          | {"name":"e","image":"busybox","imagePullPolicy":"Always","terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","resources":{}}
            port: protocol TCP                                  | pods                | POD,"ports":[{"containerPort":80}]                                                                  | /spec/containers/0/ports/0                           | {"containerPort":80,"protocol":"TCP"}
            port: UDP is kept                                   | pods                | POD,"ports":[{"containerPort":53,"protocol":"UDP"}]                                                 | /spec/containers/0/ports/0/protocol                  | "UDP"
            port: the host network gives it a host port         | pods                | {"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"i","ports":[{"containerPort":80}]}]}} | /spec/containers/0/ports/0/hostPort                  | 80
            env: fieldRef apiVersion v1                         | pods                | POD,"env":[{"name":"N","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}]                     | /spec/containers/0/env/0/valueFrom/fieldRef          | {"fieldPath":"metadata.name","apiVersion":"v1"}
            env: a fieldRef apiVersion given is kept            | pods                | POD,"env":[{"name":"N","valueFrom":{"fieldRef":{"apiVersion":"v2","fieldPath":"x"}}}]               | /spec/containers/0/env/0/valueFrom/fieldRef/apiVersion | "v2"
            env: resourceFieldRef divisor written as 0          | pods                | POD,"env":[{"name":"N","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu"}}}]                 | /spec/containers/0/env/0/valueFrom/resourceFieldRef  | {"resource":"limits.cpu","divisor":"0"}
            env: a plain value gets nothing                     | pods                | POD,"env":[{"name":"N","value":"v"}]                                                                | /spec/containers/0/env/0                             | {"name":"N","value":"v"}
            probe: timeout, period, thresholds                  | pods                | POD,"livenessProbe":{"exec":{"command":["true"]}}                                                   | /spec/containers/0/livenessProbe                     | {"exec":{"command":["true"]},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3}
            probe: values given are kept                        | pods                | POD,"readinessProbe":{"periodSeconds":5,"failureThreshold":1}                                       | /spec/containers/0/readinessProbe                    | {"periodSeconds":5,"failureThreshold":1,"timeoutSeconds":1,"successThreshold":1}
            probe: httpGet path / and scheme HTTP               | pods                | POD,"startupProbe":{"httpGet":{"port":8080}}                                                        | /spec/containers/0/startupProbe/httpGet              | {"port":8080,"path":"/","scheme":"HTTP"}
            probe: grpc service empty                           | pods                | POD,"livenessProbe":{"grpc":{"port":9000}}                                                          | /spec/containers/0/livenessProbe/grpc                | {"port":9000,"service":""}
            lifecycle: preStop httpGet path and scheme          | pods                | POD,"lifecycle":{"preStop":{"httpGet":{"port":80}}}                                                 | /spec/containers/0/lifecycle/preStop/httpGet         | {"port":80,"path":"/","scheme":"HTTP"}
            volume: no source is an emptyDir                    | pods                | {"spec":{"volumes":[{"name":"v"}]}}                                                                 | /spec/volumes/0                                      | {"name":"v","emptyDir":{}}
            volume: hostPath type unset is empty                | pods                | {"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"}}]}}                                        | /spec/volumes/0/hostPath                             | {"path":"/x","type":""}
            volume: secret defaultMode 0644                     | pods                | {"spec":{"volumes":[{"name":"v","secret":{"secretName":"s"}}]}}                                     | /spec/volumes/0/secret/defaultMode                   | 420
            volume: configMap defaultMode 0644                  | pods                | {"spec":{"volumes":[{"name":"v","configMap":{"name":"c","items":[{"key":"k","path":"p"}]}}]}}       | /spec/volumes/0/configMap                            | {"name":"c","items":[{"key":"k","path":"p"}],"defaultMode":420}
            volume: a defaultMode given is kept                 | pods                | {"spec":{"volumes":[{"name":"v","configMap":{"name":"c","defaultMode":256}}]}}                      | /spec/volumes/0/configMap/defaultMode                | 256
            volume: downwardAPI defaultMode and items           | pods                | {"spec":{"volumes":[{"name":"v","downwardAPI":{"items":[{"path":"n","fieldRef":{"fieldPath":"metadata.name"}},{"path":"c","resourceFieldRef":{"containerName":"c","resource":"limits.cpu"}}]}}]}} | /spec/volumes/0/downwardAPI | {"items":[{"path":"n","fieldRef":{"fieldPath":"metadata.name","apiVersion":"v1"}},{"path":"c","resourceFieldRef":{"containerName":"c","resource":"limits.cpu","divisor":"0"}}],"defaultMode":420}
            volume: projected defaultMode, token and fieldRef   | pods                | {"spec":{"volumes":[{"name":"v","projected":{"sources":[{"serviceAccountToken":{"path":"t"}},{"downwardAPI":{"items":[{"path":"ns","fieldRef":{"fieldPath":"metadata.namespace"}}]}}]}}]}} | /spec/volumes/0/projected | {"sources":[{"serviceAccountToken":{"path":"t","expirationSeconds":3600}},{"downwardAPI":{"items":[{"path":"ns","fieldRef":{"fieldPath":"metadata.namespace","apiVersion":"v1"}}]}}],"defaultMode":420}
            volume: iscsi interface default                     | pods                | {"spec":{"volumes":[{"name":"v","iscsi":{"targetPortal":"t","iqn":"q","lun":0}}]}}                  | /spec/volumes/0/iscsi/iscsiInterface                 | "default"
            volume: rbd pool, user and keyring                  | pods                | {"spec":{"volumes":[{"name":"v","rbd":{"monitors":["m"],"image":"i"}}]}}                            | /spec/volumes/0/rbd                                  | {"monitors":["m"],"image":"i","pool":"rbd","user":"admin","keyring":"/etc/ceph/keyring"}
            volume: azureDisk caching, fsType, readOnly, kind   | pods                | {"spec":{"volumes":[{"name":"v","azureDisk":{"diskName":"d","diskURI":"u"}}]}}                      | /spec/volumes/0/azureDisk                            | {"diskName":"d","diskURI":"u","cachingMode":"ReadWrite","fsType":"ext4","readOnly":false,"kind":"Shared"}
            volume: scaleIO storage mode and fsType             | pods                | {"spec":{"volumes":[{"name":"v","scaleIO":{"gateway":"g","system":"s","secretRef":{"name":"x"}}}]}} | /spec/volumes/0/scaleIO                              | {"gateway":"g","system":"s","secretRef":{"name":"x"},"storageMode":"ThinProvisioned","fsType":"xfs"}
            volume: ephemeral claim volumeMode Filesystem       | pods                | {"spec":{"volumes":[{"name":"v","ephemeral":{"volumeClaimTemplate":{"spec":{}}}}]}}                 | /spec/volumes/0/ephemeral/volumeClaimTemplate/spec   | {"volumeMode":"Filesystem"}
            secret: type Opaque                                 | secrets             | {"metadata":{"name":"s"}}                                                                           | /type                                                | "Opaque"
            secret: an empty type is Opaque                     | secrets             | {"type":""}                                                                                         | /type                                                | "Opaque"
            secret: a type given is kept                        | secrets             | {"type":"kubernetes.io/tls"}                                                                        | /type                                                | "kubernetes.io/tls"
            namespace: labelled with its name                   | namespaces          | {"metadata":{"name":"ns1","labels":{"a":"b"}}}                                                      | /metadata/labels                                     | {"a":"b","kubernetes.io/metadata.name":"ns1"}
            namespace: the name label cannot be changed         | namespaces          | {"metadata":{"name":"ns1","labels":{"kubernetes.io/metadata.name":"x"}}}                            | /metadata/labels                                     | {"kubernetes.io/metadata.name":"ns1"}
            namespace: status phase Active                      | namespaces          | {"metadata":{"name":"ns1"}}                                                                         | /status/phase                                        | "Active"
            namespace: Terminating is kept                      | namespaces          | {"metadata":{"name":"ns1"},"status":{"phase":"Terminating"}}                                        | /status/phase                                        | "Terminating"
            rolebinding: roleRef apiGroup                       | rolebindings        | {"roleRef":{"kind":"Role","name":"r"}}                                                              | /roleRef                                             | {"kind":"Role","name":"r","apiGroup":"rbac.authorization.k8s.io"}
            rolebinding: user and group subjects are RBAC's     | rolebindings        | {"subjects":[{"kind":"User","name":"u"},{"kind":"Group","name":"g"}]}                               | /subjects                                            | [{"kind":"User","name":"u","apiGroup":"rbac.authorization.k8s.io"},{"kind":"Group","name":"g","apiGroup":"rbac.authorization.k8s.io"}]
            rolebinding: a service account subject is core's    | rolebindings        | {"subjects":[{"kind":"ServiceAccount","name":"sa","namespace":"n"}]}                                | /subjects/0                                          | {"kind":"ServiceAccount","name":"sa","namespace":"n"}
            rolebinding: an unknown subject kind gets nothing   | rolebindings        | {"subjects":[{"kind":"Robot","name":"r"}]}                                                          | /subjects/0                                          | {"kind":"Robot","name":"r"}
            clusterrolebinding: roleRef and subjects            | clusterrolebindings | {"roleRef":{"kind":"ClusterRole","name":"r"},"subjects":[{"kind":"User","name":"u"}]}               | /subjects/0/apiGroup                                 | "rbac.authorization.k8s.io"
            role: no defaults                                   | roles               | {"rules":[{"verbs":["get"],"resources":["pods"]}]}                                                  | ''                                                   | {"rules":[{"verbs":["get"],"resources":["pods"]}]}
            configmap: no defaults                              | configmaps          | {"metadata":{"name":"c"},"data":{"a":"1"}}                                                          | ''                                                   | {"metadata":{"name":"c"},"data":{"a":"1"}}
            serviceaccount: no defaults                         | serviceaccounts     | {"metadata":{"name":"sa"}}                                                                          | ''                                                   | {"metadata":{"name":"sa"}}
            event: no defaults                                  | events              | {"metadata":{"name":"e"},"involvedObject":{"kind":"Pod"}}                                           | ''                                                   | {"metadata":{"name":"e"},"involvedObject":{"kind":"Pod"}}
            lease: no defaults in coordination/v1 of 1.32       | leases              | {"metadata":{"name":"l"},"spec":{"holderIdentity":"h"}}                                             | ''                                                   | {"metadata":{"name":"l"},"spec":{"holderIdentity":"h"}}
            """)
    void upstreamDefaults(String name, String kind, String object, String at, String want) {
        ObjectNode obj = (ObjectNode) json(object.startsWith("POD") ? pod(object.substring(3)) : object);
        KINDS.get(kind).applyDefaults(obj);
        assertThat(at.isEmpty() ? obj : obj.at(at)).isEqualTo(json(want));
        ObjectNode again = obj.deepCopy();
        KINDS.get(kind).applyDefaults(again);
        assertThat(again).as("defaults are idempotent").isEqualTo(obj);
    }

    @ParameterizedTest(name = "{0}: {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            no requests or limits                              | {"name":"c"}                                                                                              | BestEffort
            requests only                                      | {"name":"c","resources":{"requests":{"cpu":"100m"}}}                                                      | Burstable
            cpu and memory limits, requests defaulted to them  | {"name":"c","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}                                           | Guaranteed
            equal amounts written differently                  | {"name":"c","resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"1000m","memory":"1024Mi"}}} | Guaranteed
            requests below the limits                          | {"name":"c","resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"500m"}}}                 | Burstable
            a cpu limit alone                                  | {"name":"c","resources":{"limits":{"cpu":"1"}}}                                                           | Burstable
            zero quantities count for nothing                  | {"name":"c","resources":{"requests":{"cpu":"0"}}}                                                         | BestEffort
            """)
    void aNewPodGetsUpstreamsQosClass(String name, String container, String want) {
        ObjectNode pod = (ObjectNode) json("{\"spec\":{\"containers\":[" + container + "]}}");
        Strategy pods = KINDS.get("pods");
        pods.applyDefaults(pod);
        pods.prepareForCreate(null, pod);
        JsonNode status = pod.get("status");
        assertThat(status.get("qosClass").asString()).isEqualTo(want);
        assertThat(status.get("phase").asString()).isEqualTo("Pending");
    }
}
