package io.portcullis.authn.bench;

import io.portcullis.api.Json;
import io.portcullis.authn.AuthenticationException;
import io.portcullis.authn.Authenticators;
import io.portcullis.authn.CachedTokenAuthenticator;
import io.portcullis.authn.ServiceAccountTokenAuthenticator;
import io.portcullis.authn.TokenAuthenticator;
import io.portcullis.authn.TokenAuthenticator.TokenResult;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One ServiceAccount token through {@link ServiceAccountTokenAuthenticator} with lookup on: the
 * signature, the claims, and the objects the token names read from in-memory maps, the shape of
 * the watch cache (no store, no database). Bound tokens are bound to a pod, so they take two
 * lookups (ServiceAccount and Pod); the legacy token takes two as well (Secret, whose token is
 * compared, and ServiceAccount). The cached path is a hit in {@link Authenticators#cached}.
 * <p>
 * Run, after {@code mvn -B -q -o test-compile} and
 * {@code mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test}:
 * {@code java -cp target/test-classes:target/classes:$(cat /tmp/cp.txt) io.portcullis.authn.bench.ServiceAccountTokenBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ServiceAccountTokenBenchmark {
    static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    static final List<String> AUDIENCES = List.of(ISSUER);
    static final String NAMESPACE = "default";
    static final String ACCOUNT = "builder";
    static final String ACCOUNT_UID = "0b1c7e0a-3a8e-4a33-9d3e-2f1f9c3e1a01";
    static final String POD = "web-0";
    static final String POD_UID = "5f0e6c1a-7b1d-4c8e-9d7a-1f2e3d4c5b6a";
    static final String SECRET = "builder-token-x7k2q";

    final Map<String, JsonNode> serviceAccounts = new ConcurrentHashMap<>();
    final Map<String, JsonNode> secrets = new ConcurrentHashMap<>();
    final Map<String, JsonNode> pods = new ConcurrentHashMap<>();

    ServiceAccountTokenAuthenticator uncached;
    CachedTokenAuthenticator cached;
    String boundRs256;
    String boundEs256;
    String legacyRs256;

    @Setup
    public void setUp() throws AuthenticationException {
        KeyPair rsa = Keys.generateRsa(2048);
        KeyPair ec = Keys.generateEcP256();
        Clock clock = Clock.systemUTC();
        BoundToken bound = BoundToken.of(NAMESPACE, ACCOUNT, ACCOUNT_UID, AUDIENCES, Duration.ofSeconds(3607)).withPod(POD, POD_UID);
        TokenSigner rsaSigner = new TokenSigner(rsa.getPrivate(), ISSUER, clock);
        boundRs256 = rsaSigner.issueBound(bound);
        boundEs256 = new TokenSigner(ec.getPrivate(), ISSUER, clock).issueBound(bound);
        legacyRs256 = rsaSigner.issueLegacy(NAMESPACE, ACCOUNT, ACCOUNT_UID, SECRET);

        serviceAccounts.put(NAMESPACE + "/" + ACCOUNT, object(ACCOUNT, ACCOUNT_UID));
        pods.put(NAMESPACE + "/" + POD, object(POD, POD_UID));
        ObjectNode secret = object(SECRET, "9a8b7c6d-1e2f-4a5b-8c9d-0e1f2a3b4c5d");
        secret.put("type", ServiceAccountTokenAuthenticator.SERVICE_ACCOUNT_TOKEN_TYPE);
        ObjectNode annotations = ((ObjectNode) secret.get("metadata")).putObject("annotations");
        annotations.put("kubernetes.io/service-account.name", ACCOUNT);
        annotations.put("kubernetes.io/service-account.uid", ACCOUNT_UID);
        secret.putObject("data").put("token", Base64.getEncoder().encodeToString(legacyRs256.getBytes(StandardCharsets.UTF_8)));
        secrets.put(NAMESPACE + "/" + SECRET, secret);

        TokenVerifier verifier = new TokenVerifier(List.of(rsa.getPublic(), ec.getPublic()), List.of(ISSUER), AUDIENCES, clock);
        uncached = new ServiceAccountTokenAuthenticator(verifier, true, lookup(serviceAccounts), lookup(secrets), lookup(pods));
        cached = Authenticators.cached(uncached);

        for (String token : List.of(boundRs256, boundEs256, legacyRs256)) {
            requireUser(uncached, token);
            requireUser(cached, token);
        }
    }

    private static ServiceAccountTokenAuthenticator.Lookup lookup(Map<String, JsonNode> objects) {
        return (namespace, name) -> Optional.ofNullable(objects.get(namespace + "/" + name));
    }

    private static ObjectNode object(String name, String uid) {
        ObjectNode o = Json.object();
        ObjectNode metadata = o.putObject("metadata");
        metadata.put("name", name);
        metadata.put("namespace", NAMESPACE);
        metadata.put("uid", uid);
        return o;
    }

    /** A benchmark of the refusal path would be worthless: every token must authenticate. */
    private static void requireUser(TokenAuthenticator authenticator, String token) throws AuthenticationException {
        Optional<TokenResult> r = authenticator.authenticateToken(token, AUDIENCES);
        if (r.isEmpty() || !r.get().user().name().equals("system:serviceaccount:" + NAMESPACE + ":" + ACCOUNT)) {
            throw new IllegalStateException("token did not authenticate: " + r);
        }
    }

    @Benchmark
    public Optional<TokenResult> uncachedBoundRs256() throws AuthenticationException {
        return uncached.authenticateToken(boundRs256, AUDIENCES);
    }

    @Benchmark
    public Optional<TokenResult> uncachedBoundEs256() throws AuthenticationException {
        return uncached.authenticateToken(boundEs256, AUDIENCES);
    }

    @Benchmark
    public Optional<TokenResult> uncachedLegacyRs256() throws AuthenticationException {
        return uncached.authenticateToken(legacyRs256, AUDIENCES);
    }

    @Benchmark
    public Optional<TokenResult> cachedBoundRs256() throws AuthenticationException {
        return cached.authenticateToken(boundRs256, AUDIENCES);
    }

    @Benchmark
    public Optional<TokenResult> cachedBoundEs256() throws AuthenticationException {
        return cached.authenticateToken(boundEs256, AUDIENCES);
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(ServiceAccountTokenBenchmark.class.getName()).build()).run();
    }
}
