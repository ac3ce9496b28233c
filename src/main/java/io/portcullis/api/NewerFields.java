package io.portcullis.api;

import java.util.Set;

/**
 * The fields Kubernetes added after 1.32, the minor served here, to the types of the served kinds.
 * The typed models (fabric8) and the protobuf messages (client-java-proto) come from later
 * releases; leaving these fields out of the schema and of the messages makes the server read a body
 * as kube-apiserver 1.32 does: in JSON or YAML such a field is unknown (dropped with a warning, a
 * 400 under fieldValidation=Strict), in protobuf it is skipped, as Go skips a field number its
 * message does not have.
 *
 * <p>Found by comparing every message of k8s.io/api v0.32 with client-java-proto 26.0.0's; no field
 * of 1.32 is missing from the latter. Fields of types only these fields lead to are left out with them.
 */
public final class NewerFields {
    private NewerFields() {}

    /** Type name, a dot, field name: Go's JSON name, which is the protobuf field's name too. */
    private static final Set<String> AFTER_1_32 = Set.of(
            "PodSpec.hostnameOverride",
            "PodSpec.workloadRef",
            "PodStatus.allocatedResources",
            "PodStatus.extendedResourceClaimStatus",
            "PodStatus.observedGeneration",
            "PodStatus.resources",
            "PodCondition.observedGeneration",
            "Container.restartPolicyRules",
            // the protobuf message holds an ephemeral container's fields in EphemeralContainerCommon, the model in EphemeralContainer
            "EphemeralContainer.restartPolicyRules",
            "EphemeralContainerCommon.restartPolicyRules",
            "ContainerStatus.stopSignal",
            "Lifecycle.stopSignal",
            "EnvVarSource.fileKeyRef",
            "VolumeProjection.podCertificate",
            "VolumeMountStatus.volumeStatus");

    /** True when Kubernetes added this field of this type after the served minor. */
    public static boolean contains(String type, String field) {
        return AFTER_1_32.contains(type + "." + field);
    }
}
