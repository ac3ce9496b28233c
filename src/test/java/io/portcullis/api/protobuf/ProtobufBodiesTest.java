package io.portcullis.api.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.IntStr.IntOrString;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Meta.ObjectMeta;
import io.kubernetes.client.proto.Resource.Quantity;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Authentication;
import io.kubernetes.client.proto.V1Authorization;
import io.kubernetes.client.proto.V1Rbac;
import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

class ProtobufBodiesTest {
    /** The server's decoder: the served kinds' messages. */
    static final ProtobufBodies BODIES = served();

    static ProtobufBodies served() {
        java.util.List<io.portcullis.api.ResourceType> types = new java.util.ArrayList<>();
        for (io.portcullis.registry.Strategy s : io.portcullis.registry.ServedKinds.stored(null, (o, c, ns, n, b, w) -> null)) types.add(s.type());
        types.addAll(io.portcullis.registry.ServedKinds.reviews());
        return new ProtobufBodies(types);
    }

    private static final String RBAC = "rbac.authorization.k8s.io/v1";
    private static final String RBAC_GROUP = "rbac.authorization.k8s.io";
    private static final long JAN_2_2025 = 1735787045L;   // 2025-01-02T03:04:05Z

    static Stream<Arguments> kubectlBodies() {
        return Stream.of(
            arguments("create serviceaccount foo", "v1", "ServiceAccount",
                V1.ServiceAccount.newBuilder().setMetadata(meta("foo", "")).build(),
                """
                {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"foo"}}"""),
            arguments("automountServiceAccountToken false survives", "v1", "ServiceAccount",
                V1.ServiceAccount.newBuilder().setMetadata(meta("foo", "default"))
                    .addImagePullSecrets(V1.LocalObjectReference.newBuilder().setName("regcred"))
                    .setAutomountServiceAccountToken(false).build(),
                """
                {"apiVersion":"v1","kind":"ServiceAccount",
                 "metadata":{"name":"foo","namespace":"default"},
                 "imagePullSecrets":[{"name":"regcred"}],
                 "automountServiceAccountToken":false}"""),
            arguments("create secret generic s --from-literal=a=b", "v1", "Secret",
                V1.Secret.newBuilder().setMetadata(meta("s", "")).setType("")
                    .putData("a", ByteString.copyFromUtf8("b")).build(),
                """
                {"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"a":"Yg=="}}"""),
            arguments("an immutable secret keeps immutable and its type", "v1", "Secret",
                V1.Secret.newBuilder().setMetadata(meta("s", "ns1")).setType("kubernetes.io/basic-auth")
                    .putStringData("username", "u").setImmutable(true).build(),
                """
                {"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"ns1"},
                 "type":"kubernetes.io/basic-auth","stringData":{"username":"u"},"immutable":true}"""),
            arguments("create configmap keeps empty values and base64s binary data", "v1", "ConfigMap",
                V1.ConfigMap.newBuilder().setMetadata(meta("cm", ""))
                    .putData("k", "v").putData("empty", "")
                    .putBinaryData("bin", ByteString.copyFrom(new byte[] {0, 1, (byte) 0xff})).build(),
                """
                {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},
                 "data":{"k":"v","empty":""},"binaryData":{"bin":"AAH/"}}"""),
            arguments("create namespace keeps the empty spec and status structs", "v1", "Namespace",
                V1.Namespace.newBuilder().setMetadata(meta("team-a", ""))
                    .setSpec(V1.NamespaceSpec.getDefaultInstance())
                    .setStatus(V1.NamespaceStatus.newBuilder().setPhase("")).build(),
                """
                {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"},"spec":{},"status":{}}"""),
            arguments("create -f of a namespace with labels keeps them", "v1", "Namespace",
                V1.Namespace.newBuilder().setMetadata(meta("team-b", "").toBuilder().putLabels("team", "blue").putLabels("empty", ""))
                    .setSpec(V1.NamespaceSpec.getDefaultInstance()).build(),
                """
                {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-b","labels":{"team":"blue","empty":""}},"spec":{}}"""),
            arguments("labels, annotations, owner references, timestamps and managed fields", "v1", "ConfigMap",
                V1.ConfigMap.newBuilder().setMetadata(meta("cm", "ns").toBuilder()
                    .putLabels("app", "web").putLabels("flag", "")
                    .putAnnotations("note", "x")
                    .setGeneration(3)
                    .setCreationTimestamp(Meta.Time.newBuilder().setSeconds(JAN_2_2025).setNanos(999_000_000))
                    .addOwnerReferences(Meta.OwnerReference.newBuilder().setApiVersion("apps/v1").setKind("ReplicaSet")
                        .setName("rs").setUid("u-1").setController(true).setBlockOwnerDeletion(false))
                    .addFinalizers("example.com/keep")
                    .addManagedFields(Meta.ManagedFieldsEntry.newBuilder().setManager("kubectl").setOperation("Update")
                        .setApiVersion("v1").setTime(Meta.Time.newBuilder().setSeconds(JAN_2_2025)).setFieldsType("FieldsV1")
                        .setFieldsV1(Meta.FieldsV1.newBuilder().setRaw(ByteString.copyFromUtf8("{\"f:data\":{}}")))
                        .setSubresource(""))
                    .build()).build(),
                """
                {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"ns",
                  "generation":3,"creationTimestamp":"2025-01-02T03:04:05Z",
                  "labels":{"app":"web","flag":""},"annotations":{"note":"x"},
                  "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u-1",
                                      "controller":true,"blockOwnerDeletion":false}],
                  "finalizers":["example.com/keep"],
                  "managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1",
                                    "time":"2025-01-02T03:04:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{}}}]}}"""),
            arguments("create role r1 --verb=get,list --resource=pods --resource-name=foo", RBAC, "Role",
                V1Rbac.Role.newBuilder().setMetadata(meta("r1", ""))
                    .addRules(V1Rbac.PolicyRule.newBuilder().addVerbs("get").addVerbs("list")
                        .addApiGroups("").addResources("pods").addResourceNames("foo")).build(),
                """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r1"},
                 "rules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["pods"],"resourceNames":["foo"]}]}"""),
            arguments("create rolebinding rb1 --role=r1 --user=bob --group=g1 --serviceaccount=default:foo", RBAC, "RoleBinding",
                V1Rbac.RoleBinding.newBuilder().setMetadata(meta("rb1", ""))
                    .addSubjects(subject("User", RBAC_GROUP, "bob", ""))
                    .addSubjects(subject("Group", RBAC_GROUP, "g1", ""))
                    .addSubjects(subject("ServiceAccount", "", "foo", "default"))
                    .setRoleRef(V1Rbac.RoleRef.newBuilder().setApiGroup(RBAC_GROUP).setKind("Role").setName("r1")).build(),
                """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb1"},
                 "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"bob"},
                             {"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"g1"},
                             {"kind":"ServiceAccount","name":"foo","namespace":"default"}],
                 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r1"}}"""),
            arguments("create clusterrolebinding crb --clusterrole=view --group=devs", RBAC, "ClusterRoleBinding",
                V1Rbac.ClusterRoleBinding.newBuilder().setMetadata(meta("crb", ""))
                    .addSubjects(subject("Group", RBAC_GROUP, "devs", ""))
                    .setRoleRef(V1Rbac.RoleRef.newBuilder().setApiGroup(RBAC_GROUP).setKind("ClusterRole").setName("view")).build(),
                """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"crb"},
                 "subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"devs"}],
                 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}}"""),
            arguments("create clusterrole monitoring --aggregation-rule=rbac.example.com/aggregate-to-monitoring=true", RBAC, "ClusterRole",
                V1Rbac.ClusterRole.newBuilder().setMetadata(meta("monitoring", ""))
                    .setAggregationRule(V1Rbac.AggregationRule.newBuilder().addClusterRoleSelectors(
                        Meta.LabelSelector.newBuilder().putMatchLabels("rbac.example.com/aggregate-to-monitoring", "true"))).build(),
                """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"monitoring"},
                 "aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"rbac.example.com/aggregate-to-monitoring":"true"}}]}}"""),
            arguments("create clusterrole with a non-resource URL and a match expression", RBAC, "ClusterRole",
                V1Rbac.ClusterRole.newBuilder().setMetadata(meta("logs", ""))
                    .addRules(V1Rbac.PolicyRule.newBuilder().addVerbs("get").addNonResourceURLs("/logs/*"))
                    .setAggregationRule(V1Rbac.AggregationRule.newBuilder().addClusterRoleSelectors(
                        Meta.LabelSelector.newBuilder().addMatchExpressions(Meta.LabelSelectorRequirement.newBuilder()
                            .setKey("tier").setOperator("In").addValues("a").addValues("b")))).build(),
                """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"logs"},
                 "rules":[{"verbs":["get"],"nonResourceURLs":["/logs/*"]}],
                 "aggregationRule":{"clusterRoleSelectors":[{"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}]}}"""),
            arguments("create token foo --duration=10m --audience=a --bound-object-kind=Pod --bound-object-name=p1",
                "authentication.k8s.io/v1", "TokenRequest",
                V1Authentication.TokenRequest.newBuilder().setMetadata(meta("", ""))
                    .setSpec(V1Authentication.TokenRequestSpec.newBuilder().addAudiences("a").setExpirationSeconds(600)
                        .setBoundObjectRef(V1Authentication.BoundObjectReference.newBuilder()
                            .setKind("Pod").setApiVersion("v1").setName("p1").setUID("123")))
                    .setStatus(V1Authentication.TokenRequestStatus.newBuilder().setToken("")
                        .setExpirationTimestamp(Meta.Time.getDefaultInstance())).build(),
                """
                {"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","metadata":{},
                 "spec":{"audiences":["a"],"expirationSeconds":600,
                         "boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"p1","uid":"123"}},
                 "status":{}}"""),
            arguments("TokenReview", "authentication.k8s.io/v1", "TokenReview",
                V1Authentication.TokenReview.newBuilder().setMetadata(meta("", ""))
                    .setSpec(V1Authentication.TokenReviewSpec.newBuilder().setToken("t0k3n").addAudiences("https://api"))
                    .setStatus(V1Authentication.TokenReviewStatus.newBuilder().setAuthenticated(false).setError("")
                        .setUser(V1Authentication.UserInfo.newBuilder().setUsername("").setUid(""))).build(),
                """
                {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","metadata":{},
                 "spec":{"token":"t0k3n","audiences":["https://api"]},"status":{"user":{}}}"""),
            arguments("a reviewed user's extra values become string arrays", "authentication.k8s.io/v1", "TokenReview",
                V1Authentication.TokenReview.newBuilder().setMetadata(meta("", ""))
                    .setSpec(V1Authentication.TokenReviewSpec.newBuilder().setToken("t"))
                    .setStatus(V1Authentication.TokenReviewStatus.newBuilder().setAuthenticated(true).setError("")
                        .setUser(V1Authentication.UserInfo.newBuilder().setUsername("system:serviceaccount:default:foo").setUid("u-1")
                            .addGroups("system:serviceaccounts").putExtra("authentication.kubernetes.io/pod-name",
                                V1Authentication.ExtraValue.newBuilder().addItems("p1").build()))).build(),
                """
                {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","metadata":{},"spec":{"token":"t"},
                 "status":{"authenticated":true,"user":{"username":"system:serviceaccount:default:foo","uid":"u-1",
                   "groups":["system:serviceaccounts"],"extra":{"authentication.kubernetes.io/pod-name":["p1"]}}}}"""),
            arguments("auth whoami sends a SelfSubjectReview", "authentication.k8s.io/v1", "SelfSubjectReview",
                V1Authentication.SelfSubjectReview.newBuilder().setMetadata(meta("", ""))
                    .setStatus(V1Authentication.SelfSubjectReviewStatus.newBuilder()
                        .setUserInfo(V1Authentication.UserInfo.newBuilder().setUsername("").setUid(""))).build(),
                """
                {"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","metadata":{},"status":{"userInfo":{}}}"""),
            arguments("auth can-i get pods sends resourceAttributes", "authorization.k8s.io/v1", "SelfSubjectAccessReview",
                V1Authorization.SelfSubjectAccessReview.newBuilder().setMetadata(meta("", ""))
                    .setSpec(V1Authorization.SelfSubjectAccessReviewSpec.newBuilder().setResourceAttributes(
                        V1Authorization.ResourceAttributes.newBuilder().setNamespace("default").setVerb("get").setGroup("")
                            .setVersion("").setResource("pods").setSubresource("log").setName("")))
                    .setStatus(sarStatus()).build(),
                """
                {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{},
                 "spec":{"resourceAttributes":{"namespace":"default","verb":"get","resource":"pods","subresource":"log"}},
                 "status":{"allowed":false}}"""),
            arguments("auth can-i get /logs sends nonResourceAttributes", "authorization.k8s.io/v1", "SelfSubjectAccessReview",
                V1Authorization.SelfSubjectAccessReview.newBuilder().setMetadata(meta("", ""))
                    .setSpec(V1Authorization.SelfSubjectAccessReviewSpec.newBuilder().setNonResourceAttributes(
                        V1Authorization.NonResourceAttributes.newBuilder().setPath("/logs").setVerb("get")))
                    .setStatus(sarStatus()).build(),
                """
                {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{},
                 "spec":{"nonResourceAttributes":{"path":"/logs","verb":"get"}},"status":{"allowed":false}}"""),
            arguments("auth can-i --list sends a SelfSubjectRulesReview", "authorization.k8s.io/v1", "SelfSubjectRulesReview",
                V1Authorization.SelfSubjectRulesReview.newBuilder().setMetadata(meta("", ""))
                    .setSpec(V1Authorization.SelfSubjectRulesReviewSpec.newBuilder().setNamespace("default"))
                    .setStatus(V1Authorization.SubjectRulesReviewStatus.newBuilder().setIncomplete(false).setEvaluationError("")).build(),
                """
                {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","metadata":{},
                 "spec":{"namespace":"default"},"status":{"incomplete":false}}"""),
            arguments("SubjectAccessReview extra values become string arrays", "authorization.k8s.io/v1", "SubjectAccessReview",
                V1Authorization.SubjectAccessReview.newBuilder().setMetadata(meta("", ""))
                    .setSpec(V1Authorization.SubjectAccessReviewSpec.newBuilder()
                        .setResourceAttributes(V1Authorization.ResourceAttributes.newBuilder().setVerb("list").setResource("secrets"))
                        .setUser("alice").addGroups("devs").setUid("u-9")
                        .putExtra("scopes", V1Authorization.ExtraValue.newBuilder().addItems("read").addItems("write").build())
                        .putExtra("empty", V1Authorization.ExtraValue.getDefaultInstance())).build(),
                """
                {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","metadata":{},
                 "spec":{"resourceAttributes":{"verb":"list","resource":"secrets"},"user":"alice","groups":["devs"],
                         "extra":{"scopes":["read","write"],"empty":[]},"uid":"u-9"}}"""),
            arguments("LocalSubjectAccessReview", "authorization.k8s.io/v1", "LocalSubjectAccessReview",
                V1Authorization.LocalSubjectAccessReview.newBuilder().setMetadata(meta("", "ns1"))
                    .setSpec(V1Authorization.SubjectAccessReviewSpec.newBuilder().setUser("bob")
                        .setResourceAttributes(V1Authorization.ResourceAttributes.newBuilder().setNamespace("ns1").setVerb("get").setResource("pods"))).build(),
                """
                {"apiVersion":"authorization.k8s.io/v1","kind":"LocalSubjectAccessReview","metadata":{"namespace":"ns1"},
                 "spec":{"resourceAttributes":{"namespace":"ns1","verb":"get","resource":"pods"},"user":"bob"}}"""),
            arguments("a Pod with containers, ports, probes, resources and volumes", "v1", "Pod", pod(),
                """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},
                 "spec":{
                   "volumes":[{"name":"cfg","configMap":{"name":"cm","defaultMode":420}},
                              {"name":"scratch","emptyDir":{"sizeLimit":"1Gi"}}],
                   "containers":[{"name":"nginx","image":"nginx:1.27","args":["-g","daemon off;"],
                     "ports":[{"name":"http","containerPort":80,"protocol":"TCP"}],
                     "env":[{"name":"EMPTY"},{"name":"MODE","value":"prod"}],
                     "resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"100m"}},
                     "volumeMounts":[{"name":"cfg","readOnly":true,"mountPath":"/etc/cfg"},{"name":"scratch","mountPath":"/tmp"}],
                     "livenessProbe":{"tcpSocket":{"port":8080},"periodSeconds":10},
                     "readinessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"}},
                     "terminationMessagePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent"}],
                   "restartPolicy":"Always","terminationGracePeriodSeconds":0,
                   "serviceAccountName":"foo","automountServiceAccountToken":false}}"""),
            arguments("an Event with a MicroTime and an unset event time", "v1", "Event",
                V1.Event.newBuilder().setMetadata(meta("e1", "default"))
                    .setInvolvedObject(V1.ObjectReference.newBuilder().setKind("ServiceAccount").setNamespace("default").setName("foo")
                        .setUid("").setApiVersion("v1").setResourceVersion("").setFieldPath(""))
                    .setReason("Created").setMessage("made").setSource(V1.EventSource.newBuilder().setComponent("portcullis").setHost(""))
                    .setFirstTimestamp(Meta.Time.newBuilder().setSeconds(JAN_2_2025)).setLastTimestamp(Meta.Time.getDefaultInstance())
                    .setCount(1).setType("Normal").setEventTime(Meta.MicroTime.getDefaultInstance())
                    .setSeries(V1.EventSeries.newBuilder().setCount(0).setLastObservedTime(
                        Meta.MicroTime.newBuilder().setSeconds(JAN_2_2025).setNanos(123_456_789)))
                    .setReportingComponent("").setReportingInstance("").build(),
                """
                {"apiVersion":"v1","kind":"Event","metadata":{"name":"e1","namespace":"default"},
                 "involvedObject":{"kind":"ServiceAccount","namespace":"default","name":"foo","apiVersion":"v1"},
                 "reason":"Created","message":"made","source":{"component":"portcullis"},
                 "firstTimestamp":"2025-01-02T03:04:05Z","count":1,"type":"Normal",
                 "series":{"lastObservedTime":"2025-01-02T03:04:05.123456Z"}}"""),
            arguments("a Lease, whose messages client-java-proto lacks", "coordination.k8s.io/v1", "Lease", lease(),
                """
                {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"controllers","namespace":"kube-system"},
                 "spec":{"holderIdentity":"replica-1","leaseDurationSeconds":15,
                         "acquireTime":"2025-01-02T03:04:05.000000Z","renewTime":"2025-01-02T03:04:05.500000Z","leaseTransitions":0}}"""),
            arguments("DeleteOptions keeps a zero grace period", "v1", "DeleteOptions",
                Meta.DeleteOptions.newBuilder().setGracePeriodSeconds(0).setPropagationPolicy("Background").build(),
                """
                {"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":0,"propagationPolicy":"Background"}"""),
            arguments("an int64 beyond the int range stays exact", "v1", "DeleteOptions",
                Meta.DeleteOptions.newBuilder().setGracePeriodSeconds(5_000_000_000L).build(),
                """
                {"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":5000000000}"""),
            arguments("DeleteOptions in another served group", RBAC, "DeleteOptions",
                Meta.DeleteOptions.newBuilder().setPreconditions(Meta.Preconditions.newBuilder().setUid("u-1").setResourceVersion(""))
                    .setOrphanDependents(false).addDryRun("All").build(),
                """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"DeleteOptions","preconditions":{"uid":"u-1"},
                 "orphanDependents":false,"dryRun":["All"]}"""),
            arguments("a List holds JSON items and nested protobuf objects", "v1", "List",
                Meta.List.newBuilder().setMetadata(Meta.ListMeta.newBuilder().setResourceVersion(""))
                    .addItems(Runtime.RawExtension.newBuilder().setRaw(ByteString.copyFromUtf8(
                        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}")))
                    .addItems(Runtime.RawExtension.newBuilder().setRaw(ByteString.copyFrom(ProtobufBodies.encode("v1", "ServiceAccount",
                        V1.ServiceAccount.newBuilder().setMetadata(meta("b", "")).build())))).build(),
                """
                {"apiVersion":"v1","kind":"List","metadata":{},
                 "items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}},
                          {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"b"}}]}"""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void kubectlBodies(String name, String apiVersion, String kind, Message object, String expected) {
        // client-java-proto's generated parsers predate protoc 22 and are open to a denial of service;
        // under this property the runtime refuses them, so a decoding that passes used none of them
        String unsafeGencodeFails = "com.google.protobuf.error_on_unsafe_pre22_gencode";
        System.setProperty(unsafeGencodeFails, "true");
        try {
            ObjectNode decoded = BODIES.decode(ProtobufBodies.encode(apiVersion, kind, object));
            assertThat(decoded).isEqualTo(Json.objectTree(expected.getBytes(StandardCharsets.UTF_8)));
        } finally {
            System.clearProperty(unsafeGencodeFails);
        }
    }

    @Test
    void fieldsOfLaterReleasesAreSkippedAsKubeApiserver132SkipsThem() {
        ObjectNode pod = BODIES.decode(ProtobufBodies.encode("v1", "Pod", V1.Pod.newBuilder().setMetadata(meta("p", "")).setSpec(V1.PodSpec.newBuilder()
                .setHostnameOverride("h")
                .addContainers(V1.Container.newBuilder().setName("c").setImage("i")
                        .addRestartPolicyRules(V1.ContainerRestartRule.newBuilder().setAction("Restart"))
                        .setLifecycle(V1.Lifecycle.newBuilder().setStopSignal("SIGTERM")))).build()));
        assertThat(pod).isEqualTo(Json.objectTree("""
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
                 "spec":{"containers":[{"name":"c","image":"i","lifecycle":{}}]}}""".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void fieldsOfTheServedReleaseSurviveDecoding() {
        // resourceAttributes.fieldSelector came with 1.31, pod-level resources with 1.32: a 1.30 message set dropped both
        ObjectNode sar = BODIES.decode(ProtobufBodies.encode("authorization.k8s.io/v1", "SubjectAccessReview",
                io.kubernetes.client.proto.V1Authorization.SubjectAccessReview.newBuilder().setSpec(
                        io.kubernetes.client.proto.V1Authorization.SubjectAccessReviewSpec.newBuilder().setUser("u").setResourceAttributes(
                                io.kubernetes.client.proto.V1Authorization.ResourceAttributes.newBuilder().setVerb("list").setResource("pods")
                                        .setFieldSelector(io.kubernetes.client.proto.V1Authorization.FieldSelectorAttributes.newBuilder()
                                                .setRawSelector("spec.nodeName=n1")))).build()));
        assertThat(sar.path("spec").path("resourceAttributes").path("fieldSelector").path("rawSelector").asString()).isEqualTo("spec.nodeName=n1");
        ObjectNode pod = BODIES.decode(ProtobufBodies.encode("v1", "Pod", V1.Pod.newBuilder().setSpec(V1.PodSpec.newBuilder()
                .setResources(V1.ResourceRequirements.newBuilder().putLimits("cpu",
                        io.kubernetes.client.proto.Resource.Quantity.newBuilder().setString("1").build()))).build()));
        assertThat(pod.path("spec").path("resources").path("limits").path("cpu").asString()).isEqualTo("1");
    }

    @Test
    void apiVersionAndKindComeFirst() {
        ObjectNode decoded = BODIES.decode(ProtobufBodies.encode("v1", "ServiceAccount",
                V1.ServiceAccount.newBuilder().setMetadata(meta("foo", "")).build()));
        assertThat(decoded.propertyNames()).containsExactly("apiVersion", "kind", "metadata");
    }

    @Test
    void unknownFieldsAreSkipped() {
        byte[] sa = V1.ServiceAccount.newBuilder().setMetadata(meta("foo", "")).setAutomountServiceAccountToken(true).build().toByteArray();
        // field 99 varint 1, and field 100 length-delimited "zz": fields a newer kubectl may send
        byte[] extra = {(byte) 0x98, 0x06, 0x01, (byte) 0xA2, 0x06, 0x02, 'z', 'z'};
        byte[] raw = Arrays.copyOf(sa, sa.length + extra.length);
        System.arraycopy(extra, 0, raw, sa.length, extra.length);
        byte[] body = envelope("v1", "ServiceAccount", ByteString.copyFrom(raw), "");

        assertThat(BODIES.decode(body)).isEqualTo(Json.objectTree("""
                {"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"foo"},"automountServiceAccountToken":true}"""
                .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aZeroCreationTimestampIsDroppedNotTheEpoch() {
        ObjectNode decoded = BODIES.decode(ProtobufBodies.encode("v1", "ConfigMap", V1.ConfigMap.newBuilder()
                .setMetadata(meta("cm", "").toBuilder().setCreationTimestamp(Meta.Time.newBuilder().setSeconds(0).setNanos(0))).build()));
        assertThat(decoded.get("metadata").has("creationTimestamp")).isFalse();
        assertThat(decoded.get("metadata").has("namespace")).isFalse();
        assertThat(decoded.get("metadata").has("generation")).isFalse();
    }

    @ParameterizedTest(name = "{0} ns is {1}")
    @CsvSource(delimiter = '|', textBlock = """
            0                    | 0s
            1                    | 1ns
            1500                 | 1.5µs
            1000000              | 1ms
            1500000              | 1.5ms
            1000000000           | 1s
            1500000000           | 1.5s
            600000000000         | 10m0s
            3723000000000        | 1h2m3s
            3600000000000        | 1h0m0s
            90061000000001       | 25h1m1.000000001s
            -1500000000          | -1.5s
            -9223372036854775808 | -2562047h47m16.854775808s
            """)
    void durationsPrintAsGoDoes(long nanos, String expected) {
        assertThat(ProtoJson.goDuration(nanos)).isEqualTo(expected);
    }

    @Test
    void aDurationFieldBecomesAGoDurationString() {
        Descriptor holder = DurationHolder.DESCRIPTOR;
        DynamicMessage m = DynamicMessage.newBuilder(holder).setField(holder.findFieldByName("ttl"),
                Meta.Duration.newBuilder().setDuration(90_000_000_000L).build()).build();
        assertThat(new ProtoJson(BODIES).toJson(m)).isEqualTo(Json.objectTree("{\"ttl\":\"1m30s\"}".getBytes(StandardCharsets.UTF_8)));
    }

    static Stream<Arguments> badBodies() {
        byte[] good = ProtobufBodies.encode("v1", "ServiceAccount", V1.ServiceAccount.newBuilder().setMetadata(meta("foo", "")).build());
        return Stream.of(
            arguments("an empty body", new byte[0], "the protobuf request body is empty"),
            arguments("no body at all", null, "the protobuf request body is empty"),
            arguments("JSON sent as protobuf", "{\"kind\":\"ServiceAccount\"}".getBytes(StandardCharsets.UTF_8),
                "does not start with the Kubernetes magic prefix"),
            arguments("a body shorter than the magic", new byte[] {0x6B, 0x38}, "does not start with the Kubernetes magic prefix"),
            arguments("a truncated body", Arrays.copyOf(good, good.length - 10), "is not a valid runtime.Unknown envelope"),
            arguments("garbage after the magic", new byte[] {0x6B, 0x38, 0x73, 0x00, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF},
                "is not a valid runtime.Unknown envelope"),
            arguments("an unknown kind", ProtobufBodies.encode("v1", "Widget", V1.ServiceAccount.getDefaultInstance()),
                "no kind \"Widget\" is registered for version \"v1\""),
            arguments("a group version not served", ProtobufBodies.encode("apps/v1", "Deployment", V1.ServiceAccount.getDefaultInstance()),
                "no kind \"Deployment\" is registered for version \"apps/v1\""),
            arguments("DeleteOptions in a group not served", ProtobufBodies.encode("apps/v1", "DeleteOptions", Meta.DeleteOptions.getDefaultInstance()),
                "no kind \"DeleteOptions\" is registered for version \"apps/v1\""),
            arguments("no kind", envelope("v1", "", ByteString.EMPTY, ""), "Object 'Kind' is missing"),
            arguments("no apiVersion", envelope("", "ServiceAccount", ByteString.EMPTY, ""), "Object 'apiVersion' is missing"),
            arguments("a malformed object", envelope("v1", "ServiceAccount", ByteString.copyFrom(new byte[] {0x0A, 0x05, 0x0A}), ""),
                "cannot decode v1 ServiceAccount from protobuf"),
            arguments("a gzipped object", envelope("v1", "ServiceAccount", ByteString.EMPTY, "gzip"),
                "protobuf content encoding \"gzip\" is not supported"),
            arguments("a List item that is neither protobuf nor JSON", ProtobufBodies.encode("v1", "List", Meta.List.newBuilder()
                .addItems(Runtime.RawExtension.newBuilder().setRaw(ByteString.copyFromUtf8("{not json"))).build()),
                "protobuf runtime.RawExtension does not hold valid JSON"),
            arguments("a time past year 9999", ProtobufBodies.encode("v1", "ConfigMap", V1.ConfigMap.newBuilder().setMetadata(
                meta("cm", "").toBuilder().setCreationTimestamp(Meta.Time.newBuilder().setSeconds(Long.MAX_VALUE))).build()),
                "protobuf time out of range"),
            arguments("objects nested too deep", nested(ProtobufBodies.MAX_NESTING + 2), "nests objects more than"),
            arguments("a List item of JSON nested deeper than a JSON body may", ProtobufBodies.encode("v1", "List", Meta.List.newBuilder()
                .addItems(Runtime.RawExtension.newBuilder().setRaw(ByteString.copyFromUtf8("[".repeat(300) + "]".repeat(300)))).build()),
                "protobuf body nests more than 100 levels deep"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void badBodies(String name, byte[] body, String message) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> BODIES.decode(body));
        assertThat(e).as("decoding %s must fail", name).isNotNull();
        assertThat(e.code()).isEqualTo(400);
        assertThat(e.reason()).isEqualTo("BadRequest");
        assertThat(e.getMessage()).contains(message);
    }

    @Test
    void nestingWithinTheLimitDecodes() {
        assertThat(BODIES.decode(nested(ProtobufBodies.MAX_NESTING)).get("kind").asString()).isEqualTo("List");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            application/vnd.kubernetes.protobuf                      | true
            application/vnd.kubernetes.protobuf; charset=utf-8       | true
            APPLICATION/VND.KUBERNETES.PROTOBUF                      | true
            application/vnd.kubernetes.protobuf;stream=watch         | true
            application/json                                         | false
            application/vnd.kubernetes.protobuf.extra                | false
            null                                                     | false
            """)
    void protobufContentTypesAreRecognised(String contentType, boolean expected) {
        assertThat(ProtobufBodies.isProtobuf(contentType)).isEqualTo(expected);
    }

    @Test
    void supportedKindsAreListedOneByOne() {
        assertThat(BODIES.supports("v1", "ServiceAccount")).isTrue();
        assertThat(BODIES.supports("coordination.k8s.io/v1", "Lease")).isTrue();
        assertThat(BODIES.supports("rbac.authorization.k8s.io/v1", "DeleteOptions")).isTrue();
        assertThat(BODIES.supports("v1", "Role")).isFalse();
        assertThat(BODIES.supports("rbac.authorization.k8s.io/v1beta1", "Role")).isFalse();
    }

    /** ObjectMeta as Go writes it: every non-pointer scalar, and the zero creationTimestamp as an empty message. */
    static ObjectMeta meta(String name, String namespace) {
        return ObjectMeta.newBuilder().setName(name).setGenerateName("").setNamespace(namespace).setSelfLink("")
                .setUid("").setResourceVersion("").setGeneration(0).setCreationTimestamp(Meta.Time.getDefaultInstance()).build();
    }

    static V1Rbac.Subject subject(String kind, String apiGroup, String name, String namespace) {
        return V1Rbac.Subject.newBuilder().setKind(kind).setApiGroup(apiGroup).setName(name).setNamespace(namespace).build();
    }

    static V1Authorization.SubjectAccessReviewStatus sarStatus() {
        return V1Authorization.SubjectAccessReviewStatus.newBuilder().setAllowed(false).setDenied(false)
                .setReason("").setEvaluationError("").build();
    }

    static V1.Pod pod() {
        V1.Container nginx = V1.Container.newBuilder().setName("nginx").setImage("nginx:1.27")
                .addArgs("-g").addArgs("daemon off;").setWorkingDir("")
                .addPorts(V1.ContainerPort.newBuilder().setName("http").setHostPort(0).setContainerPort(80).setProtocol("TCP").setHostIP(""))
                .addEnv(V1.EnvVar.newBuilder().setName("EMPTY").setValue(""))
                .addEnv(V1.EnvVar.newBuilder().setName("MODE").setValue("prod"))
                .setResources(V1.ResourceRequirements.newBuilder()
                        .putLimits("cpu", quantity("500m")).putLimits("memory", quantity("128Mi"))
                        .putRequests("cpu", quantity("100m")))
                .addVolumeMounts(V1.VolumeMount.newBuilder().setName("cfg").setReadOnly(true).setMountPath("/etc/cfg").setSubPath(""))
                .addVolumeMounts(V1.VolumeMount.newBuilder().setName("scratch").setReadOnly(false).setMountPath("/tmp"))
                .setLivenessProbe(V1.Probe.newBuilder()
                        .setHandler(V1.ProbeHandler.newBuilder().setTcpSocket(V1.TCPSocketAction.newBuilder()
                                .setPort(IntOrString.newBuilder().setType(0).setIntVal(8080).setStrVal("")).setHost("")))
                        .setInitialDelaySeconds(0).setTimeoutSeconds(0).setPeriodSeconds(10).setSuccessThreshold(0).setFailureThreshold(0))
                .setReadinessProbe(V1.Probe.newBuilder()
                        .setHandler(V1.ProbeHandler.newBuilder().setHttpGet(V1.HTTPGetAction.newBuilder().setPath("/healthz")
                                .setPort(IntOrString.newBuilder().setType(1).setIntVal(0).setStrVal("http")).setHost("").setScheme("HTTP"))))
                .setTerminationMessagePath("/dev/termination-log").setTerminationMessagePolicy("")
                .setImagePullPolicy("IfNotPresent").setStdin(false).setStdinOnce(false).setTty(false)
                .build();
        V1.PodSpec spec = V1.PodSpec.newBuilder()
                .addVolumes(V1.Volume.newBuilder().setName("cfg").setVolumeSource(V1.VolumeSource.newBuilder().setConfigMap(
                        V1.ConfigMapVolumeSource.newBuilder().setLocalObjectReference(V1.LocalObjectReference.newBuilder().setName("cm"))
                                .setDefaultMode(420))))
                .addVolumes(V1.Volume.newBuilder().setName("scratch").setVolumeSource(V1.VolumeSource.newBuilder().setEmptyDir(
                        V1.EmptyDirVolumeSource.newBuilder().setMedium("").setSizeLimit(quantity("1Gi")))))
                .addContainers(nginx)
                .setRestartPolicy("Always").setTerminationGracePeriodSeconds(0).setDnsPolicy("")
                .setServiceAccountName("foo").setServiceAccount("").setAutomountServiceAccountToken(false)
                .setNodeName("").setHostNetwork(false).setHostPID(false).setHostIPC(false)
                .build();
        return V1.Pod.newBuilder().setMetadata(meta("web", "").toBuilder().putLabels("app", "web")).setSpec(spec).build();
    }

    static Quantity quantity(String s) {
        return Quantity.newBuilder().setString(s).build();
    }

    static DynamicMessage lease() {
        Descriptor lease = Coordination.FILE.findMessageTypeByName("Lease");
        Descriptor spec = Coordination.FILE.findMessageTypeByName("LeaseSpec");
        DynamicMessage leaseSpec = DynamicMessage.newBuilder(spec)
                .setField(spec.findFieldByName("holderIdentity"), "replica-1")
                .setField(spec.findFieldByName("leaseDurationSeconds"), 15)
                .setField(spec.findFieldByName("acquireTime"), Meta.MicroTime.newBuilder().setSeconds(JAN_2_2025).build())
                .setField(spec.findFieldByName("renewTime"), Meta.MicroTime.newBuilder().setSeconds(JAN_2_2025).setNanos(500_000_000).build())
                .setField(spec.findFieldByName("leaseTransitions"), 0)
                .build();
        return DynamicMessage.newBuilder(lease)
                .setField(lease.findFieldByName("metadata"), meta("controllers", "kube-system"))
                .setField(lease.findFieldByName("spec"), leaseSpec)
                .build();
    }

    static byte[] envelope(String apiVersion, String kind, ByteString raw, String contentEncoding) {
        byte[] unknown = Runtime.Unknown.newBuilder()
                .setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
                .setRaw(raw).setContentEncoding(contentEncoding).setContentType("").build().toByteArray();
        byte[] body = Arrays.copyOf(ProtobufBodies.MAGIC, 4 + unknown.length);
        System.arraycopy(unknown, 0, body, 4, unknown.length);
        return body;
    }

    /** A List holding a List holding ... depth levels below the top one. */
    static byte[] nested(int depth) {
        byte[] body = ProtobufBodies.encode("v1", "List", Meta.List.getDefaultInstance());
        for (int i = 0; i < depth; i++) {
            body = ProtobufBodies.encode("v1", "List", Meta.List.newBuilder()
                    .addItems(Runtime.RawExtension.newBuilder().setRaw(ByteString.copyFrom(body))).build());
        }
        return body;
    }

    /** A message with a Duration field, as several upstream kinds outside the table have. */
    private static final class DurationHolder {
        static final Descriptor DESCRIPTOR = build();

        private static Descriptor build() {
            var proto = com.google.protobuf.DescriptorProtos.FileDescriptorProto.newBuilder()
                    .setName("test/duration.proto").setPackage("test")
                    .addDependency(Meta.getDescriptor().getName())
                    .addMessageType(com.google.protobuf.DescriptorProtos.DescriptorProto.newBuilder().setName("Holder")
                            .addField(com.google.protobuf.DescriptorProtos.FieldDescriptorProto.newBuilder().setName("ttl").setNumber(1)
                                    .setLabel(com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label.LABEL_OPTIONAL)
                                    .setType(com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_MESSAGE)
                                    .setTypeName(".k8s.io.apimachinery.pkg.apis.meta.v1.Duration")))
                    .build();
            try {
                return com.google.protobuf.Descriptors.FileDescriptor.buildFrom(proto,
                        new com.google.protobuf.Descriptors.FileDescriptor[] {Meta.getDescriptor()}).findMessageTypeByName("Holder");
            } catch (com.google.protobuf.Descriptors.DescriptorValidationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
