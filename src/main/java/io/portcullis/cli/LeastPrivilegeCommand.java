package io.portcullis.cli;

import io.portcullis.api.Json;
import io.portcullis.authz.rbac.LeastPrivilege;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * {@code portcullis least-privilege}: a LeastPrivilegeReview, printed as the suggested objects in
 * YAML (ready for {@code kubectl apply -f -}) followed, as YAML comments, by what the subject holds
 * and did not use and what it was denied.
 *
 * <p>With {@code --from-audit-log}, the requests come from audit logs instead of the server's
 * records, and the answer is made here by the same code the server runs, against a policy listed
 * from the server named by the kubeconfig (any Kubernetes API server: the caller must be allowed to
 * list the RBAC objects), or read from {@code --policy-file} without any server.
 */
@Command(name = "least-privilege", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Suggest the smallest Roles and bindings that allow what a subject was seen doing, "
                + "and show what it holds and did not use, and what it was denied.",
        footer = {"", "Examples:", "  portcullis least-privilege system:serviceaccount:prod:foo --since 24h",
                "  portcullis least-privilege alice -n prod", "  portcullis least-privilege system:serviceaccount:prod:foo | kubectl apply -f -"})
final class LeastPrivilegeCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

    @Parameters(index = "0", paramLabel = "SUBJECT", description = "A user name, or system:serviceaccount:NAMESPACE:NAME.")
    String subject;
    @Option(names = "--since", paramLabel = "DURATION", description = "Only requests seen in this last while: 30m, 24h, 1h30m (default: all recorded).")
    String since;
    @Option(names = {"-n", "--namespace"}, description = "Only requests in this namespace (default: all).")
    String namespace;
    @Option(names = "--kubeconfig", description = "The kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config).")
    Path kubeconfig;
    @Option(names = {"-o", "--output"}, description = "yaml or json: the whole LeastPrivilegeReview instead.")
    String output;
    @Option(names = "--from-audit-log", paramLabel = "FILE", split = ",", description = "Read the requests from these audit.k8s.io/v1 "
            + "JSON-lines logs (--audit-log-path of this server or of kube-apiserver; rotated backups and .gz files too, in any order) "
            + "instead of the server's records.")
    List<Path> auditLogs;
    @Option(names = "--policy-file", paramLabel = "FILE", description = "With --from-audit-log: the Roles, ClusterRoles and bindings "
            + "to judge against, as YAML or JSON (kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml), "
            + "instead of listing them from the server.")
    Path policyFile;

    @Override
    public Integer call() {
        PrintStream out = WhoCanCommand.stdout();
        try {
            if (output != null && !output.equals("yaml") && !output.equals("json")) {
                throw new ApiClient.Failure("error: unable to match a printer suitable for the output format \"" + output
                        + "\", allowed formats are: json,yaml");
            }
            if (policyFile != null && auditLogs == null) throw new ApiClient.Failure("error: --policy-file is only used with --from-audit-log");
            ObjectNode review = Json.object();
            review.put("apiVersion", "policy.portcullis.io/v1alpha1");
            review.put("kind", "LeastPrivilegeReview");
            ObjectNode spec = review.putObject("spec");
            spec.put("subject", subject);
            if (since != null) spec.put("sinceSeconds", seconds(since));
            if (namespace != null) spec.put("namespace", namespace);
            JsonNode answer;
            if (auditLogs == null) {
                answer = ApiClient.load(kubeconfig).post(WhoCanCommand.API + "leastprivilegereviews", review);
            } else {
                review.putObject("metadata");
                review.set("status", AuditLogReport.status(subject, auditLogs, since == null ? null : seconds(since), namespace,
                        policyFile, kubeconfig));
                answer = review;
            }
            if (output == null) print(out, subject, answer.path("status"));
            else if (output.equals("json")) out.print(new String(Json.pretty(Json.bytes(answer)), StandardCharsets.UTF_8) + "\n");
            else out.print(new YAMLMapper().writeValueAsString(answer));
            return 0;
        } catch (ApiClient.Failure e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    /** A Go duration of hours, minutes, seconds and milliseconds, as kubectl's --since takes it, in whole seconds (rounded up). */
    static long seconds(String duration) {
        Matcher m = DURATION.matcher(duration);
        double total = 0;
        int at = 0;
        while (at < duration.length() && m.find(at) && m.start() == at) {
            double n = Double.parseDouble(m.group(1));
            total += switch (m.group(2)) {
                case "h" -> n * 3600;
                case "m" -> n * 60;
                case "s" -> n;
                default -> n / 1000;
            };
            at = m.end();
        }
        if (duration.isEmpty() || at != duration.length()) {
            throw new ApiClient.Failure("error: invalid argument \"" + duration + "\" for \"--since\" flag: time: invalid duration \"" + duration + "\"");
        }
        return (long) Math.ceil(total);
    }

    /** The suggestion as YAML documents, then the unused permissions, the denials and the requests everybody may make, as comments. */
    static void print(PrintStream out, String subject, JsonNode status) {
        JsonNode s = status.path("suggestion");
        List<JsonNode> objects = new ArrayList<>();
        for (String list : List.of("clusterRoles", "clusterRoleBindings", "roles", "roleBindings")) s.path(list).forEach(objects::add);
        String window = status.has("since") ? " since " + status.path("since").asString() : "";
        int allowed = status.path("allowedRequests").asInt();
        if (objects.isEmpty()) {
            out.println("# Nothing to suggest for " + subject + ": of the " + allowed + " distinct requests it was allowed" + window
                    + ", none needs a Role of its own.");
        } else {
            out.println("# The least privilege for " + subject + ", from the " + allowed + " distinct requests it was allowed" + window + ".");
            out.println("# Apply it with kubectl apply -f -, then remove the bindings listed as unused below.");
            out.print(LeastPrivilege.yaml(objects));
        }
        out.println();
        JsonNode unused = status.path("unused");
        out.println(unused.isEmpty() ? "# Held and not used: nothing." : "# Held and not used (candidates to remove):");
        for (JsonNode u : unused) out.println("#   " + unused(u));
        JsonNode denied = status.path("denied");
        out.println(denied.isEmpty() ? "# Denied: nothing." : "# Denied:");
        for (JsonNode d : denied) {
            out.println("#   " + request(d) + " (" + times(d.path("denied").asLong()) + ", last " + d.path("lastSeen").asString() + ")");
        }
        JsonNode toAll = status.path("allowedToAll");
        if (!toAll.isEmpty()) {
            List<String> shown = new ArrayList<>();
            for (JsonNode r : toAll) shown.add(request(r));
            out.println("# Allowed to everybody (system:authenticated, system:unauthenticated or system:serviceaccounts), so in no Role above: " + String.join("; ", shown));
        }
        if (status.has("reason")) out.println("# Note: " + status.path("reason").asString());
    }

    private static String times(long n) {
        return n == 1 ? "once" : n + " times";
    }

    /** {@code RoleBinding prod/edit -> ClusterRole edit: create,delete on configmaps, secrets (used: get,list)}. */
    static String unused(JsonNode u) {
        JsonNode b = u.path("binding");
        String binding = b.path("kind").asString() + " " + (b.has("namespace") ? b.path("namespace").asString() + "/" : "") + b.path("name").asString();
        String role = u.path("roleRef").path("kind").asString() + " " + u.path("roleRef").path("name").asString();
        JsonNode rule = u.path("rule");
        List<String> what = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        rule.path("apiGroups").forEach(g -> groups.add(g.asString()));
        for (JsonNode r : rule.path("resources")) {
            for (String g : groups.isEmpty() ? List.of("") : groups) {
                what.add(g.isEmpty() ? r.asString() : r.asString() + "." + g);
            }
        }
        rule.path("nonResourceURLs").forEach(p -> what.add(p.asString()));
        String verbs = join(rule.path("verbs"), ",");
        boolean all = verbs.equals("*");
        if (all) verbs = u.has("usedVerbs") ? "every verb but " + join(u.path("usedVerbs"), ",") : "every verb";
        StringBuilder line = new StringBuilder(binding).append(" -> ").append(role).append(": ").append(verbs);
        line.append(" on ").append(String.join(", ", what));
        if (rule.has("resourceNames")) line.append(" named ").append(join(rule.path("resourceNames"), ", "));
        if (u.has("usedVerbs") && !all) line.append(" (used: ").append(join(u.path("usedVerbs"), ",")).append(')');
        return line.toString();
    }

    /** {@code patch secrets/app-secret in prod}, {@code get /healthz}. */
    static String request(JsonNode r) {
        if (r.has("path")) return r.path("verb").asString() + " " + r.path("path").asString();
        StringBuilder s = new StringBuilder(r.path("verb").asString()).append(' ').append(r.path("resource").asString());
        if (!r.path("group").asString("").isEmpty()) s.append('.').append(r.path("group").asString());
        if (r.has("subresource")) s.append('/').append(r.path("subresource").asString());
        if (r.has("name")) s.append(r.has("subresource") ? " of " : "/").append(r.path("name").asString());
        if (r.has("namespace")) s.append(" in ").append(r.path("namespace").asString());
        return s.toString();
    }

    private static String join(JsonNode values, String separator) {
        List<String> all = new ArrayList<>();
        values.forEach(v -> all.add(v.asString()));
        return String.join(separator, all);
    }
}
