package io.portcullis.testing;

import io.portcullis.pki.ClusterPki;
import io.portcullis.pki.KeysAhead;
import io.portcullis.pki.Pem;
import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An embedded server on port 0 for a test, with a temporary directory of its own: the data
 * directory is {@code dir()/data}, the rest is the test's (token files, kubectl homes). Register it
 * with {@code @RegisterExtension}: in a static field it serves the whole class, in an instance field
 * each test. {@link #embedded} starts before the tests; {@link #notStarted} waits for the test to
 * call {@link #start}, once what the configuration names exists. Either way it is stopped and its
 * directory deleted after the tests, and it insists that the class is {@link EndToEnd}.
 *
 * <p>Several servers are several fields; {@link #start} again, {@link #restart} and {@link #stop}
 * work on the same data directory.
 */
public final class TestServer implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final UnaryOperator<ServerConfig> initial;
    private boolean forTheClass;
    private Path dir;
    private ServerConfig config;
    private Server server;
    private Https admin;
    private Https anonymous;

    private TestServer(UnaryOperator<ServerConfig> initial) {
        this.initial = initial;
    }

    /** {@link ServerConfig#embedded}'s defaults, started before the tests. */
    public static TestServer embedded() {
        return embedded(UnaryOperator.identity());
    }

    /** {@link ServerConfig#embedded} changed by {@code change}, started before the tests. */
    public static TestServer embedded(UnaryOperator<ServerConfig> change) {
        return new TestServer(change);
    }

    /** Started by the test, with {@link #start}. */
    public static TestServer notStarted() {
        return new TestServer(null);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        forTheClass = true;
        begin(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (!forTheClass) begin(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!forTheClass) end();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        end();
    }

    private void begin(ExtensionContext context) throws IOException {
        if (!context.getTags().contains(EndToEnd.TAG)) {
            throw new IllegalStateException(context.getRequiredTestClass().getName() + " starts a server: annotate it @"
                    + EndToEnd.class.getSimpleName() + ", so that the fast run (-DexcludedGroups=" + EndToEnd.TAG + ") leaves it out");
        }
        if (initial != null) start(initial);
    }

    private void end() {
        stop();
        if (dir != null) delete(dir);
        dir = null;
        config = null;
    }

    /** Starts {@link ServerConfig#embedded} on {@code dir()/data}, stopping the server already running, if any. */
    public TestServer start() throws IOException {
        return start(UnaryOperator.identity());
    }

    /** Starts {@link ServerConfig#embedded} on {@code dir()/data}, changed by {@code change}; stops the server already running, if any. */
    public TestServer start(UnaryOperator<ServerConfig> change) throws IOException {
        stop();
        config = change.apply(ServerConfig.embedded(dir().resolve("data")));
        KeysAhead.keepOneAhead();   // the test run starts one server after another, as a user's tests do
        server = Server.start(config);
        anonymous = Https.to(server.url(), server.pki().caCertificate());
        admin = anonymous.withClientCertificate(server.pki().adminCertificate(), server.pki().adminKey());
        return this;
    }

    /** Stops the server and starts it again with the same configuration and data: a new port, the same store and PKI. */
    public TestServer restart() throws IOException {
        running();
        ServerConfig same = config;
        return start(c -> same);
    }

    /** Stops the server, if one runs; its data stays until the fixture ends. */
    public void stop() {
        if (server != null) server.close();
        server = null;
        admin = null;
        anonymous = null;
    }

    /** The test's own temporary directory; the server's data is in {@code data} below it. */
    public Path dir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("portcullis-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    public Server server() {
        return running();
    }

    public ServerConfig config() {
        running();
        return config;
    }

    public String url() {
        return running().url();
    }

    public int port() {
        return running().port();
    }

    /** The admin kubeconfig: user portcullis-admin in system:masters, by client certificate. */
    public Path kubeconfig() {
        return running().kubeconfig();
    }

    /**
     * A kubeconfig for the running server that trusts its CA and holds no credential, for kubectl
     * with {@code --token} or {@code --as}; written anew below {@link #dir()} on each call.
     */
    public Path kubeconfigWithoutCredentials() throws IOException {
        String ca = Base64.getEncoder().encodeToString(Pem.encode(pki().caCertificate()).getBytes(StandardCharsets.UTF_8));
        return Files.writeString(dir().resolve("nobody.kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: portcullis
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: nobody
                  user: {}
                contexts:
                - name: portcullis
                  context:
                    cluster: portcullis
                    user: nobody
                current-context: portcullis
                """.formatted(url(), ca));
    }

    public ClusterPki pki() {
        return running().pki();
    }

    public Path dataDir() {
        return running().dataDir();
    }

    /** HTTPS as the admin (the cluster's admin client certificate), trusting the cluster CA only. */
    public Https admin() {
        running();
        return admin;
    }

    /** HTTPS with no credential at all, trusting the cluster CA only. */
    public Https anonymous() {
        running();
        return anonymous;
    }

    private Server running() {
        if (server == null) throw new IllegalStateException("no server is running: start() it first");
        return server;
    }

    /** Best effort: a file that cannot be deleted stays behind in the temporary directory. */
    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) p.toFile().delete();
        } catch (IOException | UncheckedIOException e) {
            // left for the system's cleaning of its temporary directory
        }
    }

    @Override
    public String toString() {
        return server == null ? "TestServer (not running)" : "TestServer " + server.url() + " on " + server.dataDir();
    }
}
