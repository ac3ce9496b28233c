package io.portcullis.junit;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Clients from a kubeconfig, for the libraries a test has: each library is touched only when a test
 * asks for its client, so a project with only one of them (or neither) never loads the other.
 */
final class Clients {
    static final String FABRIC8 = "io.fabric8.kubernetes.client.KubernetesClient";
    static final String OFFICIAL = "io.kubernetes.client.openapi.ApiClient";

    private Clients() {}

    static boolean supports(Class<?> type) {
        return type.getName().equals(FABRIC8) || type.getName().equals(OFFICIAL);
    }

    static Object of(Class<?> type, Path kubeconfig) {
        try {
            return type.getName().equals(FABRIC8) ? Fabric8.client(kubeconfig) : Official.client(kubeconfig);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + kubeconfig, e);
        }
    }

    private static final class Fabric8 {
        static Object client(Path kubeconfig) throws IOException {
            io.fabric8.kubernetes.client.Config config = io.fabric8.kubernetes.client.Config.fromKubeconfig(Files.readString(kubeconfig));
            return new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build();
        }
    }

    private static final class Official {
        static Object client(Path kubeconfig) throws IOException {
            try (Reader r = Files.newBufferedReader(kubeconfig)) {
                return io.kubernetes.client.util.Config.fromConfig(r);
            }
        }
    }
}
