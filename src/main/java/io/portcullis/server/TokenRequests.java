package io.portcullis.server;

import io.portcullis.api.GroupResource;
import io.portcullis.api.Json;
import io.portcullis.api.Statuses;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.authn.UserInfo;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import io.portcullis.request.RequestInfo;
import io.portcullis.storage.cache.Item;
import io.portcullis.tokens.BoundToken;
import io.portcullis.tokens.TokenSigner;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token}: a bound token for the
 * service account, as upstream's TokenRequest REST: expirationSeconds defaults to 3600, must be
 * at least 600 and at most 2^32, is shortened to {@code --service-account-max-token-expiration}
 * with a warning; a bound Pod or Secret must exist (and match the uid given); a pod-bound token of
 * 3607 seconds for the API audiences lives a year when extension is on. Nothing is stored.
 */
final class TokenRequests implements Route.Handler {
    static final String GROUP = "authentication.k8s.io";
    static final String API_VERSION = GROUP + "/v1";
    static final String KIND = "TokenRequest";
    static final long DEFAULT_SECONDS = 3600;
    static final long MIN_SECONDS = 600;
    static final long MAX_SECONDS = 1L << 32;
    static final long WARN_ONLY_SECONDS = 3607;
    static final Duration EXTENDED = Duration.ofDays(365);

    private final ObjectStore objects;
    private final TokenSigner signer;
    private final List<String> apiAudiences;
    private final Duration maxExpiration;
    private final boolean extendExpiration;
    private final Clock clock;

    /** @param maxExpiration {@code --service-account-max-token-expiration}, or null for no cap */
    TokenRequests(ObjectStore objects, TokenSigner signer, List<String> apiAudiences, Duration maxExpiration,
                  boolean extendExpiration, Clock clock) {
        this.objects = objects;
        this.signer = signer;
        this.apiAudiences = List.copyOf(apiAudiences);
        this.maxExpiration = maxExpiration;
        this.extendExpiration = extendExpiration;
        this.clock = clock;
    }

    @Override
    public void serve(Exchange ex, RequestInfo info, UserInfo user) {
        ObjectNode req = Bodies.parse(ex.header("Content-Type"), ex.body());
        ObjectNode out = create(info.namespace(), info.name(), req, ex::warn);
        ex.respond(201, Json.bytes(out));
    }

    /** The TokenRequest answered, status filled; warnings go to {@code warn}. */
    ObjectNode create(String namespace, String name, ObjectNode req, java.util.function.Consumer<String> warn) {
        String apiVersion = Json.text(req, "apiVersion");
        String kind = Json.text(req, "kind");
        if (!apiVersion.isEmpty() && !apiVersion.equals(API_VERSION)) {
            throw Statuses.badRequest("the API version in the data (" + apiVersion + ") does not match the expected API version (" + API_VERSION + ")");
        }
        if (!kind.isEmpty() && !kind.equals(KIND)) {
            throw Statuses.badRequest("the kind in the data (" + kind + ") does not match the expected kind (" + KIND + ")");
        }
        JsonNode meta = req.path("metadata");
        String bodyName = text(meta, "name");
        String bodyNs = text(meta, "namespace");
        if (!bodyName.isEmpty() && !bodyName.equals(name)) {
            throw Statuses.invalid(GROUP, KIND, name, List.of(FieldError.invalid("metadata.name", bodyName,
                    "must match the service account name if specified")));
        }
        if (!bodyNs.isEmpty() && !bodyNs.equals(namespace)) {
            throw Statuses.invalid(GROUP, KIND, name, List.of(FieldError.invalid("metadata.namespace", bodyNs,
                    "must match the service account namespace if specified")));
        }
        JsonNode spec = req.path("spec");
        List<String> audiences = new ArrayList<>();
        JsonNode auds = spec.get("audiences");
        if (auds != null && !auds.isNull()) {
            if (!auds.isArray()) throw undecodable("spec.audiences: expected an array of strings");
            for (JsonNode a : auds) {
                if (!a.isString()) throw undecodable("spec.audiences: expected an array of strings");
                audiences.add(a.asString());
            }
        }
        long seconds = DEFAULT_SECONDS;
        JsonNode exp = spec.get("expirationSeconds");
        if (exp != null && !exp.isNull()) {
            if (!exp.isIntegralNumber() || !exp.canConvertToLong()) throw undecodable("spec.expirationSeconds: expected an integer");
            seconds = exp.asLong();
        }
        JsonNode ref = spec.get("boundObjectRef");
        if (ref != null && !ref.isNull() && !ref.isObject()) throw undecodable("spec.boundObjectRef: expected an object");

        Strategy serviceAccounts = objects.strategy("", "serviceaccounts");
        Item sa = objects.get(serviceAccounts, namespace, name);
        if (audiences.isEmpty()) audiences.addAll(apiAudiences);

        List<FieldError> errs = new ArrayList<>();
        if (seconds < MIN_SECONDS) errs.add(FieldError.invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes"));
        if (seconds > MAX_SECONDS) errs.add(FieldError.invalid("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds"));
        if (!errs.isEmpty()) throw Statuses.invalid(GROUP, KIND, "", errs);

        String saUid = sa.object().path("metadata").path("uid").asString("");
        BoundToken token = BoundToken.of(namespace, name, saUid, audiences, Duration.ofSeconds(1));
        boolean podBound = false;
        if (ref != null && ref.isObject()) {
            String refKind = text(ref, "kind");
            String refVersion = text(ref, "apiVersion");
            String refName = text(ref, "name");
            String refUid = text(ref, "uid");
            String group = refVersion.contains("/") ? refVersion.substring(0, refVersion.indexOf('/')) : "";
            String version = refVersion.contains("/") ? refVersion.substring(refVersion.indexOf('/') + 1) : refVersion;
            String resource = switch (group.isEmpty() ? refKind : "") {
                case "Pod" -> "pods";
                case "Secret" -> "secrets";
                case "Node" -> "nodes";
                default -> throw Statuses.badRequest("cannot bind token to object of type " + (group.isEmpty() ? "" : group) + "/" + version
                        + ", Kind=" + refKind);
            };
            if (resource.equals("nodes")) throw Statuses.notFound(GroupResource.core("nodes"), refName);
            if (refName.isEmpty()) throw Statuses.notFound(GroupResource.core(resource), refName);
            Item bound = objects.get(objects.strategy("", resource), namespace, refName);
            String uid = bound.object().path("metadata").path("uid").asString("");
            if (resource.equals("pods")) {
                String podSa = bound.object().path("spec").path("serviceAccountName").asString("");
                if (!name.equals(podSa)) {
                    throw Statuses.badRequest("cannot bind token for serviceaccount \"" + name + "\" to pod running with different serviceaccount name.");
                }
            }
            if (!refUid.isEmpty() && !refUid.equals(uid)) {
                throw Statuses.conflict(new GroupResource(group, refKind), refName, "the UID in the bound object reference (" + refUid
                        + ") does not match the UID in record. The object might have been deleted and then recreated");
            }
            if (resource.equals("pods")) {
                token = token.withPod(refName, uid);
                podBound = true;
            } else {
                token = token.withSecret(refName, uid);
            }
        }
        if (maxExpiration != null && !maxExpiration.isZero() && seconds > maxExpiration.toSeconds()) {
            warn.accept("requested expiration of " + seconds + " seconds shortened to " + maxExpiration.toSeconds() + " seconds");
            seconds = maxExpiration.toSeconds();
        }
        Duration lifetime = Duration.ofSeconds(seconds);
        if (extendExpiration && podBound && seconds == WARN_ONLY_SECONDS && apiAudiences.containsAll(audiences)) {
            token = token.withWarnAfter(lifetime);
            lifetime = EXTENDED;
        }
        Instant now = clock.instant();
        String jwt = signer.issueBound(new BoundToken(token.namespace(), token.serviceAccountName(), token.serviceAccountUid(),
                token.audiences(), lifetime, token.pod(), token.secret(), token.node(), token.warnAfter()));

        ObjectNode out = Json.object();
        out.put("kind", KIND);
        out.put("apiVersion", API_VERSION);
        ObjectNode m = out.putObject("metadata");
        m.put("name", name);
        m.put("namespace", namespace);
        m.putNull("creationTimestamp");
        ObjectNode s = out.putObject("spec");
        ArrayNode a = s.putArray("audiences");
        audiences.forEach(a::add);
        s.put("expirationSeconds", seconds);
        if (ref != null && ref.isObject()) s.set("boundObjectRef", ref.deepCopy());
        else s.putNull("boundObjectRef");
        ObjectNode st = out.putObject("status");
        st.put("token", jwt);
        st.put("expirationTimestamp", now.plusSeconds(seconds).truncatedTo(ChronoUnit.SECONDS).toString());
        return out;
    }

    private static io.portcullis.api.ApiException undecodable(String why) {
        return Statuses.badRequest(KIND + " in version \"v1\" cannot be handled as a " + KIND + ": " + why);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.asString("");
    }
}
