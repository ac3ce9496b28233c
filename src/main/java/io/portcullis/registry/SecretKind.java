package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.Secret;
import io.kubernetes.client.proto.V1;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Json;
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
                    errs.addAll(typeErrors(o, type));
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

    /** What each well-known Secret type requires of its data, in upstream's words. */
    static List<FieldError> typeErrors(ObjectNode o, String type) {
        JsonNode data = o.path("data");
        List<FieldError> errs = new ArrayList<>();
        switch (type) {
            case "kubernetes.io/service-account-token" -> {
                String sa = ApiObjects.metadata(o).path("annotations").path("kubernetes.io/service-account.name").asString("");
                if (sa.isEmpty()) errs.add(FieldError.required("metadata.annotations[kubernetes.io/service-account.name]", ""));
            }
            case "kubernetes.io/dockercfg" -> requireJson(data, ".dockercfg", errs);
            case "kubernetes.io/dockerconfigjson" -> requireJson(data, ".dockerconfigjson", errs);
            case "kubernetes.io/basic-auth" -> {
                if (!data.has("username") && !data.has("password")) {
                    errs.add(FieldError.required("data[username]", ""));
                    errs.add(FieldError.required("data[password]", ""));
                }
            }
            case "kubernetes.io/ssh-auth" -> {
                if (data.path("ssh-privatekey").asString("").isEmpty()) errs.add(FieldError.required("data[ssh-privatekey]", ""));
            }
            case "kubernetes.io/tls" -> {
                if (!data.has("tls.crt")) errs.add(FieldError.required("data[tls.crt]", ""));
                if (!data.has("tls.key")) errs.add(FieldError.required("data[tls.key]", ""));
            }
            default -> { }
        }
        return errs;
    }

    /** The key must be present and hold a JSON object; its contents never appear in the message. */
    private static void requireJson(JsonNode data, String key, List<FieldError> errs) {
        if (!data.has(key)) {
            errs.add(FieldError.required("data[" + key + "]", ""));
            return;
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(data.path(key).asString(""));
        } catch (IllegalArgumentException e) {
            return; // the data key checks report undecodable values
        }
        String problem = Json.objectProblem(bytes);
        if (problem != null) errs.add(FieldError.invalid("data[" + key + "]", "<secret contents redacted>", problem));
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
