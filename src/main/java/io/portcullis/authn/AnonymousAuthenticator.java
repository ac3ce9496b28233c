package io.portcullis.authn;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every request is {@code system:anonymous} in {@code system:unauthenticated}; see {@link Authenticators#orElseAnonymous}. */
public final class AnonymousAuthenticator implements Authenticator {
    public static final UserInfo ANONYMOUS =
            new UserInfo(Groups.ANONYMOUS_USER, "", List.of(Groups.SYSTEM_UNAUTHENTICATED), Map.of());

    @Override
    public Optional<UserInfo> authenticate(Credentials credentials) {
        return Optional.of(ANONYMOUS);
    }
}
