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
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A replica for the multi-replica tests: its own {@code portcullis server} process on etcd, with its
 * own data directory and a port it keeps across restarts (so that a client's watch can reconnect to
 * it), the admin's fabric8 client and HTTPS, and its output ({@code <name>-<start>.log}).
 */
final class ReplicaProcess {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    /** Shorter than upstream's 15s/10s/2s, so that a takeover fits in a test. */
    static final List<String> SHORT_LEADER_ELECTION = List.of(
            "--leader-elect-lease-duration", "4s", "--leader-elect-renew-deadline", "3s", "--leader-elect-retry-period", "500ms");

    private static final Pattern ANNOUNCED = Pattern.compile("replica (\\S+) announces itself in the Lease kube-system/(\\S+)");

    private final String name;
    private final Path dir;
    private final String etcdServers;
    private final int port;
    private final List<String> flags;
    private Process process;
    private Path log;
    private int starts;
    private KubernetesClient client;
    private Https https;

    private ReplicaProcess(String name, Path dir, String etcdServers, int port, List<String> flags) {
        this.name = name;
        this.dir = dir;
        this.etcdServers = etcdServers;
        this.port = port;
        this.flags = List.copyOf(flags);
    }

    /**
     * Starts {@code names.size()} replicas on etcd side by side, below {@code dir}, with
     * {@link #SHORT_LEADER_ELECTION}: the cluster's PKI is made once for the first and copied to the others.
     */
    static List<ReplicaProcess> startSharingPki(Path dir, String etcdServers, List<String> names) throws IOException {
        List<ReplicaProcess> replicas = new ArrayList<>();
        for (String n : names) replicas.add(sharingPki(dir, names.get(0), n, etcdServers, SHORT_LEADER_ELECTION));
        for (ReplicaProcess r : replicas) r.launch();
        for (ReplicaProcess r : replicas) r.awaitServing();
        return replicas;
    }

    /**
     * A replica below {@code dir}, not started yet ({@link #launch}, then {@link #awaitServing}), with
     * the PKI of the replica named {@code first}: made for that one when it has none yet, and copied,
     * as the README tells an operator to. {@code flags} come after its data directory, port, etcd
     * servers and {@code --etcd-compaction-interval 0}.
     */
    static ReplicaProcess sharingPki(Path dir, String first, String name, String etcdServers, List<String> flags) throws IOException {
        Path pki = dir.resolve(first).resolve("pki");
        if (!Files.exists(pki)) ClusterPki.loadOrCreate(dir.resolve(first), List.of(), Clock.systemUTC());
        if (!name.equals(first) && !Files.exists(dir.resolve(name).resolve("pki"))) copyTree(pki, dir.resolve(name).resolve("pki"));
        return new ReplicaProcess(name, dir, etcdServers, freePort(), flags);
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
        if (client != null) client.close();
    }

    /** SIGTERM, as an operator stops a server, and waits until the process has exited; the client is closed. */
    void stop() throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("%s stopped; its output:\n%s", name, output()).isTrue();
        if (client != null) client.close();
    }

    /** The time of day of the first line of this start's output that contains {@code text}. */
    LocalTime loggedAt(String text) {
        String line = output().lines().filter(l -> l.contains(text)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " never logged \"" + text + "\":\n" + output()));
        return LocalTime.parse(line.substring(0, line.indexOf(' ')));
    }

    /** Who this start is on etcd: its holder identity and the name of its identity Lease, as it logged them. */
    record Identity(String holder, String lease) {}

    Identity identity() {
        Matcher m = ANNOUNCED.matcher(output());
        assertThat(m.find()).as("%s announced itself; its output:\n%s", name, output()).isTrue();
        return new Identity(m.group(1), m.group(2));
    }

    /** How many lines of this start's output contain {@code text}. */
    long logged(String text) {
        return output().lines().filter(l -> l.contains(text)).count();
    }

    /** Starts the process again on the same data directory and port; {@link #awaitServing} waits for it. */
    void launch() throws IOException {
        Files.createDirectories(dataDir());
        log = dir.resolve(name + "-" + ++starts + ".log");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m",
                "io.portcullis.cli.Main", "server", "--data-dir", dataDir().toString(), "--secure-port", Integer.toString(port),
                "--etcd-servers", etcdServers, "--etcd-compaction-interval", "0");
        process = new ProcessBuilder(Stream.concat(command.stream(), flags.stream()).toList())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
