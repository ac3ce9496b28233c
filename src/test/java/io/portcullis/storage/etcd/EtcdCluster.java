package io.portcullis.storage.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Assumptions;

/**
 * Real etcd members for tests: Debian's {@code /usr/bin/etcd} on free loopback ports, data in a
 * directory the test owns, each member's output in {@code <dir>/<name>.log}. A member can be
 * killed and started again on the same ports and data; {@link #close()} kills them all.
 */
public final class EtcdCluster implements AutoCloseable {

    static final Path ETCD = Path.of("/usr/bin/etcd");
    private static final String READY = "ready to serve client requests";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static boolean toldMissing;

    /** Server certificate, key and the CA clients must present certificates from (all PEM). */
    public record Tls(Path certFile, Path keyFile, Path clientCaFile) {}

    private final List<Member> members;
    private final Tls tls;
    private final List<String> flags;

    private EtcdCluster(List<Member> members, Tls tls, List<String> flags) {
        this.members = members;
        this.tls = tls;
        this.flags = flags;
    }

    /** Skips the calling test (class, when called from {@code @BeforeAll}) when etcd is not installed, saying so once. */
    public static synchronized void assumeInstalled() {
        boolean installed = Files.isExecutable(ETCD);
        if (!installed && !toldMissing) {
            toldMissing = true;
            System.err.println("etcd tests skipped: no " + ETCD + "; install it with: apt-get install -y etcd-server");
        }
        Assumptions.assumeTrue(installed, "no " + ETCD + " (apt-get install -y etcd-server)");
    }

    /** Starts {@code size} members serving plain HTTP and waits until every one serves clients. */
    public static EtcdCluster start(Path dir, int size) {
        return start(dir, size, null);
    }

    /** As {@link #start(Path, int)}, serving clients over HTTPS and requiring their certificates when tls is given. */
    public static EtcdCluster start(Path dir, int size, Tls tls) {
        return start(dir, size, tls, List.of());
    }

    /** As {@link #start(Path, int, Tls)}, each member also given the etcd flags (for example {@code --max-request-bytes}). */
    public static EtcdCluster start(Path dir, int size, Tls tls, List<String> flags) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < size; i++) members.add(new Member("m" + i, dir, freePort(), freePort()));
        EtcdCluster cluster = new EtcdCluster(members, tls, List.copyOf(flags));
        try {
            for (int i = 0; i < size; i++) cluster.launch(i);
            for (Member m : members) m.awaitReady();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** The client URLs of every member, comma-separated, as kube-apiserver's {@code --etcd-servers}. */
    public String endpoints() {
        return members.stream().map(this::clientUrl).collect(Collectors.joining(","));
    }

    /** The client URL of one member. */
    public String endpoint(int member) {
        return clientUrl(members.get(member));
    }

    /** Kills the member at once (SIGKILL), as a crash would. */
    public void kill(int member) {
        members.get(member).kill();
    }

    /**
     * Freezes the member (SIGSTOP): its ports still accept connections, as the kernel answers for it,
     * but nothing is answered on them until {@link #resume}.
     */
    public void pause(int member) {
        members.get(member).signal("STOP");
    }

    /** Lets a paused member go on (SIGCONT). */
    public void resume(int member) {
        members.get(member).signal("CONT");
    }

    /** Starts a killed member again on its ports and data, and waits until it serves clients. */
    public void restart(int member) {
        launch(member);
        members.get(member).awaitReady();
    }

    /** Kills every member at once (SIGKILL), as a power cut would. */
    public void killAll() {
        for (Member m : members) m.kill();
    }

    /**
     * Starts every member again on its ports and data and waits until each serves clients; all are
     * launched before any is awaited, as a member only reports ready once a quorum has met.
     */
    public void restartAll() {
        for (int i = 0; i < members.size(); i++) launch(i);
        for (Member m : members) m.awaitReady();
    }

    @Override
    public void close() {
        for (Member m : members) m.kill();
    }

    private String clientUrl(Member m) {
        return (tls == null ? "http" : "https") + "://127.0.0.1:" + m.clientPort;
    }

    private void launch(int index) {
        Member m = members.get(index);
        String cluster = members.stream().map(p -> p.name + "=http://127.0.0.1:" + p.peerPort).collect(Collectors.joining(","));
        List<String> command = new ArrayList<>(List.of(ETCD.toString(),
                "--name", m.name,
                "--data-dir", m.dataDir.toString(),
                "--listen-client-urls", clientUrl(m),
                "--advertise-client-urls", clientUrl(m),
                "--listen-peer-urls", "http://127.0.0.1:" + m.peerPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + m.peerPort,
                "--initial-cluster", cluster,
                "--initial-cluster-token", "portcullis-test-" + members.get(0).clientPort,
                // quick elections keep startup and failover fast; loopback needs no slack
                "--heartbeat-interval", "50",
                "--election-timeout", "500"));
        if (tls != null) {
            command.addAll(List.of("--cert-file", tls.certFile().toString(), "--key-file", tls.keyFile().toString(),
                    "--trusted-ca-file", tls.clientCaFile().toString(), "--client-cert-auth"));
        }
        command.addAll(flags);
        m.launch(command);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Member {
        final String name;
        final Path dataDir;
        final Path log;
        final int clientPort;
        final int peerPort;
        Process process;
        long logOffset;

        Member(String name, Path dir, int clientPort, int peerPort) {
            this.name = name;
            this.dataDir = dir.resolve(name);
            this.log = dir.resolve(name + ".log");
            this.clientPort = clientPort;
            this.peerPort = peerPort;
        }

        void launch(List<String> command) {
            if (process != null && process.isAlive()) throw new IllegalStateException("etcd member " + name + " is running");
            try {
                Files.createDirectories(log.getParent());
                logOffset = Files.exists(log) ? Files.size(log) : 0;
                process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + command.get(0), e);
            }
        }

        /** Waits for this start's "ready" line in the log. */
        void awaitReady() {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                String output = output();
                if (output.contains(READY)) return;
                if (!process.isAlive()) throw new IllegalStateException("etcd member " + name + " exited:\n" + output);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while starting etcd member " + name, e);
                }
            }
            throw new IllegalStateException("etcd member " + name + " not ready within " + START_TIMEOUT + ":\n" + output());
        }

        private String output() {
            try {
                byte[] all = Files.readAllBytes(log);
                return new String(all, (int) logOffset, all.length - (int) logOffset, UTF_8);
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        void signal(String signal) {
            try {
                Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
                if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                    throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while signalling etcd member " + name, e);
            }
        }

        void kill() {
            if (process == null) return;
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
