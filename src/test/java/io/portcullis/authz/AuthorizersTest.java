package io.portcullis.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Authorizer.Verdict;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AuthorizersTest {
    static final Attributes GET = Attributes.resource(UserInfo.of("alice", "system:authenticated"), "get", "", "pods", "", "ns", "p");

    static Authorizer returns(Decision d, String reason) { return a -> new Verdict(d, reason); }
    static Authorizer fails(String why) { return a -> { throw new AuthorizationException(why); }; }

    static Stream<Arguments> firstDecision() {
        return Stream.of(
                arguments("first allow wins", List.of(returns(Decision.NO_OPINION, "a"), returns(Decision.ALLOW, "ok"), returns(Decision.DENY, "no")), new Verdict(Decision.ALLOW, "ok"), null),
                arguments("first deny wins", List.of(returns(Decision.DENY, "no"), returns(Decision.ALLOW, "ok")), new Verdict(Decision.DENY, "no"), null),
                arguments("no-opinion reasons are joined", List.of(returns(Decision.NO_OPINION, "a"), returns(Decision.NO_OPINION, ""), returns(Decision.NO_OPINION, "b")), new Verdict(Decision.NO_OPINION, "a\nb"), null),
                arguments("an error does not matter when someone allows", List.of(fails("down"), returns(Decision.ALLOW, "")), new Verdict(Decision.ALLOW, ""), null),
                arguments("an error does not matter when someone denies", List.of(fails("down"), returns(Decision.DENY, "x")), new Verdict(Decision.DENY, "x"), null),
                arguments("an error with nobody deciding is rethrown", List.of(fails("down"), returns(Decision.NO_OPINION, "a")), null, "down"),
                arguments("several errors are aggregated", List.of(fails("a"), fails("b"), returns(Decision.NO_OPINION, "")), null, "[a, b]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void firstDecision(String name, List<Authorizer> chain, Verdict want, String wantError) {
        Authorizer union = Authorizers.firstDecision(chain);
        if (wantError != null) assertThatThrownBy(() -> union.authorize(GET)).isInstanceOf(AuthorizationException.class).hasMessage(wantError);
        else assertThat(union.authorize(GET)).isEqualTo(want);
    }

    @Test
    void privilegedGroupsAllowOnlyTheirMembers() {
        Authorizer masters = Authorizers.privilegedGroups("system:masters");
        assertThat(masters.authorize(GET.withUser(UserInfo.of("root", "system:masters"))).decision()).isEqualTo(Decision.ALLOW);
        assertThat(masters.authorize(GET).decision()).isEqualTo(Decision.NO_OPINION);
    }

    @Test
    void alwaysAllowAllowsAndAlwaysDenyPassesOnAsUpstream() {
        assertThat(Authorizers.alwaysAllow().authorize(GET)).isEqualTo(Verdict.allow(""));
        assertThat(Authorizers.alwaysDeny().authorize(GET)).isEqualTo(Verdict.noOpinion("Everything is forbidden."));
        assertThat(Authorizers.firstDecision(List.of(Authorizers.alwaysDeny(), Authorizers.alwaysAllow())).authorize(GET).allowed()).isTrue();
    }
}
