package io.portcullis.cli;

import io.portcullis.api.Json;
import io.portcullis.pki.IssuedCertificate;
import io.portcullis.pki.KeysAhead;
import io.portcullis.pki.Pem;
import io.portcullis.server.Server;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A server started inside another program (the JUnit extension), with the command line's flags,
 * and what a test asks of it. Its methods take and return JDK types only: the caller runs it in a
 * class loader of its own and reaches it by reflection, so that nothing of the server's
 * dependencies meets the caller's. What goes through the API goes as the admin, over HTTPS.
 */
public final class Embedded implements AutoCloseable {
    /** Client certificates issued for tests last as long as a test run may. */
    private static final Duration CLIENT_CERTIFICATE_VALIDITY = Duration.ofDays(1);
    private static final String FIELD_MANAGER = "portcullis-junit";

    private final Server server;
    /** Made on first use: a test that never applies YAML or asks for a ServiceAccount token never pays for its TLS setup. */
    private ApiClient admin;
    /** Kinds as discovery resolved them: the served kinds never change while the server runs. */
    private final Map<String, ApiClient.Resource> resolved = new java.util.concurrent.ConcurrentHashMap<>();

    private Embedded(Server server) {
        this.server = server;
    }

    /**
     * Starts a server with {@code flags} as {@code portcullis server} takes them ({@code --data-dir}
     * among them). IllegalArgumentException names a flag that is unknown or bad.
     */
    public static Embedded start(List<String> flags) throws IOException {
        KeysAhead.keepOneAhead();   // a test JVM starts one server after another
        Main.ServerCommand command = new Main.ServerCommand();
        try {
            new CommandLine(command).parseArgs(flags.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return new Embedded(Server.start(command.config()));
    }

    public String url() {
        return server.url();
    }

    private synchronized ApiClient admin() {
        if (admin == null) admin = ApiClient.load(server.kubeconfig());
        return admin;
    }

    /** The admin kubeconfig (portcullis-admin in system:masters, by client certificate). */
    public Path kubeconfig() {
        return server.kubeconfig();
    }

    /** The cluster CA's certificate, PEM: what a client trusts. */
    public String caCertificate() {
        return Pem.encode(server.pki().caCertificate());
    }

    /**
     * A client certificate (PEM) and its key (PEM, in the traditional form the admin kubeconfig
     * uses too: client libraries read it where some misread PKCS#8 EC keys) for {@code user} in
     * {@code groups}, signed by the cluster CA.
     */
    public List<String> clientCertificate(String user, List<String> groups) {
        if (user == null || user.isBlank()) throw new IllegalArgumentException("a client certificate needs a user name");
        IssuedCertificate issued = server.pki().certificateAuthority().issueClient(user, groups, CLIENT_CERTIFICATE_VALIDITY);
        return List.of(issued.certificatePem(), Pem.encodeTraditional(issued.privateKey()));
    }

    /**
     * A token of a TokenRequest for ServiceAccount {@code namespace/name}, valid {@code seconds};
     * the namespace and the ServiceAccount are created first when missing.
     */
    public String serviceAccountToken(String namespace, String name, long seconds) {
        ObjectNode ns = object("v1", "Namespace", namespace, null);
        createUnlessExists("/api/v1/namespaces", ns);
        createUnlessExists("/api/v1/namespaces/" + namespace + "/serviceaccounts", object("v1", "ServiceAccount", name, namespace));
        ObjectNode request = object("authentication.k8s.io/v1", "TokenRequest", null, null);
        request.putObject("spec").put("expirationSeconds", seconds);
        String token = admin().post("/api/v1/namespaces/" + namespace + "/serviceaccounts/" + name + "/token", request).path("status").path("token")
                .asString();
        server.awaitFresh();   // token lookups find the ServiceAccount just created
        return token;
    }

    /**
     * Applies every document of {@code yaml} in order (server-side apply, forced, as the admin);
     * a namespaced object without a namespace goes to {@code default}. Returns {@code kind
     * namespace/name} of each. IllegalArgumentException for a document that is not an object of a
     * served kind; an ApiClient failure carries the server's Status message. Returns once RBAC and
     * every other derived state has heard the objects.
     */
    public List<String> apply(String yaml) {
        List<ObjectNode> documents = new ArrayList<>();
        try {
            for (JsonNode d : new YAMLMapper().readValues(new YAMLMapper().createParser(yaml), JsonNode.class).readAll()) {
                if (d == null || d.isNull() || d.isMissingNode() || d.isEmpty()) continue;   // an empty document between ---
                if (!(d instanceof ObjectNode o)) throw new IllegalArgumentException("a manifest document is not an object: " + d);
                documents.add(o);
            }
        } catch (tools.jackson.core.JacksonException e) {
            throw new IllegalArgumentException("the manifest is not valid YAML: " + e.getOriginalMessage(), e);
        }
        List<String> applied = new ArrayList<>();
        for (ObjectNode d : documents) {
            String apiVersion = d.path("apiVersion").asString("");
            String kind = d.path("kind").asString("");
            String name = d.path("metadata").path("name").asString("");
            if (apiVersion.isEmpty() || kind.isEmpty() || name.isEmpty()) {
                throw new IllegalArgumentException("a manifest document needs apiVersion, kind and metadata.name: " + d);
            }
            String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            String qualified = group.isEmpty() ? kind : kind + "." + group;
            ApiClient.Resource r = resolved.get(qualified);
            if (r == null) {
                r = admin().resolve(qualified);
                if (r != null) resolved.put(qualified, r);
            }
            if (r == null) throw new IllegalArgumentException("the server does not serve kind " + kind + " of " + apiVersion + " (" + name + ")");
            String path = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
            String namespace = "";
            if (r.namespaced()) {
                namespace = d.path("metadata").path("namespace").asString("");
                if (namespace.isEmpty()) namespace = "default";
                path += "/namespaces/" + namespace;
            }
            path += "/" + r.resource() + "/" + name + "?fieldManager=" + FIELD_MANAGER + "&force=true";
            admin().patch(path, "application/apply-patch+yaml", d);
            applied.add(kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name);
        }
        server.awaitFresh();   // the RoleBindings just applied already grant
        return applied;
    }

    /** See {@link Server#reset()}. */
    public void reset() {
        server.reset();
    }

    /**
     * The least-privilege report on {@code subject} (a user name or
     * {@code system:serviceaccount:<namespace>:<name>}), as {@code portcullis least-privilege} prints it.
     */
    public String leastPrivilegeReport(String subject) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        LeastPrivilegeCommand.print(out, subject, leastPrivilegeReview(subject).path("status"));
        out.flush();
        return text.toString(StandardCharsets.UTF_8);
    }

    /**
     * What {@code subject} was denied, one map per distinct request: verb, group, resource,
     * subresource, namespace, name (a non-resource request: verb and path), and count.
     */
    public List<Map<String, String>> denied(String subject) {
        List<Map<String, String>> all = new ArrayList<>();
        for (JsonNode d : leastPrivilegeReview(subject).path("status").path("denied")) {
            Map<String, String> request = new LinkedHashMap<>();
            for (String field : List.of("verb", "group", "resource", "subresource", "namespace", "name", "path")) {
                request.put(field, d.path(field).asString(""));
            }
            request.put("count", Long.toString(d.path("denied").asLong()));
            all.add(request);
        }
        return all;
    }

    /** The least-privilege review's suggestion alone: the Roles and bindings, as YAML documents (empty when nothing is needed). */
    public String leastPrivilegeRoles(String subject) {
        JsonNode s = leastPrivilegeReview(subject).path("status").path("suggestion");
        List<JsonNode> objects = new ArrayList<>();
        for (String list : List.of("clusterRoles", "clusterRoleBindings", "roles", "roleBindings")) s.path(list).forEach(objects::add);
        return objects.isEmpty() ? "" : io.portcullis.authz.rbac.LeastPrivilege.yaml(objects);
    }

    private JsonNode leastPrivilegeReview(String subject) {
        ObjectNode review = object("policy.portcullis.io/v1alpha1", "LeastPrivilegeReview", null, null);
        review.putObject("spec").put("subject", subject);
        return admin().post(WhoCanCommand.API + "leastprivilegereviews", review);
    }

    private void createUnlessExists(String path, ObjectNode object) {
        try {
            admin().post(path, object);
        } catch (ApiClient.Failure e) {
            if (!e.getMessage().contains("(AlreadyExists)")) throw e;
        }
    }

    private static ObjectNode object(String apiVersion, String kind, String name, String namespace) {
        ObjectNode o = Json.object();
        o.put("apiVersion", apiVersion);
        o.put("kind", kind);
        if (name != null) {
            ObjectNode meta = o.putObject("metadata");
            meta.put("name", name);
            if (namespace != null) meta.put("namespace", namespace);
        }
        return o;
    }

    @Override
    public void close() {
        server.close();
    }
}
