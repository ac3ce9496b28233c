package io.portcullis.cli;

import io.portcullis.api.Json;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code portcullis access-matrix}: resources by verbs for one subject (an AccessMatrixReview), or
 * with {@code --subjects}, every subject by verbs for one resource (a WhoCanReview per verb).
 */
@Command(name = "access-matrix", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show what a subject may do to every resource (✔ allowed, ✗ forbidden, ~ only named objects), "
                + "or with --subjects who may do what to one resource.",
        footer = {"", "Examples:", "  portcullis access-matrix -n prod", "  portcullis access-matrix --sa prod:foo -n prod",
                "  portcullis access-matrix --as alice --as-group devs", "  portcullis access-matrix --subjects secrets -n prod"})
final class AccessMatrixCommand implements Callable<Integer> {
    static final List<String> VERBS = List.of("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection");

    @Option(names = "--as", paramLabel = "USER", description = "The user to show (authenticated: in system:authenticated). Default: yourself.")
    String as;
    @Option(names = "--as-group", paramLabel = "GROUP", description = "A group of --as; repeatable.")
    List<String> asGroups = new ArrayList<>();
    @Option(names = "--sa", paramLabel = "NS:NAME", description = "The ServiceAccount to show, with its groups.")
    String serviceAccount;
    @Option(names = "--subjects", description = "Every subject by verbs for RESOURCE instead.")
    boolean subjects;
    @Parameters(index = "0", arity = "0..1", paramLabel = "RESOURCE", description = "The resource of --subjects.")
    String resource;
    @Option(names = {"-n", "--namespace"}, description = "Namespace to show (default: cluster-wide, every resource).")
    String namespace;
    @Option(names = "--kubeconfig", description = "The kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config).")
    Path kubeconfig;

    @Override
    public Integer call() {
        PrintStream out = WhoCanCommand.stdout();
        try {
            if (as != null && serviceAccount != null) throw new ApiClient.Failure("error: --as and --sa cannot be given together");
            if (subjects != (resource != null)) throw new ApiClient.Failure("error: --subjects takes one RESOURCE, and a RESOURCE needs --subjects");
            ApiClient api = ApiClient.load(kubeconfig);
            if (subjects) bySubject(api, out);
            else byResource(api, out);
            return 0;
        } catch (ApiClient.Failure e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    private void byResource(ApiClient api, PrintStream out) {
        ObjectNode review = Json.object();
        review.put("apiVersion", "policy.portcullis.io/v1alpha1");
        review.put("kind", "AccessMatrixReview");
        ObjectNode spec = review.putObject("spec");
        if (namespace != null) spec.put("namespace", namespace);
        if (serviceAccount != null) {
            int colon = serviceAccount.indexOf(':');
            if (colon <= 0 || colon == serviceAccount.length() - 1) throw new ApiClient.Failure("error: --sa takes NAMESPACE:NAME, not \"" + serviceAccount + "\"");
            String ns = serviceAccount.substring(0, colon);
            spec.put("user", "system:serviceaccount:" + ns + ":" + serviceAccount.substring(colon + 1));
            spec.putArray("groups").add("system:serviceaccounts").add("system:serviceaccounts:" + ns).add("system:authenticated");
        } else if (as != null) {
            spec.put("user", as);
            ArrayNode groups = spec.putArray("groups");
            asGroups.forEach(groups::add);
            // as an authenticator would: every user but the anonymous one is authenticated
            groups.add(as.equals("system:anonymous") ? "system:unauthenticated" : "system:authenticated");
        } else if (!asGroups.isEmpty()) {
            throw new ApiClient.Failure("error: --as-group needs --as");
        }
        JsonNode status = api.post(WhoCanCommand.API + "accessmatrixreviews", review).path("status");
        List<String> verbs = new ArrayList<>();
        status.path("verbs").forEach(v -> verbs.add(v.asString()));
        List<String[]> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("NAME"));
        verbs.forEach(v -> header.add(v.toUpperCase(Locale.ROOT)));
        rows.add(header.toArray(String[]::new));
        for (JsonNode r : status.path("resources")) {
            List<String> row = new ArrayList<>();
            String group = r.path("group").asString("");
            row.add(r.path("resource").asString() + (group.isEmpty() ? "" : "." + group));
            for (String v : verbs) row.add(mark(r.path("access").path(v).asString("")));
            rows.add(row.toArray(String[]::new));
        }
        WhoCanCommand.table(out, rows);
        out.println();
        out.println("✔ allowed   ✗ forbidden   ~ only objects named in a rule (resourceNames)");
        if (status.has("evaluationError")) out.println("Note: " + status.path("evaluationError").asString());
    }

    private static String mark(String access) {
        return switch (access) {
            case "Allowed" -> "✔";
            case "Partial" -> "~";
            case "Forbidden" -> "✗";
            default -> "";
        };
    }

    private void bySubject(ApiClient api, PrintStream out) {
        if (as != null || serviceAccount != null || !asGroups.isEmpty()) {
            throw new ApiClient.Failure("error: --subjects shows every subject: --as, --as-group and --sa do not apply");
        }
        Map<String, Map<String, Boolean>> grid = new LinkedHashMap<>();
        String reason = null;
        for (String verb : VERBS) {
            ObjectNode review = WhoCanCommand.review(api, verb, resource, null, namespace, false, null);
            JsonNode status = api.post(WhoCanCommand.API + "whocanreviews", review).path("status");
            for (JsonNode g : status.path("privilegedGroups")) {
                grid.computeIfAbsent("Group\t" + g.asString() + "\t-", k -> new LinkedHashMap<>()).put(verb, true);
            }
            for (JsonNode s : status.path("subjects")) {
                String key = s.path("kind").asString() + "\t" + s.path("name").asString() + "\t" + s.path("namespace").asString("-");
                grid.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(verb, true);
            }
            if (status.has("reason")) reason = status.path("reason").asString();
        }
        List<String[]> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("KIND", "NAME", "NAMESPACE"));
        VERBS.forEach(v -> header.add(v.toUpperCase(Locale.ROOT)));
        rows.add(header.toArray(String[]::new));
        grid.forEach((key, allowed) -> {
            List<String> row = new ArrayList<>(List.of(key.split("\t")));
            for (String v : VERBS) row.add(allowed.getOrDefault(v, false) ? "✔" : "✗");
            rows.add(row.toArray(String[]::new));
        });
        WhoCanCommand.table(out, rows);
        if (reason != null) out.println("\nNote: " + reason);
    }
}
