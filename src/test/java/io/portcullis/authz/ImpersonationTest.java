package io.portcullis.authz;

import io.portcullis.authn.UserInfo;
import io.portcullis.authn.Groups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.portcullis.api.ApiException;
import io.portcullis.authz.Authorizer.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Mirrors the cases of upstream's impersonation_test.go. */
class ImpersonationTest {
    /** The policy of upstream's test authorizer. */
    static final Authorizer POLICY = a -> {
        UserInfo u = a.user();
        if (u.name().equals("system:admin")) return Verdict.allow("");
        if (u.groups().contains("wheel") && a.verb().equals("impersonate") && a.resource().equals("users")) return Verdict.allow("");
        if (u.groups().contains("sa-impersonater") && a.verb().equals("impersonate") && a.resource().equals("serviceaccounts")) return Verdict.allow("");
        if (u.groups().contains("regular-impersonater") && a.verb().equals("impersonate") && a.resource().equals("users")) return Verdict.allow("");
        if (u.groups().contains("group-impersonater") && a.verb().equals("impersonate") && a.resource().equals("groups")) return Verdict.allow("");
        if (u.groups().contains("extra-setter-scopes") && a.verb().equals("impersonate") && a.resource().equals("userextras")
                && a.subresource().equals("scopes")) return Verdict.allow("");
        if (u.groups().contains("extra-setter-particular-scopes") && a.verb().equals("impersonate") && a.resource().equals("userextras")
                && a.subresource().equals("scopes") && a.name().equals("scope-a")) return Verdict.allow("");
        if (u.groups().contains("extra-setter-project") && a.verb().equals("impersonate") && a.resource().equals("userextras")
                && a.subresource().equals("project")) return Verdict.allow("");
        if (u.groups().contains("extra-setter-domain") && a.verb().equals("impersonate") && a.resource().equals("userextras")
                && a.subresource().equals("example.com/project")) return Verdict.allow("");
        if (u.groups().contains("uid-impersonater") && a.verb().equals("impersonate") && a.resource().equals("uids")) return Verdict.allow("");
        return Verdict.noOpinion("deny by default");
    };

    static UserInfo requester(String name, String... groups) { return UserInfo.of(name, groups); }

    static Map<String, List<String>> h(String... kv) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.computeIfAbsent(kv[i], k -> new ArrayList<>()).add(kv[i + 1]);
        return m;
    }

    static UserInfo user(String name, String uid, List<String> groups, Map<String, List<String>> extra) {
        return new UserInfo(name, uid, groups, extra);
    }

    static Stream<Arguments> impersonation() {
        return Stream.of(
                arguments("no impersonation keeps the requester", requester("tester", "g"), h(),
                        user("tester", "", List.of("g"), Map.of()), 0),
                arguments("impersonating a user needs permission", requester("tester"), h("impersonate-user", "anyone"), null, 403),
                arguments("impersonating groups needs permission for each", requester("tester", "wheel"),
                        h("impersonate-user", "system:admin", "impersonate-group", "some-group"), null, 403),
                arguments("impersonating a group without a user is an error", requester("tester", "wheel"),
                        h("impersonate-group", "some-group"), null, 500),
                arguments("impersonating extra without a user is an error", requester("tester", "wheel"),
                        h("impersonate-extra-scopes", "scope-a"), null, 500),
                arguments("impersonating a uid without a user is an error", requester("tester", "uid-impersonater"),
                        h("impersonate-uid", "1234"), null, 500),
                arguments("a user impersonater becomes the user, authenticated", requester("tester", "wheel"),
                        h("impersonate-user", "system:admin"), user("system:admin", "", List.of(Groups.SYSTEM_AUTHENTICATED), Map.of()), 0),
                arguments("a group impersonater sets groups", requester("tester", "wheel", "group-impersonater"),
                        h("impersonate-user", "system:admin", "impersonate-group", "some-group"),
                        user("system:admin", "", List.of("some-group", Groups.SYSTEM_AUTHENTICATED), Map.of()), 0),
                arguments("system:authenticated is not added twice", requester("tester", "wheel", "group-impersonater"),
                        h("impersonate-user", "system:admin", "impersonate-group", "some-group", "impersonate-group", Groups.SYSTEM_AUTHENTICATED),
                        user("system:admin", "", List.of("some-group", Groups.SYSTEM_AUTHENTICATED), Map.of()), 0),
                arguments("system:unauthenticated keeps system:authenticated away", requester("tester", "wheel", "group-impersonater"),
                        h("impersonate-user", "system:admin", "impersonate-group", Groups.SYSTEM_UNAUTHENTICATED),
                        user("system:admin", "", List.of(Groups.SYSTEM_UNAUTHENTICATED), Map.of()), 0),
                arguments("system:anonymous gets system:unauthenticated", requester("tester", "wheel"),
                        h("impersonate-user", Groups.ANONYMOUS_USER),
                        user(Groups.ANONYMOUS_USER, "", List.of(Groups.SYSTEM_UNAUTHENTICATED), Map.of()), 0),
                arguments("system:anonymous with system:unauthenticated gets it once", requester("tester", "wheel", "group-impersonater"),
                        h("impersonate-user", Groups.ANONYMOUS_USER, "impersonate-group", Groups.SYSTEM_UNAUTHENTICATED),
                        user(Groups.ANONYMOUS_USER, "", List.of(Groups.SYSTEM_UNAUTHENTICATED), Map.of()), 0),
                arguments("extra needs permission for its key", requester("tester", "wheel"),
                        h("impersonate-user", "system:admin", "impersonate-extra-scopes", "scope-a"), null, 403),
                arguments("extra of an allowed key", requester("tester", "wheel", "extra-setter-scopes"),
                        h("impersonate-user", "system:admin", "impersonate-extra-scopes", "scope-a", "impersonate-extra-scopes", "scope-b"),
                        user("system:admin", "", List.of(Groups.SYSTEM_AUTHENTICATED), Map.of("scopes", List.of("scope-a", "scope-b"))), 0),
                arguments("extra permission may name values", requester("tester", "wheel", "extra-setter-particular-scopes"),
                        h("impersonate-user", "system:admin", "impersonate-extra-scopes", "scope-a", "impersonate-extra-scopes", "scope-b"), null, 403),
                arguments("extra keys are percent-decoded and lower-cased", requester("tester", "wheel", "extra-setter-domain"),
                        h("impersonate-user", "system:admin", "impersonate-extra-example.com%2Fproject", "v"),
                        user("system:admin", "", List.of(Groups.SYSTEM_AUTHENTICATED), Map.of("example.com/project", List.of("v"))), 0),
                arguments("a malformed escape keeps the key", requester("tester", "wheel", "extra-setter-domain"),
                        h("impersonate-user", "system:admin", "impersonate-extra-example.com%zzproject", "v"), null, 403),
                arguments("a service account gets its default groups", requester("tester", "sa-impersonater"),
                        h("impersonate-user", "system:serviceaccount:foo:default"),
                        user("system:serviceaccount:foo:default", "", List.of(Groups.SYSTEM_SERVICEACCOUNTS, "system:serviceaccounts:foo", Groups.SYSTEM_AUTHENTICATED), Map.of()), 0),
                arguments("a service account with groups gets only those", requester("tester", "sa-impersonater", "group-impersonater"),
                        h("impersonate-user", "system:serviceaccount:foo:default", "impersonate-group", "g1"),
                        user("system:serviceaccount:foo:default", "", List.of("g1", Groups.SYSTEM_AUTHENTICATED), Map.of()), 0),
                arguments("a user impersonater cannot impersonate a service account", requester("tester", "regular-impersonater"),
                        h("impersonate-user", "system:serviceaccount:foo:default"), null, 403),
                arguments("a malformed service account name is a plain user", requester("tester", "regular-impersonater"),
                        h("impersonate-user", "system:serviceaccount:Foo:default"),
                        user("system:serviceaccount:Foo:default", "", List.of(Groups.SYSTEM_AUTHENTICATED), Map.of()), 0),
                arguments("uid needs permission", requester("tester", "regular-impersonater"),
                        h("impersonate-user", "alice", "impersonate-uid", "1234"), null, 403),
                arguments("uid with permission", requester("tester", "regular-impersonater", "uid-impersonater"),
                        h("impersonate-user", "alice", "impersonate-uid", "1234"),
                        user("alice", "1234", List.of(Groups.SYSTEM_AUTHENTICATED), Map.of()), 0));
    }

    @ParameterizedTest(name = "{0}") @MethodSource
    void impersonation(String name, UserInfo requester, Map<String, List<String>> headers, UserInfo want, int wantCode) {
        if (wantCode != 0) {
            assertThatThrownBy(() -> Impersonation.apply(requester, headers, POLICY))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(wantCode));
            return;
        }
        assertThat(Impersonation.apply(requester, headers, POLICY)).isEqualTo(want);
    }

    @Test
    void refusalNamesTheFirstRefusedItemInUpstreamWords() {
        assertThatThrownBy(() -> Impersonation.apply(requester("alice"), h("impersonate-user", "bob"), a -> Verdict.noOpinion("")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.reason()).isEqualTo("Forbidden");
                    assertThat(e.getMessage()).isEqualTo(
                            "users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope");
                    assertThat(e.status().getDetails().getName()).isEqualTo("bob");
                    assertThat(e.status().getDetails().getKind()).isEqualTo("users");
                });
        assertThatThrownBy(() -> Impersonation.apply(requester("alice"), h("impersonate-user", "system:serviceaccount:ns1:sa1"), a -> Verdict.deny("no")))
                .hasMessage("serviceaccounts \"sa1\" is forbidden: User \"alice\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"ns1\": no");
        Authorizer onlyUsers = a -> a.resource().equals("users") ? Verdict.allow("") : Verdict.noOpinion("");
        assertThatThrownBy(() -> Impersonation.apply(requester("alice"), h("impersonate-user", "bob", "impersonate-extra-scopes", "view"), onlyUsers))
                .hasMessage("userextras.authentication.k8s.io \"view\" is forbidden: User \"alice\" cannot impersonate resource \"userextras/scopes\" in API group \"authentication.k8s.io\" at the cluster scope");
    }

    @Test
    void groupsWithoutUserIsAnInternalErrorListingTheRequests() {
        assertThatThrownBy(() -> Impersonation.apply(requester("alice"), h("impersonate-group", "g1"), a -> Verdict.allow("")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.reason()).isEqualTo("InternalError");
                    assertThat(e.getMessage()).isEqualTo("Internal error occurred: requested [{Group  g1    }] without impersonating a user");
                });
    }

    @Test
    void everyItemIsAskedWithVerbImpersonateForTheRealUser() {
        List<Attributes> asked = new ArrayList<>();
        Impersonation.apply(requester("alice"), h("impersonate-user", "bob", "impersonate-group", "g", "impersonate-uid", "u",
                "impersonate-extra-scopes", "s"), a -> { asked.add(a); return Verdict.allow(""); });
        assertThat(asked).extracting(Attributes::verb).containsOnly("impersonate");
        assertThat(asked).extracting(a -> a.user().name()).containsOnly("alice");
        assertThat(asked).extracting(a -> a.apiGroup() + "|" + a.resource() + "|" + a.subresource() + "|" + a.name())
                .containsExactly("|users||bob", "|groups||g", "authentication.k8s.io|userextras|scopes|s", "authentication.k8s.io|uids||u");
    }

    @Test
    void anAuthorizerErrorRefuses() {
        assertThatThrownBy(() -> Impersonation.apply(requester("alice"), h("impersonate-user", "bob"),
                a -> { throw new io.portcullis.authz.AuthorizationException("webhook down"); }))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(403));
    }
}
