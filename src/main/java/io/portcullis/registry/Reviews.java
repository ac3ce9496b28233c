package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.portcullis.api.Json;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.authn.AuthenticationException;
import io.portcullis.authn.Groups;
import io.portcullis.authn.TokenAuthenticator;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.AccessRecorder;
import io.portcullis.authz.AuthorizationException;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.Decision;
import io.portcullis.authz.rbac.LeastPrivilege;
import io.portcullis.authz.rbac.RuleResolver;
import io.portcullis.authz.rbac.WhoCan;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The review kinds' answers, given and never stored: TokenReview and SelfSubjectReview
 * (authentication.k8s.io), SubjectAccessReview, LocalSubjectAccessReview,
 * SelfSubjectAccessReview and SelfSubjectRulesReview (authorization.k8s.io); WhoCanReview,
 * AccessMatrixReview and LeastPrivilegeReview (policy.portcullis.io, see their kinds).
 */
public final class Reviews {
    private final TokenAuthenticator tokens;
    private final List<String> apiAudiences;
    private final Authorizer authorizer;
    private final RuleResolver rules;
    private final WhoCan whoCan;
    private final List<String> authorizationModes;
    private final List<ResourceType> resources;
    private final AccessRecorder.Source records;
    private final LeastPrivilege leastPrivilege;

    /**
     * @param tokens the bearer-token plugins, for TokenReview
     * @param authorizer the server's whole chain, for the access reviews
     * @param rules RBAC's rules, for SelfSubjectRulesReview and AccessMatrixReview
     * @param whoCan RBAC read backwards, for WhoCanReview
     * @param authorizationModes --authorization-mode, which WhoCanReview states when RBAC is not alone
     * @param resources the stored kinds, the rows of AccessMatrixReview
     * @param records the requests seen (this replica's, or every replica's), and leastPrivilege reading them against RBAC, for LeastPrivilegeReview
     */
    public Reviews(TokenAuthenticator tokens, List<String> apiAudiences, Authorizer authorizer, RuleResolver rules, WhoCan whoCan,
                   List<String> authorizationModes, List<ResourceType> resources, AccessRecorder.Source records, LeastPrivilege leastPrivilege) {
        this.tokens = tokens;
        this.apiAudiences = List.copyOf(apiAudiences);
        this.authorizer = authorizer;
        this.rules = rules;
        this.whoCan = whoCan;
        this.authorizationModes = List.copyOf(authorizationModes);
        this.resources = List.copyOf(resources);
        this.records = records;
        this.leastPrivilege = leastPrivilege;
    }

    /**
     * The review, of kind {@code t} and sent by {@code requester} (in {@code namespace} for a
     * LocalSubjectAccessReview), with its status filled in; 400 or 422 when it asks nothing answerable.
     */
    public ObjectNode answer(ResourceType t, ObjectNode review, UserInfo requester, String namespace) {
        review.put("apiVersion", t.apiVersion());
        review.put("kind", t.kind());
        ObjectNode meta = review.has("metadata") && review.get("metadata").isObject() ? (ObjectNode) review.get("metadata") : review.putObject("metadata");
        meta.putNull("creationTimestamp");
        ObjectNode status = switch (t.resource()) {
            case "tokenreviews" -> tokenReview(review);
            case "selfsubjectreviews" -> selfSubjectReview(requester);
            case "subjectaccessreviews" -> accessReview(review, t, subjectOf(review, t));
            case "localsubjectaccessreviews" -> localAccessReview(review, t, namespace);
            case "selfsubjectaccessreviews" -> accessReview(review, t, requester);
            case "selfsubjectrulesreviews" -> rulesReview(review, requester);
            case "whocanreviews" -> WhoCanReviewKind.status(review, t, requester, whoCan, authorizer, authorizationModes);
            case "accessmatrixreviews" -> AccessMatrixReviewKind.status(review, t, requester, resources, authorizer, rules);
            case "leastprivilegereviews" -> LeastPrivilegeReviewKind.status(review, t, requester, records, leastPrivilege, authorizer,
                    authorizationModes, Clock.systemUTC());
            default -> throw new IllegalArgumentException("not a review kind: " + t.resource());
        };
        review.set("status", status);
        return review;
    }

    private ObjectNode tokenReview(ObjectNode review) {
        JsonNode spec = review.path("spec");
        String token = spec.path("token").asString("");
        if (token.isEmpty()) throw Statuses.badRequest("token is required for TokenReview in authentication");
        List<String> audiences = new ArrayList<>();
        for (JsonNode a : spec.path("audiences")) audiences.add(a.asString(""));
        if (audiences.isEmpty()) audiences = apiAudiences;
        ObjectNode status = Json.object();
        try {
            Optional<TokenAuthenticator.TokenResult> r = tokens.authenticateToken(token, audiences);
            if (r.isEmpty()) {
                status.put("authenticated", false);
                status.put("error", "[invalid bearer token, token lookup failed]");
                return status;
            }
            status.put("authenticated", true);
            status.set("user", userInfo(withAuthenticated(r.get().user())));
            ArrayNode auds = status.putArray("audiences");
            r.get().audiences().forEach(auds::add);
        } catch (AuthenticationException e) {
            status.put("authenticated", false);
            status.put("error", e.getMessage());
        }
        return status;
    }

    private static UserInfo withAuthenticated(UserInfo u) {
        if (u.groups().contains(Groups.SYSTEM_AUTHENTICATED)) return u;
        List<String> groups = new ArrayList<>(u.groups());
        groups.add(Groups.SYSTEM_AUTHENTICATED);
        return new UserInfo(u.name(), u.uid(), groups, u.extra());
    }

    private static ObjectNode selfSubjectReview(UserInfo user) {
        ObjectNode status = Json.object();
        status.set("userInfo", userInfo(user));
        return status;
    }

    private static ObjectNode userInfo(UserInfo u) {
        ObjectNode n = Json.object();
        n.put("username", u.name());
        if (!u.uid().isEmpty()) n.put("uid", u.uid());
        ArrayNode groups = n.putArray("groups");
        u.groups().forEach(groups::add);
        if (!u.extra().isEmpty()) {
            ObjectNode extra = n.putObject("extra");
            for (Map.Entry<String, List<String>> e : u.extra().entrySet()) {
                ArrayNode vs = extra.putArray(e.getKey());
                e.getValue().forEach(vs::add);
            }
        }
        return n;
    }

    private static UserInfo subjectOf(ObjectNode review, ResourceType t) {
        JsonNode spec = review.path("spec");
        String user = spec.path("user").asString("");
        List<String> groups = new ArrayList<>();
        for (JsonNode g : spec.path("groups")) groups.add(g.asString(""));
        if (user.isEmpty() && groups.isEmpty()) {
            throw Statuses.invalid(t.group(), t.kind(), "", List.of(FieldError.invalid("spec.user", "", "at least one of user or group must be specified")));
        }
        Map<String, List<String>> extra = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : spec.path("extra").properties()) {
            List<String> vs = new ArrayList<>();
            for (JsonNode v : e.getValue()) vs.add(v.asString(""));
            extra.put(e.getKey(), vs);
        }
        return new UserInfo(user, spec.path("uid").asString(""), groups, extra);
    }

    private ObjectNode localAccessReview(ObjectNode review, ResourceType t, String namespace) {
        JsonNode spec = review.path("spec");
        String metaNs = review.path("metadata").path("namespace").asString("");
        if (!metaNs.isEmpty() && !metaNs.equals(namespace)) {
            throw Statuses.badRequest("namespace of the provided object does not match the namespace sent on the request");
        }
        List<FieldError> errs = new ArrayList<>();
        if (spec.has("nonResourceAttributes") && !spec.get("nonResourceAttributes").isNull()) {
            errs.add(FieldError.invalid("spec.nonResourceAttributes", spec.get("nonResourceAttributes").toString(), "disallowed on this kind of request"));
        }
        JsonNode ra = spec.path("resourceAttributes");
        String raNs = ra.path("namespace").asString("");
        if (!raNs.isEmpty() && !raNs.equals(namespace)) {
            errs.add(FieldError.invalid("spec.resourceAttributes.namespace", raNs, "must match metadata.namespace"));
        }
        if (!errs.isEmpty()) throw Statuses.invalid(t.group(), t.kind(), "", errs);
        if (ra instanceof ObjectNode o) o.put("namespace", namespace);
        ((ObjectNode) review.get("metadata")).put("namespace", namespace);
        return accessReview(review, t, subjectOf(review, t));
    }

    /**
     * The request a review's spec asks about (exactly one of resourceAttributes and
     * nonResourceAttributes, else 422), for {@code subject}; {@code complete} also requires a verb,
     * and a resource or path.
     */
    static Attributes attributes(ObjectNode review, ResourceType t, UserInfo subject, boolean complete) {
        JsonNode spec = review.path("spec");
        JsonNode ra = spec.get("resourceAttributes");
        JsonNode nra = spec.get("nonResourceAttributes");
        boolean hasRa = ra != null && !ra.isNull();
        boolean hasNra = nra != null && !nra.isNull();
        if (hasRa && hasNra) {
            String rendered = "authorization.NonResourceAttributes{Path:\"%s\", Verb:\"%s\"}".formatted(
                    nra.path("path").asString(""), nra.path("verb").asString(""));
            throw Statuses.invalid(t.group(), t.kind(), "", List.of(FieldError.invalidRendered("spec.nonResourceAttributes", rendered,
                    "cannot be specified in combination with resourceAttributes")));
        }
        if (!hasRa && !hasNra) {
            throw Statuses.invalid(t.group(), t.kind(), "", List.of(new FieldError("FieldValueInvalid", "spec.resourceAttributes",
                    "spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified")));
        }
        Attributes a = hasRa
                ? new Attributes(subject, ra.path("verb").asString(""), true, ra.path("namespace").asString(""), ra.path("group").asString(""),
                        ra.path("version").asString(""), ra.path("resource").asString(""), ra.path("subresource").asString(""),
                        ra.path("name").asString(""), "")
                : Attributes.nonResource(subject, nra.path("verb").asString(""), nra.path("path").asString(""));
        if (complete) {
            String field = hasRa ? "spec.resourceAttributes" : "spec.nonResourceAttributes";
            List<FieldError> errs = new ArrayList<>();
            if (a.verb().isEmpty()) errs.add(FieldError.required(field + ".verb", ""));
            if (hasRa && a.resource().isEmpty()) errs.add(FieldError.required(field + ".resource", ""));
            if (!hasRa && a.path().isEmpty()) errs.add(FieldError.required(field + ".path", ""));
            if (!errs.isEmpty()) throw Statuses.invalid(t.group(), t.kind(), "", errs);
        }
        return a;
    }

    private ObjectNode accessReview(ObjectNode review, ResourceType t, UserInfo subject) {
        Attributes a = attributes(review, t, subject, false);
        ObjectNode status = Json.object();
        try {
            Authorizer.Verdict v = authorizer.authorize(a);
            status.put("allowed", v.decision() == Decision.ALLOW);
            if (v.decision() == Decision.DENY) status.put("denied", true);
            if (v.reason() != null && !v.reason().isEmpty()) status.put("reason", v.reason());
        } catch (AuthorizationException e) {
            status.put("allowed", false);
            status.put("evaluationError", e.getMessage());
        }
        return status;
    }

    private ObjectNode rulesReview(ObjectNode review, UserInfo user) {
        String namespace = review.path("spec").path("namespace").asString("");
        if (namespace.isEmpty()) throw Statuses.badRequest("no namespace on request");
        RuleResolver.Rules r = rules.rulesFor(user, namespace);
        ObjectNode status = Json.object();
        ArrayNode resourceRules = status.putArray("resourceRules");
        for (PolicyRule p : r.resourceRules()) {
            ObjectNode o = resourceRules.addObject();
            strings(o, "verbs", p.getVerbs());
            strings(o, "apiGroups", p.getApiGroups());
            strings(o, "resources", p.getResources());
            strings(o, "resourceNames", p.getResourceNames());
        }
        ArrayNode nonResourceRules = status.putArray("nonResourceRules");
        for (PolicyRule p : r.nonResourceRules()) {
            ObjectNode o = nonResourceRules.addObject();
            strings(o, "verbs", p.getVerbs());
            strings(o, "nonResourceURLs", p.getNonResourceURLs());
        }
        status.put("incomplete", r.incomplete());
        if (!r.evaluationError().isEmpty()) status.put("evaluationError", r.evaluationError());
        return status;
    }

    private static void strings(ObjectNode o, String field, List<String> values) {
        if (values == null || values.isEmpty()) return;
        ArrayNode a = o.putArray(field);
        values.forEach(a::add);
    }
}
