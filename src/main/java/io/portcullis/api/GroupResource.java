package io.portcullis.api;

/** A resource within its API group; prints as upstream does: "pods", "roles.rbac.authorization.k8s.io". */
public record GroupResource(String group, String resource) {
    public GroupResource {
        group = group == null ? "" : group;
        resource = resource == null ? "" : resource;
    }

    public static GroupResource core(String resource) {
        return new GroupResource("", resource);
    }

    @Override
    public String toString() {
        return group.isEmpty() ? resource : resource + "." + group;
    }
}
