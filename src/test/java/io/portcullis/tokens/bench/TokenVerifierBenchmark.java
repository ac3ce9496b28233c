package io.portcullis.tokens.bench;

import io.portcullis.tokens.InvalidTokenException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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


import io.portcullis.pki.Keys;
import io.portcullis.tokens.BoundToken;
import io.portcullis.tokens.ServiceAccountClaims;
import io.portcullis.tokens.TokenSigner;
import io.portcullis.tokens.TokenVerifier;

/**
 * Cost of one uncached TokenVerifier.verify (parse, signature, claims) for RS256 (RSA 2048) and
 * ES256 (P-256) bound tokens. Run with:
 * {@code java -cp target/test-classes:target/classes:<test classpath> io.portcullis.tokens.bench.TokenVerifierBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TokenVerifierBenchmark {
    static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

    TokenVerifier verifier;
    String rs256;
    String es256;

    @Setup
    public void setUp() {
        var rsa = Keys.generateRsa(2048);
        var ec = Keys.generateEcP256();
        Clock clock = Clock.systemUTC();
        BoundToken bound = BoundToken.of("default", "builder", "0b1c7e0a-3a8e-4a33-9d3e-2f1f9c3e1a01",
                List.of(ISSUER), Duration.ofHours(1)).withPod("web-0", "5f0e6c1a-7b1d-4c8e-9d7a-1f2e3d4c5b6a");
        rs256 = new TokenSigner(rsa.getPrivate(), ISSUER, clock).issueBound(bound);
        es256 = new TokenSigner(ec.getPrivate(), ISSUER, clock).issueBound(bound);
        verifier = new TokenVerifier(List.of(rsa.getPublic(), ec.getPublic()), List.of(ISSUER), List.of(ISSUER), clock);
    }

    @Benchmark
    public Optional<ServiceAccountClaims> verifyRs256() throws InvalidTokenException {
        return verifier.verify(rs256, List.of());
    }

    @Benchmark
    public Optional<ServiceAccountClaims> verifyEs256() throws InvalidTokenException {
        return verifier.verify(es256, List.of());
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(TokenVerifierBenchmark.class.getSimpleName()).build()).run();
    }
}
