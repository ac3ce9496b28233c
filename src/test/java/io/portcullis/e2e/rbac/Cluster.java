package io.portcullis.e2e.rbac;

import io.portcullis.api.Json;
import io.portcullis.pki.Pem;
import io.portcullis.server.Server;
import io.portcullis.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * One embedded server with token-file users, driven the way a user would: the real kubectl, and
 * plain HTTPS as the admin (client certificate from the admin kubeconfig) or as nobody.
 */
final class Cluster implements AutoCloseable {
    private static final String KUBECTL = "/usr/bin/kubectl";
    private static final Duration KUBECTL_TIMEOUT = Duration.ofSeconds(30);

    private final Server server;
    private final Path home;
    private final Path tokenKubeconfig;
    private final HttpClient admin;
    private final HttpClient anonymous;

    private Cluster(Server server, Path home) throws Exception {
        this.server = server;
        this.home = home;
        JsonNode kubeconfig = new YAMLMapper().readTree(Files.readString(server.kubeconfig()));
        JsonNode cluster = kubeconfig.get("clusters").get(0).get("cluster");
        JsonNode user = kubeconfig.get("users").get(0).get("user");
        X509Certificate ca = Pem.parseCertificates(decode(cluster, "certificate-authority-data")).get(0);
        List<X509Certificate> chain = Pem.parseCertificates(decode(user, "client-certificate-data"));
        Path keyFile = Files.writeString(home.resolve("admin.key"), decode(user, "client-key-data"));
        PrivateKey key = Pem.readPrivateKey(keyFile);
        this.admin = client(tls(ca, chain, key));
        this.anonymous = client(tls(ca, null, null));
        this.tokenKubeconfig = home.resolve("token.kubeconfig");
        Files.writeString(tokenKubeconfig, """
                apiVersion: v1
                kind: Config
                current-context: token
                clusters:
                - name: portcullis
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: token
                  user: {}
                contexts:
                - name: token
                  context:
                    cluster: portcullis
                    user: token
                    namespace: default
                """.formatted(server.url(), cluster.get("certificate-authority-data").asString()));
    }

    /** Starts a server in {@code dir} whose --token-auth-file holds {@code tokenCsv}. */
    static Cluster start(Path dir, String tokenCsv) throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens.csv"), tokenCsv);
        Path home = Files.createDirectories(dir.resolve("home"));
        return new Cluster(Server.start(ServerConfig.embedded(dir.resolve("data")).withAuthentication(a -> a.withTokenAuthFile(tokens))), home);
    }


    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /** The admin kubeconfig (client certificate, system:masters). */
    Path adminKubeconfig() {
        return server.kubeconfig();
    }

    /** A kubeconfig whose user is a --token-auth-file token. */
    Path kubeconfigFor(String token) throws IOException {
        String config = Files.readString(tokenKubeconfig).replace("  user: {}", "  user:\n    token: " + token);
        return Files.writeString(home.resolve(token + ".kubeconfig"), config);
    }

    /** kubectl with the admin kubeconfig (client certificate, system:masters). */
    Run kubectl(String... args) {
        return run(server.kubeconfig(), null, args);
    }

    /** kubectl --token=token with a kubeconfig that carries no client certificate. */
    Run kubectlAs(String token, String... args) {
        List<String> all = new ArrayList<>();
        all.add("--token=" + token);
        all.addAll(List.of(args));
        return run(tokenKubeconfig, null, all.toArray(String[]::new));
    }

    /** kubectl with the admin kubeconfig reading {@code stdin}. */
    Run kubectlWithInput(String stdin, String... args) {
        return run(server.kubeconfig(), stdin, args);
    }

    private Run run(Path kubeconfig, String stdin, String... args) {
        try {
            List<String> command = new ArrayList<>();
            command.add(KUBECTL);
            command.addAll(List.of(args));
            Path out = Files.createTempFile(home, "out", ".txt");
            Path err = Files.createTempFile(home, "err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
            pb.environment().put("HOME", home.toString());
            if (stdin != null) {
                pb.redirectInput(Files.writeString(Files.createTempFile(home, "in", ".yaml"), stdin).toFile());
            } else {
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            Process p = pb.start();
            if (!p.waitFor(KUBECTL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within " + KUBECTL_TIMEOUT);
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("running kubectl " + String.join(" ", args), e);
        }
    }

    record Response(int status, String body) {
        JsonNode json() {
            return Json.MAPPER.readTree(body);
        }

        String message() {
            return json().path("message").asString();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    /** An HTTPS request with the admin's client certificate; body is JSON or null. */
    Response asAdmin(String method, String path, Object body) {
        return send(admin, null, method, path, "application/json", body);
    }

    /** An HTTPS request with no credentials at all. */
    Response anonymously(String method, String path) {
        return send(anonymous, null, method, path, null, null);
    }

    /** An HTTPS request with a --token-auth-file token and no client certificate; body is JSON or null. */
    Response withToken(String token, String method, String path, String body) {
        return withToken(token, method, path, "application/json", body);
    }

    /** An HTTPS request with a --token-auth-file token and no client certificate; body is sent as contentType. */
    Response withToken(String token, String method, String path, String contentType, String body) {
        return send(anonymous, token, method, path, contentType, body);
    }

    private Response send(HttpClient client, String token, String method, String path, String contentType, Object body) {
        String json = body == null ? null : body instanceof String s ? s : Json.string(body);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20))
                .header("Accept", "application/json");
        if (json != null) b.header("Content-Type", contentType);
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(method + " " + path, e);
        }
    }

    /** {@code getJSON} of a path as the admin, which must succeed. */
    JsonNode get(String path) {
        Response r = asAdmin("GET", path, null);
        if (r.status() != 200) throw new AssertionError("GET " + path + ": " + r);
        return r.json();
    }

    static ObjectNode parse(String json) {
        return (ObjectNode) Json.MAPPER.readTree(json);
    }

    @Override
    public void close() {
        server.close();
    }

    private static String decode(JsonNode node, String field) {
        return new String(Base64.getDecoder().decode(node.get(field).asString()), StandardCharsets.UTF_8);
    }

    private static SSLContext tls(X509Certificate ca, List<X509Certificate> chain, PrivateKey key) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (key != null) {
            char[] password = "changeit".toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("admin", key, password, chain.toArray(X509Certificate[]::new));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    private static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }
}
