package io.portcullis.e2e.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.portcullis.api.Json;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Attributes;
import io.portcullis.authz.rbac.Aggregation;
import io.portcullis.authz.rbac.GeneratedPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * WhoCanReview on a running server: equal to SubjectAccessReview for every identity and request
 * over a generated policy (the bootstrap policy included), served to kubectl like the other
 * reviews, and only to those who may list what it reveals.
 */
@EndToEnd
class WhoCanReviewTest {
    static final String WHO_CAN = "/apis/policy.portcullis.io/v1alpha1/whocanreviews";
    static final String SARS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";
    static final GeneratedPolicy POLICY = GeneratedPolicy.generate(42);

    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start(server, """
                nobody-token,nobody,uid-nobody
                nsadmin-token,nsadmin,uid-nsadmin
                """);
        for (String ns : List.of("ns1", "ns2", "team")) post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}");
        for (Object o : POLICY.clusterRoles()) post(RBAC + "/clusterroles", Json.string(o));
        for (ClusterRoleBinding b : POLICY.clusterRoleBindings()) {
            // validation refuses a ServiceAccount without namespace here (the unit table covers it)
            b = b.toBuilder().withSubjects(b.getSubjects().stream()
                    .filter(s -> !s.getKind().equals("ServiceAccount") || s.getNamespace() != null).toList()).build();
            post(RBAC + "/clusterrolebindings", Json.string(b));
        }
        for (var r : POLICY.roles()) post(RBAC + "/namespaces/" + r.getMetadata().getNamespace() + "/roles", Json.string(r));
        for (var b : POLICY.roleBindings()) post(RBAC + "/namespaces/" + b.getMetadata().getNamespace() + "/rolebindings", Json.string(b));
        post(RBAC + "/namespaces/team/rolebindings", """
                {"metadata":{"name":"nsadmin"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"},
                 "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"nsadmin"}]}""");
        awaitAggregation();
    }

    static void post(String path, String body) {
        cluster.admin().post(path, body).expect(201);
    }

    /** Until the aggregation controller has filled in the generated aggregated ClusterRoles. */
    static void awaitAggregation() throws InterruptedException {
        Map<String, List<PolicyRule>> want = Aggregation.settle(POLICY.clusterRoles());
        for (Map.Entry<String, List<PolicyRule>> e : want.entrySet()) {
            for (int i = 0; i < 100; i++) {
                ClusterRole got = Json.convert((ObjectNode) cluster.admin().get(RBAC + "/clusterroles/" + e.getKey()).expect(200).json(), ClusterRole.class);
                if (!Aggregation.changed(got, e.getValue())) break;
                Thread.sleep(100);
            }
        }
    }

    static ObjectNode spec(Attributes a) {
        ObjectNode spec = Json.object();
        if (a.resourceRequest()) {
            ObjectNode ra = spec.putObject("resourceAttributes");
            ra.put("verb", a.verb());
            ra.put("group", a.apiGroup());
            ra.put("resource", a.resource());
            ra.put("subresource", a.subresource());
            ra.put("namespace", a.namespace());
            ra.put("name", a.name());
        } else {
            ObjectNode nra = spec.putObject("nonResourceAttributes");
            nra.put("verb", a.verb());
            nra.put("path", a.path());
        }
        return spec;
    }

    static JsonNode whoCan(Attributes a) {
        ObjectNode review = Json.object();
        review.put("apiVersion", "policy.portcullis.io/v1alpha1");
        review.put("kind", "WhoCanReview");
        review.set("spec", spec(a));
        Response r = cluster.admin().post(WHO_CAN, review);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().path("status");
    }

    static boolean sar(Attributes a, UserInfo u) {
        ObjectNode review = Json.object();
        review.put("apiVersion", "authorization.k8s.io/v1");
        review.put("kind", "SubjectAccessReview");
        ObjectNode spec = spec(a);
        spec.put("user", u.name());
        ArrayNode groups = spec.putArray("groups");
        u.groups().forEach(groups::add);
        review.set("spec", spec);
        Response r = cluster.admin().post(SARS, review);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().path("status").path("allowed").asBoolean();
    }

    /** By name, by one of its groups, as its ServiceAccount, or by a group allowed before RBAC. */
    static boolean listed(JsonNode status, UserInfo u) {
        for (JsonNode g : status.path("privilegedGroups")) if (u.groups().contains(g.asString())) return true;
        for (JsonNode s : status.path("subjects")) {
            String name = s.path("name").asString();
            boolean match = switch (s.path("kind").asString()) {
                case "User" -> name.equals(u.name());
                case "Group" -> u.groups().contains(name);
                default -> u.name().equals("system:serviceaccount:" + s.path("namespace").asString() + ":" + name);
            };
            if (match) return true;
        }
        return false;
    }

    @Test
    void aSubjectIsListedExactlyWhenASubjectAccessReviewForItIsAllowed() {
        List<String> mismatches = new ArrayList<>();
        int allowed = 0;
        int pairs = 0;
        // a name of no rule ("b") reads as no name at all: leave it to the unit table
        List<Attributes> requests = GeneratedPolicy.requests().stream().filter(a -> !a.name().equals("b")).toList();
        List<List<String>> results = requests.parallelStream().map(a -> {
            JsonNode status = whoCan(a);
            List<String> out = new ArrayList<>();
            for (UserInfo u : GeneratedPolicy.identities()) {
                boolean sar = sar(a, u);
                out.add(sar + " " + (listed(status, u) == sar ? "" : u.name() + " " + a.withUser(null) + ": who-can " + status));
            }
            return out;
        }).toList();
        for (List<String> r : results) {
            for (String line : r) {
                pairs++;
                if (line.startsWith("true")) allowed++;
                String mismatch = line.substring(line.indexOf(' ') + 1);
                if (!mismatch.isEmpty()) mismatches.add(mismatch);
            }
        }
        assertThat(mismatches).isEmpty();
        assertThat(allowed).isPositive().isLessThan(pairs);
    }

    @Test
    void eachSubjectComesWithItsBindingRoleAndRule() {
        JsonNode status = whoCan(Attributes.resource(null, "delete", "", "pods", "", "team", ""));
        JsonNode nsadmin = null;
        for (JsonNode s : status.path("subjects")) if (s.path("name").asString().equals("nsadmin")) nsadmin = s;
        assertThat(nsadmin).as(status.toString()).isNotNull();
        assertThat(nsadmin.path("kind").asString()).isEqualTo("User");
        JsonNode grant = nsadmin.path("grants").get(0);
        assertThat(grant.path("binding").toString()).isEqualTo("{\"kind\":\"RoleBinding\",\"namespace\":\"team\",\"name\":\"nsadmin\"}");
        assertThat(grant.path("roleRef").path("kind").asString()).isEqualTo("ClusterRole");
        assertThat(grant.path("roleRef").path("name").asString()).isEqualTo("admin");
        assertThat(grant.path("rule").path("verbs").toString()).contains("delete");
        assertThat(grant.path("rule").path("resources").toString()).contains("pods");
        assertThat(status.path("privilegedGroups").toString()).isEqualTo("[\"system:masters\"]");
        assertThat(status.has("reason")).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a cluster-wide question needs clusterrolebindings | nobody-token  | {"resourceAttributes":{"verb":"get","resource":"secrets"}}                  | whocanreviews.policy.portcullis.io | clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "nobody" cannot list resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope
            a non-resource question is cluster-wide           | nsadmin-token | {"nonResourceAttributes":{"verb":"get","path":"/healthz"}}                  | whocanreviews.policy.portcullis.io | clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "nsadmin" cannot list resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope
            a namespaced question needs its rolebindings      | nsadmin-token | {"resourceAttributes":{"verb":"get","resource":"secrets","namespace":"ns1"}} | whocanreviews.policy.portcullis.io | rolebindings.rbac.authorization.k8s.io is forbidden: User "nsadmin" cannot list resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "ns1"
            """)
    void whoMayNotListWhatTheAnswerRevealsIsForbidden(String name, String token, String spec, String unused, String message) {
        Response r = cluster.as(token).post(WHO_CAN, "{\"spec\":" + spec + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(403);
        assertThat(r.reason()).isEqualTo("Forbidden");
        assertThat(r.message()).isEqualTo(message);
    }

    @Test
    void aNamespaceAdminSeesItsNamespaceButNotTheClusterRoleBindings() {
        Response r = cluster.as("nsadmin-token").post(WHO_CAN,
                "{\"spec\":{\"resourceAttributes\":{\"verb\":\"get\",\"resource\":\"secrets\",\"namespace\":\"team\"}}}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        JsonNode status = r.json().path("status");
        assertThat(status.path("subjects").toString()).contains("\"name\":\"nsadmin\"").doesNotContain("ClusterRoleBinding");
        assertThat(status.path("incomplete").asBoolean()).isTrue();
        assertThat(status.path("reason").asString()).isEqualTo("ClusterRoleBindings are not shown: User \"nsadmin\" cannot list resource "
                + "\"clusterrolebindings\" in API group \"rbac.authorization.k8s.io\" at the cluster scope");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no attributes          | {}                                                                                          | spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified
            no verb                | {"resourceAttributes":{"resource":"pods"}}                                                  | spec.resourceAttributes.verb: Required value
            no resource            | {"resourceAttributes":{"verb":"get"}}                                                       | spec.resourceAttributes.resource: Required value
            no path                | {"nonResourceAttributes":{"verb":"get"}}                                                    | spec.nonResourceAttributes.path: Required value
            both kinds             | {"resourceAttributes":{"verb":"get","resource":"pods"},"nonResourceAttributes":{"verb":"get","path":"/x"}} | spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:"/x", Verb:"get"}: cannot be specified in combination with resourceAttributes
            """)
    void aQuestionThatAsksNothingAnswerableIsInvalid(String name, String spec, String detail) {
        Response r = cluster.admin().post(WHO_CAN, "{\"spec\":" + spec + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        assertThat(r.message()).isEqualTo("WhoCanReview.policy.portcullis.io \"\" is invalid: " + detail);
    }

    @Test
    void kubectlFindsTheKindAndCreatesAReview() throws Exception {
        Cluster.Run resources = cluster.kubectl("api-resources", "--api-group=policy.portcullis.io");
        assertThat(resources.exit()).as(resources.toString()).isZero();
        assertThat(resources.out()).contains("whocanreviews").contains("accessmatrixreviews").contains("WhoCanReview");
        String review = """
                apiVersion: policy.portcullis.io/v1alpha1
                kind: WhoCanReview
                spec:
                  resourceAttributes:
                    verb: delete
                    resource: pods
                    namespace: team
                """;
        // kubectl's client-side validation of a kind without a PATCH operation lists CRDs, which this
        // server does not serve (so it is for every review kind): --validate=false, or --raw
        Cluster.Run created = cluster.kubectlWithInput(review, "create", "--validate=false", "-f", "-", "-o", "json");
        assertThat(created.exit()).as(created.toString()).isZero();
        assertThat(Json.MAPPER.readTree(created.out()).path("status").path("subjects").toString()).contains("\"name\":\"nsadmin\"");
        Path file = java.nio.file.Files.writeString(server.dir().resolve("review.json"), Json.string(new tools.jackson.dataformat.yaml.YAMLMapper().readTree(review)));
        Cluster.Run raw = cluster.kubectl("create", "--raw", WHO_CAN, "-f", file.toString());
        assertThat(raw.exit()).as(raw.toString()).isZero();
        assertThat(Json.MAPPER.readTree(raw.out()).path("status").path("subjects").toString()).contains("\"name\":\"nsadmin\"");
        Cluster.Run explain = cluster.kubectl("explain", "whocanreviews.spec");
        assertThat(explain.exit()).as(explain.toString()).isZero();
        assertThat(explain.out()).contains("resourceAttributes").contains("nonResourceAttributes");
    }
}
