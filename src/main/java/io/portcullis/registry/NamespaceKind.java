package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.Namespace;
import io.kubernetes.client.proto.V1;
import io.portcullis.api.Validation.NameRule;
import io.portcullis.api.patch.PatchSchemas;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * Namespaces: cluster-scoped, named as DNS labels, Active until deleted; a deleted namespace is
 * Terminating, held by its spec finalizers until the namespace controller has emptied it.
 */
final class NamespaceKind {
    private NamespaceKind() {}

    static Strategy definition() {
        return Kind.of("", "v1", "namespaces", Namespace.class, false, PatchSchemas.ONLY_METADATA, V1.Namespace.getDefaultInstance())
                .verbs(List.of("create", "delete", "get", "list", "patch", "update", "watch"))
                .shortNames("ns").nameRule(NameRule.LABEL).status().returnsDeletedObject()
                .subresource("finalize", "update")
                .fields("status.phase")
                .defaults(o -> {
                    // as upstream: the user's labels stay, and kubernetes.io/metadata.name is always the name
                    ApiObjects.object(ApiObjects.metadata(o), "labels").put("kubernetes.io/metadata.name", ApiObjects.meta(o, "name"));
                    ApiObjects.defaultText(ApiObjects.object(o, "status"), "phase", "Active");
                })
                .onCreate((c, o, old) -> {
                    ObjectNode spec = ApiObjects.object(o, "spec");
                    if (!spec.has("finalizers")) spec.putArray("finalizers").add("kubernetes");
                    ApiObjects.object(o, "status").put("phase", "Active");
                })
                .heldByOwnFinalizers(o -> o.path("spec").path("finalizers").size() > 0)
                .prepareForDeletion(o -> ApiObjects.object(o, "status").put("phase", "Terminating"))
                .columns(Column.name("namespace"), Column.of("Status", "string", "The status of the namespace",
                        o -> ApiObjects.at(o, "status.phase")), Column.age())
                .build();
    }
}
