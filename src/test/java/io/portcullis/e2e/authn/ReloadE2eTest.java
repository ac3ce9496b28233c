package io.portcullis.e2e.authn;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.portcullis.pki.CertificateAuthority;
import io.portcullis.pki.IssuedCertificate;
import io.portcullis.pki.Passwords;
import io.portcullis.pki.Pem;
import io.portcullis.server.Server;
import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.TestServer;
import io.portcullis.api.Json;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Files that change while the server runs: the serving certificate and key, the client CA bundle,
 * the token file and the password file are followed (checked every 100 ms here), without a
 * restart and without ending what is in flight; a broken file is logged and the previous content
 * stays in force.
 */
@EndToEnd
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReloadE2eTest {
    static final CertificateAuthority SERVING_CA = CertificateAuthority.generate("serving-ca");
    static final CertificateAuthority ROTATED_SERVING_CA = CertificateAuthority.generate("rotated-serving-ca");
    static final CertificateAuthority USERS_CA = CertificateAuthority.generate("users-ca");
    static final CertificateAuthority NEW_USERS_CA = CertificateAuthority.generate("new-users-ca");
    static final String OLD_TOKEN = "old-token-8c1d2e3f";
    static final String NEW_TOKEN = "new-token-4a5b6c7d";
    static final String OLD_PASSWORD = "old-password-2718";
    static final String NEW_PASSWORD = "new-password-1618";
    static final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @RegisterExtension static final TestServer fixture = TestServer.notStarted();
    static Path dir;
    static Path certFile, keyFile, caFile, tokenFile, passwordFile;
    static Server server;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        dir = fixture.dir();
        logs.start();
        ((Logger) LoggerFactory.getLogger("io.portcullis.server.Reloader")).addAppender(logs);
        certFile = dir.resolve("serving.crt");
        keyFile = dir.resolve("serving.key");
        writePair(SERVING_CA.issueServer("apiserver", List.of("127.0.0.1", "localhost"), Duration.ofDays(1)));
        caFile = write(dir.resolve("users-ca.crt"), Pem.encode(USERS_CA.certificate()));
        tokenFile = write(dir.resolve("tokens.csv"), OLD_TOKEN + ",alice,1001\n");
        passwordFile = write(dir.resolve("passwords.csv"), Passwords.hash(OLD_PASSWORD.toCharArray()) + ",carol,2002\n");
        server = fixture.start(c -> c
                .withServing(s -> s.withCertificate(certFile, keyFile).withFileCheckInterval(Duration.ofMillis(100)))
                .withAuthentication(a -> a.withClientCaFile(caFile).withTokenAuthFile(tokenFile).withBasicAuthFile(passwordFile))).server();
        client = HttpClient.newBuilder().sslContext(tls(null, null)).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger("io.portcullis.server.Reloader")).detachAppender(logs);
    }

    @Test
    void aNewServingCertificateServesNewConnectionsWhileAnOpenWatchGoesOn() throws Exception {
        Commands.assumeKubectl();
        HttpClient admin = HttpClient.newBuilder().sslContext(tls(server.pki().adminCertificate(), server.pki().adminKey()))
                .version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<InputStream> watch = admin.send(request("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion="
                + revision(admin), null).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(watch.statusCode()).isEqualTo(200);

        IssuedCertificate rotated = ROTATED_SERVING_CA.issueServer("apiserver", List.of("127.0.0.1", "localhost"), Duration.ofDays(1));
        writePair(rotated);
        await(() -> servedSerial().equals(rotated.certificate().getSerialNumber()), "the new certificate served to a new connection");

        // a new connection (a new client, over HTTP/2) writes; the watch opened before the change sees it
        HttpClient fresh = HttpClient.newBuilder().sslContext(tls(server.pki().adminCertificate(), server.pki().adminKey()))
                .version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> created = fresh.send(request("POST", "/api/v1/namespaces/default/configmaps",
                "{\"metadata\":{\"name\":\"after-rotation\"}}").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        try (InputStream in = watch.body()) {
            String line;
            do {
                line = readLine(in);
                assertThat(line).as("the watch opened before the change is still open").isNotEmpty();
            } while (!line.contains("after-rotation"));
            assertThat(line).contains("\"type\":\"ADDED\"");
        }

        // admin.kubeconfig now trusts the new certificate's CA: kubectl goes on working
        Commands.Result r = Commands.kubectl(server.kubeconfig(), Files.createTempDirectory(dir, "home"), "get", "configmap", "after-rotation",
                "-n", "default", "-o", "name");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out().strip()).isEqualTo("configmap/after-rotation");
    }

    @Test
    void aBrokenOrMismatchedServingCertificateIsLoggedAndTheCurrentOneStaysServed() throws Exception {
        BigInteger serving = servedSerial();
        int seen = logs.list.size();
        write(certFile, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
        awaitLog(seen, "--tls-cert-file " + certFile);
        assertThat(servedSerial()).isEqualTo(serving);

        // a whole certificate whose key is another
        IssuedCertificate other = SERVING_CA.issueServer("apiserver", List.of("127.0.0.1"), Duration.ofDays(1));
        seen = logs.list.size();
        write(certFile, Pem.encode(other.certificate()));
        awaitLog(seen, "is not the key of --tls-cert-file");
        assertThat(servedSerial()).isEqualTo(serving);

        IssuedCertificate repaired = SERVING_CA.issueServer("apiserver", List.of("127.0.0.1", "localhost"), Duration.ofDays(1));
        writePair(repaired);
        await(() -> servedSerial().equals(repaired.certificate().getSerialNumber()), "the repaired pair served");
    }

    @Test
    void aNewTokenFileTakesEffectADroppedTokenIsRefusedAndABrokenFileKeepsTheLastGoodOne() throws Exception {
        write(tokenFile, OLD_TOKEN + ",alice,1001\n");
        await(() -> whoami("Bearer " + OLD_TOKEN).equals("alice"), "the old token accepted");

        write(tokenFile, NEW_TOKEN + ",bob,1002\n");
        await(() -> whoami("Bearer " + NEW_TOKEN).equals("bob"), "the new token accepted");
        assertThat(whoami("Bearer " + OLD_TOKEN)).as("a token the file no longer holds").isEqualTo("401");

        int seen = logs.list.size();
        write(tokenFile, NEW_TOKEN + ",bob\n");   // two columns: broken
        String logged = awaitLog(seen, "--token-auth-file " + tokenFile);
        assertThat(logged).contains("line 1").doesNotContain(NEW_TOKEN).doesNotContain(OLD_TOKEN);
        assertThat(whoami("Bearer " + NEW_TOKEN)).isEqualTo("bob");
        assertThat(whoami("Bearer " + OLD_TOKEN)).isEqualTo("401");
    }

    @Test
    void aNewPasswordFileTakesEffectTheOldPasswordIsRefusedAndABrokenFileKeepsTheLastGoodOne() throws Exception {
        write(passwordFile, Passwords.hash(OLD_PASSWORD.toCharArray()) + ",carol,2002\n");
        await(() -> whoami(basic("carol", OLD_PASSWORD)).equals("carol"), "the old password accepted");

        write(passwordFile, Passwords.hash(NEW_PASSWORD.toCharArray()) + ",carol,2002\n");
        await(() -> whoami(basic("carol", NEW_PASSWORD)).equals("carol"), "the new password accepted");
        assertThat(whoami(basic("carol", OLD_PASSWORD))).isEqualTo("401");

        int seen = logs.list.size();
        write(passwordFile, "plaintext-is-refused,carol,2002\n");
        String logged = awaitLog(seen, "--basic-auth-file " + passwordFile);
        assertThat(logged).contains("bcrypt").doesNotContain(NEW_PASSWORD).doesNotContain(OLD_PASSWORD);
        assertThat(whoami(basic("carol", NEW_PASSWORD))).isEqualTo("carol");
        assertThat(whoami(basic("carol", OLD_PASSWORD))).isEqualTo("401");
    }

    @Test
    void aNewClientCaBundleTakesEffectAndABrokenOneKeepsTheLastGoodOne() throws Exception {
        IssuedCertificate erin = USERS_CA.issueClient("erin", List.of("devs"), Duration.ofHours(1));
        IssuedCertificate dave = NEW_USERS_CA.issueClient("dave", List.of("ops"), Duration.ofHours(1));
        write(caFile, Pem.encode(USERS_CA.certificate()));
        await(() -> whoami(erin).equals("erin"), "a certificate of the first CA accepted");
        assertThat(whoami(dave)).isEqualTo("401");

        write(caFile, Pem.encode(NEW_USERS_CA.certificate()));
        await(() -> whoami(dave).equals("dave"), "a certificate of the new CA accepted");
        assertThat(whoami(erin)).as("a CA the bundle no longer holds").isEqualTo("401");

        int seen = logs.list.size();
        write(caFile, "not a certificate\n");
        awaitLog(seen, "--client-ca-file " + caFile);
        assertThat(whoami(dave)).isEqualTo("dave");
        assertThat(whoami(erin)).isEqualTo("401");
    }

    // --- helpers ---------------------------------------------------------------------------------

    /** Writes a file as an operator replaces one: a new file renamed over the old. */
    static Path write(Path file, String text) throws Exception {
        Path tmp = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** The key first, then the certificate: between the two the pair does not match, and is waited out. */
    static void writePair(IssuedCertificate c) throws Exception {
        write(keyFile, Pem.encode(c.privateKey()));
        write(certFile, Pem.encode(c.certificate()));
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The user name a SelfSubjectReview answers for this Authorization header, or the HTTP status. */
    static String whoami(String authorization) throws Exception {
        return whoami(client, authorization);
    }

    static String whoami(IssuedCertificate cert) throws Exception {
        HttpClient c = HttpClient.newBuilder().sslContext(tls(cert.certificate(), cert.privateKey())).version(HttpClient.Version.HTTP_1_1).build();
        return whoami(c, null);
    }

    static String whoami(HttpClient c, String authorization) throws Exception {
        HttpRequest.Builder b = request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", Https.SELF_SUBJECT_REVIEW);
        if (authorization != null) b.header("Authorization", authorization);
        HttpResponse<String> r = c.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) return Integer.toString(r.statusCode());
        return Json.tree(r.body().getBytes(StandardCharsets.UTF_8)).path("status").path("userInfo").path("username").asString();
    }

    static HttpRequest.Builder request(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(30));
        if (body != null) b.header("Content-Type", "application/json");
        return b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    }

    static String revision(HttpClient admin) throws Exception {
        HttpResponse<String> r = admin.send(request("GET", "/api/v1/namespaces/default/configmaps", null).build(),
                HttpResponse.BodyHandlers.ofString());
        return Json.tree(r.body().getBytes(StandardCharsets.UTF_8)).path("metadata").path("resourceVersion").asString();
    }

    /** The serial number of the certificate a new TLS connection is served. */
    static BigInteger servedSerial() throws Exception {
        try (SSLSocket s = (SSLSocket) tls(null, null).getSocketFactory().createSocket("127.0.0.1", server.port())) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    /** Trusting both serving CAs; with a client certificate when given. */
    static SSLContext tls(X509Certificate cert, PrivateKey key) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("serving", SERVING_CA.certificate());
        trust.setCertificateEntry("rotated", ROTATED_SERVING_CA.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (cert != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("user", key, new char[0], new Certificate[] {cert});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /** Waits until the condition holds (the server decides when; the test only waits to see it). */
    static void await(Check check, String what) throws Exception {
        for (int i = 0; i < 1200; i++) {
            if (check.holds()) return;
            Thread.sleep(50);
        }
        throw new AssertionError("never came: " + what);
    }

    /** Waits for a log line after the first {@code seen} that contains {@code text}, and returns it. */
    static String awaitLog(int seen, String text) throws Exception {
        for (int i = 0; i < 1200; i++) {
            List<ILoggingEvent> events = List.copyOf(logs.list);
            for (ILoggingEvent e : events.subList(Math.min(seen, events.size()), events.size())) {
                if (e.getFormattedMessage().contains(text) && e.getFormattedMessage().contains("previous content stays in force")) {
                    return e.getFormattedMessage();
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("never logged: " + text + " in " + logs.list);
    }

    static String readLine(InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') line.write(b);
        return line.toString(StandardCharsets.UTF_8);
    }
}
