package io.portcullis.admission;

import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/** The admission chain: mutating plugins in order, then validating plugins in order. */
public final class Admission {
    private final List<MutatingPlugin> mutating;
    private final List<ValidatingPlugin> validating;

    public Admission(List<MutatingPlugin> mutating, List<ValidatingPlugin> validating) {
        this.mutating = List.copyOf(mutating);
        this.validating = List.copyOf(validating);
    }

    public static Admission none() {
        return new Admission(List.of(), List.of());
    }

    public ObjectNode mutate(AdmissionRequest request) {
        AdmissionRequest r = request;
        for (MutatingPlugin p : mutating) {
            if (!p.handles(r.operation())) continue;
            ObjectNode out = p.admit(r);
            if (out == null && r.object() != null) throw new IllegalStateException("admission plugin " + p.name() + " returned null");
            r = new AdmissionRequest(r.operation(), r.type(), r.subresource(), r.namespace(), r.name(), out, r.oldObject(), r.user(), r.dryRun());
        }
        return r.object();
    }

    public void validate(AdmissionRequest request) {
        for (ValidatingPlugin p : validating) {
            if (p.handles(request.operation())) p.validate(request);
        }
    }
}
