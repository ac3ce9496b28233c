package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.Secret;
import io.kubernetes.client.proto.V1;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Validation;
import io.portcullis.api.patch.PatchSchemas;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Secrets: base64 data (stringData folded in on write), a type that never changes, immutable on request. */
final class SecretKind {
    private SecretKind() {}

    static Strategy definition() {
        return Kind.of("", "v1", "secrets", Secret.class, true, PatchSchemas.DATA, V1.Secret.getDefaultInstance())
                .fields("type")
                .defaults(o -> ApiObjects.defaultText(o, "type", "Opaque"))
                .onCreate((c, o, old) -> foldStringData(o))
                .onUpdate((c, o, old) -> foldStringData(o))
                .validate((c, o, old) -> {
                    List<FieldError> errs = new ArrayList<>(Validation.dataKeyErrors(o, "data", true));
                    String type = o.path("type").asString("");
                    if (type.equals("kubernetes.io/service-account-token")) {
                        String sa = ApiObjects.metadata(o).path("annotations").path("kubernetes.io/service-account.name").asString("");
                        if (sa.isEmpty()) errs.add(FieldError.required("metadata.annotations[kubernetes.io/service-account.name]", ""));
                    }
                    if (old != null) {
                        if (!type.equals(old.path("type").asString(""))) errs.add(FieldError.invalid("type", type, "field is immutable"));
                        errs.addAll(Validation.immutableErrors(o, old, "data"));
                    }
                    return errs;
                })
                .columns(Column.name("secret"), Column.of("Type", "string", "The type of the secret", o -> o.path("type").asString("")),
                        Column.of("Data", "integer", "Number of items in the secret", o -> ApiObjects.size(o, "data")), Column.age())
                .build();
    }

    /** Secret stringData is write-only: folded into data, then dropped. */
    private static void foldStringData(ObjectNode o) {
        JsonNode sd = o.remove("stringData");
        if (sd instanceof ObjectNode s && !s.isEmpty()) {
            ObjectNode data = ApiObjects.object(o, "data");
            for (Map.Entry<String, JsonNode> e : s.properties()) {
                data.put(e.getKey(), Base64.getEncoder().encodeToString(e.getValue().asString("").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
        }
    }
}
