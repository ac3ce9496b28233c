package io.portcullis.pki;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/** kubeconfig files for kubectl and client libraries, with certificates and keys embedded. */
public final class Kubeconfig {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
            .build();

    private Kubeconfig() {}

    /**
     * Writes (mode 0600) a kubeconfig whose only context, {@code contextName}, uses the client
     * certificate against {@code serverUrl}, trusts {@code ca}, and defaults to namespace default.
     * The cluster and user entries are named after the context.
     */
    public static void writeAdmin(Path file, String serverUrl, X509Certificate ca, X509Certificate clientCert,
                                  PrivateKey clientKey, String contextName) throws IOException {
        SecureFiles.writePrivate(file, admin(serverUrl, ca, clientCert, clientKey, contextName));
    }

    /** The YAML text {@link #writeAdmin} writes. */
    public static String admin(String serverUrl, X509Certificate ca, X509Certificate clientCert,
                               PrivateKey clientKey, String contextName) {
        ObjectNode root = YAML.createObjectNode();
        root.put("apiVersion", "v1");
        root.put("kind", "Config");
        root.put("current-context", contextName);
        root.putObject("preferences");

        ArrayNode clusters = root.putArray("clusters");
        ObjectNode cluster = clusters.addObject();
        cluster.put("name", contextName);
        ObjectNode c = cluster.putObject("cluster");
        c.put("server", serverUrl);
        c.put("certificate-authority-data", base64(Pem.encode(ca)));

        ArrayNode users = root.putArray("users");
        ObjectNode user = users.addObject();
        user.put("name", contextName);
        ObjectNode u = user.putObject("user");
        u.put("client-certificate-data", base64(Pem.encode(clientCert)));
        u.put("client-key-data", base64(Pem.encodeTraditional(clientKey, clientCert.getPublicKey())));

        ArrayNode contexts = root.putArray("contexts");
        ObjectNode context = contexts.addObject();
        context.put("name", contextName);
        ObjectNode ctx = context.putObject("context");
        ctx.put("cluster", contextName);
        ctx.put("user", contextName);
        ctx.put("namespace", "default");
        return YAML.writeValueAsString(root);
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));
    }
}
