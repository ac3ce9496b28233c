package io.portcullis.request;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestInfoTest {
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            GET    | /api/v1/namespaces/default/pods                         | list             | ''        | v1 | default | pods            | ''     | ''  | true  | false
            GET    | /api/v1/namespaces/default/pods?watch=true              | watch            | ''        | v1 | default | pods            | ''     | ''  | true  | false
            GET    | /api/v1/namespaces/default/pods?watch=false             | list             | ''        | v1 | default | pods            | ''     | ''  | true  | false
            GET    | /api/v1/namespaces/default/pods?watch=0                 | list             | ''        | v1 | default | pods            | ''     | ''  | true  | false
            GET    | /api/v1/watch/namespaces/default/pods                   | watch            | ''        | v1 | default | pods            | ''     | ''  | true  | true
            GET    | /api/v1/watch/namespaces/default/pods/p1                | watch            | ''        | v1 | default | pods            | ''     | p1  | true  | true
            DELETE | /api/v1/watch/namespaces/default/pods/p1                | watch            | ''        | v1 | default | pods            | ''     | p1  | true  | true
            POST   | /api/v1/watch/pods                                      | watch            | ''        | v1 | ''      | pods            | ''     | ''  | false | true
            GET    | /api/v1/namespaces/default/pods/p1                      | get              | ''        | v1 | default | pods            | ''     | p1  | true  | false
            GET    | /api/v1/namespaces/default/pods/p1/                     | get              | ''        | v1 | default | pods            | ''     | p1  | true  | false
            GET    | /api/v1/namespaces/default/pods/p1/log                  | get              | ''        | v1 | default | pods            | log    | p1  | true  | false
            PUT    | /api/v1/namespaces/default/pods/p1/status               | update           | ''        | v1 | default | pods            | status | p1  | true  | false
            POST   | /api/v1/namespaces/default/serviceaccounts/foo/token    | create           | ''        | v1 | default | serviceaccounts | token  | foo | true  | false
            PATCH  | /api/v1/namespaces/default/configmaps/c                 | patch            | ''        | v1 | default | configmaps      | ''     | c   | true  | false
            DELETE | /api/v1/namespaces/default/configmaps/c                 | delete           | ''        | v1 | default | configmaps      | ''     | c   | true  | false
            DELETE | /api/v1/namespaces/default/configmaps                   | deletecollection | ''        | v1 | default | configmaps      | ''     | ''  | true  | false
            POST   | /api/v1/namespaces/default/configmaps                   | create           | ''        | v1 | default | configmaps      | ''     | ''  | true  | false
            GET    | /api/v1/pods                                            | list             | ''        | v1 | ''      | pods            | ''     | ''  | false | false
            GET    | /api/v1/namespaces                                      | list             | ''        | v1 | ''      | namespaces      | ''     | ''  | false | false
            GET    | /api/v1/namespaces/foo                                  | get              | ''        | v1 | foo     | namespaces      | ''     | foo | false | false
            PUT    | /api/v1/namespaces/foo/finalize                         | update           | ''        | v1 | foo     | namespaces      | finalize | foo | false | false
            GET    | /api/v1/namespaces/foo/status                           | get              | ''        | v1 | foo     | namespaces      | status | foo | false | false
            DELETE | /api/v1/namespaces/team-b/namespaces/victim             | delete           | ''        | v1 | team-b  | namespaces      | ''     | victim | true | false
            GET    | /apis/rbac.authorization.k8s.io/v1/clusterroles/view    | get              | rbac.authorization.k8s.io | v1 | '' | clusterroles | '' | view | false | false
            GET    | /apis/rbac.authorization.k8s.io/v1/namespaces/a/roles   | list             | rbac.authorization.k8s.io | v1 | a  | roles        | '' | ''   | true  | false
            GET    | /apis/rbac.authorization.k8s.io/v1/namespaces/a/clusterroles | list        | rbac.authorization.k8s.io | v1 | a  | clusterroles | '' | ''   | true  | false
            """)
    void resourceRequestsAreReadAsUpstreamReadsThem(String method, String uri, String verb, String group, String version,
                                                    String namespace, String resource, String subresource, String name,
                                                    boolean namespacedPath, boolean watchPath) {
        RequestInfo info = RequestInfo.resolve(method, uri);
        assertThat(info.resourceRequest()).isTrue();
        assertThat(info.verb()).isEqualTo(verb);
        assertThat(info.apiGroup()).isEqualTo(group);
        assertThat(info.apiVersion()).isEqualTo(version);
        assertThat(info.namespace()).isEqualTo(namespace);
        assertThat(info.resource()).isEqualTo(resource);
        assertThat(info.subresource()).isEqualTo(subresource);
        assertThat(info.name()).isEqualTo(name);
        assertThat(info.namespacedPath()).as("namespaced path").isEqualTo(namespacedPath);
        assertThat(info.watchPath()).as("watch path").isEqualTo(watchPath);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            GET    | /api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dp1                        | list  | p1
            GET    | /api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name==p1                  | watch | p1
            GET    | /api/v1/watch/namespaces/default/pods?fieldSelector=metadata.name%3Dp1                   | watch | p1
            GET    | /api/v1/namespaces/default/pods?fieldSelector=metadata.name!%3Dp1                        | list  | ''
            GET    | /api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dp1,status.phase%3DRunning  | list  | ''
            DELETE | /api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dp1                        | deletecollection | ''
            GET    | /api/v1/namespaces/default/pods/p2?fieldSelector=metadata.name%3Dp1                     | get   | p2
            """)
    void aListOrWatchOfOneNameByFieldSelectorIsAuthorizedForThatNameOnly(String method, String uri, String verb, String authorizedName) {
        RequestInfo info = RequestInfo.resolve(method, uri);
        assertThat(info.verb()).isEqualTo(verb);
        assertThat(info.authorizedName()).isEqualTo(authorizedName);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            //api/v1/namespaces/default/configmaps
            /api//v1/namespaces/default/configmaps
            /api/v1//namespaces/default/configmaps
            /api/v1/namespaces//configmaps
            /api/v1/namespaces/default/configmaps//
            /apis/rbac.authorization.k8s.io//v1/clusterroles
            """)
    void aPathWithAnEmptySegmentIsNoResourceRequest(String uri) {
        RequestInfo info = RequestInfo.resolve("GET", uri);
        assertThat(info.resourceRequest()).isFalse();
        assertThat(info.path()).isEqualTo(uri);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            GET    | /version           | get    | /version
            GET    | /healthz?verbose   | get    | /healthz
            GET    | /api               | get    | /api
            GET    | /apis              | get    | /apis
            GET    | /apis/rbac.authorization.k8s.io | get | /apis/rbac.authorization.k8s.io
            GET    | /api/v1            | get    | /api/v1
            POST   | /openapi/v3        | post   | /openapi/v3
            DELETE | /.well-known/openid-configuration | delete | /.well-known/openid-configuration
            """)
    void otherPathsAreNonResourceRequestsWithTheLowerCasedMethodAsVerb(String method, String uri, String verb, String path) {
        RequestInfo info = RequestInfo.resolve(method, uri);
        assertThat(info.resourceRequest()).isFalse();
        assertThat(info.verb()).isEqualTo(verb);
        assertThat(info.path()).isEqualTo(path);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            labelSelector=app%3Dweb%2Ctier+in+(a%2Cb) | labelSelector | app=web,tier in (a,b)
            limit=500&continue=abc                    | continue      | abc
            dryRun=All                                | dryRun        | All
            """)
    void queryParametersAreDecodedOnce(String query, String key, String value) {
        assertThat(RequestInfo.resolve("GET", "/api/v1/pods?" + query).param(key)).isEqualTo(value);
    }
}
