package io.portcullis.authz.rbac;

import static io.portcullis.authz.rbac.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.portcullis.authn.Groups;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.Authorizer;
import io.portcullis.authz.Authorizers;
import io.portcullis.authz.Decision;
import io.portcullis.authz.rbac.WhoCan.Allowed;
import io.portcullis.authz.rbac.WhoCan.Grant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WhoCanTest {
    /** The policy as the server holds it: aggregated ClusterRoles already filled in by their controller. */
    static RbacPolicyUnderTest load(GeneratedPolicy p) {
        Map<String, List<PolicyRule>> aggregated = Aggregation.settle(p.clusterRoles());
        List<ClusterRole> settled = new ArrayList<>();
        for (ClusterRole r : p.clusterRoles()) {
            List<PolicyRule> rules = aggregated.get(r.getMetadata().getName());
            settled.add(rules == null ? r : r.toBuilder().withRules(rules).build());
        }
        BindingIndex index = BindingIndex.of(p.roleBindings(), p.clusterRoleBindings());
        RbacAuthorizer rbac = new RbacAuthorizer(roles(p.roles().toArray(Role[]::new)), clusterRoles(settled.toArray(ClusterRole[]::new)), index);
        Authorizer chain = Authorizers.firstDecision(List.of(Authorizers.privilegedGroups(Groups.SYSTEM_MASTERS), rbac));
        return new RbacPolicyUnderTest(chain, new WhoCan(rbac, index));
    }

    record RbacPolicyUnderTest(Authorizer chain, WhoCan whoCan) {}

    /** Whether the identity is among who-can's subjects: by name, by one of its groups, or as a group allowed before RBAC. */
    static boolean listed(Map<Allowed, List<Grant>> who, UserInfo u) {
        if (u.groups().contains(Groups.SYSTEM_MASTERS)) return true;
        for (Allowed a : who.keySet()) {
            boolean match = switch (a.kind()) {
                case "User" -> a.name().equals(u.name());
                case "Group" -> u.groups().contains(a.name());
                default -> u.name().equals(Groups.SERVICEACCOUNT_USER_PREFIX + a.namespace() + ":" + a.name());
            };
            if (match) return true;
        }
        return false;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void aSubjectIsListedExactlyWhenTheAuthorizerAllowsIt(long seed) {
        RbacPolicyUnderTest p = load(GeneratedPolicy.generate(seed));
        int allowed = 0;
        for (Attributes request : GeneratedPolicy.requests()) {
            Map<Allowed, List<Grant>> who = p.whoCan().who(request, true);
            for (UserInfo u : GeneratedPolicy.identities()) {
                boolean sar = p.chain().authorize(request.withUser(u)).decision() == Decision.ALLOW;
                assertThat(listed(who, u)).as("seed %d: %s for %s; who-can said %s", seed, request.withUser(null), u, who.keySet()).isEqualTo(sar);
                if (sar) allowed++;
            }
        }
        assertThat(allowed).as("the generated policy allows something").isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a ClusterRoleBinding grants everywhere                | get  | pods    |       | ns1 |    | ServiceAccount/ns2/builder=crb:sa-pods>ClusterRole/pod-reader;User/-/admin=crb:admins>ClusterRole/cluster-admin;User/-/alice=rb:ns1/alice-pods>ClusterRole/pod-reader
            a RoleBinding grants in its namespace only            | get  | secrets |       | ns2 | s1 | User/-/admin=crb:admins>ClusterRole/cluster-admin
            a named rule grants the named request                 | get  | secrets |       | ns1 | s1 | Group/-/devs=rb:ns1/devs-secrets>Role/secret-reader;User/-/admin=crb:admins>ClusterRole/cluster-admin
            a named rule does not grant a list                    | list | secrets |       | ns1 |    | User/-/admin=crb:admins>ClusterRole/cluster-admin
            a ServiceAccount subject defaults to its binding's ns | create | deployments | | ns1 |  | ServiceAccount/ns1/builder=rb:ns1/builder-deploys>Role/deployer;User/-/admin=crb:admins>ClusterRole/cluster-admin
            a star subresource rule                               | get  | pods    | log   | ns2 |    | User/-/admin=crb:admins>ClusterRole/cluster-admin;User/-/bob=rb:ns2/bob-logs>ClusterRole/log-reader
            """)
    void eachSubjectComesWithTheChainThatGrantsIt(String name, String verb, String resource, String sub, String ns, String objectName, String want) {
        String group = resource.equals("deployments") ? "apps" : "";
        Map<Allowed, List<Grant>> who = new WhoCan(RbacAuthorizerTest.authorizer(), RbacAuthorizerTest.index())
                .who(Attributes.resource(null, verb, group, resource, sub, ns, objectName), true);
        List<String> got = new ArrayList<>();
        who.forEach((a, grants) -> {
            for (Grant g : grants) {
                String binding = g.binding().cluster() ? "crb:" + g.binding().name() : "rb:" + g.binding().namespace() + "/" + g.binding().name();
                got.add(a.kind() + "/" + (a.namespace().isEmpty() ? "-" : a.namespace()) + "/" + a.name() + "=" + binding + ">"
                        + g.binding().roleRef().getKind() + "/" + g.binding().roleRef().getName());
            }
        });
        assertThat(String.join(";", got)).isEqualTo(want);
    }
}
