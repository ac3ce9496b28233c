package io.portcullis.e2e.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.api.Json;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The default ClusterRoles, read back with kubectl, equal upstream's bootstrap policy after aggregation. */
@EndToEnd
class BootstrapClusterRolesTest {
    @RegisterExtension
    static final TestServer server = TestServer.notStarted();
    static Cluster cluster;
    static Map<String, JsonNode> upstream;

    @BeforeAll
    static void start() throws Exception {
        upstream = new LinkedHashMap<>();
        for (JsonNode item : new YAMLMapper().readTree(Files.readString(policyDir().resolve("cluster-roles.yaml"))).get("items")) {
            upstream.put(item.path("metadata").path("name").asString(), item);
        }
        cluster = Cluster.start(server, "viewer-token,viewer,uid-viewer\n");
    }

    /** ../shared/reference/bootstrappolicy beside the repository, else the shared copy. */
    static Path policyDir() {
        Path beside = Path.of("").toAbsolutePath().resolve("../shared/reference/bootstrappolicy").normalize();
        return Files.isDirectory(beside) ? beside : Path.of("/work/shared/reference/bootstrappolicy");
    }

    /** A rule as a comparable value: each list as a sorted set, empty lists dropped. */
    static String normalize(JsonNode rule) {
        Map<String, Set<String>> fields = new TreeMap<>();
        for (String f : List.of("apiGroups", "resources", "resourceNames", "nonResourceURLs", "verbs")) {
            Set<String> values = new TreeSet<>();
            rule.path(f).forEach(v -> values.add(v.asString()));
            if (!values.isEmpty()) fields.put(f, values);
        }
        return fields.toString();
    }

    static Set<String> rules(JsonNode role) {
        Set<String> rules = new TreeSet<>();
        role.path("rules").forEach(r -> rules.add(normalize(r)));
        return rules;
    }

    static boolean matches(JsonNode selector, JsonNode labels) {
        assertThat(selector.has("matchExpressions")).as("selector %s", selector).isFalse();
        for (var e : selector.path("matchLabels").properties()) {
            if (!e.getValue().asString().equals(labels.path(e.getKey()).asString(null))) return false;
        }
        return true;
    }

    /**
     * The rules the aggregation controller settles on: a role with an aggregationRule holds the
     * union of the rules of every role its selectors match, repeated until nothing changes (edit is
     * itself aggregated into admin).
     */
    static Map<String, Set<String>> expectedRules() {
        Map<String, Set<String>> rules = new LinkedHashMap<>();
        upstream.forEach((name, role) -> rules.put(name, role.has("aggregationRule") ? new TreeSet<>() : rules(role)));
        boolean changed = true;
        while (changed) {
            changed = false;
            for (var e : upstream.entrySet()) {
                JsonNode aggregation = e.getValue().path("aggregationRule");
                if (aggregation.isMissingNode() || aggregation.isNull()) continue;
                for (JsonNode selector : aggregation.path("clusterRoleSelectors")) {
                    for (var other : upstream.entrySet()) {
                        if (other.getKey().equals(e.getKey())) continue;
                        if (matches(selector, other.getValue().path("metadata").path("labels"))) {
                            changed |= rules.get(e.getKey()).addAll(rules.get(other.getKey()));
                        }
                    }
                }
            }
        }
        return rules;
    }

    JsonNode kubectlGet(String name) {
        Cluster.Run run = cluster.kubectl("get", "clusterrole", name, "-o", "json");
        assertThat(run.exit()).as(run.toString()).isZero();
        return Json.MAPPER.readTree(run.out());
    }

    @ParameterizedTest(name = "{0} has upstream''s rules")
    @ValueSource(strings = {"view", "edit", "admin", "cluster-admin", "system:discovery", "system:basic-user",
            "system:public-info-viewer"})
    void theDefaultClusterRoleHasUpstreamsRules(String name) throws InterruptedException {
        JsonNode want = upstream.get(name);
        assertThat(want).as("%s in %s", name, policyDir()).isNotNull();
        Set<String> expected = expectedRules().get(name);
        assertThat(expected).as("upstream rules of %s", name).isNotEmpty();

        JsonNode got = kubectlGet(name);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!rules(got).equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            got = kubectlGet(name);
        }
        assertThat(new ArrayList<>(rules(got))).as("rules of %s", name).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(got.path("aggregationRule")).as("aggregationRule of %s", name)
                .isEqualTo(want.has("aggregationRule") ? want.get("aggregationRule") : got.path("aggregationRule"));
        if (!want.has("aggregationRule")) assertThat(got.has("aggregationRule")).isFalse();
        assertThat(got.path("metadata").path("labels").path("kubernetes.io/bootstrapping").asString()).isEqualTo("rbac-defaults");
        assertThat(got.path("metadata").path("annotations").path("rbac.authorization.kubernetes.io/autoupdate").asString())
                .isEqualTo("true");
    }
}
