package io.portcullis.api;

import com.google.protobuf.Message;
import io.portcullis.api.patch.PatchSchema;
import java.util.List;

/**
 * A served resource as discovery and the URL layout name it: plural resource within a
 * group/version, its kind, scope, verbs, short names, categories and subresources; the typed
 * model class its schema is read from, the list strategies patches follow, and the protobuf
 * message kubectl encodes it as (null for a kind served as JSON and YAML only, as upstream serves
 * custom resources: the project's own policy.portcullis.io kinds).
 */
public record ResourceType(String group, String version, String resource, String singular, String kind,
                           boolean namespaced, List<String> verbs, List<String> shortNames, List<String> categories,
                           List<Subresource> subresources, Class<?> model, PatchSchema patchSchema, Message protobuf) {

    public static final List<String> ALL_VERBS =
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
    public static final List<String> CREATE_ONLY = List.of("create");

    /**
     * A subresource; its kind may live in another group (serviceaccounts/token is an
     * authentication.k8s.io TokenRequest, with a model and a protobuf message of its own; both null
     * when the subresource's kind is the resource's).
     */
    public record Subresource(String name, String group, String version, String kind, List<String> verbs, Class<?> model,
                              Message protobuf) {
        public String apiVersion() {
            return group.isEmpty() ? version : group + "/" + version;
        }
    }

    public ResourceType {
        java.util.Objects.requireNonNull(model, "model");
        java.util.Objects.requireNonNull(patchSchema, "patchSchema");
        verbs = List.copyOf(verbs);
        shortNames = List.copyOf(shortNames);
        categories = List.copyOf(categories);
        subresources = List.copyOf(subresources);
    }

    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    public GroupResource groupResource() {
        return new GroupResource(group, resource);
    }

    public String listKind() {
        return kind + "List";
    }

    /** Stored kinds can be read; review-style kinds are create-only and never stored. */
    public boolean stored() {
        return verbs.contains("get");
    }

    public boolean hasSubresource(String name) {
        return subresources.stream().anyMatch(s -> s.name().equals(name));
    }

    /**
     * The storage key prefix of this resource, upstream's layout: {@code /registry/<resource>/} for
     * Kubernetes' own groups (so {@code etcdctl get --prefix /registry/serviceaccounts/} shows what an
     * operator expects), {@code /registry/<group>/<resource>/} for any other group, as upstream
     * stores custom resources.
     */
    public String keyPrefix() {
        return "/registry/" + (builtIn(group) ? "" : group + "/") + resource + "/";
    }

    /** Kubernetes' own API groups, whose resources upstream stores without the group in the key. */
    public static boolean builtIn(String group) {
        return group.isEmpty() || group.endsWith(".k8s.io") || List.of("apps", "batch", "autoscaling", "policy", "extensions").contains(group);
    }

    public String key(String namespace, String name) {
        return namespaced ? keyPrefix() + namespace + "/" + name : keyPrefix() + name;
    }

    /** The prefix that holds one namespace's objects, or every object when the namespace is empty. */
    public String prefix(String namespace) {
        return namespaced && namespace != null && !namespace.isEmpty() ? keyPrefix() + namespace + "/" : keyPrefix();
    }
}
