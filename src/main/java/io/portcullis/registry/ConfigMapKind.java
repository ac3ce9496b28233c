package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.kubernetes.client.proto.V1;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Validation;
import io.portcullis.api.patch.PatchSchemas;
import java.util.ArrayList;
import java.util.List;

/** ConfigMaps: string data and base64 binaryData under config keys, immutable on request. */
final class ConfigMapKind {
    private ConfigMapKind() {}

    static Strategy definition() {
        return Kind.of("", "v1", "configmaps", ConfigMap.class, true, PatchSchemas.DATA, V1.ConfigMap.getDefaultInstance())
                .shortNames("cm")
                .validate((c, o, old) -> {
                    List<FieldError> errs = new ArrayList<>(Validation.dataKeyErrors(o, "data", false));
                    errs.addAll(Validation.dataKeyErrors(o, "binaryData", true));
                    if (old != null) errs.addAll(Validation.immutableErrors(o, old, "data", "binaryData"));
                    return errs;
                })
                .columns(Column.name("configmap"), Column.of("Data", "integer", "Number of items in the config map",
                        o -> ApiObjects.size(o, "data") + ApiObjects.size(o, "binaryData")), Column.age())
                .build();
    }
}
