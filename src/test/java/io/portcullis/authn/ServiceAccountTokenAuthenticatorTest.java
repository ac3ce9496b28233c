package io.portcullis.authn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.portcullis.api.Json;
import io.portcullis.pki.Keys;
import io.portcullis.tokens.BoundToken;
import io.portcullis.tokens.TokenSigner;
import io.portcullis.tokens.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class ServiceAccountTokenAuthenticatorTest {
    static final String ISSUER = "https://issuer.example";
    static final KeyPair KEYS = Keys.generateRsa(2048);
    static final TokenSigner SIGNER = new TokenSigner(KEYS.getPrivate(), ISSUER, Clock.systemUTC());
    static final TokenVerifier VERIFIER = new TokenVerifier(List.of(KEYS.getPublic()), List.of(ISSUER), List.of(ISSUER), Clock.systemUTC());
    static final String LEGACY = SIGNER.issueLegacy("ns", "foo", "sa-uid", "foo-token");
    static final String POD_BOUND = SIGNER.issueBound(BoundToken.of("ns", "foo", "sa-uid", List.of(ISSUER), Duration.ofHours(1)).withPod("p", "pod-uid"));

    static JsonNode object(String uid, String json) {
        ObjectNode o = (ObjectNode) Json.tree(json.getBytes(StandardCharsets.UTF_8));
        ((ObjectNode) o.path("metadata")).put("uid", uid);
        return o;
    }

    static JsonNode tokenSecret(String token, String type) {
        return object("secret-uid", "{\"metadata\":{\"annotations\":{\"kubernetes.io/service-account.uid\":\"sa-uid\"}},\"type\":\"" + type
                + "\",\"data\":{\"token\":\"" + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)) + "\"}}");
    }

    static ServiceAccountTokenAuthenticator.Lookup only(JsonNode o) {
        return (ns, name) -> Optional.ofNullable(o);
    }

    static final JsonNode SA = object("sa-uid", "{\"metadata\":{}}");
    static final JsonNode POD = object("pod-uid", "{\"metadata\":{}}");

    static Stream<Arguments> lookups() {
        String type = "kubernetes.io/service-account-token";
        return Stream.of(
                arguments("a legacy token with its secret and account", LEGACY, SA, tokenSecret(LEGACY, type), null, null),
                arguments("a legacy token whose account is gone", LEGACY, null, tokenSecret(LEGACY, type), null, "has been deleted"),
                arguments("a legacy token whose account was recreated", LEGACY, object("other", "{\"metadata\":{}}"), tokenSecret(LEGACY, type), null, "does not match claim"),
                arguments("a legacy token whose secret is gone", LEGACY, SA, null, null, "invalidated"),
                arguments("a legacy token whose secret holds another token", LEGACY, SA, tokenSecret("x", type), null, "does not match server's copy"),
                arguments("a legacy token in a secret of another type", LEGACY, SA, tokenSecret(LEGACY, "Opaque"), null, "not a service account token"),
                arguments("a pod-bound token with its pod", POD_BOUND, SA, null, POD, null),
                arguments("a pod-bound token whose pod is gone", POD_BOUND, SA, null, null, "pod ns/p has been deleted"),
                arguments("a pod-bound token whose pod was recreated", POD_BOUND, SA, null, object("new", "{\"metadata\":{}}"), "does not match claim"),
                arguments("a pod-bound token whose pod is being deleted", POD_BOUND, SA, null,
                        object("pod-uid", "{\"metadata\":{\"deletionTimestamp\":\"2030-01-01T00:00:00Z\"}}"), "being deleted"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void lookups(String name, String token, JsonNode sa, JsonNode secret, JsonNode pod, String wantError) throws Exception {
        var authn = new ServiceAccountTokenAuthenticator(VERIFIER, true, only(sa), only(secret), only(pod));
        if (wantError != null) {
            assertThatThrownBy(() -> authn.authenticateToken(token, List.of())).isInstanceOf(AuthenticationException.class).hasMessageContaining(wantError);
            return;
        }
        var result = authn.authenticateToken(token, List.of()).orElseThrow();
        assertThat(result.user().name()).isEqualTo("system:serviceaccount:ns:foo");
        assertThat(result.user().uid()).isEqualTo("sa-uid");
        assertThat(result.user().groups()).containsExactly("system:serviceaccounts", "system:serviceaccounts:ns");
    }

    @Test
    void withoutLookupADeletedAccountsTokenStillPasses() throws Exception {
        var authn = new ServiceAccountTokenAuthenticator(VERIFIER, false, only(null), only(null), only(null));
        assertThat(authn.authenticateToken(POD_BOUND, List.of())).isPresent();
    }

    @Test
    void aPodBoundTokenCarriesUpstreamsExtraAndItsDependencies() throws Exception {
        var authn = new ServiceAccountTokenAuthenticator(VERIFIER, true, only(SA), only(null), only(POD));
        var result = authn.authenticateToken(POD_BOUND, List.of()).orElseThrow();
        Map<String, List<String>> extra = result.user().extra();
        assertThat(extra.get("authentication.kubernetes.io/pod-name")).containsExactly("p");
        assertThat(extra.get("authentication.kubernetes.io/pod-uid")).containsExactly("pod-uid");
        assertThat(extra.get("authentication.kubernetes.io/credential-id").get(0)).startsWith("JTI=");
        assertThat(result.dependencies()).isEqualTo(Set.of("serviceaccount/ns/foo", "pod/ns/p"));
    }

    @Test
    void aTokenOfAnotherIssuerIsNotOurs() throws Exception {
        var other = new TokenSigner(KEYS.getPrivate(), "https://other.example", Clock.systemUTC());
        var authn = new ServiceAccountTokenAuthenticator(VERIFIER, true, only(SA), only(null), only(null));
        assertThat(authn.authenticateToken(other.issueBound(BoundToken.of("ns", "foo", "sa-uid", List.of(ISSUER), Duration.ofHours(1))), List.of()))
                .isEmpty();
    }
}
