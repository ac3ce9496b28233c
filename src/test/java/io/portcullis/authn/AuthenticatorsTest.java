package io.portcullis.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.portcullis.authn.TokenAuthenticator.TokenResult;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AuthenticatorsTest {
    static final UserInfo ALICE = UserInfo.of("alice", "devs");
    static final UserInfo BOB = UserInfo.of("bob");

    static Authenticator returns(UserInfo u) { return c -> Optional.of(u); }
    static Authenticator notMine() { return c -> Optional.empty(); }
    static Authenticator fails(String why) { return c -> { throw new AuthenticationException(why); }; }

    static Stream<Arguments> firstSuccess() {
        return Stream.of(
                arguments("first passes", List.of(returns(ALICE), returns(BOB)), ALICE, null),
                arguments("an error, then success", List.of(fails("expired"), returns(BOB)), BOB, null),
                arguments("not mine, then success", List.of(notMine(), returns(BOB)), BOB, null),
                arguments("nobody applies", List.of(notMine(), notMine()), null, null),
                arguments("a lone error is reported", List.of(notMine(), fails("bad")), null, "bad"),
                arguments("all errors are reported", List.of(fails("a"), notMine(), fails("b")), null, "a; b"));
    }

    @ParameterizedTest(name = "{0}") @MethodSource
    void firstSuccess(String name, List<Authenticator> chain, UserInfo want, String wantError) throws Exception {
        Authenticator a = Authenticators.firstSuccess(chain);
        if (wantError != null) {
            assertThatThrownBy(() -> a.authenticate(Credentials.none())).isInstanceOf(AuthenticationException.class).hasMessage(wantError);
        } else {
            assertThat(a.authenticate(Credentials.none())).isEqualTo(Optional.ofNullable(want));
        }
    }

    static TokenAuthenticator tokenIs(String expected, UserInfo u) {
        return (t, aud) -> t.equals(expected) ? Optional.of(new TokenResult(u, aud)) : Optional.empty();
    }

    static Stream<Arguments> bearerAndAnonymous() {
        TokenAuthenticator tokens = Authenticators.firstSuccessToken(List.of(
                tokenIs("alice-token", ALICE),
                (t, aud) -> { if (t.startsWith("jwt.")) throw new AuthenticationException("bad jwt"); return Optional.empty(); },
                tokenIs("bob-token", BOB)));
        Authenticator chain = Authenticators.orElseAnonymous(Authenticators.withAuthenticatedGroup(
                Authenticators.bearer(tokens, List.of("https://kubernetes.default.svc"))));
        return Stream.of(
                arguments("a known token", chain, headers("Bearer alice-token"), "alice", List.of("devs", Groups.SYSTEM_AUTHENTICATED), null),
                arguments("the scheme is case-insensitive", chain, headers("bEaReR bob-token"), "bob", List.of(Groups.SYSTEM_AUTHENTICATED), null),
                arguments("no credential is anonymous", chain, headers(), Groups.ANONYMOUS_USER, List.of(Groups.SYSTEM_UNAUTHENTICATED), null),
                arguments("an unknown scheme is ignored, so anonymous", chain, headers("Digest abc"), Groups.ANONYMOUS_USER, List.of(Groups.SYSTEM_UNAUTHENTICATED), null),
                arguments("an unknown token is a 401, not anonymous", chain, headers("Bearer nobody"), null, null, "invalid bearer token"),
                arguments("a bad token of a known kind is a 401", chain, headers("Bearer jwt.x.y"), null, null, "bad jwt"),
                // a bearer header that leaves the token empty is refused, never anonymous and never the token's user
                arguments("two spaces before a good token: 401, never its user", chain, headers("Bearer  alice-token"), null, null,
                        "invalid bearer Authorization header: empty token"),
                arguments("an empty bearer token is a 401", chain, headers("Bearer "), null, null, "invalid bearer Authorization header: empty token"),
                arguments("a bare scheme is a 401", chain, headers("Bearer"), null, null, "invalid bearer Authorization header: empty token"),
                arguments("words after the token are ignored", chain, headers("Bearer alice-token bob-token"), "alice",
                        List.of("devs", Groups.SYSTEM_AUTHENTICATED), null),
                arguments("an unknown token before others is a 401", chain, headers("Bearer nobody alice-token"), null, null, "invalid bearer token"),
                arguments("two Authorization headers are a 401", chain, headers("Bearer alice-token", "Bearer bob-token"), null, null,
                        "more than one Authorization header"));
    }

    static Credentials headers(String... values) { return new Credentials(List.of(), List.of(values)); }

    @ParameterizedTest(name = "{0}") @MethodSource
    void bearerAndAnonymous(String name, Authenticator chain, Credentials credentials, String wantUser, List<String> wantGroups, String wantError) throws Exception {
        if (wantError != null) {
            assertThatThrownBy(() -> chain.authenticate(credentials)).isInstanceOf(AuthenticationException.class).hasMessageContaining(wantError);
            return;
        }
        UserInfo u = chain.authenticate(credentials).orElseThrow();
        assertThat(u.name()).isEqualTo(wantUser);
        assertThat(u.groups()).isEqualTo(wantGroups);
    }

    static Stream<Arguments> groupAdder() {
        return Stream.of(
                arguments("added once", List.of("devs"), "alice", List.of("devs", Groups.SYSTEM_AUTHENTICATED)),
                arguments("not added twice", List.of(Groups.SYSTEM_AUTHENTICATED, "devs"), "alice", List.of(Groups.SYSTEM_AUTHENTICATED, "devs")),
                arguments("not added beside system:unauthenticated", List.of(Groups.SYSTEM_UNAUTHENTICATED), "alice", List.of(Groups.SYSTEM_UNAUTHENTICATED)),
                arguments("not added to system:anonymous", List.of(), Groups.ANONYMOUS_USER, List.of()));
    }

    @ParameterizedTest(name = "{0}") @MethodSource
    void groupAdder(String name, List<String> groups, String user, List<String> want) throws Exception {
        UserInfo u = new UserInfo(user, "u1", groups, Map.of("k", List.of("v")));
        UserInfo got = Authenticators.withAuthenticatedGroup(returns(u)).authenticate(Credentials.none()).orElseThrow();
        assertThat(got.groups()).isEqualTo(want);
        assertThat(got.uid()).isEqualTo("u1");
        assertThat(got.extra()).isEqualTo(u.extra());
    }

    @Test
    void badCredentialIsNeverTreatedAsAnonymous() {
        Authenticator chain = Authenticators.orElseAnonymous(fails("certificate signed by unknown authority"));
        assertThatThrownBy(() -> chain.authenticate(Credentials.bearer("x"))).isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> chain.authenticate(Credentials.none())).isInstanceOf(AuthenticationException.class);
    }

    static Stream<Arguments> audienceAgnostic() {
        return Stream.of(
                arguments("no audiences requested: passes, none claimed", List.of(), Optional.of(List.of())),
                arguments("an API audience requested: that one", List.of("api", "other"), Optional.of(List.of("api"))),
                arguments("only foreign audiences: not ours", List.of("other"), Optional.empty()));
    }

    @ParameterizedTest(name = "{0}") @MethodSource
    void audienceAgnostic(String name, List<String> requested, Optional<List<String>> want) throws Exception {
        TokenAuthenticator plain = (t, aud) -> Optional.of(new TokenResult(ALICE, aud));
        TokenAuthenticator wrapped = Authenticators.audienceAgnostic(List.of("api", "api2"), plain);
        assertThat(wrapped.authenticateToken("t", requested).map(TokenResult::audiences)).isEqualTo(want);
    }
}
