package io.portcullis.api.protobuf;

import com.google.protobuf.Message;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Authentication;
import io.kubernetes.client.proto.V1Authorization;
import io.kubernetes.client.proto.V1Rbac;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Which message an apiVersion and kind are encoded as. Adding a kind is one line of {@link #TABLE}. */
final class Kinds {
    private Kinds() {}

    private static final Map<String, Message> TABLE = new HashMap<>();

    static {
        kind("v1", "Namespace", V1.Namespace.getDefaultInstance());
        kind("v1", "ServiceAccount", V1.ServiceAccount.getDefaultInstance());
        kind("v1", "Secret", V1.Secret.getDefaultInstance());
        kind("v1", "ConfigMap", V1.ConfigMap.getDefaultInstance());
        kind("v1", "Pod", V1.Pod.getDefaultInstance());
        kind("v1", "Event", V1.Event.getDefaultInstance());
        kind("v1", "Service", V1.Service.getDefaultInstance());
        kind("v1", "Endpoints", V1.Endpoints.getDefaultInstance());
        kind("v1", "PersistentVolumeClaim", V1.PersistentVolumeClaim.getDefaultInstance());
        kind("v1", "List", Meta.List.getDefaultInstance());

        kind("rbac.authorization.k8s.io/v1", "Role", V1Rbac.Role.getDefaultInstance());
        kind("rbac.authorization.k8s.io/v1", "ClusterRole", V1Rbac.ClusterRole.getDefaultInstance());
        kind("rbac.authorization.k8s.io/v1", "RoleBinding", V1Rbac.RoleBinding.getDefaultInstance());
        kind("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", V1Rbac.ClusterRoleBinding.getDefaultInstance());

        kind("coordination.k8s.io/v1", "Lease", Coordination.LEASE);

        kind("authentication.k8s.io/v1", "TokenRequest", V1Authentication.TokenRequest.getDefaultInstance());
        kind("authentication.k8s.io/v1", "TokenReview", V1Authentication.TokenReview.getDefaultInstance());
        kind("authentication.k8s.io/v1", "SelfSubjectReview", V1Authentication.SelfSubjectReview.getDefaultInstance());

        kind("authorization.k8s.io/v1", "SubjectAccessReview", V1Authorization.SubjectAccessReview.getDefaultInstance());
        kind("authorization.k8s.io/v1", "LocalSubjectAccessReview", V1Authorization.LocalSubjectAccessReview.getDefaultInstance());
        kind("authorization.k8s.io/v1", "SelfSubjectAccessReview", V1Authorization.SelfSubjectAccessReview.getDefaultInstance());
        kind("authorization.k8s.io/v1", "SelfSubjectRulesReview", V1Authorization.SelfSubjectRulesReview.getDefaultInstance());
    }

    /** The versions of the groups served; meta.k8s.io/v1 option kinds are registered in each of them, as upstream. */
    private static final Set<String> OPTIONS_VERSIONS = Set.of("v1", "meta.k8s.io/v1", "rbac.authorization.k8s.io/v1",
            "coordination.k8s.io/v1", "authentication.k8s.io/v1", "authorization.k8s.io/v1");

    private static final Map<String, Message> OPTIONS = Map.of("DeleteOptions", Meta.DeleteOptions.getDefaultInstance());

    private static void kind(String apiVersion, String kind, Message prototype) {
        if (TABLE.put(key(apiVersion, kind), prototype) != null) throw new IllegalStateException("kind listed twice: " + apiVersion + " " + kind);
    }

    static Optional<Message> prototype(String apiVersion, String kind) {
        Message m = TABLE.get(key(apiVersion, kind));
        if (m == null && OPTIONS_VERSIONS.contains(apiVersion)) m = OPTIONS.get(kind);
        return Optional.ofNullable(m);
    }

    private static String key(String apiVersion, String kind) {
        return apiVersion + " " + kind;
    }
}
