package io.portcullis.authz.bench;

import io.portcullis.authn.UserInfo;
import io.portcullis.authz.AccessRecorder;
import io.portcullis.authz.Attributes;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The recorder filled to its default bounds (every subject at its bound of distinct requests, names
 * and namespaces as a workload would give them): heap used, and the time and size of a save and a load.
 * Run: java -Xmx2g -cp target/test-classes:target/classes:$(cat target/cp-test.txt) io.portcullis.authz.bench.AccessRecorderFootprint
 */
public final class AccessRecorderFootprint {
    public static void main(String[] args) throws Exception {
        Runtime rt = Runtime.getRuntime();
        settle();
        long before = rt.totalMemory() - rt.freeMemory();
        AccessRecorder r = AccessRecorder.bounded();
        int subjects = AccessRecorder.DEFAULT_MAX_SUBJECTS;
        int requests = AccessRecorder.DEFAULT_MAX_REQUESTS_PER_SUBJECT;
        for (int s = 0; s < subjects; s++) {
            String ns = "team-" + (s % 50);
            UserInfo u = UserInfo.of("system:serviceaccount:" + ns + ":worker-" + s, "system:serviceaccounts",
                    "system:serviceaccounts:" + ns, "system:authenticated");
            for (int e = 0; e < requests; e++) {
                r.record(new Attributes(u, e % 3 == 0 ? "get" : "patch", true, new String(ns), e % 2 == 0 ? "" : "apps", "v1",
                        e % 2 == 0 ? "configmaps" : "deployments", "", "object-name-" + e, ""), true);
            }
        }
        settle();
        long after = rt.totalMemory() - rt.freeMemory();
        System.out.printf("%d subjects x %d requests: %.1f MB of heap%n", subjects, requests, (after - before) / 1e6);
        Path file = Files.createTempDirectory("access-records").resolve("access-records.json");
        long t = System.nanoTime();
        r.save(file);
        System.out.printf("save: %.0f ms, %.1f MB%n", (System.nanoTime() - t) / 1e6, Files.size(file) / 1e6);
        t = System.nanoTime();
        AccessRecorder.bounded().load(file);
        System.out.printf("load: %.0f ms%n", (System.nanoTime() - t) / 1e6);
        Files.delete(file);
        Files.delete(file.getParent());
    }

    private static void settle() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }
}
