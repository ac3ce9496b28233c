package io.portcullis.authn.bench;

import io.portcullis.authn.Authenticators;
import io.portcullis.authn.CachedTokenAuthenticator;
import io.portcullis.authn.Credentials;
import io.portcullis.authn.TokenAuthenticator.TokenResult;
import io.portcullis.authn.UserInfo;
import io.portcullis.authn.X509Authenticator;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
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

/**
 * The hot paths of authentication: a cached bearer token (a ServiceAccount-sized JWT) and a
 * client certificate. Run: java -cp target/test-classes:target/classes:$(deps) org.openjdk.jmh.Main AuthnBenchmark
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class AuthnBenchmark {
    CachedTokenAuthenticator cached;
    String token;
    List<String> audiences = List.of("https://kubernetes.default.svc.cluster.local");
    X509Authenticator x509;
    Credentials clientCert;

    @Setup
    public void setup() throws Exception {
        // a bound ServiceAccount token is about 900 characters
        token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9." + "x".repeat(600) + "." + "y".repeat(342);
        UserInfo sa = UserInfo.of("system:serviceaccount:default:app", "system:serviceaccounts", "system:serviceaccounts:default");
        cached = Authenticators.cached((t, a) -> Optional.of(new TokenResult(sa, a, Set.of("serviceaccount/default/app"))));
        cached.authenticateToken(token, audiences);

        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair caKeys = g.generateKeyPair(), leafKeys = g.generateKeyPair();
        Instant now = Instant.now();
        var caB = new JcaX509v3CertificateBuilder(new X500Name("CN=ca"), BigInteger.ONE, Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(86400)), new X500Name("CN=ca"), caKeys.getPublic());
        caB.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        X509Certificate ca = new JcaX509CertificateConverter().getCertificate(caB.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        var leafB = new JcaX509v3CertificateBuilder(new X500Name("CN=ca"), BigInteger.TWO, Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(86400)), new X500Name("CN=alice,O=devs"), leafKeys.getPublic());
        leafB.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(leafB.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
        x509 = new X509Authenticator(List.of(ca), Clock.systemUTC());
        clientCert = new Credentials(List.of(leaf), List.of());
        x509.authenticate(clientCert);
    }

    @Benchmark
    public Object cachedTokenHit() throws Exception {
        return cached.authenticateToken(token, audiences);
    }

    @Benchmark
    public Object clientCertificateCached() throws Exception {
        return x509.authenticate(clientCert);
    }
}
