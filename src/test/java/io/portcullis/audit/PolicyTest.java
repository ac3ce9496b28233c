package io.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.authn.UserInfo;
import io.portcullis.request.RequestInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The policy's rules as upstream's checker reads them: every non-empty list must match, the first rule that does wins. */
class PolicyTest {
    @TempDir Path dir;

    static final String POLICY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitStages: ["RequestReceived"]
            rules:
            - level: None
              users: ["system:kube-proxy"]
              verbs: ["watch"]
            - level: RequestResponse
              userGroups: ["auditors"]
              resources:
              - group: ""
                resources: ["secrets"]
                resourceNames: ["watched"]
            - level: Request
              resources:
              - group: ""
                resources: ["pods/status", "*/scale"]
              - group: "rbac.authorization.k8s.io"
              omitManagedFields: true
            - level: Metadata
              resources:
              - group: ""
                resources: ["serviceaccounts/*"]
              omitStages: ["ResponseStarted"]
            - level: Request
              namespaces: ["team-a", ""]
            - level: None
              nonResourceURLs: ["/healthz*", "/version"]
            - level: Metadata
              omitManagedFields: false
            """;

    Policy policy() throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, POLICY);
        return Policy.load(file);
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            system:kube-proxy | -        | GET /api/v1/namespaces/ns/pods?watch=1                     | None
            system:kube-proxy | -        | GET /api/v1/namespaces/ns/pods                             | Metadata
            system:kube-proxy | -        | GET /api/v1/pods                                           | Request
            carol             | auditors | GET /api/v1/namespaces/ns/secrets/watched                  | RequestResponse
            carol             | auditors | GET /api/v1/namespaces/ns/secrets/other                    | Metadata
            carol             | -        | GET /api/v1/namespaces/ns/secrets/watched                  | Metadata
            dave              | -        | PUT /api/v1/namespaces/ns/pods/p/status                    | Request
            dave              | -        | GET /api/v1/namespaces/ns/pods/p                           | Metadata
            dave              | -        | PUT /apis/apps/v1/namespaces/ns/deployments/d/scale        | Metadata
            dave              | -        | PUT /api/v1/namespaces/ns/replicationcontrollers/r/scale   | Request
            dave              | -        | GET /apis/rbac.authorization.k8s.io/v1/clusterroles        | Request
            dave              | -        | POST /api/v1/namespaces/ns/serviceaccounts/sa/token        | Metadata
            dave              | -        | GET /api/v1/namespaces/team-a/configmaps                   | Request
            dave              | -        | GET /api/v1/nodes                                          | Request
            dave              | -        | GET /api/v1/namespaces/team-b/configmaps                   | Metadata
            dave              | -        | GET /healthz/etcd                                          | None
            dave              | -        | GET /version                                               | None
            dave              | -        | GET /versions                                              | Metadata
            """)
    void theFirstMatchingRuleGivesTheLevel(String user, String group, String request, String level) throws Exception {
        String[] r = request.split(" ");
        UserInfo who = group.equals("-") ? UserInfo.of(user) : UserInfo.of(user, group);
        assertThat(policy().evaluate(who, RequestInfo.resolve(r[0], r[1])).level().toString()).isEqualTo(level);
    }

    @Test
    void omittedStagesAreThePolicysAndTheRulesAndManagedFieldsTheRulesChoiceOverThePolicys() throws Exception {
        Policy p = policy();
        Policy.Outcome token = p.evaluate(UserInfo.of("dave"), RequestInfo.resolve("POST", "/api/v1/namespaces/ns/serviceaccounts/sa/token"));
        assertThat(token.omitStages()).containsExactlyInAnyOrder(Stage.REQUEST_RECEIVED, Stage.RESPONSE_STARTED);
        assertThat(p.evaluate(UserInfo.of("dave"), RequestInfo.resolve("GET", "/apis/rbac.authorization.k8s.io/v1/roles")).omitManagedFields()).isTrue();
        assertThat(p.evaluate(UserInfo.of("dave"), RequestInfo.resolve("GET", "/api/v1/pods")).omitStages()).containsExactly(Stage.REQUEST_RECEIVED);
    }

    @Test
    void aRequestWithNoUserMatchesNoRuleThatNamesUsersOrGroups() {
        Policy p = new Policy(java.util.List.of(
                new Policy.Rule(Level.REQUEST, java.util.List.of("alice"), java.util.List.of(), java.util.List.of(), java.util.List.of(),
                        java.util.List.of(), java.util.List.of(), Set.of(), null),
                Policy.Rule.all(Level.METADATA)), Set.of(), false);
        assertThat(p.evaluate(null, RequestInfo.resolve("GET", "/api")).level()).isEqualTo(Level.METADATA);
        assertThat(new Policy(java.util.List.of(), Set.of(), false).evaluate(null, RequestInfo.resolve("GET", "/api")).level())
                .isEqualTo(Level.NONE);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            no level                          | rules: [{verbs: [get]}]                                                  | rules[0].level: Required value
            an unknown level                  | rules: [{level: Everything}]                                             | rules[0].level: Unsupported value: "Everything"
            an unknown stage                  | rules: [{level: None, omitStages: [Sometime]}]                           | rules[0].omitStages[0]: Invalid value: "Sometime": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic
            a URL without its slash           | rules: [{level: None, nonResourceURLs: [healthz]}]                       | non-resource URL rules must begin with a '/' character
            a wildcard inside a URL           | rules: [{level: None, nonResourceURLs: ["/api/*/x"]}]                    | non-resource URL wildcards '*' must be the final character of the rule
            URLs with resources               | rules: [{level: None, nonResourceURLs: [/x], namespaces: [a]}]           | rules cannot apply to both regular resources and non-resource URLs
            names without resources           | rules: [{level: None, resources: [{group: "", resourceNames: [a]}]}]     | using resourceNames requires at least one resource
            a group that is not a DNS name    | rules: [{level: None, resources: [{group: "apps/v1"}]}]                  | rules[0].resources.group: Invalid value: "apps/v1"
            no rules                          | rules: []                                                                | loaded illegal policy with 0 rules
            """)
    void anInvalidPolicyStopsTheServerNamingTheFileAndTheProblem(String name, String rules, String message) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "apiVersion: audit.k8s.io/v1\nkind: Policy\n" + rules + "\n");
        assertThatThrownBy(() -> Policy.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--audit-policy-file " + file + ": ").hasMessageContaining(message);
    }

    @Test
    void anotherApiVersionOrKindIsRefused() throws Exception {
        Path file = dir.resolve("beta.yaml");
        Files.writeString(file, "apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]\n");
        assertThatThrownBy(() -> Policy.load(file)).hasMessageContaining("unknown group version field audit.k8s.io/v1beta1, Kind=Policy");
    }
}
