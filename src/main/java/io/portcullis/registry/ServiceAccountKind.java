package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Authentication;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.patch.PatchSchemas;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** ServiceAccounts, and their token subresource: a TokenRequest answered by {@code tokenRequests}, never stored. */
final class ServiceAccountKind {
    private ServiceAccountKind() {}

    static Strategy definition(SubresourceHandler tokenRequests) {
        return Kind.of("", "v1", "serviceaccounts", ServiceAccount.class, true, PatchSchemas.SERVICE_ACCOUNT,
                        V1.ServiceAccount.getDefaultInstance())
                .shortNames("sa").returnsDeletedObject()
                .subresource("token", "authentication.k8s.io", "v1", TokenRequest.class, V1Authentication.TokenRequest.getDefaultInstance(),
                        tokenRequests)
                .validate((c, o, old) -> {
                    List<FieldError> errs = new ArrayList<>();
                    names(o, "secrets", errs);
                    names(o, "imagePullSecrets", errs);
                    JsonNode a = o.get("automountServiceAccountToken");
                    if (a != null && !a.isNull() && !a.isBoolean()) {
                        errs.add(FieldError.invalid("automountServiceAccountToken", a.toString(), "must be a boolean"));
                    }
                    return errs;
                })
                .columns(Column.name("serviceaccount"), Column.of("Secrets", "integer", "Number of secrets",
                        o -> ApiObjects.size(o, "secrets")), Column.age())
                .build();
    }

    private static void names(ObjectNode o, String field, List<FieldError> errs) {
        JsonNode list = o.get(field);
        if (list == null || list.isNull()) return;
        if (!list.isArray()) {
            errs.add(FieldError.invalid(field, list.toString(), "must be a list"));
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).path("name").asString("").isEmpty()) errs.add(FieldError.required(field + "[" + i + "].name", ""));
        }
    }
}
