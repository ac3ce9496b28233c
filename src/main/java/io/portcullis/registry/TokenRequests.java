package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.authentication.BoundObjectReference;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.portcullis.api.GroupResource;
import io.portcullis.api.Json;
import io.portcullis.api.Statuses;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.storage.cache.Item;
import io.portcullis.tokens.BoundToken;
import io.portcullis.tokens.TokenSigner;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST .../namespaces/<ns>/serviceaccounts/<name>/token}: a bound token for the service
 * account, as upstream's TokenRequest REST: expirationSeconds defaults to 3600, must be at least
 * 600 and at most 2^32, is shortened to {@code --service-account-max-token-expiration} with a
 * warning; a bound Pod or Secret must exist (and match the uid given); a pod-bound token of 3607
 * seconds for the API audiences lives a year when extension is on. Nothing is stored.
 */
public final class TokenRequests implements SubresourceHandler {
    static final String GROUP = "authentication.k8s.io";
    static final String KIND = "TokenRequest";
    static final long DEFAULT_SECONDS = 3600;
    static final long MIN_SECONDS = 600;
    static final long MAX_SECONDS = 1L << 32;
    static final long WARN_ONLY_SECONDS = 3607;
    static final Duration EXTENDED = Duration.ofDays(365);

    private final TokenSigner signer;
    private final List<String> apiAudiences;
    private final Duration maxExpiration;
    private final boolean extendExpiration;
    private final Clock clock;

    /** @param maxExpiration {@code --service-account-max-token-expiration}, or null for no cap */
    public TokenRequests(TokenSigner signer, List<String> apiAudiences, Duration maxExpiration, boolean extendExpiration, Clock clock) {
        this.signer = signer;
        this.apiAudiences = List.copyOf(apiAudiences);
        this.maxExpiration = maxExpiration;
        this.extendExpiration = extendExpiration;
        this.clock = clock;
    }

    /** The body has been checked against the TokenRequest schema; it is answered with its status filled. */
    @Override
    public ObjectNode create(ObjectStore objects, Context ctx, String namespace, String name, ObjectNode body, Consumer<String> warn) {
        TokenRequest request = Json.convert(body, TokenRequest.class);
        validate(request, namespace, name);
        Item sa = objects.get(objects.strategy("", "serviceaccounts"), namespace, name);
        List<String> asked = request.getSpec() == null || request.getSpec().getAudiences() == null ? List.of()
                // as Go decodes a null into a string: the empty audience
                : request.getSpec().getAudiences().stream().map(a -> a == null ? "" : a).toList();
        List<String> audiences = asked.isEmpty() ? apiAudiences : asked;
        BoundObjectReference ref = request.getSpec() == null ? null : request.getSpec().getBoundObjectRef();
        BoundToken token = bind(objects, BoundToken.of(namespace, name, ApiObjects.meta(sa.object(), "uid"), audiences, Duration.ofSeconds(1)), ref);
        long seconds = expirationSeconds(request);
        if (maxExpiration != null && !maxExpiration.isZero() && seconds > maxExpiration.toSeconds()) {
            warn.accept("requested expiration of " + seconds + " seconds shortened to " + maxExpiration.toSeconds() + " seconds");
            seconds = maxExpiration.toSeconds();
        }
        return issue(token, seconds, body.path("spec").get("boundObjectRef"));
    }

    private static long expirationSeconds(TokenRequest request) {
        Long e = request.getSpec() == null ? null : request.getSpec().getExpirationSeconds();
        return e == null ? DEFAULT_SECONDS : e;
    }

    /** The request's own errors: its name and namespace, if given, are the account's; its expiration in range. */
    private static void validate(TokenRequest request, String namespace, String name) {
        String bodyName = request.getMetadata() == null ? null : request.getMetadata().getName();
        String bodyNs = request.getMetadata() == null ? null : request.getMetadata().getNamespace();
        if (bodyName != null && !bodyName.isEmpty() && !bodyName.equals(name)) {
            throw Statuses.invalid(GROUP, KIND, name, List.of(FieldError.invalid("metadata.name", bodyName,
                    "must match the service account name if specified")));
        }
        if (bodyNs != null && !bodyNs.isEmpty() && !bodyNs.equals(namespace)) {
            throw Statuses.invalid(GROUP, KIND, name, List.of(FieldError.invalid("metadata.namespace", bodyNs,
                    "must match the service account namespace if specified")));
        }
        long seconds = expirationSeconds(request);
        List<FieldError> errs = new ArrayList<>();
        if (seconds < MIN_SECONDS) errs.add(FieldError.invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes"));
        if (seconds > MAX_SECONDS) errs.add(FieldError.invalid("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds"));
        if (!errs.isEmpty()) throw Statuses.invalid(GROUP, KIND, "", errs);
    }

    /** Binds the token to the Pod or Secret the reference names, which must exist (with the uid given) and, for a Pod, run as the account. */
    private static BoundToken bind(ObjectStore objects, BoundToken token, BoundObjectReference ref) {
        if (ref == null) return token;
        String kind = text(ref.getKind());
        String refVersion = text(ref.getApiVersion());
        String refName = text(ref.getName());
        String refUid = text(ref.getUid());
        String group = refVersion.contains("/") ? refVersion.substring(0, refVersion.indexOf('/')) : "";
        String version = refVersion.contains("/") ? refVersion.substring(refVersion.indexOf('/') + 1) : refVersion;
        String resource = switch (group.isEmpty() ? kind : "") {
            case "Pod" -> "pods";
            case "Secret" -> "secrets";
            case "Node" -> "nodes";
            default -> throw Statuses.badRequest("cannot bind token to object of type " + group + "/" + version + ", Kind=" + kind);
        };
        if (resource.equals("nodes")) throw Statuses.notFound(GroupResource.core("nodes"), refName);
        if (refName.isEmpty()) throw Statuses.notFound(GroupResource.core(resource), refName);
        Item bound = objects.get(objects.strategy("", resource), token.namespace(), refName);
        String uid = ApiObjects.meta(bound.object(), "uid");
        boolean pod = resource.equals("pods");
        if (pod && !token.serviceAccountName().equals(bound.object().path("spec").path("serviceAccountName").asString(""))) {
            throw Statuses.badRequest("cannot bind token for serviceaccount \"" + token.serviceAccountName()
                    + "\" to pod running with different serviceaccount name.");
        }
        if (!refUid.isEmpty() && !refUid.equals(uid)) {
            throw Statuses.conflict(new GroupResource(group, kind), refName, "the UID in the bound object reference (" + refUid
                    + ") does not match the UID in record. The object might have been deleted and then recreated");
        }
        return pod ? token.withPod(refName, uid) : token.withSecret(refName, uid);
    }

    /** Signs the token and answers the TokenRequest with it, as upstream shapes the answer. */
    private ObjectNode issue(BoundToken token, long seconds, tools.jackson.databind.JsonNode ref) {
        Duration lifetime = Duration.ofSeconds(seconds);
        BoundToken signed = token.withExpiration(lifetime);
        if (extendExpiration && token.pod().isPresent() && seconds == WARN_ONLY_SECONDS && apiAudiences.containsAll(token.audiences())) {
            signed = token.withWarnAfter(lifetime).withExpiration(EXTENDED);
        }
        String jwt = signer.issueBound(signed);
        ObjectNode out = Json.object();
        out.put("kind", KIND);
        out.put("apiVersion", GROUP + "/v1");
        ObjectNode m = out.putObject("metadata");
        m.put("name", token.serviceAccountName());
        m.put("namespace", token.namespace());
        m.putNull("creationTimestamp");
        ObjectNode spec = out.putObject("spec");
        ArrayNode audiences = spec.putArray("audiences");
        token.audiences().forEach(audiences::add);
        spec.put("expirationSeconds", seconds);
        if (ref != null && ref.isObject()) spec.set("boundObjectRef", ref.deepCopy());
        else spec.putNull("boundObjectRef");
        ObjectNode status = out.putObject("status");
        status.put("token", jwt);
        status.put("expirationTimestamp", clock.instant().plusSeconds(seconds).truncatedTo(ChronoUnit.SECONDS).toString());
        return out;
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }
}
