package io.portcullis.admission;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * The admission chain, as upstream's: the plugins in one order, the mutating phase of each in
 * that order, then the validating phase of each in that order.
 */
public final class Admission {
    /**
     * The plugins served here, in kube-apiserver's fixed order (its AllOrderedPlugins); the order of
     * --enable-admission-plugins does not matter. Both are on by default, as upstream.
     */
    public static final List<String> ORDER = List.of(NamespaceLifecycle.NAME, ServiceAccountAdmission.NAME);

    private final List<MutatingPlugin> mutating = new ArrayList<>();
    private final List<ValidatingPlugin> validating = new ArrayList<>();

    /** {@code plugins}: in the order they run; a plugin may take part in either phase or in both. */
    public Admission(List<? extends AdmissionPlugin> plugins) {
        for (AdmissionPlugin p : plugins) {
            if (p instanceof MutatingPlugin m) mutating.add(m);
            if (p instanceof ValidatingPlugin v) validating.add(v);
        }
    }

    public static Admission none() {
        return new Admission(List.of());
    }

    /**
     * The plugins to run, in {@link #ORDER}: those on by default and those enabled, less those
     * disabled. An unknown name, or one both enabled and disabled, is an IllegalArgumentException
     * naming the flag and the value.
     */
    public static List<String> enabled(List<String> enable, List<String> disable) {
        for (String name : enable) known("--enable-admission-plugins", name);
        for (String name : disable) {
            known("--disable-admission-plugins", name);
            if (enable.contains(name)) {
                throw new IllegalArgumentException("--enable-admission-plugins and --disable-admission-plugins both name " + name);
            }
        }
        return ORDER.stream().filter(name -> !disable.contains(name)).toList();
    }

    private static void known(String flag, String name) {
        if (!ORDER.contains(name)) {
            throw new IllegalArgumentException(flag + " " + name + ": unknown admission plugin (known: " + String.join(", ", ORDER) + ")");
        }
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
