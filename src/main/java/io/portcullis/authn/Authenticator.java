package io.portcullis.authn;

import java.util.Optional;

/** Who is calling. Empty: no credential of my kind. Exception: my kind, and it is bad (401). */
@FunctionalInterface
public interface Authenticator {
    Optional<UserInfo> authenticate(Credentials credentials) throws AuthenticationException;
}
