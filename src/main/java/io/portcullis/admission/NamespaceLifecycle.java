package io.portcullis.admission;

import io.portcullis.api.Statuses;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.node.ObjectNode;

/**
 * As upstream's NamespaceLifecycle: nothing is created in a namespace that does not exist or is
 * being terminated, and the namespaces the server depends on cannot be deleted. Like upstream's,
 * it checks in the mutating phase, changing nothing, so that it answers before the plugins after
 * it (a pod in a missing namespace is a 404 for the namespace, not the ServiceAccount plugin's 403).
 */
public final class NamespaceLifecycle implements MutatingPlugin {
    public static final String NAME = "NamespaceLifecycle";
    private static final Set<String> IMMORTAL = Set.of("default", "kube-system", "kube-public");

    private final Function<String, Optional<ObjectNode>> namespaces;

    /** {@code namespaces}: the namespace by name, as of the newest write. */
    public NamespaceLifecycle(Function<String, Optional<ObjectNode>> namespaces) {
        this.namespaces = namespaces;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean handles(Operation op) {
        return op == Operation.CREATE || op == Operation.DELETE;
    }

    @Override
    public ObjectNode admit(AdmissionRequest r) {
        String resource = r.type().resource();
        if (r.operation() == Operation.DELETE) {
            if (resource.equals("namespaces") && r.type().group().isEmpty() && IMMORTAL.contains(r.name())) {
                throw Statuses.forbidden(r.type().groupResource(), r.name(), "this namespace may not be deleted");
            }
            return r.object();
        }
        if (!r.type().namespaced() || r.namespace() == null || r.namespace().isEmpty()) return r.object();
        ObjectNode ns = namespaces.apply(r.namespace())
                .orElseThrow(() -> Statuses.notFound(io.portcullis.api.GroupResource.core("namespaces"), r.namespace()));
        boolean terminating = "Terminating".equals(ns.path("status").path("phase").asString(""))
                || ns.path("metadata").has("deletionTimestamp");
        if (terminating) {
            throw Statuses.forbidden(r.type().groupResource(), r.name(),
                    "unable to create new content in namespace " + r.namespace() + " because it is being terminated");
        }
        return r.object();
    }
}
