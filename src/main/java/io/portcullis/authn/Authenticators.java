package io.portcullis.authn;

import com.github.benmanes.caffeine.cache.Ticker;
import io.portcullis.authn.TokenAuthenticator.TokenResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Unions and decorators of authenticators; the chain is built from these in one place. */
public final class Authenticators {
    private Authenticators() {}

    /** First success wins; errors count only if nobody succeeds, and then all of them are reported. */
    public static Authenticator firstSuccess(List<Authenticator> chain) {
        List<Authenticator> list = List.copyOf(chain);
        if (list.size() == 1) return list.get(0);
        return credentials -> first(list, a -> a.authenticate(credentials));
    }

    /** The token form of {@link #firstSuccess}. */
    public static TokenAuthenticator firstSuccessToken(List<TokenAuthenticator> chain) {
        List<TokenAuthenticator> list = List.copyOf(chain);
        if (list.size() == 1) return list.get(0);
        return (token, audiences) -> first(list, a -> a.authenticateToken(token, audiences));
    }

    private interface Attempt<P, R> {
        Optional<R> with(P plugin) throws AuthenticationException;
    }

    private static <P, R> Optional<R> first(List<P> plugins, Attempt<P, R> attempt) throws AuthenticationException {
        List<AuthenticationException> errors = new ArrayList<>();
        for (P p : plugins) {
            try {
                Optional<R> result = attempt.with(p);
                if (result.isPresent()) return result;
            } catch (AuthenticationException e) {
                errors.add(e);
            }
        }
        if (errors.isEmpty()) return Optional.empty();
        throw AuthenticationException.aggregate(errors);
    }

    /**
     * Reads {@code Authorization: Bearer <token>} and asks the token plugins, with the API
     * audiences. Another scheme is not ours (empty). As upstream, a bearer token that no plugin
     * recognises is an error ("invalid bearer token"), never an anonymous request.
     */
    public static Authenticator bearer(TokenAuthenticator tokens, List<String> apiAudiences) {
        List<String> audiences = List.copyOf(apiAudiences);
        return credentials -> {
            Optional<String> token = credentials.bearerToken();
            if (token.isEmpty()) return Optional.empty();
            Optional<TokenResult> result = tokens.authenticateToken(token.get(), audiences);
            if (result.isEmpty()) throw new AuthenticationException("invalid bearer token");
            return Optional.of(result.get().user());
        };
    }

    /**
     * Makes a plugin that knows nothing of audiences safe to use with them, as upstream's
     * audience-agnostic wrapper: when audiences are requested, the token counts only if they
     * meet the implicit (API) audiences, and the result carries that intersection.
     */
    public static TokenAuthenticator audienceAgnostic(List<String> implicitAudiences, TokenAuthenticator delegate) {
        List<String> implicit = List.copyOf(implicitAudiences);
        return (token, audiences) -> {
            if (audiences.isEmpty()) return delegate.authenticateToken(token, audiences);
            List<String> both = implicit.stream().filter(audiences::contains).distinct().toList();
            if (both.isEmpty()) return Optional.empty();
            Optional<TokenResult> result = delegate.authenticateToken(token, audiences);
            return result.map(r -> new TokenResult(r.user(), both, r.dependencies()));
        };
    }

    /**
     * Adds {@code system:authenticated} once, as upstream's AuthenticatedGroupAdder: not to
     * {@code system:anonymous}, and not when the user already has system:authenticated or
     * system:unauthenticated.
     */
    public static Authenticator withAuthenticatedGroup(Authenticator delegate) {
        return credentials -> delegate.authenticate(credentials).map(Authenticators::addAuthenticatedGroup);
    }

    static UserInfo addAuthenticatedGroup(UserInfo user) {
        if (user.name().equals(Groups.ANONYMOUS_USER)) return user;
        for (String g : user.groups()) {
            if (g.equals(Groups.SYSTEM_AUTHENTICATED) || g.equals(Groups.SYSTEM_UNAUTHENTICATED)) return user;
        }
        List<String> groups = new ArrayList<>(user.groups().size() + 1);
        groups.addAll(user.groups());
        groups.add(Groups.SYSTEM_AUTHENTICATED);
        return new UserInfo(user.name(), user.uid(), groups, user.extra());
    }

    /**
     * Anonymous only when nobody objected, as upstream's fail-on-error union: an error (a bad
     * token, an unverifiable certificate, a malformed header) propagates and is never anonymous.
     * A request whose credentials no plugin claims (none at all, an Authorization scheme nobody
     * handles, a client certificate without a CN) becomes anonymous, as in kube-apiserver.
     */
    public static Authenticator orElseAnonymous(Authenticator delegate) {
        AnonymousAuthenticator anonymous = new AnonymousAuthenticator();
        return credentials -> {
            Optional<UserInfo> user = delegate.authenticate(credentials);
            if (user.isPresent()) return user;
            return anonymous.authenticate(credentials);
        };
    }

    /**
     * A cache in front of a token plugin: successes live {@code successTtl}, failures (not mine,
     * or an error) {@code failureTtl}. Keys are an HMAC of audiences and token under a random
     * per-process key, never the token itself.
     */
    public static CachedTokenAuthenticator cached(TokenAuthenticator delegate, Duration successTtl, Duration failureTtl,
                                                  long maximumSize, Ticker ticker) {
        return new CachedTokenAuthenticator(delegate, successTtl, failureTtl, maximumSize, ticker);
    }

    /** {@link #cached(TokenAuthenticator, Duration, Duration, long, Ticker)} with 10 s / 1 s, 10 000 entries, the system ticker. */
    public static CachedTokenAuthenticator cached(TokenAuthenticator delegate) {
        return cached(delegate, Duration.ofSeconds(10), Duration.ofSeconds(1), 10_000, Ticker.systemTicker());
    }
}
