package io.portcullis.junit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A running Portcullis server for tests: its address, kubeconfigs for the admin, any user or any
 * ServiceAccount, manifests applied in one call, a fast reset, and what a subject was allowed and
 * denied. Made by {@link Portcullis}; {@link #start} is for tests that manage it themselves.
 */
public final class PortcullisServer implements AutoCloseable {
    /** How long a ServiceAccount token the extension requests is valid. */
    private static final long TOKEN_SECONDS = 24 * 3600;

    private final Path dir;
    private final Object embedded;
    private final List<String> flags;
    private int kubeconfigs;

    private PortcullisServer(Path dir, Object embedded, List<String> flags) {
        this.dir = dir;
        this.embedded = embedded;
        this.flags = flags;
    }

    /**
     * Starts a server on a new temporary directory, on 127.0.0.1 and a free port, with {@code flags}
     * as {@code portcullis server} takes them. IllegalArgumentException names a bad flag.
     */
    public static PortcullisServer start(String... flags) {
        for (String f : flags) {
            String name = f.contains("=") ? f.substring(0, f.indexOf('=')) : f;
            if (List.of("--data-dir", "--bind-address", "--secure-port").contains(name)) {
                throw new IllegalArgumentException(name + " is chosen by the extension (a temporary directory, 127.0.0.1, a free port)");
            }
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("portcullis-junit");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> args = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString(), "--bind-address", "127.0.0.1", "--secure-port", "0"));
        args.addAll(Arrays.asList(flags));
        try {
            ClassLoader loader = ServerRuntime.loader();
            Object embedded = inLoader(() -> loader.loadClass("io.portcullis.cli.Embedded").getMethod("start", List.class).invoke(null, args));
            return new PortcullisServer(dir, embedded, List.of(flags));
        } catch (RuntimeException | Error e) {
            ServerRuntime.delete(dir);
            throw e;
        }
    }

    /** The flags it was started with (besides the extension's own). */
    public List<String> flags() {
        return flags;
    }

    /** {@code https://127.0.0.1:<port>}. */
    public String url() {
        return (String) call("url");
    }

    /** The cluster CA's certificate (PEM), which the server's certificate is signed by. */
    public String caCertificate() {
        return (String) call("caCertificate");
    }

    /** The admin kubeconfig: user portcullis-admin in system:masters, by client certificate. */
    public Path kubeconfig() {
        return (Path) call("kubeconfig");
    }

    /** A kubeconfig for {@code user} in {@code groups}, by a client certificate the cluster CA issues now. */
    @SuppressWarnings("unchecked")
    public Path kubeconfigAsUser(String user, String... groups) {
        List<String> pair = (List<String>) call("clientCertificate", new Class<?>[] {String.class, List.class}, user, List.of(groups));
        return write("user-" + user, """
                  user:
                    client-certificate-data: %s
                    client-key-data: %s
                """.formatted(base64(pair.get(0)), base64(pair.get(1))));
    }

    /**
     * A kubeconfig for ServiceAccount {@code "namespace/name"} (created, with its namespace, when
     * missing), by a TokenRequest token; its context's namespace is the ServiceAccount's, as in a Pod.
     */
    public Path kubeconfigAsServiceAccount(String namespaceAndName) {
        String[] nn = serviceAccount(namespaceAndName);
        String token = (String) call("serviceAccountToken", new Class<?>[] {String.class, String.class, long.class}, nn[0], nn[1], TOKEN_SECONDS);
        return write("sa-" + nn[0] + "-" + nn[1], """
                  user:
                    token: %s
                """.formatted(token), nn[0]);
    }

    /**
     * Applies the YAML documents (server-side apply, as the admin, in order; a namespaced object
     * without a namespace goes to {@code default}) and returns {@code "Kind namespace/name"} of each,
     * once the server's RBAC has heard them: a RoleBinding applied grants from the next request on.
     */
    @SuppressWarnings("unchecked")
    public List<String> apply(String yaml) {
        return (List<String>) call("apply", new Class<?>[] {String.class}, yaml);
    }

    /** {@link #apply(String)} of a file. */
    public List<String> apply(Path manifest) {
        try {
            return apply(Files.readString(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest, e);
        }
    }

    /** {@link #apply(String)} of a class path resource ({@code "rbac/role.yaml"}, as the test's class loader finds it). */
    public List<String> applyResource(String name) {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        try (InputStream in = (cl != null ? cl : PortcullisServer.class.getClassLoader()).getResourceAsStream(name)) {
            if (in == null) throw new IllegalArgumentException("no class path resource " + name);
            return apply(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    /**
     * Back to a freshly started cluster: every namespace but default, kube-system, kube-public and
     * kube-node-lease removed with what it holds; in those, what the system keeps there; the
     * bootstrap RBAC policy restored; the access records cleared. Stop the code under test first.
     */
    public void reset() {
        call("reset");
    }

    /** What ServiceAccount {@code "namespace/name"} was allowed and denied since the last reset. */
    public Access accessOfServiceAccount(String namespaceAndName) {
        String[] nn = serviceAccount(namespaceAndName);
        return accessOf("system:serviceaccount:" + nn[0] + ":" + nn[1]);
    }

    /** What user {@code name} was allowed and denied since the last reset. */
    public Access accessOf(String user) {
        return new Access(user, this);
    }

    @SuppressWarnings("unchecked")
    List<Map<String, String>> denied(String subject) {
        return (List<Map<String, String>>) call("denied", new Class<?>[] {String.class}, subject);
    }

    String leastPrivilegeReport(String subject) {
        return (String) call("leastPrivilegeReport", new Class<?>[] {String.class}, subject);
    }

    String leastPrivilegeRoles(String subject) {
        return (String) call("leastPrivilegeRoles", new Class<?>[] {String.class}, subject);
    }

    /** Stops the server and deletes its directory. */
    @Override
    public void close() {
        try {
            call("close");
        } finally {
            ServerRuntime.delete(dir);
        }
    }

    @Override
    public String toString() {
        return "Portcullis " + url() + (flags.isEmpty() ? "" : " " + String.join(" ", flags));
    }

    private static String[] serviceAccount(String namespaceAndName) {
        String[] nn = namespaceAndName == null ? new String[0] : namespaceAndName.split("/", -1);
        if (nn.length != 2 || nn[0].isEmpty() || nn[1].isEmpty()) {
            throw new IllegalArgumentException("a ServiceAccount is \"namespace/name\", not \"" + namespaceAndName + "\"");
        }
        return nn;
    }

    private Path write(String name, String user) {
        return write(name, user, "default");
    }

    private synchronized Path write(String name, String user, String namespace) {
        String kubeconfig = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: portcullis
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: %s
                %scontexts:
                - name: portcullis
                  context:
                    cluster: portcullis
                    user: %s
                    namespace: %s
                current-context: portcullis
                """.formatted(url(), base64(caCertificate()), quoted(name), user, quoted(name), namespace);
        try {
            Path file = dir.resolve("kubeconfigs").resolve(name.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + (++kubeconfigs) + ".yaml");
            Files.createDirectories(file.getParent());
            Files.writeString(file, kubeconfig);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the temporary directory is the user's own
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private Object call(String method) {
        return call(method, new Class<?>[0]);
    }

    private Object call(String method, Class<?>[] types, Object... args) {
        return inLoader(() -> {
            Method m = embedded.getClass().getMethod(method, types);
            return m.invoke(embedded, args);
        });
    }

    private interface Reflective {
        Object run() throws ReflectiveOperationException;
    }

    /**
     * Runs with the server's class loader as the thread's context loader (threads the server starts
     * inherit it); a failure inside the server comes out as an exception of the JDK's own kind with
     * the server's message, since the server's exception classes mean nothing to the caller.
     */
    private static Object inLoader(Reflective action) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(ServerRuntime.loader());
        try {
            return action.run();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException) throw new IllegalArgumentException(cause.getMessage(), cause);
            if (cause instanceof IOException) throw new UncheckedIOException(new IOException(cause.getMessage(), cause));
            throw new IllegalStateException(cause.getMessage(), cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the packed server does not match this extension: " + e, e);
        } finally {
            t.setContextClassLoader(before);
        }
    }
}
