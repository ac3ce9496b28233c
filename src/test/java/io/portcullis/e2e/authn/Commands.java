package io.portcullis.e2e.authn;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs real binaries (kubectl, curl, java) with a private HOME, a timeout and captured output. */
final class Commands {
    static final Path KUBECTL = Path.of("/usr/bin/kubectl");
    static final Path CURL = Path.of("/usr/bin/curl");
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Commands() {}

    record Result(int exit, String out, String err) {
        String all() { return out + err; }
    }

    static void assumeKubectl() {
        assumeTrue(Files.isExecutable(KUBECTL), "kubectl is not installed at " + KUBECTL);
    }

    static void assumeCurl() {
        assumeTrue(Files.isExecutable(CURL), "curl is not installed at " + CURL);
    }

    /** kubectl with this kubeconfig; HOME is {@code home} so no user configuration or cache leaks in. */
    static Result kubectl(Path kubeconfig, Path home, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(KUBECTL.toString());
        cmd.addAll(List.of(args));
        return run(cmd, Map.of("KUBECONFIG", kubeconfig.toString(), "HOME", home.toString()), home, null);
    }

    static Result curl(Path home, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(CURL.toString());
        cmd.addAll(List.of(args));
        return run(cmd, Map.of("HOME", home.toString()), home, null);
    }

    static Result run(List<String> command, Map<String, String> env, Path dir, String stdin) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            try (var in = p.getOutputStream()) {
                if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command.get(0) + " did not finish within " + TIMEOUT + ": " + command);
            }
            return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        } catch (Exception e) {
            throw new AssertionError("running " + command + ": " + e, e);
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
