package io.portcullis.registry;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.portcullis.api.Json;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.AuthorizationException;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.Decision;
import io.portcullis.authz.ForbiddenMessages;
import io.portcullis.authz.rbac.RuleMatcher;
import io.portcullis.authz.rbac.RuleResolver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * AccessMatrixReview (policy.portcullis.io/v1alpha1, create-only, cluster-scoped): what one subject
 * may do to every served resource, verb by verb, in a namespace (its namespaced resources) or
 * cluster-wide (every resource, namespaced ones across all namespaces). Each cell is what a
 * SubjectAccessReview would answer, from the server's whole authorizer chain: Allowed; Partial when
 * it is not allowed but an RBAC rule grants the verb for some named objects (resourceNames);
 * otherwise Forbidden. The spec names the subject as a SubjectAccessReview does (user, groups, uid,
 * extra); empty, it is the requester. Asking about somebody else takes the right to create
 * SubjectAccessReviews (cluster-wide) or LocalSubjectAccessReviews (in the namespace).
 */
public final class AccessMatrixReviewKind {
    public static final List<String> VERBS = List.of("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection");
    public static final String ALLOWED = "Allowed";
    public static final String PARTIAL = "Partial";
    public static final String FORBIDDEN = "Forbidden";

    private AccessMatrixReviewKind() {}

    public static ResourceType type() {
        return new ResourceType(WhoCanReviewKind.GROUP, WhoCanReviewKind.VERSION, "accessmatrixreviews", "accessmatrixreview",
                "AccessMatrixReview", false, ResourceType.CREATE_ONLY, List.of(), List.of(), List.of(), AccessMatrixReview.class,
                io.portcullis.api.patch.PatchSchemas.ONLY_METADATA, null);
    }

    /**
     * @param resources the served resources the matrix covers (the stored kinds)
     * @param authorizer the server's chain
     * @param rules RBAC's rules, for Partial
     */
    static ObjectNode status(ObjectNode review, ResourceType t, UserInfo requester, List<ResourceType> resources, Authorizer authorizer,
                             RuleResolver rules) {
        JsonNode spec = review.path("spec");
        String ns = spec.path("namespace").asString("");
        UserInfo subject = subject(spec);
        if (subject == null) {
            subject = requester;
        } else {
            Attributes asking = ns.isEmpty()
                    ? Attributes.resource(requester, "create", "authorization.k8s.io", "subjectaccessreviews", "", "", "")
                    : Attributes.resource(requester, "create", "authorization.k8s.io", "localsubjectaccessreviews", "", ns, "");
            Authorizer.Verdict v = decide(authorizer, asking);
            if (v == null || v.decision() != Decision.ALLOW) throw ForbiddenMessages.forbidden(asking, v == null ? "" : v.reason());
        }
        List<PolicyRule> held = new ArrayList<>();
        rules.visitRulesFor(subject, ns, (source, rule, error) -> {
            if (rule != null) held.add(rule);
            return true;
        });
        ObjectNode status = Json.object();
        if (!ns.isEmpty()) status.put("namespace", ns);
        ArrayNode verbs = status.putArray("verbs");
        VERBS.forEach(verbs::add);
        ArrayNode rows = status.putArray("resources");
        Set<String> errors = new LinkedHashSet<>();
        for (ResourceType r : resources) {
            if (!ns.isEmpty() && !r.namespaced()) continue;
            ObjectNode row = rows.addObject();
            row.put("group", r.group());
            row.put("resource", r.resource());
            row.put("namespaced", r.namespaced());
            ObjectNode access = row.putObject("access");
            for (String verb : VERBS) {
                if (!r.verbs().contains(verb)) continue;
                Attributes a = Attributes.resource(subject, verb, r.group(), r.resource(), "", ns, "");
                String cell;
                try {
                    cell = authorizer.authorize(a).decision() == Decision.ALLOW ? ALLOWED : partial(held, a) ? PARTIAL : FORBIDDEN;
                } catch (AuthorizationException e) {
                    errors.add(e.getMessage());
                    cell = partial(held, a) ? PARTIAL : FORBIDDEN;
                }
                access.put(verb, cell);
            }
        }
        if (!errors.isEmpty()) status.put("evaluationError", String.join("; ", errors));
        return status;
    }

    private static Authorizer.Verdict decide(Authorizer authorizer, Attributes a) {
        try {
            return authorizer.authorize(a);
        } catch (AuthorizationException e) {
            return null;
        }
    }

    /** Whether a rule limited to names grants the verb on the resource. */
    private static boolean partial(List<PolicyRule> held, Attributes a) {
        for (PolicyRule r : held) {
            if (r.getResourceNames() == null || r.getResourceNames().isEmpty()) continue;
            if (RuleMatcher.verbMatches(r, a.verb()) && RuleMatcher.apiGroupMatches(r, a.apiGroup())
                    && RuleMatcher.resourceMatches(r, a.resource(), a.subresource())) return true;
        }
        return false;
    }

    /** The subject the spec names; null when it names none (the requester is meant). */
    private static UserInfo subject(JsonNode spec) {
        String user = spec.path("user").asString("");
        List<String> groups = new ArrayList<>();
        for (JsonNode g : spec.path("groups")) groups.add(g.asString(""));
        if (user.isEmpty() && groups.isEmpty()) {
            if (spec.has("uid") || spec.has("extra")) {
                throw Statuses.invalid(WhoCanReviewKind.GROUP, "AccessMatrixReview", "",
                        List.of(FieldError.invalid("spec.user", "", "user or groups must be given with uid or extra")));
            }
            return null;
        }
        Map<String, List<String>> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : spec.path("extra").properties()) {
            List<String> vs = new ArrayList<>();
            for (JsonNode v : e.getValue()) vs.add(v.asString(""));
            extra.put(e.getKey(), vs);
        }
        return new UserInfo(user, spec.path("uid").asString(""), groups, extra);
    }

    // ---- the model ----

    public static final class AccessMatrixReview {
        @JsonProperty("apiVersion") String apiVersion;
        @JsonProperty("kind") String kind;
        @JsonProperty("metadata") ObjectMeta metadata;
        @JsonProperty("spec") AccessMatrixReviewSpec spec;
        @JsonProperty("status") AccessMatrixReviewStatus status;
    }

    /** The subject (empty: the requester) and the namespace ("" for cluster-wide). */
    public static final class AccessMatrixReviewSpec {
        @JsonProperty("user") String user;
        @JsonProperty("groups") List<String> groups;
        @JsonProperty("uid") String uid;
        @JsonProperty("extra") Map<String, List<String>> extra;
        @JsonProperty("namespace") String namespace;
    }

    public static final class AccessMatrixReviewStatus {
        @JsonProperty("namespace") String namespace;
        @JsonProperty("verbs") List<String> verbs;
        @JsonProperty("resources") List<AccessMatrixRow> resources;
        @JsonProperty("evaluationError") String evaluationError;
    }

    /** One resource: verb to Allowed, Partial or Forbidden. */
    public static final class AccessMatrixRow {
        @JsonProperty("group") String group;
        @JsonProperty("resource") String resource;
        @JsonProperty("namespaced") Boolean namespaced;
        @JsonProperty("access") Map<String, String> access;
    }
}
