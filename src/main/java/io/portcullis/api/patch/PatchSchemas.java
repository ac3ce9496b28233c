package io.portcullis.api.patch;

import static io.portcullis.api.patch.PatchSchema.atomic;
import static io.portcullis.api.patch.PatchSchema.keyedList;
import static io.portcullis.api.patch.PatchSchema.map;
import static io.portcullis.api.patch.PatchSchema.object;
import static io.portcullis.api.patch.PatchSchema.set;

import java.util.Map;

/**
 * The list strategies of the built-in kinds the server serves, from the patchStrategy / patchMergeKey
 * and listType tags of upstream's API types (k8s.io/api).
 */
public final class PatchSchemas {
    private PatchSchemas() {}

    /** ObjectMeta: ownerReferences merge by uid, finalizers as a set, labels and annotations are maps. */
    public static final PatchSchema METADATA = object(Map.of(
            "labels", map(),
            "annotations", map(),
            "ownerReferences", keyedList("uid", Map.of()),
            "finalizers", set()));

    private static final PatchSchema CONTAINER = object(Map.of(
            "env", keyedList("name", Map.of()),
            // strategic merge merges ports by number alone; apply tells them apart by number and protocol
            "ports", keyedList("containerPort", Map.of()).andKey("protocol", "TCP"),
            "volumeMounts", keyedList("mountPath", Map.of()),
            "volumeDevices", keyedList("devicePath", Map.of()),
            "resources", object(Map.of("limits", map(), "requests", map()))));

    private static final PatchSchema POD_SPEC = object(Map.of(
            "containers", keyedList("name", CONTAINER.fields()),
            "initContainers", keyedList("name", CONTAINER.fields()),
            "ephemeralContainers", keyedList("name", CONTAINER.fields()),
            "volumes", keyedList("name", Map.of()).withRetainKeys(),
            "imagePullSecrets", keyedList("name", Map.of()),
            "tolerations", atomic(),
            "nodeSelector", map()));

    private static final PatchSchema POD = withMetadata(Map.of(
            "spec", POD_SPEC,
            "status", object(Map.of("conditions", keyedList("type", Map.of())))));

    private static final PatchSchema SERVICE_ACCOUNT = withMetadata(Map.of(
            "secrets", keyedList("name", Map.of()),
            "imagePullSecrets", keyedList("name", Map.of())));

    private static final PatchSchema DATA = withMetadata(Map.of(
            "data", map(), "stringData", map(), "binaryData", map()));

    private static final PatchSchema ROLE = withMetadata(Map.of(
            "rules", atomic(),
            "aggregationRule", object(Map.of("clusterRoleSelectors", atomic()))));

    private static final PatchSchema BINDING = withMetadata(Map.of("subjects", atomic()));

    private static final PatchSchema ONLY_METADATA = withMetadata(Map.of());

    /**
     * The schema of a kind; for a kind not known here only ObjectMeta is described, so every other list
     * replaces as in a JSON merge patch.
     */
    public static PatchSchema forKind(String apiVersion, String kind) {
        String group = apiVersion == null || !apiVersion.contains("/") ? "" : apiVersion.substring(0, apiVersion.indexOf('/'));
        String k = kind == null ? "" : kind;
        switch (group) {
            case "":
                switch (k) {
                    case "Pod": return POD;
                    case "ServiceAccount": return SERVICE_ACCOUNT;
                    case "Secret": case "ConfigMap": return DATA;
                    default: return ONLY_METADATA;
                }
            case "rbac.authorization.k8s.io":
                switch (k) {
                    case "Role": case "ClusterRole": return ROLE;
                    case "RoleBinding": case "ClusterRoleBinding": return BINDING;
                    default: return ONLY_METADATA;
                }
            default:
                return ONLY_METADATA;
        }
    }

    private static PatchSchema withMetadata(Map<String, PatchSchema> fields) {
        var all = new java.util.HashMap<>(fields);
        all.put("metadata", METADATA);
        return object(all);
    }
}
