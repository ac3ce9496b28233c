package io.portcullis.registry;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.portcullis.api.Json;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.AccessRecorder;
import io.portcullis.authz.AccessRecorder.Observed;
import io.portcullis.authz.AccessRecorder.Request;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.ForbiddenMessages;
import io.portcullis.authz.rbac.LeastPrivilege;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * LeastPrivilegeReview (policy.portcullis.io/v1alpha1, create-only, cluster-scoped): for one
 * subject (spec.subject: a user name or {@code system:serviceaccount:<namespace>:<name>}), from the
 * requests the server saw it make in the last spec.sinceSeconds (all recorded when absent), in
 * spec.namespace only when set: status.suggestion, the Roles, ClusterRoles and bindings that allow
 * exactly what it was allowed; status.unused, the rules it holds through its bindings and did not
 * use, each with its binding; status.denied, what it was refused; status.allowed, every request it
 * was allowed, with its counts (see {@link LeastPrivilege}).
 * Asking takes what a who-can takes: to list the RoleBindings and Roles (of the namespace, or of
 * every namespace) and, for ClusterRoleBindings to count, those and ClusterRoles; a namespaced
 * review without the latter is marked incomplete, a cluster-wide one is refused.
 */
public final class LeastPrivilegeReviewKind {
    private LeastPrivilegeReviewKind() {}

    public static ResourceType type() {
        return new ResourceType(WhoCanReviewKind.GROUP, WhoCanReviewKind.VERSION, "leastprivilegereviews", "leastprivilegereview",
                "LeastPrivilegeReview", false, ResourceType.CREATE_ONLY, List.of(), List.of(), List.of(), LeastPrivilegeReview.class,
                io.portcullis.api.patch.PatchSchemas.ONLY_METADATA, null);
    }

    static ObjectNode status(ObjectNode review, ResourceType t, UserInfo requester, AccessRecorder.Source records, LeastPrivilege leastPrivilege,
                             Authorizer authorizer, List<String> modes, Clock clock) {
        JsonNode spec = review.path("spec");
        String subject = spec.path("subject").asString("");
        String ns = spec.path("namespace").asString("");
        List<FieldError> errors = new ArrayList<>();
        if (subject.isEmpty()) errors.add(FieldError.required("spec.subject", ""));
        JsonNode since = spec.path("sinceSeconds");
        if (!since.isMissingNode() && !since.isNull() && since.asLong() <= 0) {
            errors.add(FieldError.invalid("spec.sinceSeconds", since.asLong(), "must be greater than 0"));
        }
        if (errors.isEmpty()) {
            try {
                LeastPrivilege.bindingSubject(subject);
            } catch (IllegalArgumentException e) {
                errors.add(FieldError.invalid("spec.subject", subject, "must be a user name or system:serviceaccount:<namespace>:<name>"));
            }
        }
        if (!errors.isEmpty()) throw Statuses.invalid(t.group(), t.kind(), "", errors);

        boolean clusterBindings;
        if (ns.isEmpty()) {
            for (String r : List.of("clusterrolebindings", "clusterroles", "rolebindings", "roles")) WhoCanReviewKind.require(authorizer, requester, r, "");
            clusterBindings = true;
        } else {
            WhoCanReviewKind.require(authorizer, requester, "rolebindings", ns);
            WhoCanReviewKind.require(authorizer, requester, "roles", ns);
            clusterBindings = allowed(authorizer, requester, "clusterrolebindings") && allowed(authorizer, requester, "clusterroles");
        }
        Instant from = since.isMissingNode() || since.isNull() ? null : clock.instant().minusSeconds(since.asLong());
        LeastPrivilege.Report report = leastPrivilege.report(records.forSubject(subject), subject, from, ns, clusterBindings);

        ObjectNode status = status(report);
        List<String> notes = new ArrayList<>();
        if (report.incomplete()) {
            notes.add("ClusterRoleBindings are not shown: " + ForbiddenMessages.of(
                    Attributes.resource(requester, "list", LeastPrivilege.RBAC, "clusterrolebindings", "", "", ""), ""));
        }
        String others = WhoCanReviewKind.otherAuthorizers(modes);
        if (!others.isEmpty()) notes.add(others);
        if (!notes.isEmpty()) status.put("reason", String.join("; ", notes));
        return status;
    }

    /**
     * A report as the review's status: since, allowedRequests, suggestion, unused, denied,
     * allowedToAll, allowed and incomplete (the reason is the caller's). Also how the command writes a
     * report it made itself, from an audit log.
     */
    public static ObjectNode status(LeastPrivilege.Report report) {
        ObjectNode status = Json.object();
        if (report.since() != null) status.put("since", report.since().toString());
        status.put("allowedRequests", report.allowedRequests());
        ObjectNode suggestion = status.putObject("suggestion");
        LeastPrivilege.Suggestion s = report.suggestion();
        suggestion.set("clusterRoles", Json.MAPPER.valueToTree(s.clusterRoles()));
        suggestion.set("clusterRoleBindings", Json.MAPPER.valueToTree(s.clusterRoleBindings()));
        suggestion.set("roles", Json.MAPPER.valueToTree(s.roles()));
        suggestion.set("roleBindings", Json.MAPPER.valueToTree(s.roleBindings()));
        ArrayNode unused = status.putArray("unused");
        for (LeastPrivilege.Unused u : report.unused()) {
            ObjectNode o = unused.addObject();
            ObjectNode binding = o.putObject("binding");
            binding.put("kind", u.binding().kind());
            if (!u.binding().namespace().isEmpty()) binding.put("namespace", u.binding().namespace());
            binding.put("name", u.binding().name());
            o.set("roleRef", Json.MAPPER.valueToTree(u.binding().roleRef()));
            o.set("rule", Json.MAPPER.valueToTree(u.rule()));
            if (!u.usedVerbs().isEmpty()) {
                ArrayNode used = o.putArray("usedVerbs");
                u.usedVerbs().forEach(used::add);
            }
        }
        requests(status.putArray("denied"), report.denied());
        requests(status.putArray("allowedToAll"), report.allowedToAll());
        requests(status.putArray("allowed"), report.allowed());
        if (report.incomplete()) status.put("incomplete", true);
        return status;
    }

    private static void requests(ArrayNode out, List<Observed> observed) {
        for (Observed o : observed) {
            Request r = o.request();
            ObjectNode n = out.addObject();
            n.put("verb", r.verb());
            if (r.resourceRequest()) {
                n.put("group", r.apiGroup());
                n.put("resource", r.resource());
                if (!r.subresource().isEmpty()) n.put("subresource", r.subresource());
                if (!r.namespace().isEmpty()) n.put("namespace", r.namespace());
                if (!r.name().isEmpty()) n.put("name", r.name());
            } else {
                n.put("path", r.path());
            }
            n.put("allowed", o.allowed());
            n.put("denied", o.denied());
            n.put("firstSeen", o.firstSeen().toString());
            n.put("lastSeen", o.lastSeen().toString());
        }
    }

    private static boolean allowed(Authorizer authorizer, UserInfo requester, String resource) {
        try {
            WhoCanReviewKind.require(authorizer, requester, resource, "");
            return true;
        } catch (io.portcullis.api.ApiException e) {
            return false;
        }
    }

    // ---- the model ----

    /** A review of the least a subject needs, from what it was seen doing. */
    public static final class LeastPrivilegeReview {
        @JsonProperty("apiVersion") String apiVersion;
        @JsonProperty("kind") String kind;
        @JsonProperty("metadata") ObjectMeta metadata;
        @JsonProperty("spec") LeastPrivilegeReviewSpec spec;
        @JsonProperty("status") LeastPrivilegeReviewStatus status;
    }

    /** The subject (a user name or system:serviceaccount:NS:NAME), the window (absent: all recorded), the namespace ("" for all). */
    public static final class LeastPrivilegeReviewSpec {
        @JsonProperty("subject") String subject;
        @JsonProperty("sinceSeconds") Long sinceSeconds;
        @JsonProperty("namespace") String namespace;
    }

    public static final class LeastPrivilegeReviewStatus {
        @JsonProperty("since") String since;
        @JsonProperty("allowedRequests") Integer allowedRequests;
        @JsonProperty("suggestion") Suggestion suggestion;
        @JsonProperty("unused") List<UnusedRule> unused;
        @JsonProperty("denied") List<ObservedRequest> denied;
        @JsonProperty("allowedToAll") List<ObservedRequest> allowedToAll;
        @JsonProperty("allowed") List<ObservedRequest> allowed;
        @JsonProperty("incomplete") Boolean incomplete;
        @JsonProperty("reason") String reason;
    }

    /**
     * Ready to apply: whole rbac.authorization.k8s.io/v1 objects, roles before the bindings that
     * refer to them. Published as untyped objects, so that the RBAC kinds keep one schema, described with their own group.
     */
    public static final class Suggestion {
        @JsonProperty("clusterRoles") List<Object> clusterRoles;
        @JsonProperty("clusterRoleBindings") List<Object> clusterRoleBindings;
        @JsonProperty("roles") List<Object> roles;
        @JsonProperty("roleBindings") List<Object> roleBindings;
    }

    /** A held rule, narrowed to what went unused, and the binding that grants it. */
    public static final class UnusedRule {
        @JsonProperty("binding") WhoCanReviewKind.BindingReference binding;
        @JsonProperty("roleRef") RoleRef roleRef;
        @JsonProperty("rule") PolicyRule rule;
        @JsonProperty("usedVerbs") List<String> usedVerbs;
    }

    /** One distinct request, as often as it was allowed and denied. */
    public static final class ObservedRequest {
        @JsonProperty("verb") String verb;
        @JsonProperty("group") String group;
        @JsonProperty("resource") String resource;
        @JsonProperty("subresource") String subresource;
        @JsonProperty("namespace") String namespace;
        @JsonProperty("name") String name;
        @JsonProperty("path") String path;
        @JsonProperty("allowed") Long allowed;
        @JsonProperty("denied") Long denied;
        @JsonProperty("firstSeen") String firstSeen;
        @JsonProperty("lastSeen") String lastSeen;
    }
}
