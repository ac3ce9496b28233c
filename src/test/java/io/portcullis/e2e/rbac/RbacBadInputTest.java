package io.portcullis.e2e.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Malformed RBAC objects and access reviews are refused with upstream's Status, and nothing is stored. */
@EndToEnd
class RbacBadInputTest {
    static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";
    static final String ROLES = RBAC + "/namespaces/default/roles";
    static final String BINDINGS = RBAC + "/namespaces/default/rolebindings";
    static final String CLUSTER_ROLES = RBAC + "/clusterroles";
    static final String CLUSTER_BINDINGS = RBAC + "/clusterrolebindings";
    static final String AUTHZ = "/apis/authorization.k8s.io/v1";

    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.start(server, "unused-token,nobody,uid-nobody\n");
    }

    /**
     * What the RBAC collections hold, name to resourceVersion. Aggregated ClusterRoles are left out:
     * their controller may still be writing them.
     */
    static Map<String, String> snapshot() {
        Map<String, String> all = new TreeMap<>();
        for (String path : List.of(ROLES, BINDINGS, CLUSTER_ROLES, CLUSTER_BINDINGS)) {
            for (JsonNode item : cluster.admin().get(path).expect(200).json().path("items")) {
                if (item.has("aggregationRule")) continue;
                all.put(path + "/" + item.path("metadata").path("name").asString(),
                        item.path("metadata").path("resourceVersion").asString());
            }
        }
        return all;
    }

    /** One refused request: the Status's code and reason, and its message from the start, exactly or as a prefix plus ending. */
    record Case(String name, String path, String body, int code, String reason, String message, String ending) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case invalid(String name, String path, String body, String message) {
        return new Case(name, path, body, 422, "Invalid", message, null);
    }

    static Case invalid(String name, String path, String body, String start, String ending) {
        return new Case(name, path, body, 422, "Invalid", start, ending);
    }

    static String role(String name, String rule) {
        return """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"%s"},"rules":[%s]}"""
                .formatted(name, rule);
    }

    static String clusterRole(String name, String rule) {
        return """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"%s"},"rules":[%s]}"""
                .formatted(name, rule);
    }

    static String binding(String kind, String name, String roleRef, String subject) {
        return """
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"%s","metadata":{"name":"%s"},"roleRef":%s,"subjects":[%s]}"""
                .formatted(kind, name, roleRef, subject);
    }

    static final String TO_ROLE = """
            {"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"}""";
    static final String TO_VIEW = """
            {"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}""";
    static final String ALICE = """
            {"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"alice"}""";

    static String review(String kind, String spec) {
        return """
                {"apiVersion":"authorization.k8s.io/v1","kind":"%s","spec":%s}""".formatted(kind, spec);
    }

    static final String RESOURCE = """
            {"namespace":"default","verb":"get","resource":"pods"}""";
    static final String NON_RESOURCE = """
            {"path":"/healthz","verb":"get"}""";
    /**
     * kube-apiserver 1.32 renders the nil value as the quoted string "null" (field.Error quotes string
     * values, and a nil pointer becomes the string "null"); later releases print a bare null.
     */
    static final String NEITHER = "spec.resourceAttributes: Invalid value: \"null\": "
            + "exactly one of nonResourceAttributes or resourceAttributes must be specified";
    static final String BOTH = ": cannot be specified in combination with resourceAttributes";

    static Stream<Case> cases() {
        return Stream.of(
                invalid("a Role rule without verbs", ROLES, role("no-verbs", """
                        {"apiGroups":[""],"resources":["pods"]}"""),
                        "Role.rbac.authorization.k8s.io \"no-verbs\" is invalid: rules[0].verbs: Required value: "
                                + "verbs must contain at least one value"),
                invalid("a ClusterRole rule without verbs", CLUSTER_ROLES, clusterRole("no-verbs", """
                        {"nonResourceURLs":["/healthz"]}"""),
                        "ClusterRole.rbac.authorization.k8s.io \"no-verbs\" is invalid: rules[0].verbs: Required value: "
                                + "verbs must contain at least one value"),
                invalid("a resource rule without apiGroups", ROLES, role("no-groups", """
                        {"verbs":["get"],"resources":["pods"]}"""),
                        "Role.rbac.authorization.k8s.io \"no-groups\" is invalid: rules[0].apiGroups: Required value: "
                                + "resource rules must supply at least one api group"),
                invalid("a resource rule without resources", ROLES, role("no-resources", """
                        {"verbs":["get"],"apiGroups":[""]}"""),
                        "Role.rbac.authorization.k8s.io \"no-resources\" is invalid: rules[0].resources: Required value: "
                                + "resource rules must supply at least one resource"),
                invalid("nonResourceURLs in a namespaced Role", ROLES, role("urls", """
                        {"verbs":["get"],"nonResourceURLs":["/healthz"]}"""),
                        "Role.rbac.authorization.k8s.io \"urls\" is invalid: rules[0].nonResourceURLs: Invalid value: "
                                + "[]string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs"),
                invalid("resourceNames with nonResourceURLs", CLUSTER_ROLES, clusterRole("names-and-urls", """
                        {"verbs":["get"],"nonResourceURLs":["/healthz"],"resourceNames":["x"]}"""),
                        "ClusterRole.rbac.authorization.k8s.io \"names-and-urls\" is invalid: rules[0].nonResourceURLs: Invalid value: "
                                + "[]string{\"/healthz\"}: rules cannot apply to both regular resources and non-resource URLs"),
                invalid("a Role rule that is null", ROLES, role("null-rule", "null"),
                        "Role.rbac.authorization.k8s.io \"null-rule\" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, "
                                + "rules[0].apiGroups: Required value: resource rules must supply at least one api group, "
                                + "rules[0].resources: Required value: resource rules must supply at least one resource]"),
                invalid("a ClusterRoleBinding subject that is null", CLUSTER_BINDINGS, binding("ClusterRoleBinding", "null-subject", TO_VIEW, "null"),
                        "ClusterRoleBinding.rbac.authorization.k8s.io \"null-subject\" is invalid: [subjects[0].name: Required value, "
                                + "subjects[0].kind: Unsupported value: \"\": supported values: \"ServiceAccount\", \"User\", \"Group\"]"),
                invalid("a RoleBinding subject of unknown kind", BINDINGS, binding("RoleBinding", "robot", TO_ROLE, """
                        {"kind":"Robot","name":"r2d2"}"""),
                        "RoleBinding.rbac.authorization.k8s.io \"robot\" is invalid: subjects[0].kind: Unsupported value: \"Robot\": "
                                + "supported values: \"ServiceAccount\", \"User\", \"Group\""),
                invalid("a ClusterRoleBinding subject of unknown kind", CLUSTER_BINDINGS, binding("ClusterRoleBinding", "robot", TO_VIEW, """
                        {"kind":"Robot","name":"r2d2"}"""),
                        "ClusterRoleBinding.rbac.authorization.k8s.io \"robot\" is invalid: subjects[0].kind: Unsupported value: \"Robot\": "
                                + "supported values: \"ServiceAccount\", \"User\", \"Group\""),
                invalid("a User subject without a name", BINDINGS, binding("RoleBinding", "nameless-user", TO_ROLE, """
                        {"apiGroup":"rbac.authorization.k8s.io","kind":"User"}"""),
                        "RoleBinding.rbac.authorization.k8s.io \"nameless-user\" is invalid: subjects[0].name: Required value"),
                invalid("a ServiceAccount subject without a name", BINDINGS, binding("RoleBinding", "nameless-sa", TO_ROLE, """
                        {"kind":"ServiceAccount","namespace":"default"}"""),
                        "RoleBinding.rbac.authorization.k8s.io \"nameless-sa\" is invalid: subjects[0].name: Required value"),
                invalid("a ClusterRoleBinding subject without a name", CLUSTER_BINDINGS, binding("ClusterRoleBinding", "nameless", TO_VIEW, """
                        {"apiGroup":"rbac.authorization.k8s.io","kind":"Group"}"""),
                        "ClusterRoleBinding.rbac.authorization.k8s.io \"nameless\" is invalid: subjects[0].name: Required value"),
                invalid("a RoleBinding roleRef to an unknown kind", BINDINGS, binding("RoleBinding", "to-pod", """
                        {"apiGroup":"rbac.authorization.k8s.io","kind":"Pod","name":"x"}""", ALICE),
                        "RoleBinding.rbac.authorization.k8s.io \"to-pod\" is invalid: roleRef.kind: Unsupported value: \"Pod\": "
                                + "supported values: \"Role\", \"ClusterRole\""),
                invalid("a ClusterRoleBinding roleRef to a Role", CLUSTER_BINDINGS, binding("ClusterRoleBinding", "to-role", TO_ROLE, ALICE),
                        "ClusterRoleBinding.rbac.authorization.k8s.io \"to-role\" is invalid: roleRef.kind: Unsupported value: \"Role\": "
                                + "supported values: \"ClusterRole\""),
                invalid("a roleRef without a name", BINDINGS, binding("RoleBinding", "unnamed-ref", """
                        {"apiGroup":"rbac.authorization.k8s.io","kind":"Role"}""", ALICE),
                        "RoleBinding.rbac.authorization.k8s.io \"unnamed-ref\" is invalid: roleRef.name: Required value"),
                invalid("a SubjectAccessReview with no attributes", AUTHZ + "/subjectaccessreviews",
                        review("SubjectAccessReview", "{\"user\":\"alice\"}"),
                        "SubjectAccessReview.authorization.k8s.io \"\" is invalid: " + NEITHER),
                invalid("a SubjectAccessReview with both kinds of attributes", AUTHZ + "/subjectaccessreviews",
                        review("SubjectAccessReview", "{\"user\":\"alice\",\"resourceAttributes\":" + RESOURCE
                                + ",\"nonResourceAttributes\":" + NON_RESOURCE + "}"),
                        "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.nonResourceAttributes: Invalid value: ", BOTH),
                invalid("a SubjectAccessReview with neither user nor groups", AUTHZ + "/subjectaccessreviews",
                        review("SubjectAccessReview", "{\"resourceAttributes\":" + RESOURCE + "}"),
                        "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": "
                                + "at least one of user or group must be specified"),
                invalid("a SelfSubjectAccessReview with no attributes", AUTHZ + "/selfsubjectaccessreviews",
                        review("SelfSubjectAccessReview", "{}"),
                        "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: " + NEITHER),
                invalid("a SelfSubjectAccessReview with both kinds of attributes", AUTHZ + "/selfsubjectaccessreviews",
                        review("SelfSubjectAccessReview", "{\"resourceAttributes\":" + RESOURCE + ",\"nonResourceAttributes\":"
                                + NON_RESOURCE + "}"),
                        "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.nonResourceAttributes: Invalid value: ", BOTH),
                invalid("a LocalSubjectAccessReview with no attributes", AUTHZ + "/namespaces/default/localsubjectaccessreviews",
                        review("LocalSubjectAccessReview", "{\"user\":\"alice\"}"),
                        "LocalSubjectAccessReview.authorization.k8s.io \"\" is invalid: " + NEITHER));
    }

    @ParameterizedTest(name = "{0} is refused and nothing is stored")
    @MethodSource("cases")
    void badInputIsRefusedWithUpstreamsStatusAndChangesNothing(Case c) {
        Map<String, String> before = snapshot();
        Response r = cluster.admin().post(c.path(), c.body());
        assertRefused(r, c);
        assertThat(snapshot()).isEqualTo(before);
    }

    static void assertRefused(Response r, Case c) {
        assertThat(r.status()).as(r.toString()).isEqualTo(c.code());
        JsonNode status = r.json();
        assertThat(status.path("kind").asString()).as(r.toString()).isEqualTo("Status");
        assertThat(status.path("status").asString()).isEqualTo("Failure");
        assertThat(status.path("reason").asString()).isEqualTo(c.reason());
        assertThat(status.path("code").asInt()).isEqualTo(c.code());
        if (c.ending() == null) {
            assertThat(status.path("message").asString()).isEqualTo(c.message());
        } else {
            assertThat(status.path("message").asString()).startsWith(c.message()).endsWith(c.ending());
        }
    }

    /**
     * As Go's decoder: a null list item is its type's zero value, so {@code "verbs":[null]} is a verb
     * "" that matches nothing. Such a Role is stored, and neither it nor its binding makes any
     * request of the user bound to it (or anyone else's) fail: they are refused, 403.
     */
    @Test
    void nullsInARoleAreReadAsGoReadsThemAndNoRequestFailsBecauseOfThem() {
        Response role = cluster.admin().post(ROLES, role("nulls", """
                {"verbs":[null],"apiGroups":[null],"resources":["pods",null],"resourceNames":[null]}"""));
        assertThat(role.status()).as(role.toString()).isEqualTo(201);
        JsonNode rule = cluster.admin().get(ROLES + "/nulls").expect(200).json().path("rules").path(0);
        assertThat(rule.toString()).isEqualTo("{\"verbs\":[\"\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"\"],\"resourceNames\":[\"\"]}");
        Response cr = cluster.admin().post(CLUSTER_ROLES, clusterRole("nulls", """
                {"verbs":["get",null],"nonResourceURLs":[null,"/healthz"]}"""));
        assertThat(cr.status()).as(cr.toString()).isEqualTo(201);
        // a JSON patch can put the null back: it is read the same way
        Response patched = cluster.admin().send("PATCH", ROLES + "/nulls", "application/json-patch+json", """
                [{"op":"add","path":"/rules/0/verbs/-","value":null},{"op":"add","path":"/metadata/labels","value":{"a":null}}]""");
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(patched.json().path("rules").path(0).path("verbs").toString()).isEqualTo("[\"\",\"\"]");
        assertThat(patched.json().path("metadata").path("labels").toString()).isEqualTo("{\"a\":\"\"}");
        for (Response r : List.of(
                cluster.admin().post(BINDINGS, binding("RoleBinding", "nulls", """
                        {"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"nulls"}""", """
                        {"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"nobody"}""")),
                cluster.admin().post(CLUSTER_BINDINGS, binding("ClusterRoleBinding", "nulls", """
                        {"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"nulls"}""", """
                        {"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"nobody"}""")))) {
            assertThat(r.status()).as(r.toString()).isEqualTo(201);
        }

        assertThat(cluster.as("unused-token").get("/api/v1/namespaces/default/pods").status()).isEqualTo(403);
        assertThat(cluster.as("unused-token").get("/api/v1/namespaces/default/pods/x").status()).isEqualTo(403);
        assertThat(cluster.as("unused-token").get("/healthz").status()).isEqualTo(200);
        assertThat(cluster.as("unused-token").get("/metrics").status()).isEqualTo(403);
        Response review = cluster.admin().post(AUTHZ + "/subjectaccessreviews",
                review("SubjectAccessReview", "{\"user\":\"nobody\",\"resourceAttributes\":" + RESOURCE + "}"));
        assertThat(review.status()).as(review.toString()).isEqualTo(201);
        assertThat(review.json().path("status").path("allowed").asBoolean()).isFalse();
        Response rules = cluster.as("unused-token").post(AUTHZ + "/selfsubjectrulesreviews",
                "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\",\"spec\":{\"namespace\":\"default\"}}");
        assertThat(rules.status()).as(rules.toString()).isEqualTo(201);
    }

    @Test
    void changingTheRoleRefOfABindingIsRefusedAndTheBindingIsUnchanged() {
        Response created = cluster.admin().post(BINDINGS, binding("RoleBinding", "stable", TO_ROLE, ALICE));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        JsonNode stored = cluster.admin().get(BINDINGS + "/stable").expect(200).json();
        Map<String, String> before = snapshot();

        ObjectNode changed = (ObjectNode) stored.deepCopy();
        ((ObjectNode) changed.get("roleRef")).put("name", "other");
        Response put = cluster.admin().put(BINDINGS + "/stable", changed);
        assertRefused(put, invalid("put", null, null, "RoleBinding.rbac.authorization.k8s.io \"stable\" is invalid: roleRef: Invalid value: ",
                ": cannot change roleRef"));

        ObjectNode toClusterRole = (ObjectNode) stored.deepCopy();
        ((ObjectNode) toClusterRole.get("roleRef")).put("kind", "ClusterRole");
        Response kind = cluster.admin().put(BINDINGS + "/stable", toClusterRole);
        assertRefused(kind, invalid("put", null, null, "RoleBinding.rbac.authorization.k8s.io \"stable\" is invalid: roleRef: Invalid value: ",
                ": cannot change roleRef"));

        assertThat(cluster.admin().get(BINDINGS + "/stable").expect(200).json()).isEqualTo(stored);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void changingTheRoleRefOfAClusterRoleBindingIsRefusedAndTheBindingIsUnchanged() {
        Response created = cluster.admin().post(CLUSTER_BINDINGS, binding("ClusterRoleBinding", "stable", TO_VIEW, ALICE));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        JsonNode stored = cluster.admin().get(CLUSTER_BINDINGS + "/stable").expect(200).json();
        Map<String, String> before = snapshot();

        ObjectNode changed = (ObjectNode) stored.deepCopy();
        ((ObjectNode) changed.get("roleRef")).put("name", "edit");
        Response put = cluster.admin().put(CLUSTER_BINDINGS + "/stable", changed);
        assertRefused(put, invalid("put", null, null,
                "ClusterRoleBinding.rbac.authorization.k8s.io \"stable\" is invalid: roleRef: Invalid value: ", ": cannot change roleRef"));

        assertThat(cluster.admin().get(CLUSTER_BINDINGS + "/stable").expect(200).json()).isEqualTo(stored);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void aValidRoleIsAcceptedSoTheRefusalsAboveAreAboutTheirInput() {
        Response r = cluster.admin().post(ROLES, role("fine", """
                {"verbs":["get"],"apiGroups":[""],"resources":["pods"]}"""));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        Response review = cluster.admin().post(AUTHZ + "/subjectaccessreviews",
                review("SubjectAccessReview", "{\"user\":\"alice\",\"resourceAttributes\":" + RESOURCE + "}"));
        assertThat(review.status()).as(review.toString()).isEqualTo(201);
        assertThat(review.json().path("status").path("allowed").asBoolean()).isFalse();
    }

    @Test
    void theRefusedRoleRefChangeShowsTheNewRefAsUpstreamDoes() {
        Response created = cluster.admin().post(BINDINGS, binding("RoleBinding", "shown", TO_ROLE, ALICE));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        ObjectNode changed = (ObjectNode) cluster.admin().get(BINDINGS + "/shown").expect(200).json().deepCopy();
        ((ObjectNode) changed.get("roleRef")).put("name", "other");
        assertRefused(cluster.admin().put(BINDINGS + "/shown", changed), invalid("put", null, null,
                "RoleBinding.rbac.authorization.k8s.io \"shown\" is invalid: roleRef: Invalid value: "
                        + "rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"Role\", Name:\"other\"}: cannot change roleRef"));
    }

    @Test
    void aReviewWithBothKindsOfAttributesShowsTheValueAsUpstreamDoes() {
        Response r = cluster.admin().post(AUTHZ + "/subjectaccessreviews", review("SubjectAccessReview",
                "{\"user\":\"alice\",\"resourceAttributes\":" + RESOURCE + ",\"nonResourceAttributes\":" + NON_RESOURCE + "}"));
        assertRefused(r, invalid("both", null, null, "SubjectAccessReview.authorization.k8s.io \"\" is invalid: "
                + "spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:\"/healthz\", Verb:\"get\"}: "
                + "cannot be specified in combination with resourceAttributes"));
    }
}
