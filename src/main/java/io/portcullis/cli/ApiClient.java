package io.portcullis.cli;

import io.portcullis.api.Json;
import io.portcullis.pki.ClientTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The API server as a kubeconfig names it (current context: server, CA, client certificate or
 * token), for the commands that ask it questions: JSON in and out over HTTPS, errors as kubectl
 * prints them.
 */
final class ApiClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final String server;
    private final String token;
    private final String basic;
    private final String namespace;

    private ApiClient(HttpClient http, String server, String token, String basic, String namespace) {
        this.http = http;
        this.server = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
        this.token = token;
        this.basic = basic;
        this.namespace = namespace;
    }

    /** A failure the command reports and exits 1 on; the message is what kubectl would print. */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message);
        }
    }

    /** --kubeconfig, else the first file of $KUBECONFIG, else ~/.kube/config. */
    static ApiClient load(Path kubeconfig) {
        Path file = kubeconfig;
        if (file == null) {
            String env = System.getenv("KUBECONFIG");
            file = env != null && !env.isBlank() ? Path.of(env.split(java.io.File.pathSeparator)[0])
                    : Path.of(System.getProperty("user.home"), ".kube", "config");
        }
        JsonNode config;
        try {
            config = new YAMLMapper().readTree(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            throw new Failure("error: cannot read kubeconfig " + file + ": " + e.getMessage());
        }
        Path base = file.toAbsolutePath().getParent();
        String current = config.path("current-context").asString("");
        JsonNode context = named(config, "contexts", current, file).path("context");
        JsonNode cluster = named(config, "clusters", context.path("cluster").asString(""), file).path("cluster");
        JsonNode user = named(config, "users", context.path("user").asString(""), file).path("user");
        String server = cluster.path("server").asString("");
        if (server.isEmpty()) throw new Failure("error: kubeconfig " + file + ": the cluster of context \"" + current + "\" has no server");
        try {
            byte[] ca = bytes(cluster, "certificate-authority", base);
            byte[] cert = bytes(user, "client-certificate", base);
            byte[] key = bytes(user, "client-key", base);
            SSLContext tls = ClientTls.context(ca, cert, key, cluster.path("insecure-skip-tls-verify").asBoolean(false));
            String token = user.path("token").asString("");
            if (token.isEmpty() && user.has("tokenFile")) token = Files.readString(resolve(base, user.path("tokenFile").asString())).strip();
            String basic = user.has("username") ? Base64.getEncoder().encodeToString(
                    (user.path("username").asString() + ":" + user.path("password").asString("")).getBytes(StandardCharsets.UTF_8)) : null;
            HttpClient http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
            return new ApiClient(http, server, token.isEmpty() ? null : token, basic, context.path("namespace").asString("default"));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new Failure("error: kubeconfig " + file + ": " + e.getMessage());
        }
    }

    private static JsonNode named(JsonNode config, String list, String name, Path file) {
        for (JsonNode n : config.path(list)) if (n.path("name").asString("").equals(name)) return n;
        throw new Failure("error: kubeconfig " + file + ": no " + list.substring(0, list.length() - 1) + " named \"" + name + "\"");
    }

    /** A file's content, or the base64 of its {@code -data} form; null when neither is set. */
    private static byte[] bytes(JsonNode node, String field, Path base) throws IOException {
        if (node.has(field + "-data")) return Base64.getDecoder().decode(node.path(field + "-data").asString().strip());
        if (node.has(field)) return Files.readAllBytes(resolve(base, node.path(field).asString()));
        return null;
    }

    private static Path resolve(Path base, String file) {
        Path p = Path.of(file);
        return p.isAbsolute() || base == null ? p : base.resolve(p);
    }

    /** The kubeconfig context's namespace ("default" when it names none). */
    String namespace() {
        return namespace;
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path, JsonNode body) {
        return send("POST", path, body);
    }

    /** A PATCH of {@code contentType} (server-side apply: {@code application/apply-patch+yaml}). */
    JsonNode patch(String path, String contentType, JsonNode body) {
        return send("PATCH", path, body, contentType);
    }

    private JsonNode send(String method, String path, JsonNode body) {
        return send(method, path, body, "application/json");
    }

    private JsonNode send(String method, String path, JsonNode body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + path)).timeout(TIMEOUT).header("Accept", "application/json")
                .header("User-Agent", "portcullis-cli");
        if (token != null) b.header("Authorization", "Bearer " + token);
        else if (basic != null) b.header("Authorization", "Basic " + basic);
        if (body != null) b.header("Content-Type", contentType);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body)));
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Failure("Unable to connect to the server: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(r.body());
        } catch (RuntimeException e) {
            json = null;
        }
        if (r.statusCode() / 100 != 2) {
            String reason = json == null ? "" : json.path("reason").asString("");
            String message = json == null ? r.body() : json.path("message").asString(r.body());
            throw new Failure("Error from server" + (reason.isEmpty() ? "" : " (" + reason + ")") + ": " + message);
        }
        if (json == null) throw new Failure("error: the server answered " + path + " with something other than JSON");
        return json;
    }

    /** A resource as discovery names it. */
    record Resource(String group, String resource, boolean namespaced, List<String> verbs) {}

    /**
     * The served resource {@code name} means, as kubectl resolves it: by plural, singular, short
     * name or kind, optionally qualified by its group ({@code deployments.apps}); null when the
     * server serves none of that name.
     */
    Resource resolve(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        String group = null;
        int dot = wanted.indexOf('.');
        if (dot > 0) {
            group = wanted.substring(dot + 1);
            wanted = wanted.substring(0, dot);
        }
        List<String> groupVersions = new ArrayList<>();
        if (group == null || group.isEmpty() || group.equals("core")) groupVersions.add("v1");
        for (JsonNode g : get("/apis").path("groups")) {
            String gname = g.path("name").asString("");
            if (group == null || gname.equals(group)) groupVersions.add(g.path("preferredVersion").path("groupVersion").asString());
        }
        for (String gv : groupVersions) {
            JsonNode list = get(gv.equals("v1") ? "/api/v1" : "/apis/" + gv);
            for (JsonNode r : list.path("resources")) {
                String plural = r.path("name").asString("");
                if (plural.contains("/")) continue;
                boolean match = plural.equals(wanted) || r.path("singularName").asString("").equals(wanted)
                        || r.path("kind").asString("").toLowerCase(Locale.ROOT).equals(wanted);
                for (JsonNode s : r.path("shortNames")) match |= s.asString("").equals(wanted);
                if (!match) continue;
                List<String> verbs = new ArrayList<>();
                r.path("verbs").forEach(v -> verbs.add(v.asString()));
                return new Resource(gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "", plural, r.path("namespaced").asBoolean(), verbs);
            }
        }
        return null;
    }
}
