package io.portcullis.tokens;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a bound (TokenRequest) token is issued for. At most one of pod and secret; a node only
 * alone or with a pod, as upstream. {@code warnAfter}, when set, is written as
 * {@code kubernetes.io.warnafter} = issue time + warnAfter (the 3607-second extension).
 */
public record BoundToken(String namespace, String serviceAccountName, String serviceAccountUid,
                         List<String> audiences, Duration expiration,
                         Optional<ObjectRef> pod, Optional<ObjectRef> secret, Optional<ObjectRef> node,
                         Optional<Duration> warnAfter) {
    /** A bound object: name and uid. */
    public record ObjectRef(String name, String uid) {
        public ObjectRef {
            if (name == null || name.isEmpty() || uid == null || uid.isEmpty()) {
                throw new IllegalArgumentException("a bound object reference needs a name and a uid");
            }
        }
    }

    public BoundToken {
        if (namespace == null || namespace.isEmpty()) throw new IllegalArgumentException("namespace is required");
        if (serviceAccountName == null || serviceAccountName.isEmpty()) throw new IllegalArgumentException("serviceAccountName is required");
        if (serviceAccountUid == null || serviceAccountUid.isEmpty()) throw new IllegalArgumentException("serviceAccountUid is required");
        audiences = List.copyOf(audiences);
        if (expiration == null || expiration.isNegative() || expiration.isZero()) throw new IllegalArgumentException("expiration must be positive");
        if (pod.isPresent() && secret.isPresent()) throw new IllegalArgumentException("a token binds to a pod or a secret, not both");
        if (node.isPresent() && secret.isPresent()) throw new IllegalArgumentException("a token binds to a node only alone or with a pod");
    }

    public static BoundToken of(String namespace, String serviceAccountName, String serviceAccountUid,
                                List<String> audiences, Duration expiration) {
        return new BoundToken(namespace, serviceAccountName, serviceAccountUid, audiences, expiration,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    public BoundToken withPod(String name, String uid) {
        return new BoundToken(namespace, serviceAccountName, serviceAccountUid, audiences, expiration,
                Optional.of(new ObjectRef(name, uid)), secret, node, warnAfter);
    }

    public BoundToken withSecret(String name, String uid) {
        return new BoundToken(namespace, serviceAccountName, serviceAccountUid, audiences, expiration,
                pod, Optional.of(new ObjectRef(name, uid)), node, warnAfter);
    }

    public BoundToken withNode(String name, String uid) {
        return new BoundToken(namespace, serviceAccountName, serviceAccountUid, audiences, expiration,
                pod, secret, Optional.of(new ObjectRef(name, uid)), warnAfter);
    }

    public BoundToken withExpiration(Duration lifetime) {
        return new BoundToken(namespace, serviceAccountName, serviceAccountUid, audiences, lifetime, pod, secret, node, warnAfter);
    }

    public BoundToken withWarnAfter(Duration after) {
        return new BoundToken(namespace, serviceAccountName, serviceAccountUid, audiences, expiration,
                pod, secret, node, Optional.of(after));
    }
}
