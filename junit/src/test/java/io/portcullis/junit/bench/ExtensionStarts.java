package io.portcullis.junit.bench;

import io.portcullis.junit.PortcullisServer;
import java.util.ArrayList;
import java.util.List;

/**
 * Servers started one after another through the JUnit extension's own entry point
 * ({@link PortcullisServer#start}: the packed server in its isolated class loader, on a new
 * temporary directory each), timed until start returns (the server answers /readyz by then), in wall
 * and in the JVM's CPU time, each
 * kept up for a pause as a test class would use it, then closed. Run from junit/:
 *   java -cp target/test-classes:target/classes:$(cat target/cp-test.txt) io.portcullis.junit.bench.ExtensionStarts [starts] [pause ms]
 */
public final class ExtensionStarts {
    public static void main(String[] args) throws Exception {
        int starts = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        long pauseMs = args.length > 1 ? Long.parseLong(args[1]) : 0;
        List<Long> later = new ArrayList<>();
        for (int i = 1; i <= starts; i++) {
            long t0 = System.nanoTime();
            long cpu0 = processCpuNanos();
            PortcullisServer server = PortcullisServer.start();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long cpuMs = (processCpuNanos() - cpu0) / 1_000_000;
            System.out.println("start " + i + ": " + ms + " ms (cpu " + cpuMs + " ms, " + server.url() + ")");
            if (i > 1) later.add(ms);
            Thread.sleep(pauseMs);
            server.close();
        }
        later.sort(null);
        if (!later.isEmpty()) System.out.println("second to last, median: " + later.get(later.size() / 2) + " ms");
        System.exit(0);
    }

    /** CPU time of every thread of the JVM (the JIT and the collector included): less moved by other processes than wall time. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
