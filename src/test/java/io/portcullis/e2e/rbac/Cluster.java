package io.portcullis.e2e.rbac;

import io.portcullis.server.ServerConfig;
import io.portcullis.testing.Https;
import io.portcullis.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A test server with token-file users, driven the way a user would: the real kubectl with the admin
 * kubeconfig or a token, and HTTPS asking for JSON as the admin (client certificate), as a token
 * user, or as nobody.
 */
final class Cluster {
    private static final String KUBECTL = "/usr/bin/kubectl";
    private static final Duration KUBECTL_TIMEOUT = Duration.ofSeconds(30);

    private final TestServer server;
    private final Path home;
    private final Path tokenKubeconfig;

    private Cluster(TestServer server, Path home) throws IOException {
        this.server = server;
        this.home = home;
        this.tokenKubeconfig = server.kubeconfigWithoutCredentials();
    }

    /** Starts {@code server} with a --token-auth-file holding {@code tokenCsv}. */
    static Cluster start(TestServer server, String tokenCsv) throws IOException {
        return start(server, tokenCsv, UnaryOperator.identity());
    }

    /** Starts {@code server} with a --token-auth-file holding {@code tokenCsv}, and the configuration changed by {@code more}. */
    static Cluster start(TestServer server, String tokenCsv, UnaryOperator<ServerConfig> more) throws IOException {
        Path tokens = Files.writeString(server.dir().resolve("tokens.csv"), tokenCsv);
        Path home = Files.createDirectories(server.dir().resolve("home"));
        server.start(c -> more.apply(c.withAuthentication(a -> a.withTokenAuthFile(tokens))));
        return new Cluster(server, home);
    }

    /** HTTPS with the admin's client certificate. */
    Https admin() {
        return server.admin().withHeader("Accept", "application/json");
    }

    /** HTTPS with a --token-auth-file token and no client certificate. */
    Https as(String token) {
        return anonymous().withToken(token);
    }

    /** HTTPS with no credentials at all. */
    Https anonymous() {
        return server.anonymous().withHeader("Accept", "application/json");
    }

    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /** The admin kubeconfig (client certificate, system:masters). */
    Path adminKubeconfig() {
        return server.kubeconfig();
    }

    /** A kubeconfig whose user is a --token-auth-file token. */
    Path kubeconfigFor(String token) throws IOException {
        String config = Files.readString(tokenKubeconfig).replace("  user: {}", "  user:\n    token: " + token);
        return Files.writeString(home.resolve(token + ".kubeconfig"), config);
    }

    /** kubectl with the admin kubeconfig (client certificate, system:masters). */
    Run kubectl(String... args) {
        return run(server.kubeconfig(), null, args);
    }

    /** kubectl --token=token with a kubeconfig that carries no client certificate. */
    Run kubectlAs(String token, String... args) {
        List<String> all = new ArrayList<>();
        all.add("--token=" + token);
        all.addAll(List.of(args));
        return run(tokenKubeconfig, null, all.toArray(String[]::new));
    }

    /** kubectl with the admin kubeconfig reading {@code stdin}. */
    Run kubectlWithInput(String stdin, String... args) {
        return run(server.kubeconfig(), stdin, args);
    }

    private Run run(Path kubeconfig, String stdin, String... args) {
        try {
            List<String> command = new ArrayList<>();
            command.add(KUBECTL);
            command.addAll(List.of(args));
            Path out = Files.createTempFile(home, "out", ".txt");
            Path err = Files.createTempFile(home, "err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
            pb.environment().put("HOME", home.toString());
            if (stdin != null) {
                pb.redirectInput(Files.writeString(Files.createTempFile(home, "in", ".yaml"), stdin).toFile());
            } else {
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            Process p = pb.start();
            if (!p.waitFor(KUBECTL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within " + KUBECTL_TIMEOUT);
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("running kubectl " + String.join(" ", args), e);
        }
    }
}
