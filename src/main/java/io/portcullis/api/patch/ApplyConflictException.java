package io.portcullis.api.patch;

import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.portcullis.api.ApiException;
import io.portcullis.api.Statuses;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A server-side apply that would change fields other managers own: 409 Conflict, with the message and
 * causes of upstream's managedfields conflict.go:
 * <pre>
 * Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .metadata.labels.app
 *
 * Apply failed with 3 conflicts: conflicts with "a":
 * - .spec.x
 * - .spec.y
 * conflicts with "b" using v1:
 * - .spec.z
 * </pre>
 * A manager prints as its quoted name, then {@code with subresource "<s>"} when it wrote a subresource,
 * then {@code using <apiVersion>} when its operation was Update. Managers are sorted, and their paths
 * listed in field order. Each conflict is a cause
 * {@code {type: FieldManagerConflict, message: conflict with <manager>, field: <path>}}.
 */
public final class ApplyConflictException extends RuntimeException {

    /** One field another manager owns. */
    public record Conflict(String manager, String operation, String apiVersion, String subresource, FieldPath path) {
        /** The manager as upstream prints it. */
        public String printedManager() {
            String s = quote(manager);
            if (subresource != null && !subresource.isEmpty()) s += " with subresource " + quote(subresource);
            if ("Update".equals(operation)) s += " using " + apiVersion;
            return s;
        }

        /** The order upstream sorts managers in: their encoded identifier. */
        String identifier() {
            return manager + "\u0000" + operation + "\u0000" + (apiVersion == null ? "" : apiVersion) + "\u0000" + (subresource == null ? "" : subresource);
        }
    }

    private final transient List<Conflict> conflicts;

    ApplyConflictException(List<Conflict> conflicts) {
        super(message(sort(conflicts)), null, false, false);
        this.conflicts = sort(conflicts);
    }

    public List<Conflict> conflicts() { return conflicts; }

    public int code() { return 409; }

    public String reason() { return "Conflict"; }

    /** The 409 Status, details.causes one per conflict. */
    public ApiException toApiException() {
        List<StatusCause> causes = new ArrayList<>();
        for (Conflict c : conflicts) {
            causes.add(new StatusCause(c.path().toString(), "conflict with " + c.printedManager(), "FieldManagerConflict"));
        }
        StatusDetails details = new StatusDetails();
        details.setCauses(causes);
        return Statuses.of(409, "Conflict", getMessage(), details);
    }

    private static List<Conflict> sort(List<Conflict> conflicts) {
        List<Conflict> l = new ArrayList<>(conflicts);
        l.sort(Comparator.comparing(Conflict::identifier).thenComparing(Conflict::path));
        return List.copyOf(l);
    }

    private static String message(List<Conflict> conflicts) {
        if (conflicts.size() == 1) {
            Conflict c = conflicts.get(0);
            return "Apply failed with 1 conflict: conflict with " + c.printedManager() + ": " + c.path();
        }
        Map<String, List<Conflict>> byManager = new LinkedHashMap<>();
        for (Conflict c : conflicts) byManager.computeIfAbsent(c.identifier(), k -> new ArrayList<>()).add(c);
        List<String> lines = new ArrayList<>();
        for (List<Conflict> group : byManager.values()) {
            lines.add("conflicts with " + group.get(0).printedManager() + ":");
            for (Conflict c : group) lines.add("- " + c.path());
        }
        return "Apply failed with " + conflicts.size() + " conflicts: " + String.join("\n", lines);
    }

    /** Go's %q for the names that occur here. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) b.append(String.format("\\x%02x", (int) c));
                    else b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
