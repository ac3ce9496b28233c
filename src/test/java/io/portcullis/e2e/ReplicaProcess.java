package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.portcullis.pki.ClusterPki;
import io.portcullis.testing.Https;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A replica for the multi-replica tests: its own {@code portcullis server} process on etcd, with its
 * own data directory and a port it keeps across restarts (so that a client's watch can reconnect to
 * it), the admin's fabric8 client and HTTPS, and its output ({@code <name>-<start>.log}).
 */
final class ReplicaProcess {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final String name;
    private final Path dir;
    private final String etcdServers;
    private final int port;
    private Process process;
    private Path log;
    private int starts;
    private KubernetesClient client;
    private Https https;

    private ReplicaProcess(String name, Path dir, String etcdServers, int port) {
        this.name = name;
        this.dir = dir;
        this.etcdServers = etcdServers;
        this.port = port;
    }

    /**
     * Starts {@code names.size()} replicas on etcd side by side, below {@code dir}: the cluster's PKI
     * is made once for the first and copied to the others, as the README tells an operator to.
     */
    static List<ReplicaProcess> startSharingPki(Path dir, String etcdServers, List<String> names) throws IOException {
        ClusterPki.loadOrCreate(dir.resolve(names.get(0)), List.of(), Clock.systemUTC());
        for (String n : names.subList(1, names.size())) copyTree(dir.resolve(names.get(0)).resolve("pki"), dir.resolve(n).resolve("pki"));
        List<ReplicaProcess> replicas = new ArrayList<>();
        for (String n : names) replicas.add(new ReplicaProcess(n, dir, etcdServers, freePort()));
        for (ReplicaProcess r : replicas) r.launch();
        for (ReplicaProcess r : replicas) r.awaitServing();
        return replicas;
    }

    String name() {
        return name;
    }

    KubernetesClient client() {
        return client;
    }

    /** HTTPS as the admin (client certificate from admin.kubeconfig). */
    Https https() {
        return https;
    }

    Path kubeconfig() {
        return dataDir().resolve("admin.kubeconfig");
    }

    Path dataDir() {
        return dir.resolve(name);
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Everything this replica printed since its last start. */
    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL, as a crash would; the client is closed. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }

    /** Starts the process again on the same data directory and port; {@link #awaitServing} waits for it. */
    void launch() throws IOException {
        Files.createDirectories(dataDir());
        log = dir.resolve(name + "-" + ++starts + ".log");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m",
                "io.portcullis.cli.Main", "server", "--data-dir", dataDir().toString(), "--secure-port", Integer.toString(port),
                "--etcd-servers", etcdServers, "--etcd-compaction-interval", "0",
                // shorter than upstream's 15s/10s/2s, so that a takeover fits in a test
                "--leader-elect-lease-duration", "4s", "--leader-elect-renew-deadline", "3s", "--leader-elect-retry-period", "500ms");
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits until the process says it serves, then opens the admin's clients on it. */
    void awaitServing() throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!output().contains("Portcullis is serving the Kubernetes API at")) {
            assertThat(process.isAlive()).as("%s exited: %s", name, output()).isTrue();
            assertThat(System.nanoTime()).as("%s serving within %s; its output:\n%s", name, START_TIMEOUT, output()).isLessThan(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        Config config = Config.fromKubeconfig(Files.readString(kubeconfig()));
        config.setOnlyHttpWatches(true);
        config.setRequestRetryBackoffLimit(0);
        client = new KubernetesClientBuilder().withConfig(config).build();
        https = Https.fromKubeconfig(kubeconfig());
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(target);
                else Files.copy(f, target);
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
