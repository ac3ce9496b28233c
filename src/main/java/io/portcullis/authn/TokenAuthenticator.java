package io.portcullis.authn;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A bearer-token plugin. Empty: not my kind of token. Exception: my kind, and it is bad.
 * {@code audiences} are the audiences the token must be valid for (the API audiences for a
 * request, or a TokenReview's spec.audiences); an empty list means "no audience requirement".
 */
@FunctionalInterface
public interface TokenAuthenticator {
    Optional<TokenResult> authenticateToken(String token, List<String> audiences) throws AuthenticationException;

    /**
     * Who the token names, the audiences it was found valid for, and the objects its validity
     * depends on (for example "serviceaccount/ns/name", "secret/ns/name", "pod/ns/name"), so that
     * a cache can drop it the moment one of them is deleted.
     */
    record TokenResult(UserInfo user, List<String> audiences, Set<String> dependencies) {
        public TokenResult {
            audiences = List.copyOf(audiences);
            dependencies = Set.copyOf(dependencies);
        }

        public TokenResult(UserInfo user, List<String> audiences) {
            this(user, audiences, Set.of());
        }
    }
}
