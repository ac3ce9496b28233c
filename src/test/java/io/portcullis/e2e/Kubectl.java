package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real kubectl with a test server's admin kubeconfig, HOME (and so kubectl's caches) in a test directory. */
record Kubectl(TestServer server, Path home) {
    static final Path PATH = Path.of("/usr/bin/kubectl");

    record Run(int exit, String out, String err) {
        Run ok() {
            assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isZero();
            return this;
        }
    }

    ProcessBuilder command(List<String> args) {
        List<String> all = new ArrayList<>();
        all.add(PATH.toString());
        all.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(all);
        pb.environment().put("KUBECONFIG", server.kubeconfig().toString());
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("KUBE_EDITOR");
        pb.environment().remove("EDITOR");
        return pb;
    }

    Run run(String... args) throws Exception {
        return runWith(null, null, args);
    }

    /** kubectl with this standard input and KUBE_EDITOR (either may be null); fails if it runs past 30 s. */
    Run runWith(String stdin, String editor, String... args) throws Exception {
        ProcessBuilder pb = command(List.of(args));
        if (editor != null) pb.environment().put("KUBE_EDITOR", editor);
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 30 s; stderr: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** What the controllers put into every namespace. */
    static final List<String> CONTROLLER_OBJECTS = List.of("configmap/kube-root-ca.crt", "serviceaccount/default");

    /** Creates namespace ns and returns it once the controllers have filled it. */
    String namespace(String ns) throws Exception {
        assertThat(run("create", "namespace", ns).ok().out()).isEqualTo("namespace/" + ns + " created\n");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!run("-n", ns, "get", "cm,sa", "-o", "name").ok().out().lines().toList().containsAll(CONTROLLER_OBJECTS)) {
            assertThat(System.nanoTime()).as("%s in %s within 10 s", CONTROLLER_OBJECTS, ns).isLessThan(deadline);
            Thread.sleep(100);
        }
        return ns;
    }
}
