package io.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.portcullis.api.Json;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.Https.Response;
import io.portcullis.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** ServiceAccounts end to end over HTTPS: controllers, tokens, TokenRequest, pod admission, issuer discovery. */
@EndToEnd
class ServiceAccountsTest {
    @RegisterExtension
    static final TestServer server = TestServer.embedded(c -> c.withServiceAccounts(sa -> sa.withMaxTokenExpiration(Duration.ofHours(2), true)));
    static Https admin;

    @BeforeAll
    static void adminClient() {
        admin = server.admin();
    }

    // --- helpers --------------------------------------------------------------------------------

    static String namespace() {
        String ns = "t-" + UUID.randomUUID().toString().substring(0, 8);
        ObjectNode body = Json.object();
        body.putObject("metadata").put("name", ns);
        assertThat(admin.post("/api/v1/namespaces", body).status()).isEqualTo(201);
        return ns;
    }

    static Response create(String ns, String resource, String json) {
        return admin.post("/api/v1/namespaces/" + ns + "/" + resource, json);
    }

    static JsonNode get(String ns, String resource, String name) {
        Response r = admin.get("/api/v1/namespaces/" + ns + "/" + resource + "/" + name);
        return r.status() == 200 ? r.json() : null;
    }

    static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    static Response tokenRequest(String ns, String sa, String spec) {
        return admin.post("/api/v1/namespaces/" + ns + "/serviceaccounts/" + sa + "/token",
                "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":" + spec + "}");
    }

    static String serviceAccount(String ns, String name) {
        Response r = create(ns, "serviceaccounts", "{\"metadata\":{\"name\":\"" + name + "\"}}");
        assertThat(r.status()).isEqualTo(201);
        return r.json().path("metadata").path("uid").asString();
    }

    static int readPods(String ns, String token) {
        return server.anonymous().withToken(token).get("/api/v1/namespaces/" + ns + "/pods").status();
    }

    static JsonNode claims(String jwt) {
        return Json.tree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    static String decoded(JsonNode secret, String key) {
        return new String(Base64.getDecoder().decode(secret.path("data").path(key).asString("")), StandardCharsets.UTF_8);
    }

    // --- controllers ----------------------------------------------------------------------------

    @Test
    void everyNamespaceGetsTheDefaultServiceAccountBackAfterItIsDeleted() {
        String ns = namespace();
        eventually("default exists", () -> get(ns, "serviceaccounts", "default") != null);
        String uid = get(ns, "serviceaccounts", "default").path("metadata").path("uid").asString();
        assertThat(admin.delete("/api/v1/namespaces/" + ns + "/serviceaccounts/default").status()).isEqualTo(200);
        eventually("default is back with a new uid", () -> {
            JsonNode sa = get(ns, "serviceaccounts", "default");
            return sa != null && !sa.path("metadata").path("uid").asString().equals(uid);
        });
        assertThat(get("kube-system", "serviceaccounts", "default")).isNotNull();
    }

    @Test
    void kubeRootCaIsPublishedAndRestoredWhenChangedOrDeleted() throws Exception {
        String ns = namespace();
        String ca = Files.readString(server.pki().caCertificateFile());
        eventually("kube-root-ca.crt exists", () -> get(ns, "configmaps", "kube-root-ca.crt") != null);
        JsonNode cm = get(ns, "configmaps", "kube-root-ca.crt");
        assertThat(cm.path("data").path("ca.crt").asString()).isEqualTo(ca);
        assertThat(cm.path("metadata").path("annotations").path("kubernetes.io/description").asString())
                .startsWith("Contains a CA bundle that can be used to verify the kube-apiserver");

        Response patched = admin.put("/api/v1/namespaces/" + ns + "/configmaps/kube-root-ca.crt",
                "{\"metadata\":{\"name\":\"kube-root-ca.crt\"},\"data\":{\"ca.crt\":\"forged\"}}");
        assertThat(patched.status()).isEqualTo(200);
        eventually("the CA is reset", () -> ca.equals(get(ns, "configmaps", "kube-root-ca.crt").path("data").path("ca.crt").asString()));

        assertThat(admin.delete("/api/v1/namespaces/" + ns + "/configmaps/kube-root-ca.crt").status()).isEqualTo(200);
        eventually("kube-root-ca.crt is back", () -> get(ns, "configmaps", "kube-root-ca.crt") != null);
    }

    @Test
    void aTokenSecretIsFilledAuthenticatesAndGoesWithItsServiceAccount() {
        String ns = namespace();
        String uid = serviceAccount(ns, "foo");
        assertThat(create(ns, "secrets", "{\"metadata\":{\"name\":\"foo-token\",\"annotations\":{\"kubernetes.io/service-account.name\":\"foo\"}},"
                + "\"type\":\"kubernetes.io/service-account-token\"}").status()).isEqualTo(201);
        eventually("the secret is filled", () -> get(ns, "secrets", "foo-token").path("data").has("token"));
        JsonNode secret = get(ns, "secrets", "foo-token");
        assertThat(secret.path("metadata").path("annotations").path("kubernetes.io/service-account.uid").asString()).isEqualTo(uid);
        assertThat(decoded(secret, "namespace")).isEqualTo(ns);
        assertThat(decoded(secret, "ca.crt")).startsWith("-----BEGIN CERTIFICATE-----");
        String token = decoded(secret, "token");
        assertThat(claims(token).path("iss").asString()).isEqualTo("kubernetes/serviceaccount");
        assertThat(claims(token).path("sub").asString()).isEqualTo("system:serviceaccount:" + ns + ":foo");

        assertThat(readPods(ns, token)).as("authenticated, not authorized").isEqualTo(403);
        assertThat(server.anonymous().withToken(token).get("/api/v1/namespaces/" + ns + "/pods").message())
                .contains("system:serviceaccount:" + ns + ":foo");

        assertThat(admin.delete("/api/v1/namespaces/" + ns + "/serviceaccounts/foo").status()).isEqualTo(200);
        long deleted = System.nanoTime();
        eventually("the token stops working", () -> readPods(ns, token) == 401);
        assertThat(Duration.ofNanos(System.nanoTime() - deleted)).isLessThan(Duration.ofSeconds(1));
        eventually("the secret is deleted", () -> get(ns, "secrets", "foo-token") == null);
    }

    @Test
    void deletingATokenSecretRevokesItsTokenAtOnce() {
        String ns = namespace();
        serviceAccount(ns, "foo");
        create(ns, "secrets", "{\"metadata\":{\"name\":\"foo-token\",\"annotations\":{\"kubernetes.io/service-account.name\":\"foo\"}},"
                + "\"type\":\"kubernetes.io/service-account-token\"}");
        eventually("the secret is filled", () -> get(ns, "secrets", "foo-token").path("data").has("token"));
        String token = decoded(get(ns, "secrets", "foo-token"), "token");
        assertThat(readPods(ns, token)).isEqualTo(403);
        admin.delete("/api/v1/namespaces/" + ns + "/secrets/foo-token");
        long deleted = System.nanoTime();
        eventually("the token stops working", () -> readPods(ns, token) == 401);
        assertThat(Duration.ofNanos(System.nanoTime() - deleted)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aTokenSecretNamingAMissingServiceAccountIsDeleted() {
        String ns = namespace();
        assertThat(create(ns, "secrets", "{\"metadata\":{\"name\":\"ghost-token\",\"annotations\":{\"kubernetes.io/service-account.name\":\"ghost\"}},"
                + "\"type\":\"kubernetes.io/service-account-token\"}").status()).isEqualTo(201);
        eventually("the secret is deleted", () -> get(ns, "secrets", "ghost-token") == null);
    }

    @Test
    void withoutTheLegacyFlagNoTokenSecretIsCreated() throws InterruptedException {
        String ns = namespace();
        serviceAccount(ns, "foo");
        Thread.sleep(300);
        assertThat(get(ns, "serviceaccounts", "foo").path("secrets").size()).isZero();
        assertThat(admin.get("/api/v1/namespaces/" + ns + "/secrets").json().path("items").size()).isZero();
    }

    // --- TokenRequest ---------------------------------------------------------------------------

    @Test
    void tokenRequestIssuesABoundTokenThatStopsWorkingWhenTheServiceAccountIsDeleted() {
        String ns = namespace();
        String uid = serviceAccount(ns, "foo");
        Instant before = Instant.now().minusSeconds(1);
        Response r = tokenRequest(ns, "foo", "{}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().path("kind").asString()).isEqualTo("TokenRequest");
        assertThat(r.json().path("apiVersion").asString()).isEqualTo("authentication.k8s.io/v1");
        assertThat(r.json().path("metadata").path("name").asString()).isEqualTo("foo");
        assertThat(r.json().path("metadata").path("namespace").asString()).isEqualTo(ns);
        assertThat(r.json().path("spec").path("expirationSeconds").asLong()).isEqualTo(3600);
        assertThat(r.json().path("spec").path("audiences").get(0).asString()).isEqualTo(ServiceAccounts.DEFAULT_ISSUER);
        Instant expiry = Instant.parse(r.json().path("status").path("expirationTimestamp").asString());
        assertThat(expiry).isBetween(before.plusSeconds(3600), Instant.now().plusSeconds(3601));
        String token = r.json().path("status").path("token").asString();
        JsonNode c = claims(token);
        assertThat(c.path("iss").asString()).isEqualTo(ServiceAccounts.DEFAULT_ISSUER);
        assertThat(c.path("kubernetes.io").path("serviceaccount").path("uid").asString()).isEqualTo(uid);
        assertThat(c.path("exp").asLong() - c.path("iat").asLong()).isEqualTo(3600);

        assertThat(readPods(ns, token)).isEqualTo(403);
        assertThat(admin.delete("/api/v1/namespaces/" + ns + "/serviceaccounts/foo").status()).isEqualTo(200);
        long deleted = System.nanoTime();
        eventually("the token stops working", () -> readPods(ns, token) == 401);
        assertThat(Duration.ofNanos(System.nanoTime() - deleted)).isLessThan(Duration.ofSeconds(1));
        serviceAccount(ns, "foo");
        assertThat(readPods(ns, token)).as("a recreated account has another uid").isEqualTo(401);
    }

    @Test
    void tokenRequestIsShortenedToTheMaximumWithAWarning() {
        String ns = namespace();
        serviceAccount(ns, "foo");
        Response r = tokenRequest(ns, "foo", "{\"expirationSeconds\":100000}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().path("spec").path("expirationSeconds").asLong()).isEqualTo(7200);
        assertThat(r.headers().allValues("Warning")).anySatisfy(w -> assertThat(w).contains("requested expiration of 100000 seconds shortened to 7200 seconds"));
    }

    @Test
    void aPodBoundTokenOf3607SecondsLivesAYearAndDiesWithThePod() {
        String ns = namespace();
        serviceAccount(ns, "foo");
        Response pod = create(ns, "pods", "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"serviceAccountName\":\"foo\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
        assertThat(pod.status()).isEqualTo(201);
        String podUid = pod.json().path("metadata").path("uid").asString();
        Response r = tokenRequest(ns, "foo", "{\"expirationSeconds\":3607,\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"p\",\"uid\":\"" + podUid + "\"}}");
        assertThat(r.status()).isEqualTo(201);
        String token = r.json().path("status").path("token").asString();
        JsonNode c = claims(token);
        assertThat(c.path("exp").asLong() - c.path("iat").asLong()).isEqualTo(365L * 24 * 3600);
        assertThat(c.path("kubernetes.io").path("warnafter").asLong() - c.path("iat").asLong()).isEqualTo(3607);
        assertThat(c.path("kubernetes.io").path("pod").path("uid").asString()).isEqualTo(podUid);
        assertThat(Instant.parse(r.json().path("status").path("expirationTimestamp").asString()))
                .isBefore(Instant.now().plusSeconds(3700));

        assertThat(readPods(ns, token)).isEqualTo(403);
        admin.delete("/api/v1/namespaces/" + ns + "/pods/p");
        eventually("the token stops working", () -> readPods(ns, token) == 401);
    }

    static Stream<Arguments> badTokenRequests() {
        return Stream.of(
                arguments("a missing service account", "ghost", "{}", 404, "NotFound", "serviceaccounts \"ghost\" not found"),
                arguments("a duration under ten minutes", "foo", "{\"expirationSeconds\":599}", 422, "Invalid",
                        "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes"),
                arguments("a duration over 2^32 seconds", "foo", "{\"expirationSeconds\":4294967297}", 422, "Invalid",
                        "spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds"),
                arguments("a duration that is not a number", "foo", "{\"expirationSeconds\":\"long\"}", 400, "BadRequest",
                        "cannot be handled as a TokenRequest"),
                arguments("an unknown bound object kind", "foo", "{\"boundObjectRef\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"name\":\"x\"}}",
                        400, "BadRequest", "cannot bind token to object of type /v1, Kind=ConfigMap"),
                arguments("a missing bound pod", "foo", "{\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"nopod\"}}",
                        404, "NotFound", "pods \"nopod\" not found"),
                arguments("a missing bound secret", "foo", "{\"boundObjectRef\":{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"name\":\"nosecret\"}}",
                        404, "NotFound", "secrets \"nosecret\" not found"),
                arguments("a mismatched bound secret uid", "foo", "{\"boundObjectRef\":{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"name\":\"s\",\"uid\":\"0000\"}}",
                        409, "Conflict", "Operation cannot be fulfilled on Secret \"s\": the UID in the bound object reference (0000) does not match the UID in record. The object might have been deleted and then recreated"),
                arguments("a node, which this server has none of", "foo", "{\"boundObjectRef\":{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"name\":\"n1\"}}",
                        404, "NotFound", "nodes \"n1\" not found"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void badTokenRequests(String name, String sa, String spec, int code, String reason, String message) {
        String ns = namespace();
        serviceAccount(ns, "foo");
        create(ns, "secrets", "{\"metadata\":{\"name\":\"s\"}}");
        String before = get(ns, "serviceaccounts", "foo").path("metadata").path("resourceVersion").asString();
        Response r = tokenRequest(ns, sa, spec);
        assertThat(r.status()).isEqualTo(code);
        assertThat(r.reason()).isEqualTo(reason);
        assertThat(r.message()).contains(message);
        assertThat(get(ns, "serviceaccounts", "foo").path("metadata").path("resourceVersion").asString()).isEqualTo(before);
    }

    // --- authentication -------------------------------------------------------------------------

    @Test
    void tokensForAnotherAudienceIssuerOrKeyAreUnauthorized() throws Exception {
        String ns = namespace();
        String uid = serviceAccount(ns, "foo");
        String otherAudience = tokenRequest(ns, "foo", "{\"audiences\":[\"vault\"]}").json().path("status").path("token").asString();
        assertThat(readPods(ns, otherAudience)).isEqualTo(401);

        RSAPrivateKey saKey = (RSAPrivateKey) server.pki().serviceAccountPrivateKey();
        var generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        RSAPrivateKey removedKey = (RSAPrivateKey) generator.generateKeyPair().getPrivate();
        assertThat(readPods(ns, sign(saKey, "https://someone.else", ns, uid))).as("another issuer").isEqualTo(401);
        assertThat(readPods(ns, sign(removedKey, ServiceAccounts.DEFAULT_ISSUER, ns, uid))).as("a key not configured").isEqualTo(401);
        assertThat(readPods(ns, sign(saKey, ServiceAccounts.DEFAULT_ISSUER, ns, uid))).as("the control: a good token").isEqualTo(403);
        assertThat(readPods(ns, "not-a-token")).isEqualTo(401);
    }

    static String sign(RSAPrivateKey key, String issuer, String ns, String uid) throws Exception {
        long now = Instant.now().getEpochSecond();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).subject("system:serviceaccount:" + ns + ":foo")
                .audience(ServiceAccounts.DEFAULT_ISSUER).issueTime(new Date(now * 1000)).notBeforeTime(new Date(now * 1000))
                .expirationTime(new Date((now + 600) * 1000)).jwtID(UUID.randomUUID().toString())
                .claim("kubernetes.io", Map.of("namespace", ns, "serviceaccount", Map.of("name", "foo", "uid", uid))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    // --- pod admission --------------------------------------------------------------------------

    @Test
    void aPodGetsTheDefaultAccountAndTheProjectedTokenVolumeInEveryContainer() {
        String ns = namespace();
        eventually("default exists", () -> get(ns, "serviceaccounts", "default") != null);
        Response r = create(ns, "pods", "{\"metadata\":{\"name\":\"p\"},\"spec\":{"
                + "\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox\"}],"
                + "\"containers\":[{\"name\":\"a\",\"image\":\"busybox\"},{\"name\":\"b\",\"image\":\"busybox\","
                + "\"volumeMounts\":[{\"name\":\"own\",\"mountPath\":\"/var/run/secrets/kubernetes.io/serviceaccount\"}]}],"
                + "\"volumes\":[{\"name\":\"own\",\"emptyDir\":{}}]}}");
        assertThat(r.status()).isEqualTo(201);
        JsonNode spec = r.json().path("spec");
        assertThat(spec.path("serviceAccountName").asString()).isEqualTo("default");
        JsonNode volume = spec.path("volumes").get(1);
        String name = volume.path("name").asString();
        assertThat(name).matches("kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}");
        JsonNode sources = volume.path("projected").path("sources");
        assertThat(volume.path("projected").path("defaultMode").asInt()).isEqualTo(420);
        assertThat(sources.get(0).path("serviceAccountToken").path("expirationSeconds").asLong()).isEqualTo(3607);
        assertThat(sources.get(0).path("serviceAccountToken").path("path").asString()).isEqualTo("token");
        assertThat(sources.get(1).path("configMap").path("name").asString()).isEqualTo("kube-root-ca.crt");
        assertThat(sources.get(2).path("downwardAPI").path("items").get(0).path("fieldRef").path("fieldPath").asString()).isEqualTo("metadata.namespace");
        JsonNode mountA = spec.path("containers").get(0).path("volumeMounts").get(0);
        assertThat(mountA.path("name").asString()).isEqualTo(name);
        assertThat(mountA.path("readOnly").asBoolean()).isTrue();
        assertThat(mountA.path("mountPath").asString()).isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount");
        assertThat(spec.path("initContainers").get(0).path("volumeMounts").get(0).path("name").asString()).isEqualTo(name);
        assertThat(spec.path("containers").get(1).path("volumeMounts").size()).as("its own mount is kept").isEqualTo(1);
    }

    @Test
    void automountFalseOnTheAccountIsOverriddenByThePodAndPullSecretsAreCopied() {
        String ns = namespace();
        create(ns, "serviceaccounts", "{\"metadata\":{\"name\":\"quiet\"},\"automountServiceAccountToken\":false,\"imagePullSecrets\":[{\"name\":\"regcred\"}]}");
        Response off = create(ns, "pods", "{\"metadata\":{\"name\":\"off\"},\"spec\":{\"serviceAccountName\":\"quiet\",\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}");
        assertThat(off.status()).isEqualTo(201);
        assertThat(off.json().path("spec").path("volumes").size()).isZero();
        assertThat(off.json().path("spec").path("imagePullSecrets").get(0).path("name").asString()).isEqualTo("regcred");
        Response on = create(ns, "pods", "{\"metadata\":{\"name\":\"on\"},\"spec\":{\"serviceAccountName\":\"quiet\","
                + "\"automountServiceAccountToken\":true,\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}");
        assertThat(on.json().path("spec").path("volumes").get(0).path("name").asString()).startsWith("kube-api-access-");
    }

    @Test
    void aPodNamingAMissingServiceAccountIsForbiddenAndNotStored() {
        String ns = namespace();
        Response r = create(ns, "pods", "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"serviceAccountName\":\"ghost\",\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.message()).isEqualTo("pods \"p\" is forbidden: error looking up service account " + ns + "/ghost: serviceaccount \"ghost\" not found");
        assertThat(get(ns, "pods", "p")).isNull();
    }

    @Test
    void aPodsServiceAccountCannotChange() {
        String ns = namespace();
        serviceAccount(ns, "foo");
        eventually("default exists", () -> get(ns, "serviceaccounts", "default") != null);
        JsonNode pod = create(ns, "pods", "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}").json();
        ((ObjectNode) pod.path("spec")).put("serviceAccountName", "foo");
        Response r = admin.put("/api/v1/namespaces/" + ns + "/pods/p", pod);
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.message()).contains("spec: Forbidden: pod updates may not change fields other than");
    }

    // --- namespaces -----------------------------------------------------------------------------

    @Test
    void aDeletedNamespaceIsEmptiedThenRemovedAndRefusesNewContentMeanwhile() {
        String ns = namespace();
        serviceAccount(ns, "foo");
        create(ns, "configmaps", "{\"metadata\":{\"name\":\"held\",\"finalizers\":[\"example.com/hold\"]}}");
        assertThat(admin.delete("/api/v1/namespaces/" + ns).status()).isEqualTo(200);
        eventually("the service account is gone", () -> get(ns, "serviceaccounts", "foo") == null);
        Response refused = create(ns, "configmaps", "{\"metadata\":{\"name\":\"late\"}}");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.message()).contains("unable to create new content in namespace " + ns + " because it is being terminated");
        assertThat(admin.get("/api/v1/namespaces/" + ns).json().path("status").path("phase").asString()).isEqualTo("Terminating");
        JsonNode held = get(ns, "configmaps", "held");
        ((ObjectNode) held.path("metadata")).putArray("finalizers");
        assertThat(admin.put("/api/v1/namespaces/" + ns + "/configmaps/held", held).status()).isEqualTo(200);
        eventually("the namespace is gone", () -> admin.get("/api/v1/namespaces/" + ns).status() == 404);
    }

    // --- issuer discovery -----------------------------------------------------------------------

    @Test
    void anOutsidePartyVerifiesATokenWithTheDiscoveredKeys() throws Exception {
        Response discovery = admin.get("/.well-known/openid-configuration");
        assertThat(discovery.status()).isEqualTo(200);
        assertThat(discovery.header("Cache-Control")).isEqualTo("public, max-age=3600");
        assertThat(discovery.json().path("issuer").asString()).isEqualTo(ServiceAccounts.DEFAULT_ISSUER);
        assertThat(discovery.json().path("jwks_uri").asString()).isEqualTo(ServiceAccounts.DEFAULT_ISSUER + "/openid/v1/jwks");
        assertThat(discovery.json().path("id_token_signing_alg_values_supported").get(0).asString()).isEqualTo("RS256");
        Response jwks = admin.get("/openid/v1/jwks");
        assertThat(jwks.header("Content-Type")).isEqualTo("application/jwk-set+json");

        String ns = namespace();
        serviceAccount(ns, "foo");
        String token = tokenRequest(ns, "foo", "{\"audiences\":[\"vault\"]}").json().path("status").path("token").asString();

        JWKSet keys = JWKSet.parse(jwks.text());
        SignedJWT jwt = SignedJWT.parse(token);
        RSAKey key = (RSAKey) keys.getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(key).isNotNull();
        assertThat(jwt.verify(new RSASSAVerifier(key))).isTrue();
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(discovery.json().path("issuer").asString());
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("vault");
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("system:serviceaccount:" + ns + ":foo");
    }
}
