package io.portcullis.bench;

import io.portcullis.cli.Embedded;
import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Servers started one after another in one JVM, as a test suite starts them: each on a new data
 * directory (a new PKI; a copy of SEED_DIR when given, so with its objects), timed from
 * Server.start until /readyz answers 200 over HTTPS, then closed. The first start pays for class
 * loading and compilation, the later ones show what a test pays once the JVM is warm; each line
 * gives the CPU time the JVM spent meanwhile too, which other processes on the machine move less. With
 * --embedded, through cli/Embedded with the JUnit extension's flags, as the extension starts them
 * (in the benchmark's own class loader). With --pause MS, each server stays up MS milliseconds
 * after it answered, as a test class would use it, before it is closed. Run:
 *   java -cp target/test-classes:target/classes:$(cat target/cp-test.txt) io.portcullis.bench.EmbeddedStarts [--embedded] [--pause MS] [starts] [SEED_DIR]
 */
public final class EmbeddedStarts {
    public static void main(String[] argv) throws Exception {
        List<String> rest = new java.util.ArrayList<>(List.of(argv));
        boolean embedded = rest.remove("--embedded");
        int at = rest.indexOf("--pause");
        long pauseMs = at < 0 ? 0 : Long.parseLong(rest.get(at + 1));
        if (at >= 0) rest.subList(at, at + 2).clear();
        String[] args = rest.toArray(String[]::new);
        int starts = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path seed = args.length > 1 ? Path.of(args[1]) : null;
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, new SecureRandom());
        HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
        for (int i = 1; i <= starts; i++) {
            Path dir = Files.createTempDirectory("starts");
            if (seed != null) copy(seed, dir);
            long t0 = System.nanoTime();
            long cpu0 = processCpuNanos();
            try (AutoCloseable server = embedded
                    ? Embedded.start(List.of("--data-dir", dir.toString(), "--bind-address", "127.0.0.1", "--secure-port", "0"))
                    : Server.start(ServerConfig.embedded(dir))) {
                String url = server instanceof Embedded e ? e.url() : ((Server) server).url();
                int status = client.send(HttpRequest.newBuilder(URI.create(url + "/readyz")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                long cpuMs = (processCpuNanos() - cpu0) / 1_000_000;
                System.out.println("start " + i + ": " + ms + " ms (readyz " + status + ", cpu " + cpuMs + " ms)");
                Thread.sleep(pauseMs);   // the server in use, as a test class uses it: not counted
            }
            delete(dir);
        }
        System.exit(0);
    }

    /** CPU time of every thread of the JVM (the JIT and the collector included): less moved by other processes than wall time. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().endsWith(".lock")) continue;
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void delete(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        }
    }
}
