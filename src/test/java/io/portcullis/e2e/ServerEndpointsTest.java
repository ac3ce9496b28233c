package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Https.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** The paths that name no resource, as kubectl and monitoring read them: version, health, metrics, discovery, OpenAPI. */
class ServerEndpointsTest extends AdminServerTest {

    @Test
    void versionReportsTheKubernetesReleaseServed() throws Exception {
        JsonNode v = json(https.get("/version"));
        assertThat(v.path("major").asString()).isEqualTo("1");
        assertThat(v.path("minor").asString()).isEqualTo("32");
        assertThat(v.path("gitVersion").asString()).isEqualTo("v1.32.5");
        assertThat(v.path("gitCommit").asString()).hasSize(40);
        assertThat(v.path("gitTreeState").asString()).isEqualTo("clean");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /livez                   | 200 | ok
            /readyz                  | 200 | ok
            /healthz                 | 200 | ok
            /readyz?verbose          | 200 | [+]watch-cache ok
            /livez?verbose           | 200 | livez check passed
            /readyz/watch-cache      | 200 | ok
            /livez/no-such-check     | 404 | the server could not find the requested resource
            """)
    void healthChecksAnswerAsUpstream(String path, int code, String text) throws Exception {
        Response r = https.get(path);
        assertThat(r.status()).isEqualTo(code);
        assertThat(r.text()).contains(text);
    }

    @Test
    void metricsCountRequestsAndAuthenticationsInPrometheusText() throws Exception {
        https.get("/api/v1/namespaces/default/configmaps");
        Response r = https.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(r.text())
                .contains("apiserver_request_total{code=\"200\",group=\"\",resource=\"configmaps\",verb=\"LIST\"}")
                .contains("apiserver_request_duration_seconds_bucket{group=\"\",resource=\"configmaps\",verb=\"LIST\"")
                .containsPattern("(?m)^authentication_attempts\\{result=\"success\"} [1-9]")
                .contains("authentication_duration_seconds_count{result=\"success\"}");
    }

    @Test
    void legacyDiscoveryListsTheServedGroupsAndResources() throws Exception {
        assertThat(json(https.get("/api")).path("versions").get(0).asString()).isEqualTo("v1");
        List<String> groups = new ArrayList<>();
        for (JsonNode g : json(https.get("/apis")).path("groups")) groups.add(g.path("name").asString());
        assertThat(groups).contains("rbac.authorization.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "coordination.k8s.io");
        JsonNode sa = null;
        JsonNode token = null;
        for (JsonNode r : json(https.get("/api/v1")).path("resources")) {
            if (r.path("name").asString().equals("serviceaccounts")) sa = r;
            if (r.path("name").asString().equals("serviceaccounts/token")) token = r;
        }
        assertThat(sa.path("shortNames").get(0).asString()).isEqualTo("sa");
        assertThat(token.path("kind").asString()).isEqualTo("TokenRequest");
        assertThat(token.path("group").asString()).isEqualTo("authentication.k8s.io");
    }

    /** The hashes a kube-apiserver 1.32 lists for the same resources; subresources and the never-stored reviews have none. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            /api/v1                                   | configmaps             | qFsyl6wFWjQ=
            /api/v1                                   | pods                   | xPOwRZ+Yhw8=
            /api/v1                                   | secrets                | S6u1pOWzb84=
            /api/v1                                   | namespaces             | Q3oi5N2YM8M=
            /api/v1                                   | serviceaccounts        | pbx9ZvyFpBE=
            /api/v1                                   | events                 | r2yiGXH7wu8=
            /apis/rbac.authorization.k8s.io/v1        | roles                  | 7FuwZcIIItM=
            /apis/coordination.k8s.io/v1              | leases                 | gqkMMb/YqFM=
            /api/v1                                   | pods/status            | ''
            /api/v1                                   | serviceaccounts/token  | ''
            /apis/authentication.k8s.io/v1            | tokenreviews           | ''
            """)
    void legacyDiscoveryGivesStoredResourcesTheirStorageVersionHash(String groupVersion, String resource, String hash) throws Exception {
        JsonNode found = null;
        for (JsonNode r : json(https.get(groupVersion)).path("resources")) if (r.path("name").asString().equals(resource)) found = r;
        assertThat(found).as(resource).isNotNull();
        assertThat(found.path("storageVersionHash").asString("")).isEqualTo(hash == null ? "" : hash);
    }

    @Test
    void aggregatedDiscoveryIsAnsweredWithItsOwnContentType() throws Exception {
        Response r = https.get("/apis", "Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
        assertThat(r.headers().firstValue("Content-Type").orElse("")).isEqualTo("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        JsonNode items = json(r).path("items");
        assertThat(items.size()).isGreaterThanOrEqualTo(4);
        for (JsonNode group : items) {
            for (JsonNode resource : group.path("versions").get(0).path("resources")) {
                assertThat(resource.path("responseKind").path("kind").asString()).as(resource.path("resource").asString()).isNotEmpty();
            }
        }
    }

    @Test
    void openApiV3AdvertisesServerSideFieldValidationForEveryKind() throws Exception {
        JsonNode index = json(https.get("/openapi/v3"));
        String url = index.path("paths").path("api/v1").path("serverRelativeURL").asString();
        assertThat(url).startsWith("/openapi/v3/api/v1?hash=");
        JsonNode doc = json(https.get(url));
        JsonNode patch = doc.path("paths").path("/api/v1/namespaces/{namespace}/configmaps/{name}").path("patch");
        assertThat(patch.path("x-kubernetes-group-version-kind").path("kind").asString()).isEqualTo("ConfigMap");
        List<String> params = new ArrayList<>();
        for (JsonNode p : patch.path("parameters")) params.add(p.path("name").asString());
        assertThat(params).contains("fieldValidation");
        assertThat(doc.path("components").path("schemas").path("io.k8s.api.core.v1.ConfigMap").path("properties").has("data")).isTrue();
    }

    private static JsonNode json(Response r) {
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json();
    }
}
