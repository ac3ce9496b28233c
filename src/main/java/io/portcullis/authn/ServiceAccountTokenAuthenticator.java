package io.portcullis.authn;

import io.portcullis.tokens.InvalidTokenException;
import io.portcullis.tokens.ServiceAccountClaims;
import io.portcullis.tokens.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * ServiceAccount JWTs, legacy (secret-based) and bound (TokenRequest, projected volumes), as
 * upstream's serviceaccount authenticator. The signature, issuer, audience and time checks are
 * the {@link TokenVerifier}'s; with lookup on, this class checks that what the token names still
 * exists with the uid it was issued for: the ServiceAccount, and the Secret (legacy tokens, whose
 * stored copy must equal the token) or the bound Pod or Secret.
 * <p>
 * The user is {@code system:serviceaccount:<ns>:<name>} with the ServiceAccount's uid and groups
 * {@code system:serviceaccounts}, {@code system:serviceaccounts:<ns>}. The result depends on
 * {@code serviceaccount/<ns>/<name>} and {@code secret/..} or {@code pod/..}, so a cache drops it
 * when one of them changes.
 */
public final class ServiceAccountTokenAuthenticator implements TokenAuthenticator {
    public static final String SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";
    public static final String SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token";
    public static final String POD_NAME = "authentication.kubernetes.io/pod-name";
    public static final String POD_UID = "authentication.kubernetes.io/pod-uid";
    public static final String NODE_NAME = "authentication.kubernetes.io/node-name";
    public static final String NODE_UID = "authentication.kubernetes.io/node-uid";
    public static final String CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";
    static final String INVALID_SINCE_LABEL = "kubernetes.io/legacy-token-invalid-since";

    /** One kind of object by namespace and name, as the watch cache holds it; empty when absent. */
    @FunctionalInterface
    public interface Lookup {
        Optional<JsonNode> get(String namespace, String name);
    }

    private final TokenVerifier verifier;
    private final boolean lookup;
    private final Lookup serviceAccounts;
    private final Lookup secrets;
    private final Lookup pods;

    /** @param lookup {@code --service-account-lookup}: check the objects a token names (always done for legacy tokens' secrets when true) */
    public ServiceAccountTokenAuthenticator(TokenVerifier verifier, boolean lookup, Lookup serviceAccounts, Lookup secrets, Lookup pods) {
        this.verifier = verifier;
        this.lookup = lookup;
        this.serviceAccounts = serviceAccounts;
        this.secrets = secrets;
        this.pods = pods;
    }

    @Override
    public Optional<TokenResult> authenticateToken(String token, List<String> audiences) throws AuthenticationException {
        Optional<ServiceAccountClaims> verified;
        try {
            verified = verifier.verify(token, audiences);
        } catch (InvalidTokenException e) {
            throw new AuthenticationException(e.getMessage());
        }
        if (verified.isEmpty()) return Optional.empty();
        ServiceAccountClaims c = verified.get();
        Set<String> dependencies = new LinkedHashSet<>();
        dependencies.add(key("serviceaccount", c.namespace(), c.name()));
        if (!c.secretName().isEmpty()) dependencies.add(key("secret", c.namespace(), c.secretName()));
        if (!c.podName().isEmpty()) dependencies.add(key("pod", c.namespace(), c.podName()));
        if (lookup) {
            if (c.legacy()) checkLegacySecret(c, token.strip());
            JsonNode sa = serviceAccounts.get(c.namespace(), c.name())
                    .orElseThrow(() -> new AuthenticationException("service account " + c.namespace() + "/" + c.name() + " has been deleted"));
            if (deleting(sa)) throw new AuthenticationException("service account " + c.namespace() + "/" + c.name() + " is being deleted");
            String uid = uid(sa);
            if (!uid.equals(c.uid())) {
                throw new AuthenticationException("service account UID (" + uid + ") does not match claim (" + c.uid() + ")");
            }
            if (!c.legacy()) {
                if (!c.secretName().isEmpty()) checkBound("secret", secrets, c.namespace(), c.secretName(), c.secretUid());
                if (!c.podName().isEmpty()) checkBound("pod", pods, c.namespace(), c.podName(), c.podUid());
            }
        }
        Map<String, List<String>> extra = new LinkedHashMap<>();
        if (!c.podName().isEmpty()) {
            extra.put(POD_NAME, List.of(c.podName()));
            extra.put(POD_UID, List.of(c.podUid()));
        }
        if (!c.nodeName().isEmpty()) {
            extra.put(NODE_NAME, List.of(c.nodeName()));
            extra.put(NODE_UID, List.of(c.nodeUid()));
        }
        c.credentialId().ifPresent(id -> extra.put(CREDENTIAL_ID, List.of(id)));
        List<String> groups = List.of(SERVICE_ACCOUNTS_GROUP, SERVICE_ACCOUNTS_GROUP + ":" + c.namespace());
        UserInfo user = new UserInfo(c.username(), c.uid(), groups, extra);
        return Optional.of(new TokenResult(user, c.audiencesMatched(), dependencies));
    }

    /** The dependency key of an object: {@code <kind>/<namespace>/<name>}, kind lower-case singular. */
    public static String key(String kind, String namespace, String name) {
        return kind + "/" + namespace + "/" + name;
    }

    private void checkLegacySecret(ServiceAccountClaims c, String token) throws AuthenticationException {
        JsonNode secret = secrets.get(c.namespace(), c.secretName())
                .orElseThrow(() -> new AuthenticationException("token has been invalidated: its secret is gone"));
        if (deleting(secret)) throw new AuthenticationException("token has been invalidated: its secret is being deleted");
        if (!SERVICE_ACCOUNT_TOKEN_TYPE.equals(secret.path("type").asString(""))) {
            throw new AuthenticationException("token has been invalidated: its secret is not a service account token");
        }
        if (!secret.path("metadata").path("labels").path(INVALID_SINCE_LABEL).asString("").isEmpty()) {
            throw new AuthenticationException("token has been invalidated");
        }
        String annotated = secret.path("metadata").path("annotations").path("kubernetes.io/service-account.uid").asString("");
        if (!annotated.isEmpty() && !annotated.equals(c.uid())) {
            throw new AuthenticationException("token has been invalidated: its secret belongs to another service account");
        }
        byte[] stored;
        try {
            stored = Base64.getDecoder().decode(secret.path("data").path("token").asString(""));
        } catch (IllegalArgumentException e) {
            stored = new byte[0];
        }
        if (!MessageDigest.isEqual(stored, token.getBytes(StandardCharsets.UTF_8))) {
            throw new AuthenticationException("token does not match server's copy");
        }
    }

    private static void checkBound(String kind, Lookup objects, String namespace, String name, String uid) throws AuthenticationException {
        JsonNode o = objects.get(namespace, name)
                .orElseThrow(() -> new AuthenticationException(kind + " " + namespace + "/" + name + " has been deleted"));
        if (deleting(o)) throw new AuthenticationException(kind + " " + namespace + "/" + name + " is being deleted");
        if (!uid(o).equals(uid)) {
            throw new AuthenticationException(kind + " UID (" + uid(o) + ") does not match claim (" + uid + ")");
        }
    }

    private static boolean deleting(JsonNode o) {
        JsonNode ts = o.path("metadata").get("deletionTimestamp");
        return ts != null && !ts.isNull() && !ts.asString("").isEmpty();
    }

    private static String uid(JsonNode o) {
        return o.path("metadata").path("uid").asString("");
    }
}
