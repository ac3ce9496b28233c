import io.portcullis.junit.PortcullisServer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a test pays between two tests with the JUnit extension: a reset of a server holding what a
 * test typically leaves (namespaces with a ServiceAccount, RBAC and ConfigMaps), against stopping
 * it and starting a new one in the same JVM. Medians of ROUNDS, in ms. Run it as docs/benchmarks.md says.
 */
public class ResetVsStart {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        StringBuilder yaml = new StringBuilder();
        for (int n = 0; n < 5; n++) {
            yaml.append("apiVersion: v1\nkind: Namespace\nmetadata: {name: ns").append(n).append("}\n---\n");
            yaml.append("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: ns").append(n).append("}\n---\n");
            yaml.append("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: app, namespace: ns").append(n)
                    .append("}\nrules: [{apiGroups: [''], resources: [configmaps], verbs: [get]}]\n---\n");
            yaml.append("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: app, namespace: ns").append(n)
                    .append("}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: app}\n")
                    .append("subjects: [{kind: ServiceAccount, name: app, namespace: ns").append(n).append("}]\n---\n");
            for (int c = 0; c < 10; c++) {
                yaml.append("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm").append(c).append(", namespace: ns").append(n)
                        .append("}\ndata: {k: v}\n---\n");
            }
        }
        long t0 = System.nanoTime();
        PortcullisServer server = PortcullisServer.start();
        long first = System.nanoTime() - t0;
        List<Long> resets = new ArrayList<>();
        List<Long> restarts = new ArrayList<>();
        try {
            for (int i = 0; i < rounds; i++) {
                server.apply(yaml.toString());
                long t = System.nanoTime();
                server.reset();
                resets.add(System.nanoTime() - t);
            }
        } finally {
            server.close();
        }
        for (int i = 0; i < rounds; i++) {
            long t = System.nanoTime();
            PortcullisServer.start().close();
            restarts.add(System.nanoTime() - t);
        }
        System.out.printf("first server in this JVM: %d ms%n", first / 1_000_000);
        System.out.printf("reset after 65 objects in 5 namespaces: median %d ms (%s)%n", median(resets), ms(resets));
        System.out.printf("new server (start + stop), same JVM: median %d ms (%s)%n", median(restarts), ms(restarts));
    }

    static long median(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2) / 1_000_000;
    }

    static String ms(List<Long> nanos) {
        return String.join(" ", nanos.stream().map(n -> Long.toString(n / 1_000_000)).toList());
    }
}
