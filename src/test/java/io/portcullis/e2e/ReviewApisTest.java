package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Https.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** TokenReview and SubjectAccessReview as a webhook or another API server would call them. */
class ReviewApisTest extends AdminServerTest {
    static final String TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews";
    static final String SARS = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    static String audienceToken;

    @BeforeAll
    static void start() throws Exception {
        for (int i = 0; i < 100 && https.get("/api/v1/namespaces/default/serviceaccounts/default").status() != 200; i++) Thread.sleep(100);
        Response r = https.post("/api/v1/namespaces/default/serviceaccounts/default/token",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{\"audiences\":[\"vault\"]}}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        audienceToken = r.json().path("status").path("token").asString();
    }

    @Test
    void aTokenReviewForTheTokensAudienceAuthenticatesTheServiceAccount() throws Exception {
        JsonNode status = review("[\"vault\"]", audienceToken);
        assertThat(status.path("authenticated").asBoolean()).isTrue();
        assertThat(status.path("user").path("username").asString()).isEqualTo("system:serviceaccount:default:default");
        assertThat(status.path("user").path("groups").toString())
                .contains("system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated");
        assertThat(status.path("audiences").toString()).isEqualTo("[\"vault\"]");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            another audience           | ["db"]
            the API audiences (empty)  | []
            """)
    void aTokenReviewForAnotherAudienceDoesNotAuthenticate(String name, String audiences) throws Exception {
        JsonNode status = review(audiences, audienceToken);
        assertThat(status.path("authenticated").asBoolean()).isFalse();
        assertThat(status.path("error").asString()).isNotEmpty().doesNotContain(audienceToken);
    }

    /** As upstream's create handler: Strict refuses (400, its words), Warn drops the field with a Warning header, Ignore drops it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            review, a duplicate field         | SARS   | Strict | {"kind":"SubjectAccessReview","kind":"SubjectAccessReview","spec":{"user":"u","nonResourceAttributes":{"path":"/x","verb":"get"}}} | 400 | SubjectAccessReview in version "v1" cannot be handled as a SubjectAccessReview: strict decoding error: duplicate field "kind"
            review, an unknown field          | SARS   | Strict | {"spec":{"user":"u","nope":1,"nonResourceAttributes":{"path":"/x","verb":"get"}}}                                              | 400 | SubjectAccessReview in version "v1" cannot be handled as a SubjectAccessReview: strict decoding error: unknown field "spec.nope"
            review, an unknown field, warned  | SARS   | Warn   | {"spec":{"user":"u","nope":1,"nonResourceAttributes":{"path":"/x","verb":"get"}}}                                              | 201 | unknown field "spec.nope"
            review, an unknown field, ignored | SARS   | Ignore | {"spec":{"user":"u","nope":1,"nonResourceAttributes":{"path":"/x","verb":"get"}}}                                              | 201 | ""
            token, an unknown field           | TOKENS | Strict | {"spec":{"audiences":["a"],"nope":1}}                                                                                          | 400 | TokenRequest in version "v1" cannot be handled as a TokenRequest: strict decoding error: unknown field "spec.nope"
            token, an unknown field, warned   | TOKENS | Warn   | {"spec":{"audiences":["a"],"nope":1}}                                                                                          | 201 | unknown field "spec.nope"
            token, an unknown field, ignored  | TOKENS | Ignore | {"spec":{"audiences":["a"],"nope":1}}                                                                                          | 201 | ""
            """)
    void reviewsAndTokenRequestsFollowTheFieldValidationDirective(String name, String path, String directive, String body, int code,
                                                                   String said) throws Exception {
        String url = path.equals("SARS") ? SARS : "/api/v1/namespaces/default/serviceaccounts/default/token";
        Response r = https.post(url + "?fieldValidation=" + directive, body);
        assertThat(r.status()).as(r.text()).isEqualTo(code);
        String warning = String.join("\n", r.headers().allValues("Warning"));
        if (code == 400) assertThat(r.json().path("message").asString()).isEqualTo(said);
        else if (said.isEmpty()) assertThat(warning).isEmpty();
        else assertThat(warning).isEqualTo("299 - \"" + said.replace("\"", "\\\"") + "\"");
    }

    @Test
    void aGarbageTokenIsReviewedAsNotAuthenticated() throws Exception {
        JsonNode status = review("[]", "not-a-token");
        assertThat(status.path("authenticated").asBoolean()).isFalse();
        assertThat(status.has("user")).isFalse();
    }

    @Test
    void aTokenReviewWithoutATokenIsABadRequest() throws Exception {
        Response r = https.post(TOKEN_REVIEWS,
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{}}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("message").asString()).isEqualTo("token is required for TokenReview in authentication");
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            bob                                      | ''                      | list   | false
            bob                                      | system:masters          | delete | true
            system:serviceaccount:default:default    | system:serviceaccounts  | create | false
            """)
    void aSubjectAccessReviewAnswersForTheNamedSubject(String user, String group, String verb, boolean allowed) throws Exception {
        String groups = group.isEmpty() ? "[]" : "[\"" + group + "\"]";
        Response r = https.post(SARS,
                "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{\"user\":\"" + user + "\",\"groups\":"
                        + groups + ",\"resourceAttributes\":{\"namespace\":\"default\",\"verb\":\"" + verb + "\",\"resource\":\"secrets\"}}}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        JsonNode status = r.json().path("status");
        assertThat(status.path("allowed").asBoolean()).isEqualTo(allowed);
        assertThat(status.path("denied").asBoolean(false)).isFalse();
    }

    private static JsonNode review(String audiences, String token) throws Exception {
        Response r = https.post(TOKEN_REVIEWS,
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"" + token
                        + "\",\"audiences\":" + audiences + "}}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.json().path("status");
    }
}
