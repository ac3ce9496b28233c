package io.portcullis.storage.sqlite;

import io.portcullis.storage.Store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the store in the file named by the first argument and creates keys from several threads
 * until killed, printing {@code key revision} on its own line once each create has returned.
 */
public final class CreateUntilKilled {
    public static void main(String[] args) throws InterruptedException {
        Store store = SqliteStore.open(Path.of(args[0]));
        int threads = Integer.parseInt(args[1]);
        System.out.println("open");
        System.out.flush();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread writer = new Thread(() -> {
                for (int i = 0; ; i++) {
                    String key = "/durable/" + id + "/" + i;
                    long revision = store.create(key, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)).modRevision();
                    synchronized (System.out) {
                        System.out.println(key + " " + revision);
                        System.out.flush();
                    }
                }
            });
            writer.start();
            writers.add(writer);
        }
        for (Thread w : writers) w.join();
    }
}
