package io.portcullis.storage.bench;

import io.portcullis.storage.Store;
import io.portcullis.storage.sqlite.SqliteStore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Durable creates per second from 16 threads, measured with 1,000 and with 50,000 objects already
 * stored. Arguments: [runs] [seconds per measurement] [directory]. Prints one line per measurement
 * and the medians.
 */
public final class CreateThroughput {
    private static final int THREADS = 16;
    private static final byte[] VALUE = ("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\","
            + "\"namespace\":\"default\"},\"data\":{\"k\":\"" + "v".repeat(400) + "\"}}").getBytes(StandardCharsets.UTF_8);

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        Path base = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("create-throughput");
        double[] small = new double[runs];
        double[] large = new double[runs];
        for (int run = 0; run < runs; run++) {
            Path file = base.resolve("run" + run + ".db");
            try (Store store = SqliteStore.open(file)) {
                AtomicInteger next = new AtomicInteger();
                fill(store, next, 1_000);
                small[run] = measure(store, next, seconds);
                fill(store, next, 50_000);
                large[run] = measure(store, next, seconds);
                System.out.printf("run %d: %.0f creates/s at 1,000 objects, %.0f creates/s at 50,000 objects%n",
                        run + 1, small[run], large[run]);
            }
        }
        System.out.printf("median: %.0f creates/s at 1,000 objects, %.0f creates/s at 50,000 objects (%d threads, %d runs)%n",
                median(small), median(large), THREADS, runs);
    }

    private static void fill(Store store, AtomicInteger next, int count) throws InterruptedException {
        run(store, next, () -> next.get() >= count);
    }

    private static double measure(Store store, AtomicInteger next, double seconds) throws InterruptedException {
        int before = next.get();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        run(store, next, () -> System.nanoTime() >= end);
        long elapsed = System.nanoTime() - start;
        return (next.get() - before) / (elapsed / 1e9);
    }

    private static void run(Store store, AtomicInteger next, java.util.function.BooleanSupplier done) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread thread = new Thread(() -> {
                while (!done.getAsBoolean()) {
                    store.create("/registry/configmaps/ns" + (next.get() % 50) + "/cm-" + next.getAndIncrement(), VALUE);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) t.join();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
