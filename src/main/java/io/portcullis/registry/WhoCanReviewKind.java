package io.portcullis.registry;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.authorization.v1.NonResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.portcullis.api.Json;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import io.portcullis.authn.Groups;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.AuthorizationException;
import io.portcullis.authz.Decision;
import io.portcullis.authz.ForbiddenMessages;
import io.portcullis.authz.rbac.EscalationCheck;
import io.portcullis.authz.rbac.WhoCan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * WhoCanReview (policy.portcullis.io/v1alpha1, create-only, cluster-scoped): the spec asks about a
 * request as a SubjectAccessReview does (resourceAttributes or nonResourceAttributes); the status
 * lists every subject RBAC allows to make it, each with the chain that grants it (binding, role,
 * rule), the groups allowed before RBAC is asked, and a statement when other authorizers may decide
 * too. Asking takes the right to list what the answer reveals: ClusterRoleBindings and
 * ClusterRoles for a cluster-wide question; RoleBindings and Roles of the namespace for a namespaced
 * one, whose ClusterRoleBindings are shown only to whoever may list those too.
 */
public final class WhoCanReviewKind {
    public static final String GROUP = "policy.portcullis.io";
    public static final String VERSION = "v1alpha1";
    private static final String RBAC = EscalationCheck.GROUP;

    private WhoCanReviewKind() {}

    public static ResourceType type() {
        return new ResourceType(GROUP, VERSION, "whocanreviews", "whocanreview", "WhoCanReview", false, ResourceType.CREATE_ONLY,
                List.of(), List.of(), List.of(), WhoCanReview.class, io.portcullis.api.patch.PatchSchemas.ONLY_METADATA, null);
    }

    /** The answer's status; {@code authorizer} is the server's chain (it decides what the requester may list). */
    static ObjectNode status(ObjectNode review, ResourceType t, UserInfo requester, WhoCan whoCan, Authorizer authorizer, List<String> modes) {
        Attributes request = Reviews.attributes(review, t, null, true);
        String ns = request.namespace();
        boolean clusterBindings;
        if (ns.isEmpty()) {
            require(authorizer, requester, "clusterrolebindings", "");
            require(authorizer, requester, "clusterroles", "");
            clusterBindings = true;
        } else {
            require(authorizer, requester, "rolebindings", ns);
            require(authorizer, requester, "roles", ns);
            clusterBindings = allowed(authorizer, requester, "clusterrolebindings", "") && allowed(authorizer, requester, "clusterroles", "");
        }
        ObjectNode status = Json.object();
        ArrayNode subjects = status.putArray("subjects");
        for (Map.Entry<WhoCan.Allowed, List<WhoCan.Grant>> e : whoCan.who(request, clusterBindings).entrySet()) {
            WhoCan.Allowed who = e.getKey();
            ObjectNode s = subjects.addObject();
            s.put("kind", who.kind());
            if (!who.kind().equals("ServiceAccount")) s.put("apiGroup", RBAC);
            s.put("name", who.name());
            if (!who.namespace().isEmpty()) s.put("namespace", who.namespace());
            ArrayNode grants = s.putArray("grants");
            for (WhoCan.Grant g : e.getValue()) {
                ObjectNode grant = grants.addObject();
                ObjectNode binding = grant.putObject("binding");
                binding.put("kind", g.binding().kind());
                if (!g.binding().namespace().isEmpty()) binding.put("namespace", g.binding().namespace());
                binding.put("name", g.binding().name());
                grant.set("roleRef", Json.MAPPER.valueToTree(g.binding().roleRef()));
                grant.set("rule", Json.MAPPER.valueToTree(g.rule()));
            }
        }
        status.putArray("privilegedGroups").add(Groups.SYSTEM_MASTERS);
        List<String> notes = new ArrayList<>();
        if (!clusterBindings) {
            status.put("incomplete", true);
            notes.add("ClusterRoleBindings are not shown: " + ForbiddenMessages.of(list(requester, "clusterrolebindings", ""), ""));
        }
        String others = otherAuthorizers(modes);
        if (!others.isEmpty()) notes.add(others);
        if (!notes.isEmpty()) status.put("reason", String.join("; ", notes));
        return status;
    }

    /** What the answer leaves out when --authorization-mode holds more than RBAC; "" when RBAC decides alone. */
    static String otherAuthorizers(List<String> modes) {
        if (!modes.contains("RBAC")) return "RBAC is not among the authorizers (--authorization-mode=" + String.join(",", modes) + "): no subject is listed";
        List<String> others = modes.stream().filter(m -> !m.equals("RBAC") && !m.equals("AlwaysDeny")).toList();
        if (others.isEmpty()) return "";
        List<String> what = new ArrayList<>();
        for (String m : others) {
            what.add(switch (m) {
                case "Webhook" -> "the Webhook authorizer may allow subjects not listed here"
                        + (modes.indexOf("Webhook") < modes.indexOf("RBAC") ? " and deny some that are" : "");
                case "AlwaysAllow" -> "AlwaysAllow allows every request that no authorizer before it decided";
                default -> m + " may decide too";
            });
        }
        return "the answer covers RBAC only (--authorization-mode=" + String.join(",", modes) + "): " + String.join("; ", what);
    }

    private static Attributes list(UserInfo requester, String resource, String ns) {
        return Attributes.resource(requester, "list", RBAC, resource, "", ns, "");
    }

    private static boolean allowed(Authorizer authorizer, UserInfo requester, String resource, String ns) {
        try {
            return authorizer.authorize(list(requester, resource, ns)).decision() == Decision.ALLOW;
        } catch (AuthorizationException e) {
            return false;
        }
    }

    /** 403 in upstream's words for the list the requester may not make. */
    static void require(Authorizer authorizer, UserInfo requester, String resource, String ns) {
        Attributes a = list(requester, resource, ns);
        Authorizer.Verdict v;
        try {
            v = authorizer.authorize(a);
        } catch (AuthorizationException e) {
            throw Statuses.internal(e.getMessage());
        }
        if (v.decision() != Decision.ALLOW) throw ForbiddenMessages.forbidden(a, v.reason());
    }

    // ---- the model: what OpenAPI publishes and field validation checks bodies against ----

    /** A review of who may make a request. */
    public static final class WhoCanReview {
        @JsonProperty("apiVersion") String apiVersion;
        @JsonProperty("kind") String kind;
        @JsonProperty("metadata") ObjectMeta metadata;
        @JsonProperty("spec") WhoCanReviewSpec spec;
        @JsonProperty("status") WhoCanReviewStatus status;
    }

    /** Exactly one of resourceAttributes and nonResourceAttributes, as in a SubjectAccessReview. */
    public static final class WhoCanReviewSpec {
        @JsonProperty("resourceAttributes") ResourceAttributes resourceAttributes;
        @JsonProperty("nonResourceAttributes") NonResourceAttributes nonResourceAttributes;
    }

    public static final class WhoCanReviewStatus {
        @JsonProperty("subjects") List<WhoCanSubject> subjects;
        @JsonProperty("privilegedGroups") List<String> privilegedGroups;
        @JsonProperty("incomplete") Boolean incomplete;
        @JsonProperty("reason") String reason;
    }

    /** A subject as RBAC bindings name it, with every grant that allows it. */
    public static final class WhoCanSubject {
        @JsonProperty("kind") String kind;
        @JsonProperty("apiGroup") String apiGroup;
        @JsonProperty("name") String name;
        @JsonProperty("namespace") String namespace;
        @JsonProperty("grants") List<WhoCanGrant> grants;
    }

    /** binding -> role -> the role's first rule that allows the request. */
    public static final class WhoCanGrant {
        @JsonProperty("binding") BindingReference binding;
        @JsonProperty("roleRef") RoleRef roleRef;
        @JsonProperty("rule") PolicyRule rule;
    }

    public static final class BindingReference {
        @JsonProperty("kind") String kind;
        @JsonProperty("namespace") String namespace;
        @JsonProperty("name") String name;
    }
}
