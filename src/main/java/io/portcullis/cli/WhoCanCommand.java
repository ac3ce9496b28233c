package io.portcullis.cli;

import io.portcullis.api.Json;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** {@code portcullis who-can}: a WhoCanReview, asked of the server the kubeconfig names, printed as a table. */
@Command(name = "who-can", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show every subject allowed to make a request, and the binding, role and rule that allow it.",
        footer = {"", "Examples:", "  portcullis who-can get secrets -n prod", "  portcullis who-can create pods/exec -n prod",
                "  portcullis who-can get --non-resource-url /metrics"})
final class WhoCanCommand implements Callable<Integer> {
    static final String API = "/apis/policy.portcullis.io/v1alpha1/";

    @Parameters(index = "0", paramLabel = "VERB", description = "get, list, create, delete, impersonate, ... or *.")
    String verb;
    @Parameters(index = "1", arity = "0..1", paramLabel = "RESOURCE[/SUBRESOURCE]",
            description = "A resource as kubectl names it (pods, deploy, secrets/..., deployments.apps); not with --non-resource-url.")
    String resource;
    @Parameters(index = "2", arity = "0..1", paramLabel = "NAME", description = "One object's name.")
    String name;
    @Option(names = {"-n", "--namespace"}, description = "Namespace of the question (default: the kubeconfig context's, for a namespaced resource).")
    String namespace;
    @Option(names = {"-A", "--all-namespaces"}, description = "Ask cluster-wide, as for a list across all namespaces.")
    boolean allNamespaces;
    @Option(names = "--non-resource-url", paramLabel = "URL", description = "Ask about a path such as /metrics or /healthz instead of a resource.")
    String nonResourceUrl;
    @Option(names = "--kubeconfig", description = "The kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config).")
    Path kubeconfig;
    @Option(names = {"-o", "--output"}, description = "yaml or json: the whole WhoCanReview instead of a table.")
    String output;
    @Override
    public Integer call() {
        PrintStream out = stdout();
        try {
            if (output != null && !output.equals("yaml") && !output.equals("json")) {
                throw new ApiClient.Failure("error: unable to match a printer suitable for the output format \"" + output
                        + "\", allowed formats are: json,yaml");
            }
            ApiClient api = ApiClient.load(kubeconfig);
            ObjectNode review = review(api, verb, resource, name, namespace, allNamespaces, nonResourceUrl);
            JsonNode answer = api.post(API + "whocanreviews", review);
            if (output != null) {
                out.print(output.equals("json") ? new String(Json.pretty(Json.bytes(answer)), java.nio.charset.StandardCharsets.UTF_8) + "\n"
                        : new YAMLMapper().writeValueAsString(answer));
            } else {
                print(out, answer.path("status"));
            }
            return 0;
        } catch (ApiClient.Failure e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    /** The WhoCanReview that asks the question; the resource resolved through discovery. */
    static ObjectNode review(ApiClient api, String verb, String resource, String name, String namespace, boolean allNamespaces,
                             String nonResourceUrl) {
        ObjectNode review = Json.object();
        review.put("apiVersion", "policy.portcullis.io/v1alpha1");
        review.put("kind", "WhoCanReview");
        ObjectNode spec = review.putObject("spec");
        if (nonResourceUrl != null) {
            if (resource != null) throw new ApiClient.Failure("error: a RESOURCE cannot be given with --non-resource-url");
            ObjectNode nra = spec.putObject("nonResourceAttributes");
            nra.put("verb", verb);
            nra.put("path", nonResourceUrl);
            return review;
        }
        if (resource == null) throw new ApiClient.Failure("error: give a RESOURCE or --non-resource-url");
        ObjectNode ra = spec.putObject("resourceAttributes");
        ra.put("verb", verb);
        String sub = "";
        int slash = resource.indexOf('/');
        if (slash >= 0) {
            sub = resource.substring(slash + 1);
            resource = resource.substring(0, slash);
        }
        ApiClient.Resource r = resource.equals("*") ? null : api.resolve(resource);
        String group;
        boolean namespaced;
        if (r == null) {
            if (!resource.equals("*")) System.err.println("Warning: the server doesn't have a resource type '" + resource + "'");
            int dot = resource.indexOf('.');
            group = resource.equals("*") ? "*" : dot > 0 ? resource.substring(dot + 1) : "";
            resource = dot > 0 ? resource.substring(0, dot) : resource;
            namespaced = true;
        } else {
            group = r.group();
            resource = r.resource();
            namespaced = r.namespaced();
        }
        ra.put("group", group);
        ra.put("resource", resource);
        if (!sub.isEmpty()) ra.put("subresource", sub);
        if (name != null) ra.put("name", name);
        if (namespaced && !allNamespaces) ra.put("namespace", namespace != null ? namespace : api.namespace());
        return review;
    }

    static void print(PrintStream out, JsonNode status) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KIND", "NAME", "NAMESPACE", "VIA"});
        for (JsonNode g : status.path("privilegedGroups")) rows.add(new String[] {"Group", g.asString(), "-", "(allowed before RBAC)"});
        for (JsonNode s : status.path("subjects")) {
            for (JsonNode grant : s.path("grants")) {
                JsonNode b = grant.path("binding");
                String binding = b.path("kind").asString() + " " + (b.has("namespace") ? b.path("namespace").asString() + "/" : "")
                        + b.path("name").asString();
                String role = grant.path("roleRef").path("kind").asString() + " " + grant.path("roleRef").path("name").asString();
                rows.add(new String[] {s.path("kind").asString(), s.path("name").asString(), s.path("namespace").asString("-"),
                        binding + " -> " + role});
            }
        }
        table(out, rows);
        if (status.has("reason")) out.println("\nNote: " + status.path("reason").asString());
    }

    /** Standard output in UTF-8, whatever the locale: the tables print check marks. */
    static PrintStream stdout() {
        return new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Columns padded as kubectl's tables: three spaces between them. */
    static void table(PrintStream out, List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].codePointCount(0, r[i].length()));
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) line.append(" ".repeat(width[i] - r[i].codePointCount(0, r[i].length()) + 3));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
