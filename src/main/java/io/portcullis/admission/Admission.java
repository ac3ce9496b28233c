package io.portcullis.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import tools.jackson.databind.node.ObjectNode;

/**
 * The admission chain, as upstream's: the plugins in one order, the mutating phase of each in
 * that order, then the validating phase of each in that order.
 */
public final class Admission {
    /** Every admission plugin kube-apiserver 1.32 knows, in the fixed order it runs them (its AllOrderedPlugins). */
    public static final List<String> UPSTREAM_ORDER = List.of(
            "AlwaysAdmit", "NamespaceAutoProvision", NamespaceLifecycle.NAME, "NamespaceExists", "LimitPodHardAntiAffinityTopology",
            "LimitRanger", ServiceAccountAdmission.NAME, "NodeRestriction", "TaintNodesByCondition", "AlwaysPullImages",
            "ImagePolicyWebhook", "PodSecurity", "PodNodeSelector", "Priority", "DefaultTolerationSeconds", "PodTolerationRestriction",
            "EventRateLimit", "ExtendedResourceToleration", "DefaultStorageClass", "StorageObjectInUseProtection",
            "OwnerReferencesPermissionEnforcement", "PersistentVolumeClaimResize", "RuntimeClass", "CertificateApproval",
            "CertificateSigning", "ClusterTrustBundleAttest", "CertificateSubjectRestriction", "DefaultIngressClass",
            "DenyServiceExternalIPs", "MutatingAdmissionPolicy", "MutatingAdmissionWebhook", "ValidatingAdmissionPolicy",
            "ValidatingAdmissionWebhook", "ResourceQuota", "AlwaysDeny");

    /**
     * The plugins implemented here, in {@link #UPSTREAM_ORDER} (so the order of
     * --enable-admission-plugins does not matter). Both are on by default, as upstream.
     */
    public static final List<String> ORDER = List.of(NamespaceLifecycle.NAME, ServiceAccountAdmission.NAME);

    /**
     * The plugins that have nothing to do on this server, so that enabling one changes nothing, as
     * it would change nothing on a kube-apiserver with the same objects: AlwaysAdmit, and those that
     * act only on kinds not served here (nodes, volumes, certificates, ingresses, services) or follow
     * objects of kinds not served (LimitRanges, ResourceQuotas, webhook and policy configurations),
     * of which none can exist.
     */
    public static final List<String> NOTHING_TO_DO = List.of(
            "AlwaysAdmit", "LimitRanger", "TaintNodesByCondition", "DefaultStorageClass", "StorageObjectInUseProtection",
            "PersistentVolumeClaimResize", "CertificateApproval", "CertificateSigning", "ClusterTrustBundleAttest",
            "CertificateSubjectRestriction", "DefaultIngressClass", "DenyServiceExternalIPs", "MutatingAdmissionPolicy",
            "MutatingAdmissionWebhook", "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook", "ResourceQuota");

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
     * disabled. Every name kube-apiserver 1.32 knows may be disabled, and enabled when it is
     * implemented or has {@link #NOTHING_TO_DO}; any other name is an IllegalArgumentException,
     * worded as upstream's for an unknown name or both flags naming one plugin, and naming the
     * implemented plugins for one that would act on served kinds here but is not implemented.
     */
    public static List<String> enabled(List<String> enable, List<String> disable) {
        List<String> errors = new ArrayList<>();
        for (String name : enable) {
            if (!UPSTREAM_ORDER.contains(name)) {
                errors.add("enable-admission-plugins plugin \"" + name + "\" is unknown");
            } else if (!ORDER.contains(name) && !NOTHING_TO_DO.contains(name)) {
                errors.add("enable-admission-plugins plugin \"" + name + "\" is not implemented by this server (implemented: "
                        + String.join(", ", ORDER) + ")");
            }
        }
        for (String name : disable) {
            if (!UPSTREAM_ORDER.contains(name)) errors.add("disable-admission-plugins plugin \"" + name + "\" is unknown");
        }
        List<String> both = new TreeSet<>(enable).stream().filter(disable::contains).toList();
        if (!both.isEmpty()) {
            errors.add("[" + String.join(" ", both) + "] in enable-admission-plugins and disable-admission-plugins overlapped");
        }
        if (errors.size() == 1) throw new IllegalArgumentException(errors.get(0));
        if (!errors.isEmpty()) throw new IllegalArgumentException("[" + String.join(", ", errors) + "]");
        return ORDER.stream().filter(name -> !disable.contains(name)).toList();
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
