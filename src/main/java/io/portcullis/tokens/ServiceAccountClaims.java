package io.portcullis.tokens;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a verified ServiceAccount token says. Absent references are empty strings (a legacy token
 * has a secret name but no secret uid; only bound tokens have a jti and an expiry).
 *
 * @param audiencesMatched the token's audiences that the caller accepted (for a token without
 *                         aud, the API audiences that were requested)
 * @param legacy           true for a secret-based token (issuer {@code kubernetes/serviceaccount})
 */
public record ServiceAccountClaims(String namespace, String name, String uid,
                                   String podName, String podUid, String secretName, String secretUid,
                                   String jti, List<String> audiencesMatched, Optional<Instant> expiry, boolean legacy,
                                   String nodeName, String nodeUid, Optional<Instant> warnAfter) {
    public static final String USERNAME_PREFIX = "system:serviceaccount:";

    public ServiceAccountClaims {
        namespace = orEmpty(namespace);
        name = orEmpty(name);
        uid = orEmpty(uid);
        podName = orEmpty(podName);
        podUid = orEmpty(podUid);
        secretName = orEmpty(secretName);
        secretUid = orEmpty(secretUid);
        jti = orEmpty(jti);
        nodeName = orEmpty(nodeName);
        nodeUid = orEmpty(nodeUid);
        audiencesMatched = List.copyOf(audiencesMatched);
        expiry = expiry == null ? Optional.empty() : expiry;
        warnAfter = warnAfter == null ? Optional.empty() : warnAfter;
    }

    public ServiceAccountClaims(String namespace, String name, String uid, String podName, String podUid,
                                String secretName, String secretUid, String jti, List<String> audiencesMatched,
                                Optional<Instant> expiry, boolean legacy) {
        this(namespace, name, uid, podName, podUid, secretName, secretUid, jti, audiencesMatched, expiry, legacy,
                "", "", Optional.empty());
    }

    /** {@code system:serviceaccount:<namespace>:<name>}. */
    public String username() {
        return USERNAME_PREFIX + namespace + ":" + name;
    }

    /** {@code JTI=<jti>} for the credential-id user extra, or empty for tokens without a jti. */
    public Optional<String> credentialId() {
        return jti.isEmpty() ? Optional.empty() : Optional.of("JTI=" + jti);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
