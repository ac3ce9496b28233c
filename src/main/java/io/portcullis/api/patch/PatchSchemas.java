package io.portcullis.api.patch;

import static io.portcullis.api.patch.PatchSchema.atomic;
import static io.portcullis.api.patch.PatchSchema.keyedList;
import static io.portcullis.api.patch.PatchSchema.map;
import static io.portcullis.api.patch.PatchSchema.object;
import static io.portcullis.api.patch.PatchSchema.set;

import java.util.Map;

/**
 * The list strategies of the built-in kinds the server serves, from the patchStrategy / patchMergeKey
 * and listType tags of upstream's API types (k8s.io/api). Each kind's definition names its schema.
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

    public static final PatchSchema POD = withMetadata(Map.of(
            "spec", POD_SPEC,
            "status", object(Map.of("conditions", keyedList("type", Map.of())))));

    public static final PatchSchema SERVICE_ACCOUNT = withMetadata(Map.of(
            "secrets", keyedList("name", Map.of()),
            "imagePullSecrets", keyedList("name", Map.of())));

    /** Secrets and ConfigMaps. */
    public static final PatchSchema DATA = withMetadata(Map.of(
            "data", map(), "stringData", map(), "binaryData", map()));

    /** Roles and ClusterRoles. */
    public static final PatchSchema ROLE = withMetadata(Map.of(
            "rules", atomic(),
            "aggregationRule", object(Map.of("clusterRoleSelectors", atomic()))));

    /** RoleBindings and ClusterRoleBindings. */
    public static final PatchSchema BINDING = withMetadata(Map.of("subjects", atomic()));

    /** A kind with no list of its own beyond ObjectMeta's: every other list replaces as in a JSON merge patch. */
    public static final PatchSchema ONLY_METADATA = withMetadata(Map.of());

    private static PatchSchema withMetadata(Map<String, PatchSchema> fields) {
        var all = new java.util.HashMap<>(fields);
        all.put("metadata", METADATA);
        return object(all);
    }
}
