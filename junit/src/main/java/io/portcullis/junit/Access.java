package io.portcullis.junit;

import java.util.List;
import java.util.Map;

/**
 * What one subject (a user, or {@code system:serviceaccount:<namespace>:<name>}) was allowed and
 * denied since the server started or was last reset, from the server's record of every
 * authorization decision: the same record and report as {@code portcullis least-privilege}.
 */
public final class Access {
    private final String subject;
    private final PortcullisServer server;

    Access(String subject, PortcullisServer server) {
        this.subject = subject;
        this.server = server;
    }

    public String subject() {
        return subject;
    }

    /** Each distinct request the subject was denied, in the order first seen. */
    public List<Denial> denials() {
        return server.denied(subject).stream().map(Access::denial).toList();
    }

    /** Fails, with the denials and the whole report, when the subject was denied anything. */
    public void assertNeverDenied() {
        List<Denial> denials = denials();
        if (denials.isEmpty()) return;
        StringBuilder message = new StringBuilder(subject).append(" was denied ").append(denials.size())
                .append(denials.size() == 1 ? " request:" : " distinct requests:");
        for (Denial d : denials) message.append("\n  ").append(d);
        message.append("\n\n").append(report());
        throw new AssertionError(message.toString());
    }

    /**
     * The least-privilege report: the smallest Roles and bindings that allow exactly what the
     * subject was allowed (YAML), then, as comments, what it holds and did not use and what it was denied.
     */
    public String report() {
        return server.leastPrivilegeReport(subject);
    }

    /** The report's Roles, ClusterRoles and bindings alone, as YAML documents ready to apply; empty when none is needed. */
    public String leastPrivilegeRoles() {
        return server.leastPrivilegeRoles(subject);
    }

    private static Denial denial(Map<String, String> m) {
        return new Denial(m.get("verb"), m.get("group"), m.get("resource"), m.get("subresource"), m.get("namespace"), m.get("name"),
                m.get("path"), Long.parseLong(m.get("count")));
    }

    /**
     * A request that was denied: verb, API group ("" for the core group), resource, subresource,
     * namespace and name, each "" when the request had none; a non-resource request has a path
     * instead. {@code count}: how often.
     */
    public record Denial(String verb, String group, String resource, String subresource, String namespace, String name, String path,
                         long count) {
        /** {@code patch secrets/app-secret in prod}, {@code list configmaps in demo}, {@code get /healthz}. */
        @Override
        public String toString() {
            if (!path.isEmpty()) return verb + " " + path;
            StringBuilder s = new StringBuilder(verb).append(' ').append(resource);
            if (!group.isEmpty()) s.append('.').append(group);
            if (!subresource.isEmpty()) s.append('/').append(subresource);
            if (!name.isEmpty()) s.append(subresource.isEmpty() ? "/" : " of ").append(name);
            if (!namespace.isEmpty()) s.append(" in ").append(namespace);
            return s.toString();
        }
    }
}
