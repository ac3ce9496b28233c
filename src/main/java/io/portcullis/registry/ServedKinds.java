package io.portcullis.registry;

import com.google.protobuf.Message;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authorization.v1.LocalSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.kubernetes.client.proto.V1Authentication;
import io.kubernetes.client.proto.V1Authorization;
import io.portcullis.api.ResourceType;
import io.portcullis.api.patch.PatchSchemas;
import io.portcullis.authz.rbac.EscalationCheck;
import java.util.List;

/**
 * The kinds this server serves: the stored ones, each defined in a file of its own, and the
 * create-only review kinds. Adding a stored kind is its file and one line here.
 */
public final class ServedKinds {
    private ServedKinds() {}

    /** The stored kinds; {@code escalation} checks RBAC writes, {@code tokenRequests} answers serviceaccounts/token. */
    public static List<Strategy> stored(EscalationCheck escalation, SubresourceHandler tokenRequests) {
        return List.of(
                NamespaceKind.definition(),
                ServiceAccountKind.definition(tokenRequests),
                SecretKind.definition(),
                ConfigMapKind.definition(),
                PodKind.definition(),
                EventKind.definition(),
                RbacKinds.roles(escalation, false),
                RbacKinds.roles(escalation, true),
                RbacKinds.bindings(escalation, false),
                RbacKinds.bindings(escalation, true),
                LeaseKind.definition());
    }

    /** The stored kinds' types alone, for what must know them before the server is assembled (encryption at rest reads keys). */
    public static List<ResourceType> storedTypes() {
        SubresourceHandler none = (objects, ctx, namespace, name, body, warn) -> {
            throw new IllegalStateException("types only");
        };
        return stored(null, none).stream().map(Strategy::type).toList();
    }

    /** Create-only kinds that are answered, never stored (the review APIs). */
    public static List<ResourceType> reviews() {
        return List.of(
                review("authentication.k8s.io", "tokenreviews", TokenReview.class, false, V1Authentication.TokenReview.getDefaultInstance()),
                review("authentication.k8s.io", "selfsubjectreviews", SelfSubjectReview.class, false,
                        V1Authentication.SelfSubjectReview.getDefaultInstance()),
                review("authorization.k8s.io", "localsubjectaccessreviews", LocalSubjectAccessReview.class, true,
                        V1Authorization.LocalSubjectAccessReview.getDefaultInstance()),
                review("authorization.k8s.io", "selfsubjectaccessreviews", SelfSubjectAccessReview.class, false,
                        V1Authorization.SelfSubjectAccessReview.getDefaultInstance()),
                review("authorization.k8s.io", "selfsubjectrulesreviews", SelfSubjectRulesReview.class, false,
                        V1Authorization.SelfSubjectRulesReview.getDefaultInstance()),
                review("authorization.k8s.io", "subjectaccessreviews", SubjectAccessReview.class, false,
                        V1Authorization.SubjectAccessReview.getDefaultInstance()),
                WhoCanReviewKind.type(),
                AccessMatrixReviewKind.type(),
                LeastPrivilegeReviewKind.type());
    }

    private static ResourceType review(String group, String resource, Class<?> model, boolean namespaced, Message protobuf) {
        String kind = model.getSimpleName();
        return new ResourceType(group, "v1", resource, kind.toLowerCase(java.util.Locale.ROOT), kind, namespaced,
                ResourceType.CREATE_ONLY, List.of(), List.of(), List.of(), model, PatchSchemas.ONLY_METADATA, protobuf);
    }
}
