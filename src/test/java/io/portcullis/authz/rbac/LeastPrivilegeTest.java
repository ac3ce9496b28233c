package io.portcullis.authz.rbac;

import static io.portcullis.authz.rbac.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.AccessRecorder;
import io.portcullis.authz.AccessRecorder.Request;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.rbac.LeastPrivilege.Report;
import io.portcullis.authz.rbac.LeastPrivilege.Suggestion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LeastPrivilegeTest {
    static final String FOO = "system:serviceaccount:prod:foo";
    static final UserInfo FOO_USER = UserInfo.of(FOO, "system:serviceaccounts", "system:serviceaccounts:prod", "system:authenticated");

    /** "verb group resource[/sub] ns name" with "-" for empty; or "verb /path". */
    static Request request(String spec) {
        String[] p = spec.strip().split(" +");
        if (p[1].startsWith("/")) return new Request(false, p[0], "", "", "", "", "", p[1]);
        String[] res = p[2].split("/");
        return new Request(true, p[0], dash(p[1]), res[0], res.length > 1 ? res[1] : "", dash(p[3]), dash(p[4]), "");
    }

    static String dash(String s) {
        return s.equals("-") ? "" : s;
    }

    static List<Request> requests(String specs) {
        return Arrays.stream(specs.split(";")).map(LeastPrivilegeTest::request).toList();
    }

    /** verbs|groups|resources|names, or verbs|urls, each list comma-joined. */
    static String show(PolicyRule r) {
        if (r.getNonResourceURLs() != null && !r.getNonResourceURLs().isEmpty()) return String.join(",", r.getVerbs()) + "|" + String.join(",", r.getNonResourceURLs());
        return String.join(",", r.getVerbs()) + "|" + String.join(",", r.getApiGroups()) + "|" + String.join(",", r.getResources()) + "|"
                + String.join(",", RuleMatcher.nn(r.getResourceNames()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            only named objects keep their names         | get - secrets prod a; get - secrets prod b              | "get||secrets|a,b"
            one unnamed request drops the verb's names  | get - secrets prod a; list - secrets prod -             | "get||secrets|a; list||secrets|"
            an unnamed watch covers the named one       | watch - configmaps prod x; watch - configmaps prod -     | "watch||configmaps|"
            verbs with the same names share a rule      | get - configmaps prod -; watch - configmaps prod -; list - configmaps prod - | "get,list,watch||configmaps|"
            named verbs with the same names share one   | patch - secrets prod app; get - secrets prod app         | "get,patch||secrets|app"
            resources with equal verbs share a rule     | list - configmaps prod -; list - secrets prod -          | "list||configmaps,secrets|"
            resources with other names do not           | get - configmaps prod a; get - secrets prod b            | "get||configmaps|a; get||secrets|b"
            API groups never share a rule               | list apps deployments prod -; list - pods prod -         | "list||pods|; list|apps|deployments|"
            a subresource is a resource of its own      | get - pods/log prod web; create - pods/exec prod web     | "get||pods/log|web; create||pods/exec|web"
            paths with equal verbs share a rule         | get /healthz; get /metrics; post /logs                   | "get|/healthz,/metrics; post|/logs"
            """)
    void rulesAreTheSmallestThatAllowTheRequests(String name, String observed, String want) {
        List<String> got = LeastPrivilege.rules(requests(observed)).stream().map(LeastPrivilegeTest::show).toList();
        assertThat(got).containsExactlyInAnyOrder(Arrays.stream(want.split(";")).map(String::strip).toArray(String[]::new));
    }

    @Test
    void namespacedRequestsGetARoleInTheirNamespaceAndTheRestOneClusterRole() {
        Suggestion s = LeastPrivilege.suggest(FOO, requests(
                "list - configmaps prod -; get - configmaps dev cfg; list - namespaces - -; list - pods - -; get /healthz"));
        assertThat(s.roles()).extracting(r -> r.getMetadata().getNamespace() + "/" + r.getMetadata().getName())
                .containsExactly("dev/least-privilege:prod:foo", "prod/least-privilege:prod:foo");
        assertThat(s.roleBindings()).allSatisfy(b -> {
            assertThat(b.getRoleRef().getKind()).isEqualTo("Role");
            assertThat(b.getRoleRef().getName()).isEqualTo("least-privilege:prod:foo");
            assertThat(b.getSubjects()).singleElement().satisfies(sub -> {
                assertThat(sub.getKind()).isEqualTo("ServiceAccount");
                assertThat(sub.getNamespace()).isEqualTo("prod");
                assertThat(sub.getName()).isEqualTo("foo");
            });
        });
        assertThat(s.clusterRoles()).singleElement().satisfies(r -> assertThat(r.getRules()).extracting(LeastPrivilegeTest::show)
                .containsExactlyInAnyOrder("list||namespaces,pods|", "get|/healthz"));
        assertThat(s.clusterRoleBindings()).singleElement().satisfies(b -> assertThat(b.getRoleRef().getKind()).isEqualTo("ClusterRole"));
        assertThat(s.yaml()).startsWith("---\napiVersion: \"rbac.authorization.k8s.io/v1\"\nkind: \"ClusterRole\"")
                .contains("kind: \"RoleBinding\"").doesNotContain("resourceNames: []");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            alice                                | least-privilege:alice               | User
            oidc:https://issuer/a%b              | least-privilege:oidc:https:--issuer-a-b | User
            system:serviceaccount:prod:foo       | least-privilege:prod:foo            | ServiceAccount
            """)
    void subjectsAreBoundAsUsersOrServiceAccountsUnderAValidName(String subject, String name, String kind) {
        Suggestion s = LeastPrivilege.suggest(subject, requests("get - pods prod p"));
        assertThat(s.roles().get(0).getMetadata().getName()).isEqualTo(name);
        assertThat(s.roleBindings().get(0).getSubjects().get(0).getKind()).isEqualTo(kind);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "system:serviceaccount:prod", "system:serviceaccount::foo", "system:serviceaccount:a:b:c"})
    void aMalformedSubjectIsRefused(String subject) {
        assertThatThrownBy(() -> LeastPrivilege.bindingSubject(subject)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * For random sets of requests, the suggestion allows a request exactly when one observed request
     * covers it as RBAC can express: same verb, group, resource and subresource; the same namespace
     * or a cluster-wide one; the same name or an unnamed one.
     */
    @Test
    void theSuggestionAllowsExactlyWhatWasObserved() {
        String[] verbs = {"get", "list", "watch", "create", "patch", "delete"};
        String[] groups = {"", "apps"};
        String[] resources = {"pods", "secrets", "deployments"};
        String[] subs = {"", "status"};
        String[] namespaces = {"", "a", "b"};
        String[] names = {"", "x", "y"};
        List<Request> universe = new ArrayList<>();
        for (String v : verbs) for (String g : groups) for (String r : resources) for (String sub : subs) for (String ns : namespaces)
            for (String n : names) universe.add(new Request(true, v, g, r, sub, ns, n, ""));
        for (String v : verbs) for (String p : List.of("/healthz", "/metrics", "/api")) universe.add(new Request(false, v, "", "", "", "", "", p));
        Random random = new Random(7);
        for (int round = 0; round < 150; round++) {
            List<Request> observed = new ArrayList<>();
            for (int i = 0, n = 1 + random.nextInt(12); i < n; i++) observed.add(universe.get(random.nextInt(universe.size())));
            Suggestion s = LeastPrivilege.suggest(FOO, observed);
            RbacAuthorizer rbac = new RbacAuthorizer(roles(s.roles().toArray(Role[]::new)), clusterRoles(s.clusterRoles().toArray(ClusterRole[]::new)),
                    BindingIndex.of(s.roleBindings(), s.clusterRoleBindings()));
            for (Request q : universe) {
                boolean covered = observed.stream().anyMatch(o -> covers(o, q));
                assertThat(rbac.authorize(q.attributes(FOO_USER)).allowed()).as("round %d, %s after %s", round, q, observed).isEqualTo(covered);
            }
        }
    }

    static boolean covers(Request o, Request q) {
        if (o.resourceRequest() != q.resourceRequest() || !o.verb().equals(q.verb())) return false;
        if (!o.resourceRequest()) return o.path().equals(q.path());
        return o.apiGroup().equals(q.apiGroup()) && o.resource().equals(q.resource()) && o.subresource().equals(q.subresource())
                && (o.namespace().isEmpty() || o.namespace().equals(q.namespace())) && (o.name().isEmpty() || o.name().equals(q.name()));
    }

    @Test
    void theReportSeparatesWhatIsNeededWhatEverybodyMayDoWhatWentUnusedAndWhatWasDenied() {
        ClusterRole edit = clusterRole("edit", rule("get,list,watch,create,update,patch,delete||configmaps,secrets,pods"));
        ClusterRole discovery = clusterRole("system:discovery", urls("get", "/api,/apis"));
        BindingIndex index = BindingIndex.of(List.of(rb("prod", "foo-edit", "ClusterRole", "edit", sa("prod", "foo"))),
                List.of(crb("system:discovery", "system:discovery", group("system:authenticated"))));
        RbacAuthorizer rbac = new RbacAuthorizer(roles(), clusterRoles(edit, discovery), index);
        AccessRecorder recorder = AccessRecorder.bounded();
        for (String spec : List.of("list - configmaps prod -", "get - configmaps prod cfg", "patch - secrets prod app-secret", "get /api")) {
            recorder.record(request(spec).attributes(FOO_USER), true);
        }
        recorder.record(request("list - nodes - -").attributes(FOO_USER), false);

        Report report = new LeastPrivilege(rbac, index).report(recorder, FOO, null, "");
        assertThat(report.allowedRequests()).isEqualTo(4);
        assertThat(report.suggestion().clusterRoles()).isEmpty();
        assertThat(report.suggestion().roles()).singleElement().satisfies(r -> assertThat(r.getRules()).extracting(LeastPrivilegeTest::show)
                .containsExactlyInAnyOrder("get||configmaps|cfg", "list||configmaps|", "patch||secrets|app-secret"));
        assertThat(report.allowedToAll()).extracting(o -> o.request().describe()).containsExactly("get /api");
        assertThat(report.denied()).extracting(o -> o.request().describe()).containsExactly("list nodes");
        assertThat(report.anyDenied()).isTrue();
        assertThat(report.unused()).allSatisfy(u -> assertThat(u.binding().name()).isEqualTo("foo-edit"))
                .extracting(u -> show(u.rule()) + " used " + u.usedVerbs())
                .containsExactlyInAnyOrder("watch,create,update,patch,delete||configmaps| used [get, list]",
                        "get,list,watch,create,update,delete||secrets| used [patch]",
                        "get,list,watch,create,update,patch,delete||pods| used []");

        Report inDev = new LeastPrivilege(rbac, index).report(recorder, FOO, null, "dev");
        assertThat(inDev.allowedRequests()).isZero();
        assertThat(inDev.suggestion().isEmpty()).isTrue();
        assertThat(inDev.unused()).isEmpty();
    }

    @Test
    void aWildcardRuleReportsEveryVerbButThoseUsed() {
        ClusterRole all = clusterRole("all", rule("*|*|*"));
        BindingIndex index = BindingIndex.of(List.of(), List.of(crb("alice-all", "all", user("alice"))));
        RbacAuthorizer rbac = new RbacAuthorizer(roles(), clusterRoles(all), index);
        AccessRecorder recorder = AccessRecorder.bounded();
        recorder.record(Attributes.resource(UserInfo.of("alice", "system:authenticated"), "get", "", "pods", "", "prod", "p"), true);
        Report report = new LeastPrivilege(rbac, index).report(recorder, "alice", null, "");
        assertThat(report.unused()).singleElement().satisfies(u -> {
            assertThat(show(u.rule())).isEqualTo("*|*|*|");
            assertThat(u.usedVerbs()).containsExactly("get");
        });
        Set<String> kinds = new HashSet<>();
        report.suggestion().objects().forEach(o -> kinds.add(o.getKind()));
        assertThat(kinds).containsExactlyInAnyOrder("Role", "RoleBinding");
    }
}
