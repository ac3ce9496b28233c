package io.portcullis.storage.encryption;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What encryption itself costs per value, without HTTP: one write (encrypt) and one read (decrypt)
 * of a 460-byte Secret through each provider, in a loop; prints the median of several batches in
 * microseconds. Run:
 *   java -cp target/test-classes:target/classes:$(cat target/cp-test.txt) io.portcullis.storage.encryption.TransformCost
 */
public final class TransformCost {
    public static void main(String[] args) throws Exception {
        byte[] value = ("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\",\"namespace\":\"team\",\"uid\":\"0b6c5f8e-5d1e-4a0e-9c55-"
                + "3f1e2b7c9d01\",\"creationTimestamp\":\"2026-12-01T00:00:00Z\"},\"type\":\"Opaque\",\"data\":{\"username\":\"YWRtaW4=\","
                + "\"password\":\"" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=".repeat(8) + "\"}}").getBytes(StandardCharsets.UTF_8);
        byte[] context = "/registry/secrets/team/db".getBytes(StandardCharsets.UTF_8);
        byte[] key = new byte[32];
        Path dir = Files.createTempDirectory("transform-cost");
        TestKmsPlugin plugin = TestKmsPlugin.start(dir.resolve("kms.sock"));
        KmsV2 kms = KmsV2.start("bench", dir.resolve("kms.sock"), Duration.ofSeconds(3));
        Map<String, Transformer> all = new LinkedHashMap<>();
        all.put("identity", Identity.INSTANCE);
        all.put("aescbc", new AesCbc("key1", key));
        all.put("aesgcm", new AesGcm("key1", key));
        all.put("secretbox", new Secretbox("key1", key));
        all.put("kms v2", kms);
        System.out.println("value " + value.length + " bytes");
        System.out.println("| provider | write µs (median of 9) | read µs (median of 9) |");
        System.out.println("|---|---|---|");
        for (Map.Entry<String, Transformer> t : all.entrySet()) {
            Providers p = new Providers(List.of(t.getValue()));
            List<Double> writes = new ArrayList<>();
            List<Double> reads = new ArrayList<>();
            byte[] stored = p.write(value, context);
            for (int batch = 0; batch < 12; batch++) {
                int n = 20_000;
                long start = System.nanoTime();
                for (int i = 0; i < n; i++) stored = p.write(value, context);
                long mid = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    if (p.read(stored, context).value().length != value.length) throw new AssertionError();
                }
                long end = System.nanoTime();
                if (batch >= 3) {   // the first batches warm the JIT
                    writes.add((mid - start) / 1e3 / n);
                    reads.add((end - mid) / 1e3 / n);
                }
            }
            System.out.printf("| %s | %.2f | %.2f |%n", t.getKey(), median(writes), median(reads));
        }
        kms.close();
        plugin.close();
        System.exit(0);
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
