package io.portcullis.pki;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A webhook's configuration file, in kube-apiserver's kubeconfig format: the first cluster's
 * server and certificate authority (file or -data, or insecure-skip-tls-verify), the first
 * user's client certificate and key (file or -data) and token. {@code tls} is null for http.
 */
public record WebhookConfig(URI server, SSLContext tls, String token) {

    /** Reads the file; any problem is an IllegalArgumentException naming the flag and the file. */
    public static WebhookConfig load(String flag, Path file) {
        try {
            JsonNode root = YAMLMapper.builder().build().readTree(Files.readString(file));
            JsonNode cluster = root.path("clusters").path(0).path("cluster");
            JsonNode user = root.path("users").path(0).path("user");
            String server = cluster.path("server").asString("");
            if (server.isEmpty()) throw new IllegalArgumentException("clusters[0].cluster.server is required");
            Path base = file.toAbsolutePath().getParent();
            URI uri = URI.create(server);
            SSLContext tls = "https".equals(uri.getScheme())
                    ? ClientTls.context(material(cluster, "certificate-authority", base), material(user, "client-certificate", base),
                            material(user, "client-key", base), cluster.path("insecure-skip-tls-verify").asBoolean(false))
                    : null;
            String token = user.path("token").asString("");
            return new WebhookConfig(uri, tls, token.isEmpty() ? null : token);
        } catch (Exception e) {
            throw new IllegalArgumentException(flag + " " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] material(JsonNode node, String field, Path base) throws java.io.IOException {
        String data = node.path(field + "-data").asString("");
        if (!data.isEmpty()) return Base64.getDecoder().decode(data.strip());
        String file = node.path(field).asString("");
        return file.isEmpty() ? null : Files.readAllBytes(base.resolve(file));
    }
}
